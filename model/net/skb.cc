#include "model/net/skb.h"

namespace inflight {

namespace {
constexpr std::string_view kActor = "skb_release_data";
}

void Skbs::build_and_deliver(PageId page, bool recycle, std::string_view actor) {
  MODEL_ASSERT(!full());
  const ShinfoId shinfo = shinfos_.alloc();
  shinfos_[shinfo] = SkbShinfo{page, 1};
  held_.push_back(Skb{shinfo, recycle});
  kernel_.log("{}: build_skb on page {}{} -> skb {} up the stack", actor, page.slot,
              recycle ? " + skb_mark_for_recycle" : "", held_.size() - 1);
}

bool Skbs::clone(uint8_t pick) {
  if (held_.empty() || held_.size() == held_.capacity()) return false;
  const Skb skb = held_[pick % held_.size()];
  shinfos_[skb.shinfo].dataref++;
  held_.push_back(skb);  // __skb_clone copies pp_recycle
  kernel_.log("skb_clone: skb {} -> skb {} [dataref={}]", pick % held_.size(), held_.size() - 1,
              shinfos_[skb.shinfo].dataref);
  return true;
}

bool Skbs::would_block(uint8_t pick) const {
  if (held_.empty()) return false;
  const Skb& skb = held_[pick % held_.size()];
  const SkbShinfo& sh = shinfos_[skb.shinfo];
  if (sh.dataref > 1 || !skb.pp_recycle || oracle_.pp_owner(sh.page) == 0) return false;
  return pools_.put_would_block(sh.page, false);
}

bool Skbs::free(uint8_t pick, bool split) {
  if (held_.empty() || would_block(pick)) return false;
  const size_t i = pick % held_.size();
  const Skb skb = held_[i];
  held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
  kernel_.log("kfree_skb: skb {}", i);
  release_data(skb, split);
  return true;
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
  const PageId page = sh.page;
  shinfos_.free(skb.shinfo);
  // skb_frag_unref() semantics: a pp reference goes back through napi_pp_put_page(),
  // anything else is a page reference.
  if (skb.pp_recycle && oracle_.pp_owner(page) != 0)
    pools_.put(page, false, split, "napi_pp_put_page");
  else
    pages_.put_page(page, kActor);
}

}  // namespace inflight
