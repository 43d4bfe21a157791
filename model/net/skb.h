// model/net/skb.h
//
// sk_buffs as far as pages travel in them (spec §1.7), and the stack that holds them:
// a bounded set of skbs delivered up (socket receive queues, the defrag queue) that are
// freed later, on any CPU, in softirq or process context.
// Models: net/core/skbuff.c (build_skb, skb_mark_for_recycle, skb_clone,
// skb_release_data, kfree_skb / napi_consume_skb, pskb_expand_head, skb_try_coalesce,
// skb_pp_frag_ref), napi_pp_put_page().
//
// A frag holds a pp reference when the skb is marked pp_recycle and the page is a pp
// page, else a page reference (the frag ownership invariant, spec §1.7). The frags live in
// the shared info, released once by the last dataref holder; each frag remembers which
// kind of reference it holds, and the release checks it drops that kind (P9).
// - skb_try_coalesce(to, from) refuses when to is cloned or when pp_recycle differs;
//   otherwise it steals from's frags (kinds unchanged) or, from a cloned from whose shinfo
//   it cannot steal, takes a new reference on each frag of the kind `to` drops: a pp
//   reference on a pp page of a pp_recycle skb (skb_pp_frag_ref), else a page reference.
//   That is 6.12's behaviour (read from Debian's 6.12.117 and confirmed by the KUnit export,
//   corpus/kernel/coalesce_cloned_pp.trace); kernels between 1effe8ca4e34 and
//   skb_pp_frag_ref refused a cloned pp_recycle from instead. Both keep the invariant.
// - pskb_expand_head() of a cloned skb gives it a private shinfo whose frags hold new page
//   references, and drops its share of the old shinfo with skb_release_data(), which
//   clears pp_recycle on an skb that drops a share other than the last, so the invariant
//   holds (6.12, confirmed by corpus/kernel/expand_head_freed_first.trace).
// Simplifications: up to four frags per skb, each a whole pool page or buffer; no
// segmentation or trimming.
#pragma once

#include <boost/container/static_vector.hpp>

#include <cstdint>

#include "model/core/wired.h"
#include "model/net/page_pool.h"

namespace inflight {

inline constexpr int kMaxSkbs = 16;

struct SkbFrag {
  PageId page;
  bool pp_ref = false;  // the reference held is a pp reference (else a page reference)
};
inline constexpr size_t kMaxFrags = 4;

struct SkbShinfo {
  boost::container::static_vector<SkbFrag, kMaxFrags> frags;
  uint32_t dataref = 1;  // kernel: shinfo->dataref
  template <class H>
  void hash_state(H& h) const {
    h(frags), h(dataref);
  }
};
using ShinfoId = Handle<SkbShinfoTag>;

struct Skb {
  ShinfoId shinfo;
  bool pp_recycle = false;  // kernel: skb->pp_recycle
};

class Skbs {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    if (!h.renames(HandleKind::shinfo)) h(shinfos_);  // else one by one, last (hash_shinfo)
    h(held_);
  }
  template <class H>
  void hash_shinfo(H& h, uint16_t slot) const {
    shinfos_.hash_slot(h, slot);
  }
  template <class H>
  void hash_tables(H& h) const {
    h.table(shinfos_);
  }

  Skbs(Kernel& kernel, Oracle& oracle, PageAllocator& pages, PagePools& pools)
      : kernel_(kernel), oracle_(oracle), pages_(pages), pools_(pools) {}

  bool full() const { return held_.size() == held_.capacity() || shinfos_.full(); }
  size_t held() const { return held_.size(); }
  // The held skb at `index` and its shinfo (what the KUnit exporter reads).
  const Skb& held_at(size_t index) const { return held_[index]; }
  const SkbShinfo& shinfo(const Skb& skb) const { return shinfos_[skb.shinfo]; }
  template <class F>
  void for_each_shinfo(F&& f) const {
    shinfos_.for_each([&](ShinfoId id, const SkbShinfo&) { f(id); });
  }

  // Models: build_skb() around `page` + skb_mark_for_recycle() when `recycle`; the skb is
  // handed up the stack (netif_receive_skb) and held there.
  void build_and_deliver(PageId page, bool recycle, std::string_view actor);
  // Models: skb_clone(): a second header sharing the shinfo.
  bool clone(uint8_t pick);
  // Models: pskb_expand_head() of a held skb (a no-op unless it is cloned).
  bool expand_head(uint8_t pick);
  // Models: skb_try_coalesce(to, from); from is consumed when it succeeds.
  bool coalesce(uint8_t to_pick, uint8_t from_pick);
  // Whether those picks name two distinct held skbs that skb_try_coalesce() would refuse: a
  // refused coalesce changes nothing but the producer locks it lets go of.
  bool coalesce_refused(uint8_t to_pick, uint8_t from_pick) const;
  // Whether the picked skb is held and its shared info is its own (no clone shares it):
  // pskb_expand_head() then has nothing to copy.
  bool shinfo_private(uint8_t pick) const;
  // Models: kfree_skb() of a held skb on the current CPU and context.
  bool would_block(uint8_t pick) const;
  bool free(uint8_t pick, bool split);
  // Whether freeing the picked skb may give a page back to its pool past the page's last
  // pp reference: only there do the CPU and context decide anything (direct recycling,
  // which ring lock variant). False when the shinfo is shared, the skb does not recycle, or
  // every pool page among its frags keeps a pp reference after the skb's puts.
  bool free_may_recycle(uint8_t pick) const;
  void free_all();

 private:
  // The shared info a free of the picked skb releases as pp puts (a recycling skb holding
  // the last share), or nullptr.
  const SkbShinfo* pp_release(uint8_t pick) const;
  void release_data(const Skb& skb, bool split);

  Wired<Kernel> kernel_;
  Wired<Oracle> oracle_;
  Wired<PageAllocator> pages_;
  Wired<PagePools> pools_;
  Table<SkbShinfo, kMaxSkbs, SkbShinfoTag> shinfos_;
  boost::container::static_vector<Skb, kMaxSkbs> held_;
};

}  // namespace inflight
