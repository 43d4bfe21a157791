#include "model/mm/page_alloc.h"

#include <fmt/format.h>

namespace inflight {

Frag PageAllocator::page_frag_alloc(CpuId cpu, uint32_t fragsz, std::string_view actor) {
  MODEL_ASSERT(cpu < kMaxCpus);
  MODEL_ASSERT(fragsz >= 1 && fragsz <= kPageSize);
  FragCache& nc = frag_caches_[cpu];
  if (nc.page.valid() && !oracle_->page_alive(nc.page)) {
    // Someone dropped the cache's own reference: the cache now points into freed memory.
    kernel_->report(Violation::use_after_free, actor, "page_frag cache page freed under the cache",
                    "page_frag_alloc finds its cache page freed [page={}] [cpu={}]", nc.page.slot,
                    cpu);
    nc = FragCache{};
  }
  if (nc.page.valid() && nc.offset < fragsz && oracle_->page(nc.page).refcount == 1) {
    // Every fragment came back: the cache holds the only reference and reuses the page
    // in place (page_ref_sub_and_test() on pagecnt_bias).
    nc.offset = kPageSize << kFragOrder;
    kernel_->log("page_frag_alloc: cache page reused [page={}]", nc.page.slot);
  }
  if (!nc.page.valid() || nc.offset < fragsz) {
    const PageId fresh = alloc_pages(kFragOrder);
    if (!fresh.valid()) return Frag{};
    if (nc.page.valid()) put_page(nc.page, "page_frag_cache");
    nc.page = fresh;
    nc.offset = kPageSize << kFragOrder;
    kernel_->log("page_frag_alloc: cache refilled [page={}] [size={}]", fresh.slot, nc.offset);
  }
  nc.offset -= fragsz;
  get_page(nc.page, actor);
  return Frag{nc.page, nc.offset, fragsz};
}

bool PageAllocator::skb_page_frag_refill(uint32_t sz, Frag& pfrag, std::string_view actor) {
  MODEL_ASSERT(sz >= 1 && sz <= kPageSize);
  if (pfrag.page.valid()) {
    if (page_ref_count(pfrag.page) == 1) {
      pfrag.offset = 0;
      return true;
    }
    if (pfrag.offset + sz <= pfrag.size) return true;
    put_page(pfrag.page, actor);
  }
  pfrag = Frag{alloc_pages(kFragOrder), 0, kPageSize << kFragOrder};
  if (!pfrag.page.valid()) return false;
  kernel_->log("{}: skb_page_frag_refill: new page {} [size={}]", actor, pfrag.page.slot, pfrag.size);
  return true;
}

void PageAllocator::drain_frag_caches(std::string_view) {
  for (FragCache& nc : frag_caches_) {
    if (nc.page.valid()) put_page(nc.page, "page_frag_cache");
    nc = FragCache{};
  }
}

}  // namespace inflight
