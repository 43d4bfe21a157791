// model/mm/page_alloc.h
//
// The page allocator and page_frag, as far as buffers and their references matter.
// Models: mm/page_alloc.c (alloc_pages, put_page, get_page), mm/page_frag_cache.c
// (page_frag_alloc, page_frag_free), net/core/sock.c (skb_page_frag_refill).
// The ground truth of every page (reference count, lifetime) is the oracle's; this file
// adds the kernel verbs and the frag cache's placement arithmetic.
//
// Simplifications (spec §1 "a netmem may be treated as a page"):
// - An allocation of order n is one handle; its physical range is 2^n contiguous pages.
// - page_frag: the cache holds one reference on its page and every fragment one more
//   (the kernel batches this through pagecnt_bias; what a holder can observe, when the
//   page is finally freed, is the same). Fragments are carved from the end of an order-3
//   (32 KiB) page downwards, as page_frag_alloc() does since v4.10; a request that does
//   not fit reuses the page in place when every fragment has come back (the cache holds
//   the only reference), else moves the cache to a new page. No NUMA, no pfmemalloc, no
//   order-0 fallback.
//
// Lifecycle of a frag page: refill (cache ref) -> fragments (one ref each) ->
// cache moves on (cache ref dropped) -> last page_frag_free() frees it.
#pragma once

#include <array>
#include <cstdint>

#include "model/core/wired.h"
#include "model/oracle/oracle.h"

namespace inflight {

struct Frag {
  PageId page;
  uint32_t offset = 0;
  uint32_t size = 0;
};

class PageAllocator {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(frag_caches_);
  }

  PageAllocator(Kernel& kernel, Oracle& oracle) : kernel_(kernel), oracle_(oracle) {}

  // Models: alloc_pages(). Returns an invalid PageId when memory is exhausted.
  PageId alloc_pages(uint8_t order) { return oracle_->page_alloc(order); }
  // Models: get_page() / put_page() on the head of a compound page.
  void get_page(PageId page, std::string_view actor) { oracle_->page_get(page, actor); }
  void put_page(PageId page, std::string_view actor) { oracle_->page_put(page, actor); }
  // `holder` now has the page: what a leak or a stall names (Oracle::hand).
  void hand(PageId page, std::string_view holder) { oracle_->hand(page, holder); }
  // Models: page_ref_count().
  int page_ref_count(PageId page) const { return static_cast<int>(oracle_->page(page).refcount); }

  // Models: page_frag_alloc() on the calling CPU's cache (as tun's task_frag or
  // napi_alloc_frag would be). fragsz is 1..PAGE_SIZE. Returns an invalid page on failure.
  Frag page_frag_alloc(CpuId cpu, uint32_t fragsz, std::string_view actor);
  // Models: page_frag_free().
  void page_frag_free(const Frag& frag, std::string_view actor) { put_page(frag.page, actor); }
  // Models: skb_page_frag_refill() on a task's struct page_frag (a Frag: page, offset,
  // size), as tun's current->task_frag: the page is reused from offset 0 when the frag
  // holds its only reference, kept when sz more bytes fit, else dropped for a fresh order-3
  // (SKB_FRAG_PAGE_ORDER) page. Unlike page_frag_alloc() the caller carves upwards from
  // pfrag.offset and takes its own reference (get_page) for what it keeps.
  bool skb_page_frag_refill(uint32_t sz, Frag& pfrag, std::string_view actor);
  // Drops the caches' own references (teardown: page_frag_cache_drain()).
  void drain_frag_caches(std::string_view actor);

  static constexpr uint8_t kFragOrder = 3;  // PAGE_FRAG_CACHE_MAX_ORDER with 4K pages

 private:
  struct FragCache {
    PageId page;
    uint32_t offset = 0;  // the next fragment ends here
  };
  Wired<Kernel> kernel_;
  Wired<Oracle> oracle_;
  std::array<FragCache, kMaxCpus> frag_caches_{};
};

}  // namespace inflight
