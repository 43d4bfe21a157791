#include "model/net/page_pool.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/net/xdp_mem.h"

namespace inflight {

namespace {
constexpr std::string_view kDmaMapActor = "page_pool_dma_map";
constexpr std::string_view kReturnActor = "page_pool_return_netmem";
}  // namespace

PoolId PagePools::create(const PagePoolParams& params) {
  kernel_->count(Cov::pool_create);
  MODEL_ASSERT(!pools_.full());
  MODEL_ASSERT(!params.dma_map || params.dma_dir != DmaDir::to_device);  // -EINVAL
  const PoolId id = pools_.alloc();
  PagePool& pool = pools_[id];
  pool.p = params;
  pool.napi = params.napi;
  pool.dma_sync = params.dma_map && params.dma_sync_dev;
  pool.ring_size = kernel_->topology().pp_ring_size;
  // Serial-number arithmetic must survive wrap-around (spec §1.3).
  const uint32_t base = kernel_->topology().pp_counter_wrap ? 0xFFFFFFFEu : 0u;
  pool.hold_count = base;
  pool.release_count = base;
  counts_version_++;
  kernel_->log("page_pool_create: pool {} [dev={}] [napi={}] [ring={}] [hold=release={}]", id.slot,
              params.dev, params.napi, pool.ring_size, base);
  return id;
}

PagePool* PagePools::lookup(PoolId id, std::string_view actor) {
  if (pools_.alive(id)) return &pools_[id];
  kernel_->report(Violation::use_after_free, actor, "a freed page_pool",
                  "{} uses page_pool {} after it was freed", actor, id.slot);
  return nullptr;
}

bool PagePools::can_alloc(PoolId id) const {
  return pools_.alive(id) && !pools_[id].destroying && dma_->bound(pools_[id].p.dev);
}

PageId PagePools::alloc(PoolId id, std::string_view actor) {
  MODEL_ASSERT(can_alloc(id));
  PagePool& pool = pools_[id];
  // Fast path: the lockless cache (caller is the owner, R-C1).
  owner_access(id, "alloc.cache", actor);
  if (pool.cache.empty() && !pool.ring.empty()) {
    // Refill: consume up to PP_ALLOC_CACHE_REFILL entries from the ring.
    while (!pool.ring.empty() && pool.cache.size() < kRefill) {
      pool.cache.push_back(pool.ring.front());
      pool.ring.erase(pool.ring.begin());
    }
    kernel_->count(Cov::refill);
  } else if (!pool.cache.empty()) {
    kernel_->count(Cov::fast);
  }
  if (!pool.cache.empty()) {
    const PageId page = pool.cache.back();
    pool.cache.pop_back();
    info_[page.slot].pp_ref_count = 1;
    kernel_->log("{}: page_pool_alloc_pages pool {} -> page {} (cache)", actor, id.slot, page.slot);
    oracle_->hand(page, actor);
    last_alloc_ = page;
    return page;
  }
  // Slow path: fresh pages, mapped, tracked and counted in hold_count.
  owner_access(id, "pages_state_hold_cnt", actor);
  PageId first;
  for (uint32_t i = 0; i < kSlowBulk; i++) {
    const PageId page = pages_->alloc_pages(0);
    if (!page.valid()) break;
    DmaHandle handle;
    if (pool.p.dma_map) {
      handle = dma_->map(pool.p.dev, page, 0, kPageSize, pool.p.dma_dir, kDmaAttrs, kDmaMapActor);
      if (dma_->mapping_error(handle)) {  // not counted in hold_count
        pages_->put_page(page, kDmaMapActor);
        continue;
      }
      if (!kernel_->bug(Bug::page_pool_unmap_after_unbind)) {
        pool.dma_mapped.push_back(PagePool::Mapped{page, handle});
      } else {
        // BUG VARIANT page_pool_unmap_after_unbind: before ee62ce7a1d90 the pool did not
        // track its mappings; a page is unmapped only when it comes back.
      }
      if (pool.dma_sync)
        dma_->sync(handle, handle.dma_addr, pool.p.max_len, pool.p.dma_dir, false,
                  "page_pool_dma_sync_for_device");
    }
    info_[page.slot] = PpPageInfo{handle, 1};
    oracle_->set_pp_owner(page, pack_pool(id));  // page_pool_set_pp_info()
    if (kernel_->bug(Bug::mutant_slow_path_counts_bulk_once)) {
      // MUTANT mutant_slow_path_counts_bulk_once: one hold_cnt increment per bulk, not per
      // page, so the pages that go to the cache are out but not counted (P7).
      if (!first.valid()) pool.hold_count++;
    } else {
      pool.hold_count++;
    }
    counts_version_++;
    kernel_->count(Cov::slow);
    if (!first.valid())
      first = page;
    else
      pool.cache.push_back(page);
  }
  kernel_->log("{}: page_pool_alloc_pages pool {} -> page {} (slow) [hold={}]", actor, id.slot,
              first.valid() ? first.slot : -1, pool.hold_count);
  oracle_->hand(first, actor);
  last_alloc_ = first;
  return first;
}

bool PagePools::holds(PoolId id, PageId page) const {
  if (!pools_.alive(id)) return false;
  const PagePool& pool = pools_[id];
  return std::find(pool.cache.begin(), pool.cache.end(), page) != pool.cache.end() ||
         std::find(pool.ring.begin(), pool.ring.end(), page) != pool.ring.end();
}

bool PagePools::napi_local(const PagePool& pool) const {
  // page_pool_napi_local(): softirq only; this CPU is pool->cpuid or the linked NAPI's
  // list_owner.
  if (kernel_->context() != Context::softirq) return false;
  const int cpu = kernel_->cpu();
  if (pool.cpuid == cpu) return true;
  return pool.napi != kNoNapi && napis_->get(pool.napi).list_owner == cpu;
}

void PagePools::owner_access(PoolId id, std::string_view field, std::string_view actor) {
  const PagePool& pool = pools_[id];
  if (napi_local(pool)) return;  // softirq on the CPU whose poll list holds the NAPI
  // After page_pool_disable_direct_recycling() (or with the NAPI disabled) no owner can
  // run: destroy's own pass and the retry worker may touch what is left.
  if (pool.napi == kNoNapi || !napis_->enabled(pool.napi)) return;
  kernel_->report(Violation::pp_owner_race, actor, field,
                  "{} touches page_pool {}'s {} in {} context on cpu{} while NAPI {} "
                  "can run [list_owner={}]",
                  actor, id.slot, field, context_name(kernel_->context()), kernel_->cpu(),
                  pool.napi, napis_->get(pool.napi).list_owner);
}

bool PagePools::producer_busy(PoolId id) const {
  if (kernel_->bug(Bug::mutant_producer_lock_does_not_serialise)) {
    // MUTANT mutant_producer_lock_does_not_serialise: no producer ever waits for another
    // CPU inside producer_lock (R-C3).
    return false;
  }
  return pools_.alive(id) && pools_[id].producer_cpu >= 0;
}

bool PagePools::put_would_block(PageId page, bool allow_direct) const {
  const PoolId id = unpack_pool(oracle_->pp_owner(page));
  if (!producer_busy(id)) return false;
  const PagePool& pool = pools_[id];
  if (info_[page.slot].pp_ref_count > 1) return false;
  const bool recyclable = oracle_->page(page).refcount == 1;
  const bool direct = allow_direct || napi_local(pool);
  return recyclable && !(direct && pool.cache.size() < kCacheSize);
}

void PagePools::put(PageId page, bool allow_direct, bool split, std::string_view actor) {
  if (!oracle_->page_alive(page)) {
    kernel_->report(Violation::use_after_free, actor, "a freed page put to a page_pool",
                    "{} puts page {} which was already freed", actor, page.slot);
    return;
  }
  const uint32_t owner = oracle_->pp_owner(page);
  const PoolId id = unpack_pool(owner);
  PagePool* pool = lookup(id, actor);
  if (!pool) return;
  // Ground truth: a page the pool already holds is not the caller's to give back.
  if (holds(id, page))
    kernel_->report(Violation::pp_double_release, actor, "returned while the pool holds it",
                    "{} puts page {} into page_pool {} which already holds it", actor, page.slot,
                    id.slot);
  // page_pool_unref_and_test(): only the holder of the last pp reference goes on.
  PpPageInfo& info = info_[page.slot];
  if (info.pp_ref_count > 1) {
    info.pp_ref_count--;
    return;
  }
  info.pp_ref_count = 1;  // re-armed for the next user
  put_unrefed(id, page, allow_direct, split, actor);
}

void PagePools::put_unrefed(PoolId id, PageId page, bool allow_direct, bool split,
                            std::string_view actor) {
  PagePool* pool = &pools_[id];
  PpPageInfo& info = info_[page.slot];
  allow_direct = allow_direct || napi_local(*pool);
  const bool recyclable = oracle_->page(page).refcount == 1;
  if (!recyclable) {
    kernel_->count(Cov::released_refcnt);
    kernel_->log("{}: page {} not recyclable (refcount {}): leaves page_pool {}", actor, page.slot,
                oracle_->page(page).refcount, id.slot);
    split ? return_page_split(id, page, actor) : return_page(id, page, actor);
    return;
  }
  if (pool->dma_sync)
    dma_->sync(info.dma, info.dma.dma_addr, pool->p.max_len, pool->p.dma_dir, false,
              "page_pool_dma_sync_for_device");
  if (allow_direct && pool->cache.size() < kCacheSize) {
    if (pool->destroying)  // P8: nothing enters the cache once the pool left ALIVE (R-C1)
      kernel_->report(Violation::pp_cache_after_destroy, actor, "",
                      "{} pushes page {} into page_pool {}'s alloc cache after destroy", actor,
                      page.slot, id.slot);
    owner_access(id, "alloc.cache", actor);
    pool->cache.push_back(page);
    kernel_->count(Cov::cached);
    kernel_->log("{}: page {} recycled into page_pool {} alloc cache", actor, page.slot, id.slot);
    return;
  }
  // page_pool_recycle_in_ring(): lock, produce; the statistic and unlock may come later.
  // A producer waits while another CPU is inside the lock (its event is not enabled), so
  // two producers inside at once is a lock that does not serialise (R-C3).
  if (pool->producer_cpu >= 0)
    kernel_->report(Violation::lock_not_held, actor, "producer_lock held by another CPU",
                    "{} produces page {} into page_pool {}'s ring while cpu{} is inside "
                    "producer_lock",
                    actor, page.slot, id.slot, pool->producer_cpu);
  if (pool->ring.size() >= pool->ring_size) {
    kernel_->count(Cov::ring_full);
    kernel_->log("{}: page_pool {} ring full: page {} leaves", actor, id.slot, page.slot);
    split ? return_page_split(id, page, actor) : return_page(id, page, actor);
    return;
  }
  pool->ring.push_back(page);
  kernel_->count(Cov::ring);
  kernel_->log("{}: page {} produced into page_pool {} ring [{}/{}]{}", actor, page.slot, id.slot,
              pool->ring.size(), pool->ring_size, split ? " (producer lock held)" : "");
  if (!split) return;
  // page_pool_producer_lock(): spin_lock in softirq, spin_lock_bh elsewhere (R-C4).
  pool->producer_cpu = static_cast<int8_t>(kernel_->cpu());
  MODEL_ASSERT(pending_unlocks_.size() < pending_unlocks_.capacity());
  pending_unlocks_.push_back(PendingUnlock{id, kernel_->context() != Context::softirq});
}

PagePools::FragRef PagePools::alloc_frag(PoolId id, uint32_t size, std::string_view actor) {
  MODEL_ASSERT(can_alloc(id));
  PagePool& pool = pools_[id];
  size = (size + 63) & ~63u;  // ALIGN(size, dma_get_cache_alignment())
  MODEL_ASSERT(size > 0 && size <= kPageSize);
  if (pool.frag_page.valid() && pool.frag_offset + size <= kPageSize) {
    const FragRef ref{pool.frag_page, pool.frag_offset};
    pool.frag_offset += size;
    pool.frag_users++;
    kernel_->log("{}: page_pool_alloc_frag pool {} -> page {} offset {}", actor, id.slot,
                ref.page.slot, ref.offset);
    last_alloc_ = ref.page;
    return ref;
  }
  drain_frag(id, true, actor);
  const PageId page = alloc(id, actor);
  if (!page.valid()) return FragRef{};
  PagePool& p = pools_[id];
  info_[page.slot].pp_ref_count = kBiasMax;  // a fresh frag page
  p.frag_page = page;
  p.frag_users = 1;
  p.frag_offset = size;
  kernel_->log("{}: page_pool_alloc_frag pool {} -> page {} offset 0 (new frag page)", actor, id.slot,
              page.slot);
  return FragRef{page, 0};
}

void PagePools::drain_frag(PoolId id, bool allow_direct, std::string_view actor) {
  PagePool& pool = pools_[id];
  const PageId page = pool.frag_page;
  if (!page.valid()) return;
  pool.frag_page = PageId{};
  PpPageInfo& info = info_[page.slot];
  if (kernel_->bug(Bug::mutant_frag_drain_drops_one_bias_too_many)) {
    // MUTANT mutant_frag_drain_drops_one_bias_too_many: the drain takes one reference more
    // than the unused bias, so the last frag user's reference is gone while it holds it (P9).
    info.pp_ref_count -= kBiasMax - static_cast<int64_t>(pool.frag_users) + 1;
  } else {
    info.pp_ref_count -= kBiasMax - static_cast<int64_t>(pool.frag_users);
  }
  kernel_->log("{}: page_pool_drain_frag page {} [pp_ref_count={}]", actor, page.slot,
              info.pp_ref_count);
  if (info.pp_ref_count < 0)
    kernel_->report(Violation::pp_double_release, actor, "frag page pp_ref_count below zero",
                    "page {} of page_pool {}: pp_ref_count {} after the bias drain", page.slot,
                    id.slot, info.pp_ref_count);
  if (info.pp_ref_count == 0) {  // every frag user already gone: the page is recycled
    info.pp_ref_count = 1;
    put_unrefed(id, page, allow_direct, false, actor);
  }
}

// Models: page_pool_producer_unlock(). The continuation outlives its pool: if the pool
// was freed meanwhile, the unlock touches freed memory (R-C6).
void PagePools::producer_unlock(uint8_t pick) {
  MODEL_ASSERT(!pending_unlocks_.empty());
  const size_t i = pick % pending_unlocks_.size();
  const PendingUnlock u = pending_unlocks_[i];
  pending_unlocks_.erase(pending_unlocks_.begin() + static_cast<std::ptrdiff_t>(i));
  constexpr std::string_view kActor = "page_pool_producer_unlock";
  PagePool* pool = lookup(u.pool, kActor);
  if (!pool) return;
  bool bh = u.bh;
  if (kernel_->bug(Bug::mutant_producer_unlock_wrong_variant)) {
    // MUTANT mutant_producer_unlock_wrong_variant: the unlock picks its variant afresh
    // from the context it runs in, not the one the lock was taken with (R-C4).
    bh = kernel_->context() != Context::softirq;
  }
  if (bh != u.bh)
    kernel_->report(Violation::lock_variant_mismatch, kActor,
                    bh ? "producer_lock: spin_unlock_bh after spin_lock"
                       : "producer_lock: spin_unlock after spin_lock_bh",
                    "{}: page_pool {}'s producer_lock taken as {}, released as {}", kActor,
                    u.pool.slot, u.bh ? "_bh" : "plain", bh ? "_bh" : "plain");
  pool->producer_cpu = -1;
  kernel_->log("page_pool_producer_unlock: pool {}", u.pool.slot);
}

void PagePools::producer_unlock_all() {
  while (producer_unlock_pending()) producer_unlock(0);
}

void PagePools::release_page(PageId page, std::string_view actor) {
  const PoolId id = unpack_pool(oracle_->pp_owner(page));
  if (!lookup(id, actor)) return;
  pages_->get_page(page, actor);  // the reference return_page() drops is handed over instead
  return_page(id, page, actor);
}

void PagePools::return_page(PoolId id, PageId page, std::string_view actor) {
  kernel_->count(Cov::return_page);
  release_dma(id, page, actor);
  release_count(id, page, actor);
  after_release_count(id, page);
}

// The first half of page_pool_return_netmem(): the DMA part.
void PagePools::release_dma(PoolId id, PageId page, std::string_view actor) {
  PagePool& pool = pools_[id];
  if (oracle_->pp_owner(page) != pack_pool(id))
    kernel_->report(Violation::pp_double_release, actor, "",
                    "{} releases page {} from page_pool {} again [hold={}] [release={}]", actor,
                    page.slot, id.slot, pool.hold_count, pool.release_count);
  PpPageInfo& info = info_[page.slot];
  if (!pool.p.dma_map) return;
  if (kernel_->bug(Bug::mutant_pp_unmap_keeps_xarray_entry)) {
    // MUTANT mutant_pp_unmap_keeps_xarray_entry: the return unmaps but leaves the
    // dma_mapped entry, so the destroy scrub unmaps the page a second time (P1).
    for (const PagePool::Mapped& m : pool.dma_mapped)
      if (m.page == page) dma_->unmap(m.handle, kPageSize, pool.p.dma_dir, DmaType::single, kReturnActor);
  } else if (kernel_->bug(Bug::page_pool_unmap_after_unbind)) {
    // BUG VARIANT page_pool_unmap_after_unbind: unmap whatever address is stored,
    // whenever the page comes back, bound device or not (before ee62ce7a1d90).
    const DmaHandle stored = info.dma.id.valid() ? info.dma : DmaHandle{pool.p.dev, 0, {}};
    dma_->unmap(stored, kPageSize, pool.p.dma_dir, DmaType::single, kReturnActor);
  } else {
    // __page_pool_release_netmem_dma(): only the path that wins the xarray cmpxchg
    // unmaps; after the destroy scrub the entry is gone and late returns skip.
    for (auto it = pool.dma_mapped.begin(); it != pool.dma_mapped.end(); ++it) {
      if (it->page != page) continue;
      const DmaHandle handle = it->handle;
      pool.dma_mapped.erase(it);
      dma_->unmap(handle, kPageSize, pool.p.dma_dir, DmaType::single, kReturnActor);
      break;
    }
  }
  info.dma = DmaHandle{};
}

// The second part: the release_count increment, after which the pool may be freed by a
// concurrent release pass, so nothing after it touches the pool. The page stops being the
// pool's here (released, in P7's partition).
void PagePools::release_count(PoolId id, PageId page, std::string_view actor) {
  PagePool* pool = lookup(id, actor);
  if (!pool) return;
  if (kernel_->bug(Bug::mutant_release_writes_hold_count)) {
    // MUTANT mutant_release_writes_hold_count: the releaser undoes the allocation
    // (hold_cnt--) instead of counting a release. inflight comes out the same, so only
    // the ownership of hold_cnt (R-C5) sees it.
    owner_access(id, "pages_state_hold_cnt", actor);
    pool->hold_count--;
  } else {
    pool->release_count++;
  }
  counts_version_++;
  kernel_->log("{}: page {} leaves page_pool {} [release={}]", actor, page.slot, id.slot,
              pool->release_count);
  oracle_->set_pp_owner(page, 0);
}

// The third part: page_pool_clear_pp_info() and put_page(), which touch only the page.
void PagePools::after_release_count(PoolId id, PageId page) {
  if (kernel_->bug(Bug::mutant_release_touches_pool_after_count)) {
    // MUTANT mutant_release_touches_pool_after_count: the releaser updates a pool
    // statistic after its increment, when the pool may already be gone (R-C6).
    lookup(id, kReturnActor);  // the statistic's access to the pool
  }
  info_[page.slot] = PpPageInfo{};
  if (kernel_->bug(Bug::mutant_pp_return_skips_put_page)) {
    // MUTANT mutant_pp_return_skips_put_page: the page leaves the pool but its reference
    // is never dropped, so it never reaches the page allocator again.
    return;
  }
  pages_->put_page(page, kReturnActor);
}

// A late return from the stack leaves the pool in two steps: the DMA part now, the count
// later (PpReleaseCount), so other CPUs can run in between.
void PagePools::return_page_split(PoolId id, PageId page, std::string_view actor) {
  kernel_->count(Cov::return_page);
  release_dma(id, page, actor);
  MODEL_ASSERT(pending_releases_.size() < pending_releases_.capacity());
  pending_releases_.push_back(PendingRelease{id, page});
  kernel_->log("{}: page {} unmapped, release_count not yet incremented", actor, page.slot);
}

void PagePools::finish_release(uint8_t pick) {
  MODEL_ASSERT(!pending_releases_.empty());
  const size_t i = pick % pending_releases_.size();
  PendingRelease& r = pending_releases_[i];
  if (!r.counted) {
    r.counted = true;
    release_count(r.pool, r.page, kReturnActor);
    return;
  }
  const PendingRelease done = r;
  pending_releases_.erase(pending_releases_.begin() + static_cast<std::ptrdiff_t>(i));
  after_release_count(done.pool, done.page);
}

void PagePools::finish_releases() {
  while (!pending_releases_.empty()) finish_release(0);
}

// Models: page_pool_disable_direct_recycling(); the NAPI must already be disabled.
void PagePools::disable_direct_recycling(PagePool& pool) {
  pool.cpuid = -1;
  if (pool.napi != kNoNapi && napis_->enabled(pool.napi))
    kernel_->log("WARNING: page_pool_disable_direct_recycling: NAPI {} still enabled", pool.napi);
  pool.napi = kNoNapi;
}

// Every page in the alloc cache leaves the pool.
void PagePools::empty_cache(PoolId id, std::string_view actor) {
  PagePool& pool = pools_[id];
  owner_access(id, "alloc.cache", actor);
  while (!pool.cache.empty()) {
    const PageId page = pool.cache.back();
    pool.cache.pop_back();
    return_page(id, page, actor);
  }
}

// page_pool_empty_ring(): consume every entry; each leaves the pool.
void PagePools::empty_ring(PoolId id, std::string_view actor) {
  PagePool& pool = pools_[id];
  while (!pool.ring.empty()) {
    const PageId page = pool.ring.front();
    pool.ring.erase(pool.ring.begin());
    if (oracle_->page_alive(page) && oracle_->page(page).refcount != 1)
      kernel_->log("page_pool_empty_ring() page_pool refcnt {} violation",
                  oracle_->page(page).refcount);
    return_page(id, page, actor);
  }
}

int32_t PagePools::release(PoolId id, bool* blocked) {
  PagePool& pool = pools_[id];
  // page_pool_scrub(): the cache once, the DMA scrub once, the ring every time.
  if (pool.destroy_count == 0) empty_cache(id, "page_pool_empty_alloc_cache_once");
  const bool first_pass = pool.destroy_count++ == 0;
  if (first_pass && pool.p.dma_map && !kernel_->bug(Bug::page_pool_unmap_after_unbind)) {
    kernel_->might_sleep("synchronize_net in page_pool_scrub");
    pool.dma_sync = false;
    for (const PagePool::Mapped& m : pool.dma_mapped) {
      dma_->unmap(m.handle, kPageSize, pool.p.dma_dir, DmaType::single, "page_pool_scrub");
      info_[m.page.slot].dma = DmaHandle{};
    }
    pool.dma_mapped.clear();
  }
  empty_ring(id, "page_pool_empty_ring");
  const int32_t inflight = PagePools::inflight(pool);
  if (inflight < 0) kernel_->log("WARNING: Negative({}) inflight packet-pages", inflight);
  // The producer-lock barrier: a producer still inside keeps the pool alive.
  *blocked = pool.producer_cpu >= 0;
  if (kernel_->bug(Bug::mutant_release_skips_producer_barrier)) {
    // MUTANT mutant_release_skips_producer_barrier: no wait for a producer still inside
    // the ring lock; the pool can be freed under it (R-C6).
    *blocked = false;
  }
  if (inflight == 0 && !*blocked) free_pool(id);
  return inflight;
}

int32_t PagePools::request_shutdown(PoolId id) {
  PagePool& pool = pools_[id];
  pool.destroying = true;
  disable_direct_recycling(pool);
  // The frag API came later (2021); drivers of those eras had no frag page to hold a
  // bias, so none may keep the pool alive here.
  drain_frag(id, false, "page_pool_free_frag");
  empty_cache(id, "__page_pool_empty_ring");
  empty_ring(id, "__page_pool_empty_ring");
  return inflight(pool);
}

void PagePools::free_now(PoolId id, std::string_view actor) {
  const int32_t left = request_shutdown(id);
  // v5.3's __page_pool_free warns when a forced removal frees a pool with pages still out
  // (__warn_in_flight); 4.18-5.2 kept no inflight count to warn about.
  if (left != 0 && kernel_->bug(Bug::xdp_forced_allocator_removal) &&
      !kernel_->bug(Bug::xdp_early_allocator_removal))
    kernel_->log("WARNING: __page_pool_free: Still in-flight pages:{} hold:{} released:{}", left,
                 pools_[id].hold_count, pools_[id].release_count);
  if (left != 0)
    kernel_->report(Violation::pp_freed_with_inflight, actor, "",
                    "{} frees page_pool {} with {} pages in flight [hold={}] [release={}]", actor,
                    id.slot, left, pools_[id].hold_count, pools_[id].release_count);
  free_pool(id);
}

void PagePools::use_xdp_mem(PoolId id, uint32_t mem_id) {
  PagePool& pool = pools_[id];
  pool.user_count++;
  pool.xdp_mem_id = mem_id;
}

void PagePools::free_pool(PoolId id) {
  kernel_->count(Cov::pool_free);
  // __page_pool_destroy(): the disconnect callback first, then unlist and free.
  if (pools_[id].xdp_mem_id != 0 && xdp_) xdp_->disconnect(id);
  kernel_->log("__page_pool_destroy: page_pool {} freed", id.slot);
  pools_.free(id);
  counts_version_++;
}

void PagePools::destroy(PoolId id, std::string_view actor) {
  kernel_->count(Cov::pool_destroy);
  PagePool* pool = lookup(id, actor);
  if (!pool) return;
  if (kernel_->bug(Bug::xdp_early_allocator_removal)) {
    // BUG VARIANT xdp_early_allocator_removal: 4.18-5.2 page_pool_destroy() empties the
    // cache and ring and frees the pool at once; pages in flight are not waited for.
    free_now(id, "page_pool_destroy");
    return;
  }
  kernel_->might_sleep("page_pool_destroy");
  if (--pool->user_count > 0) return;
  pool->destroying = true;
  if (kernel_->bug(Bug::mutant_destroy_keeps_napi_link)) {
    // MUTANT mutant_destroy_keeps_napi_link: destroy leaves p.napi set, so a free inside
    // that NAPI's next poll (the new pool's) still sees the old pool as napi-local (R-C2).
    pool->cpuid = -1;
  } else {
    disable_direct_recycling(*pool);
  }
  drain_frag(id, false, "page_pool_free_frag");
  kernel_->log("{}: page_pool_destroy pool {} [inflight={}]", actor, id.slot,
              PagePools::inflight(*pool));
  bool blocked = false;
  const int32_t inflight = release(id, &blocked);
  if (inflight == 0 && !blocked) return;  // freed
  pool->defer_start = kernel_->now_ms();
  pool->defer_warn = kernel_->now_ms() + kDeferWarnIntervalMs;
  kernel_->queue_delayed_work(Work::page_pool_release_retry, pack_pool(id),
                             blocked ? 0 : kDeferTimeMs);
}

void PagePools::retry(PoolId id) {
  kernel_->count(Cov::pool_retry);
  PagePool* pool = lookup(id, "page_pool_release_retry");
  if (!pool) return;
  bool blocked = false;
  const int32_t inflight = release(id, &blocked);
  if (!blocked) {
    if (kernel_->bug(Bug::page_pool_negative_inflight_retry_forever)) {
      // BUG VARIANT page_pool_negative_inflight_retry_forever: before 43130d02baa1 only
      // inflight == 0 stopped the worker; a negative count reschedules it forever.
      if (inflight == 0) return;
    } else if (inflight <= 0) {
      return;  // freed, or a driver bug drove it negative: stop, the pool leaks
    }
  }
  if (!blocked && inflight <= 0 && !pool->livelock_reported) {
    // P4: after destroy no page enters the pool, so inflight can only fall; a worker
    // that reschedules at or below zero waits for nothing.
    pool->livelock_reported = true;
    kernel_->report(Violation::pp_retry_livelock, "page_pool_release_retry", "inflight <= 0",
                    "page_pool_release_retry reschedules for page_pool {} with "
                    "inflight {} [hold={}] [release={}]",
                    id.slot, inflight, pool->hold_count, pool->release_count);
  }
  if (!blocked) stall_warn(id, *pool, inflight, kernel_->now_ms());
  kernel_->queue_delayed_work(Work::page_pool_release_retry, pack_pool(id),
                             blocked ? 0 : kDeferTimeMs);
}

void PagePools::stall_warn(PoolId id, PagePool& pool, int32_t inflight, uint64_t now) {
  if (!pool.netdev_gone || now < pool.defer_warn) return;
  kernel_->count(Cov::pool_stall_warn);
  kernel_->log("page_pool_release_retry() stalled pool shutdown: id {}, {} inflight {} sec",
               id.slot, inflight, (now - pool.defer_start) / 1000);
  pool.defer_warn = now + kDeferWarnIntervalMs;
}

void PagePools::release_retry(uint32_t arg) { retry(unpack_pool(arg)); }

bool PagePools::retry_is_idle(uint32_t arg) const {
  const PoolId id = unpack_pool(arg);
  if (!pools_.alive(id)) return false;
  const PagePool& pool = pools_[id];
  return pool.destroy_count > 0 && pool.ring.empty() && pool.producer_cpu < 0 && inflight(pool) > 0;
}

void PagePools::idle_retries(uint32_t arg, uint64_t first_ms, uint64_t n) {
  MODEL_ASSERT(retry_is_idle(arg));
  const PoolId id = unpack_pool(arg);
  PagePool& pool = pools_[id];
  kernel_->count(Cov::pool_retry, static_cast<uint32_t>(n));
  pool.destroy_count += n;
  if (!pool.netdev_gone) return;  // no stall warnings
  // Only the retries that warn: the first at or after defer_warn, then one per warning
  // interval on.
  const uint64_t end = first_ms + n * kDeferTimeMs;
  const auto next_retry = [&](uint64_t from) {
    return from <= first_ms
               ? first_ms
               : first_ms + (from - first_ms + kDeferTimeMs - 1) / kDeferTimeMs * kDeferTimeMs;
  };
  for (uint64_t at = next_retry(pool.defer_warn); at < end; at = next_retry(pool.defer_warn))
    stall_warn(id, pool, inflight(pool), at);
}

void PagePools::check() {
  if (pools_.empty()) return;  // nothing to count against (targets without a driver world)
  // Nothing counted has changed since the last check: no page changed owner (the same
  // epoch) and no pool was created or freed or moved a count (the same counts_version_).
  // Debug builds confirm it against each pool and its inflight, as last counted.
  const uint32_t epoch = oracle_->pp_owner_epoch();
  if (counted_.epoch == epoch && counted_.version == counts_version_) {
    if constexpr (kDebugChecks) {
      pools_.for_each([&](PoolId id, const PagePool& pool) {
        MODEL_ASSERT(counted_.pool[id.slot] == id && counted_.inflight[id.slot] == inflight(pool));
      });
    }
    return;
  }
  counted_.epoch = epoch, counted_.version = counts_version_;
  if constexpr (kDebugChecks) {
    pools_.for_each([&](PoolId id, const PagePool& pool) {
      counted_.pool[id.slot] = id, counted_.inflight[id.slot] = inflight(pool);
    });
  }
  // One pass over the pages: how many each pool really has out (P7).
  std::array<int, kMaxPools> owned{};
  oracle_->for_each_page([&](PageId, const PageState& p) {
    const PoolId owner = unpack_pool(p.pp_owner);
    if (p.pp_owner != 0 && pools_.alive(owner)) owned[owner.slot]++;
  });
  pools_.for_each([&](PoolId id, PagePool& pool) {
    if (pool.mismatch_reported) return;
    const int real = owned[id.slot];
    const int32_t counted = inflight(pool);
    if (real == counted) return;
    pool.mismatch_reported = true;
    kernel_->report(Violation::pp_inflight_mismatch, "",
                    counted < 0      ? "negative"
                    : counted > real ? "counted pages lost"
                                     : "pages not counted",
                    "page_pool {} counts inflight {} [hold={}] [release={}] but {} "
                    "pages are really out",
                    id.slot, counted, pool.hold_count, pool.release_count, real);
  });
}

void PagePools::final_check() {
  pools_.for_each([&](PoolId id, const PagePool& pool) {
    // The pages it still counts, where they last went (not those in its cache or ring).
    std::string out;
    oracle_->for_each_page([&](PageId page, const PageState& p) {
      if (p.pp_owner == pack_pool(id) && !holds(id, page))
        out += fmt::format(" [page {} out{}]", page.slot, oracle_->last_holder(page));
    });
    kernel_->report(Violation::pp_pool_leak, "",
                    pool.destroying ? "destroyed, inflight never drained" : "never destroyed",
                    "page_pool {} still allocated at the end [inflight={}] [hold={}] "
                    "[release={}] [destroy passes={}]{}",
                    id.slot, inflight(pool), pool.hold_count, pool.release_count,
                    pool.destroy_count, out);
  });
  oracle_->for_each_page([&](PageId page, const PageState& p) {
    if (p.pp_owner != 0 && !pools_.alive(unpack_pool(p.pp_owner)))
      kernel_->report(Violation::use_after_free, "", "page owned by a freed page_pool",
                      "page {} still names page_pool {} which was freed", page.slot,
                      p.pp_owner & 0xFFFF);
  });
}

}  // namespace inflight
