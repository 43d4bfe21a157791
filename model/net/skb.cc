#include "model/net/skb.h"

#include <fmt/format.h>

#include <algorithm>

namespace inflight {

namespace {
constexpr std::string_view kActor = "skb_release_data";
constexpr std::string_view kNoSkb = "the stack holds no skb";
}

void Skbs::build_and_deliver(PageId page, bool recycle, std::string_view actor) {
  MODEL_ASSERT(!full());
  const ShinfoId shinfo = shinfos_.alloc();
  shinfos_[shinfo].frags.push_back(SkbFrag{page, recycle && oracle_->pp_owner(page) != 0});
  held_.push_back(Skb{shinfo, recycle});
  oracle_->hand(page, "an skb up the stack");
  kernel_->log("{}: build_skb on page {}{} -> skb {} up the stack", actor, page.slot,
              recycle ? " + skb_mark_for_recycle" : "", held_.size() - 1);
}

bool Skbs::clone(uint8_t pick) {
  if (held_.empty()) return kernel_->skip(kNoSkb);
  if (held_.size() == held_.capacity())
    return kernel_->skip("the stack holds as many skbs as it can");
  const Skb skb = held_[pick % held_.size()];
  shinfos_[skb.shinfo].dataref++;
  held_.push_back(skb);  // __skb_clone copies pp_recycle
  kernel_->log("skb_clone: skb {} -> skb {} [dataref={}]", pick % held_.size(), held_.size() - 1,
              shinfos_[skb.shinfo].dataref);
  return true;
}

const SkbShinfo* Skbs::pp_release(uint8_t pick) const {
  if (held_.empty()) return nullptr;
  const Skb& skb = held_[pick % held_.size()];
  const SkbShinfo& sh = shinfos_[skb.shinfo];
  return sh.dataref == 1 && skb.pp_recycle ? &sh : nullptr;
}

bool Skbs::would_block(uint8_t pick) const {
  const SkbShinfo* sh = pp_release(pick);
  if (!sh) return false;
  // Conservative: several frags may share a page (frags, coalesce), so which put reaches
  // the ring is decided only as they go; any busy producer lock of their pools waits.
  for (const SkbFrag& f : sh->frags) {
    const uint32_t owner = oracle_->pp_owner(f.page);
    if (owner != 0 && pools_->producer_busy(unpack_pool(owner))) return true;
  }
  return false;
}

bool Skbs::free(uint8_t pick, bool split) {
  if (held_.empty()) return kernel_->skip(kNoSkb);
  if (would_block(pick))
    return kernel_->skip(
        "another step holds the ring producer lock of a page_pool the skb's pages go back to: "
        "the free would spin");
  const size_t i = pick % held_.size();
  const Skb skb = held_[i];
  held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
  kernel_->log("kfree_skb: skb {}", i);
  release_data(skb, split);
  return true;
}

bool Skbs::free_may_recycle(uint8_t pick) const {
  const SkbShinfo* sh = pp_release(pick);
  if (!sh) return false;
  for (const SkbFrag& f : sh->frags) {
    if (oracle_->pp_owner(f.page) == 0) continue;
    const auto puts = std::count_if(sh->frags.begin(), sh->frags.end(),
                                    [&](const SkbFrag& g) { return g.page == f.page; });
    if (pools_->info(f.page).pp_ref_count <= puts) return true;
  }
  return false;
}

void Skbs::free_all() {
  while (!held_.empty()) {
    const Skb skb = held_.back();
    held_.pop_back();
    release_data(skb, false);
  }
}

void Skbs::release_data(const Skb& skb, bool split) {
  SkbShinfo& sh = shinfos_[skb.shinfo];
  if (--sh.dataref > 0) return;  // only the last holder releases the frags
  const auto frags = sh.frags;
  shinfos_.free(skb.shinfo);
  for (size_t i = 0; i < frags.size(); i++) {
    const SkbFrag& f = frags[i];
    // Only the last frag's ring produce may stay inside the producer lock (the window).
    const bool window = split && i + 1 == frags.size();
    // skb_frag_unref() semantics: pp_recycle and a pp page drop a pp reference through
    // napi_pp_put_page(); anything else drops a page reference.
    const bool as_pp = skb.pp_recycle && oracle_->pp_owner(f.page) != 0;
    if (as_pp != f.pp_ref)
      kernel_->report(Violation::skb_ref_kind_mismatch, "skb_release_data",
                      as_pp ? "dropped as pp, held as page" : "dropped as page, held as pp",
                      "skb_release_data: page {} [pp_recycle={}]", f.page.slot, skb.pp_recycle);
    if (as_pp)
      pools_->put(f.page, false, window, "napi_pp_put_page");
    else
      pages_->put_page(f.page, kActor);
  }
}

bool Skbs::expand_head(uint8_t pick) {
  if (held_.empty()) return kernel_->skip(kNoSkb);
  pools_->producer_unlock_all();  // it may drop a last share into a pool's ring
  Skb& skb = held_[pick % held_.size()];
  if (shinfo_private(pick)) return true;  // nothing to copy
  const ShinfoId fresh = shinfos_.alloc();
  for (const SkbFrag& f : shinfos_[skb.shinfo].frags) {
    pages_->get_page(f.page, "pskb_expand_head");  // skb_frag_ref(): a page reference
    shinfos_[fresh].frags.push_back(SkbFrag{f.page, false});
  }
  const Skb old = skb;
  skb.shinfo = fresh;
  skb.pp_recycle = false;  // its frags now hold page references
  kernel_->log("pskb_expand_head: skb {} gets a private shinfo with page references",
              pick % held_.size());
  release_data(old, false);  // drops the old share; not the last (it was cloned)
  return true;
}

bool Skbs::shinfo_private(uint8_t pick) const {
  return !held_.empty() && shinfos_[held_[pick % held_.size()].shinfo].dataref == 1;
}

bool Skbs::coalesce_refused(uint8_t to_pick, uint8_t from_pick) const {
  if (held_.size() < 2 || to_pick % held_.size() == from_pick % held_.size()) return false;
  const Skb& to = held_[to_pick % held_.size()];
  const Skb& from = held_[from_pick % held_.size()];
  const SkbShinfo& to_sh = shinfos_[to.shinfo];
  const SkbShinfo& from_sh = shinfos_[from.shinfo];
  return to.shinfo == from.shinfo || to_sh.dataref > 1 || to.pp_recycle != from.pp_recycle ||
         to_sh.frags.size() + from_sh.frags.size() > kMaxFrags;
}

bool Skbs::coalesce(uint8_t to_pick, uint8_t from_pick) {
  if (held_.size() < 2) return kernel_->skip("the stack holds fewer than two skbs");
  const size_t ti = to_pick % held_.size(), fi = from_pick % held_.size();
  if (ti == fi) return kernel_->skip("to and from are the same skb");
  pools_->producer_unlock_all();  // it may drop a last share into a pool's ring
  if (coalesce_refused(to_pick, from_pick)) {
    kernel_->log("skb_try_coalesce: skb {} into skb {} refused", fi, ti);
    return true;
  }
  Skb& to = held_[ti];
  const Skb from = held_[fi];
  SkbShinfo& to_sh = shinfos_[to.shinfo];
  SkbShinfo& from_sh = shinfos_[from.shinfo];
  const bool from_cloned = from_sh.dataref > 1;
  if (from_cloned) {
    // The shared shinfo cannot be stolen from: each frag gets a new reference of the kind
    // `to` will drop, skb_pp_frag_ref() for a pp_recycle skb (pp references on pp pages).
    for (const SkbFrag& f : from_sh.frags) {
      // MUTANT mutant_coalesce_cloned_pp_skb: a page reference on the pp frags of a cloned
      // pp_recycle from (neither the old refusal nor skb_pp_frag_ref), in an skb that drops
      // them as pp (R-C9).
      const bool pp = from.pp_recycle && oracle_->pp_owner(f.page) != 0 &&
                      !kernel_->bug(Bug::mutant_coalesce_cloned_pp_skb);
      if (pp)
        pools_->pp_ref(f.page);
      else
        pages_->get_page(f.page, "skb_try_coalesce");
      to_sh.frags.push_back(SkbFrag{f.page, pp});
    }
  } else {
    for (const SkbFrag& f : from_sh.frags) to_sh.frags.push_back(f);  // stolen, kinds kept
    from_sh.frags.clear();
  }
  kernel_->log("skb_try_coalesce: skb {} into skb {} ({})", fi, ti,
               !from_cloned      ? "stolen"
               : from.pp_recycle ? "new pp refs"
                                 : "page refs");
  held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(fi));
  release_data(from, false);  // kfree_skb_partial(from)
  return true;
}

}  // namespace inflight
