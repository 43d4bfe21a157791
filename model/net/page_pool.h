// model/net/page_pool.h
//
// Executable specification of the page_pool recycling protocol.
// Models: net/core/page_pool.c, include/net/page_pool/helpers.h, the pp parts of
// net/core/skbuff.c (napi_pp_put_page).
//
// Page lifecycle (owner as the oracle sees it, oracle PageState::pp_owner):
//   alloc:   page allocator -> pool (hold_count++, DMA-mapped, tracked) -> caller
//   put:     caller -> alloc cache (direct) | ptr_ring | leaves the pool
//   leave:   unmap (unless the destroy scrub already did) -> release_count++ -> put_page
//   destroy: user_cnt drop, direct recycling disabled, cache drained and DMA scrubbed
//            once, ring drained every pass; the pool is freed when inflight reaches 0,
//            else page_pool_release_retry runs every DEFER_TIME (1 s) and warns every
//            60 s once the netdev is gone.
// inflight = (s32)(hold_count - release_count): serial-number arithmetic, right across
// wrap-around (spec §1.3); Topology::pp_counter_wrap starts both counters at 2^32 - 2.
//
// Windows (steps at every point where the kernel lets another context in):
// - a put from the stack into the ptr_ring takes the producer lock and stores the page in
//   one step and leaves the lock held; the statistics update and unlock are a second step
//   (PpProducerUnlock). The page is consumable by refill or drain in between, and no
//   release pass can pass its producer-lock barrier meanwhile: the retry work then re-runs
//   at once, as the kernel's spin would;
// - a late return that leaves the pool (not recyclable, ring full) does its DMA part
//   (xarray cmpxchg, unmap) in one step, the release_count increment in a second and what
//   follows the increment (clearing the pp info, put_page) in a third (two PpReleaseCount
//   events), so the destroy scrub and release passes run in between, and the pool may be
//   freed after the increment while its releaser still has work left.
// Continuations live outside the object they continue (pending_unlocks_,
// pending_releases_): when that object is freed meanwhile, the continuation still runs
// and its access is judged (a use after free), never skipped.
//
// Ownership (R-C1, R-C5): alloc.cache, alloc.count and pages_state_hold_cnt belong to the
// pool's NAPI context. Every access to them goes through owner_access(), which reports an
// access from any other context while that NAPI can run (linked and enabled): the
// lockless contract, a data race modelled as an ownership violation.
//
// Simplifications (each departs from the section named):
// - order-0 pages, no NUMA waiving (§1.4.2), no PP_FLAG_SYSTEM_POOL; the frag cache
//   alignment is 64 bytes;
// - the slow path allocates kSlowBulk (4) pages, not 64 (§1.4.3), to fit the model's
//   page table; ptr_ring capacity is Topology::pp_ring_size, not pool_size;
// - pool->cpuid is -1 (page_pool_create; no per-CPU system pools), so napi-local comes from
//   list_owner only, and the three reads of the napi-local test are one step.
//   A NAPI poll is one step, so list_owner equals a CPU only inside that CPU's poll: a put
//   that sees itself napi-local runs in the poll, and napi_disable (required before
//   page_pool_disable_direct_recycling) waits for the poll to end. Splitting the reads
//   would open a window the kernel closes; it matters with per-CPU pools or busy polling,
//   which are not modelled;
// - synchronize_net() in the DMA scrub has no effect beyond might_sleep(): no recycler
//   runs inside a step;
// - the xarray dma_mapped is a bounded list; its index is the list position.
// Bug variants here: page_pool_negative_inflight_retry_forever (R5),
// page_pool_unmap_after_unbind (R6).
#pragma once

#include <boost/container/static_vector.hpp>

#include <cstdint>
#include <string_view>

#include "model/core/wired.h"
#include "model/core/ids.h"
#include "model/core/kernel.h"
#include "model/dma/dma_api.h"
#include "model/net/napi.h"

namespace inflight {

using PoolId = Handle<PoolTag>;
inline constexpr int kMaxPools = 4;
inline constexpr int kMaxRing = 64;

// A pool handle packed for the oracle's page ownership (0 = none).
inline uint32_t pack_pool(PoolId id) { return pack_handle(id); }
inline PoolId unpack_pool(uint32_t v) { return unpack_handle<PoolTag>(v); }

struct PagePoolParams {
  DeviceId dev = 0;
  DmaDir dma_dir = DmaDir::from_device;  // PP_FLAG_DMA_MAP requires FROM_DEVICE or BIDIRECTIONAL
  bool dma_map = true;                   // PP_FLAG_DMA_MAP
  bool dma_sync_dev = true;              // PP_FLAG_DMA_SYNC_DEV
  uint32_t max_len = 2048;
  NapiId napi = kNoNapi;                 // p.napi
  std::string_view netdev;               // the owning driver, for messages
};

struct PagePool {
  // Provided, so that a new pool (value-initialized in Table::alloc) is not first zeroed
  // whole: every member has its initializer, and the vectors' storage is only read where
  // they have elements.
  PagePool() {}

  PagePoolParams p;
  int8_t cpuid = -1;                     // kernel: cpuid
  NapiId napi = kNoNapi;                 // kernel: p.napi, cleared by disable_direct_recycling
  uint32_t hold_count = 0;               // kernel: pages_state_hold_cnt
  uint32_t release_count = 0;            // kernel: pages_state_release_cnt
  bool dma_sync = false;                 // kernel: dma_sync
  boost::container::static_vector<PageId, 128> cache;   // kernel: alloc.cache
  boost::container::static_vector<PageId, kMaxRing> ring;  // kernel: ring (FIFO)
  uint32_t ring_size = 16;
  int8_t producer_cpu = -1;              // a producer holds producer_lock (the window)
  uint32_t user_count = 1;               // kernel: user_cnt
  uint32_t xdp_mem_id = 0;               // kernel: xdp_mem_id; disconnect set when non-zero
  PageId frag_page;                      // kernel: frag_page
  uint32_t frag_offset = 0;              // kernel: frag_offset
  uint32_t frag_users = 0;               // kernel: frag_users
  uint64_t destroy_count = 0;            // kernel: destroy_cnt
  bool destroying = false;               // user_cnt reached 0
  bool netdev_gone = false;              // slow.netdev NULL: the stall warning may print
  uint64_t defer_start = 0;              // kernel: defer_start (ms)
  uint64_t defer_warn = 0;               // kernel: defer_warn (ms)
  bool livelock_reported = false;
  bool mismatch_reported = false;
  struct Mapped {
    PageId page;
    DmaHandle handle;
  };
  boost::container::static_vector<Mapped, kMaxPages> dma_mapped;  // kernel: dma_mapped xarray

  template <class H>
  void hash_state(H& h) const {
    h(p);
    // hold - release (inflight), not the counts; whether a destroy pass ran, not how many;
    // not the stall warning's times (defer_start, defer_warn: messages only).
    h.small(cpuid, producer_cpu, dma_sync, destroy_count > 0, destroying, netdev_gone,
            livelock_reported, mismatch_reported);
    h(napi), h.word(hold_count - release_count), h(cache), h(ring);
    h.small(ring_size, user_count), h.cyclic_id(xdp_mem_id);
    h(frag_page), h.small(frag_offset, frag_users);
    // Renamed pages: dma_mapped comes last, by page (PagePools::hash_by_page). Its order
    // across pages is not state: only a scrub walks it, to unmap each page, and the unmaps
    // of distinct pages commute (each is judged alone; IOVA and dma-debug entries end alike).
    if (!h.renames(HandleKind::page)) h(dma_mapped);
  }
};

// Per-page pp state (struct page / netmem_desc): which pool, its DMA handle and its
// pp_ref_count. Indexed by page slot; valid while the oracle says the page is owned.
struct PpPageInfo {
  DmaHandle dma;        // kernel: dma_addr (the handle also names the mapping)
  int64_t pp_ref_count = 0;  // kernel: pp_ref_count (BIAS_MAX on a fresh frag page)
};

class PagePools {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(pending_releases_);
    h(pending_unlocks_);
    h(pools_);
    // A page's pp info is state while the page is a pool's; after that it is left over.
    if (h.renames(HandleKind::page)) return;  // then page by page, last (hash_page)
    oracle_->for_each_page([&](PageId page, const PageState& p) {
      if (p.pp_owner != 0) h(info_[page.slot]);
    });
  }
  // Renamed: a page's pp info.
  template <class H>
  void hash_page(H& h, uint16_t slot) const {
    if (oracle_->pp_owner(oracle_->current_page(slot)) != 0) h(info_[slot]);
  }
  // Renamed: each pool's dma_mapped, in the order of its pages' names.
  template <class H>
  void hash_by_page(H& h) const {
    pools_.for_each([&](PoolId, const PagePool& pool) {
      hash_sorted_by_page(
          h, pool.dma_mapped, [](const PagePool::Mapped& m) { return Oracle::page_phys(m.page); },
          [&](const PagePool::Mapped& m) { h(m.page), h(m.handle); });
    });
  }
  template <class H>
  void hash_tables(H& h) const {
    h.table(pools_);
  }

  static constexpr uint32_t kCacheSize = 128;  // PP_ALLOC_CACHE_SIZE
  static constexpr uint32_t kRefill = 64;      // PP_ALLOC_CACHE_REFILL
  static constexpr uint32_t kSlowBulk = 4;     // the model's bulk (kernel: 64)
  static constexpr uint64_t kDeferTimeMs = 1000;         // DEFER_TIME
  static constexpr uint64_t kDeferWarnIntervalMs = 60000;  // DEFER_WARN_INTERVAL
  static constexpr uint32_t kDmaAttrs = kAttrSkipCpuSync;  // | DMA_ATTR_WEAK_ORDERING

  PagePools(Kernel& kernel, Oracle& oracle, PageAllocator& pages, Dma& dma, Napis& napis)
      : kernel_(kernel), oracle_(oracle), pages_(pages), dma_(dma), napis_(napis) {}

  // Models: page_pool_create(). Process context.
  PoolId create(const PagePoolParams& params);
  bool alive(PoolId id) const { return pools_.alive(id); }
  const PagePool& pool(PoolId id) const { return pools_[id]; }
  int live() const { return pools_.live(); }

  // Guard: the caller is the pool's owner (its NAPI polling, or process context with the
  // queue quiesced) and the pool is not being destroyed.
  bool can_alloc(PoolId id) const;
  // Models: page_pool_alloc_pages(). Returns an invalid PageId when memory runs out.
  PageId alloc(PoolId id, std::string_view actor);
  // The page the last alloc() or alloc_frag() handed out, and a pool page's pp info (valid
  // while the oracle says the page is a pool's): what the KUnit exporter follows.
  PageId last_alloc() const { return last_alloc_; }
  const PpPageInfo& info(PageId page) const { return info_[page.slot]; }

  static constexpr int64_t kBiasMax = INT64_MAX >> 1;  // BIAS_MAX (LONG_MAX >> 1)
  struct FragRef {
    PageId page;
    uint32_t offset = 0;
  };
  // Models: page_pool_alloc_frag_netmem(): a frag of `size` (rounded up to the cache
  // alignment) from the current frag page, or a fresh one (pp_ref_count = BIAS_MAX) after
  // page_pool_drain_frag() dropped the old page's unused bias. Each frag holds one pp ref.
  FragRef alloc_frag(PoolId id, uint32_t size, std::string_view actor);

  // Whether a put of `page` now would have to wait for another CPU's producer lock.
  bool put_would_block(PageId page, bool allow_direct) const;
  // Models: page_pool_put_full_page() (allow_direct false) and page_pool_recycle_direct()
  // (true); napi_pp_put_page() from the skb free path is the same with false. The pool
  // comes from the page (page->pp). `split` leaves a ring producer inside its lock.
  void put(PageId page, bool allow_direct, bool split, std::string_view actor);
  // The two puts a driver makes, by their kernel names.
  // Models: page_pool_recycle_direct(): only from the pool's own NAPI context.
  void recycle_direct(PageId page, std::string_view actor) { put(page, true, false, actor); }
  // Models: page_pool_put_full_page(page, false): from any context.
  void put_full_page(PageId page, std::string_view actor) { put(page, false, false, actor); }
  // Models: page_pool_ref_netmem(): one more pp reference on a pool page (skb_pp_frag_ref).
  void pp_ref(PageId page) { info_[page.slot].pp_ref_count++; }
  // The page sits in the pool's alloc cache or ring (partitions (a) and (b)).
  bool holds(PoolId id, PageId page) const;
  // Models: page_pool_release_page() (v5.5-v6.5, used by xdp_release_frame): the page
  // leaves its pool (unmap, release_count++, pp info cleared) but stays allocated, its
  // pool reference now an ordinary page reference of the caller.
  void release_page(PageId page, std::string_view actor);
  // Older eras (R2, R3): drain the cache and ring and report inflight, without freeing
  // (v5.3 __page_pool_request_shutdown); free the pool now whatever its inflight
  // (4.18-5.2 page_pool_destroy, v5.3 forced removal). No DMA scrub in those eras.
  int32_t request_shutdown(PoolId id);
  void free_now(PoolId id, std::string_view actor);
  // Models: page_pool_use_xdp_mem(): the XDP mem model holds a user reference and is
  // told (disconnect) when the pool is freed.
  void use_xdp_mem(PoolId id, uint32_t mem_id);
  void set_xdp_mem(class XdpMem& xdp) { xdp_.bind(xdp); }
  // Another CPU is inside the pool's producer lock: a put that needs the ring spins.
  bool producer_busy(PoolId id) const;
  // The second half of a ring produce: the `ring` statistic and the unlock.
  bool producer_unlock_pending() const { return !pending_unlocks_.empty(); }
  void producer_unlock(uint8_t pick);
  size_t pending_unlocks() const { return pending_unlocks_.size(); }
  void producer_unlock_all();

  // Models: page_pool_destroy(). Process context; the pool's NAPI must be disabled.
  void destroy(PoolId id, std::string_view actor);
  // The pool's netdev is unregistered (slow.netdev cleared): stall warnings may print.
  void netdev_gone(PoolId id) {
    if (alive(id)) pools_[id].netdev_gone = true;
  }

  // A late return split at the release-count window: DMA part done, count pending; or
  // counted, the pp info clear and put_page pending.
  bool release_count_pending() const { return !pending_releases_.empty(); }
  void finish_release(uint8_t pick);   // PpReleaseCount: the increment, or what follows it
  size_t pending_releases() const { return pending_releases_.size(); }
  void finish_releases();

  // Models: page_pool_release_retry(), the deferred work (Work::page_pool_release_retry).
  void release_retry(uint32_t arg);
  // Whether a release retry (arg as queued) would change nothing but the pool's pass
  // count, the coverage counters and the stall warning's time: the pool is alive and was
  // scrubbed already, its ring is empty, no producer is inside its lock and pages are
  // still out. Then each retry only re-queues itself, until an event returns a page.
  bool retry_is_idle(uint32_t arg) const;
  // `n` such retries one kDeferTimeMs apart, the first at `first_ms`, without running
  // each as deferred work (World::run_due's fast path, off while tracing): the same
  // counts, stall warnings and pass count as running them, in time independent of `n`
  // but for one step per stall warning. The caller moves the time on and the work with
  // it (Kernel::skip_periods).
  void idle_retries(uint32_t arg, uint64_t first_ms, uint64_t n);

  // P7 and P4 after every step: inflight equals the pages really out, never negative.
  void check();
  // At the end: pools that were never freed.
  void final_check();

 private:

  PagePool* lookup(PoolId id, std::string_view actor);
  static int32_t inflight(const PagePool& pool) {
    return static_cast<int32_t>(pool.hold_count - pool.release_count);
  }
  bool napi_local(const PagePool& pool) const;
  // R-C1, R-C5: `field` of the pool is about to be touched by the current step.
  void owner_access(PoolId id, std::string_view field, std::string_view actor);
  // Models: page_pool_return_netmem(). May free the pool's last page; it touches the
  // pool only before the release_count increment.
  void return_page(PoolId id, PageId page, std::string_view actor);
  void return_page_split(PoolId id, PageId page, std::string_view actor);
  void release_dma(PoolId id, PageId page, std::string_view actor);
  void release_count(PoolId id, PageId page, std::string_view actor);
  void after_release_count(PoolId id, PageId page);
  // page_pool_put_unrefed_netmem(): the recycle decision once the last pp ref is gone.
  void put_unrefed(PoolId id, PageId page, bool allow_direct, bool split, std::string_view actor);
  // page_pool_drain_frag() / page_pool_free_frag(): drop the frag page's unused bias.
  void drain_frag(PoolId id, bool allow_direct, std::string_view actor);
  // Models: page_pool_release(). Returns inflight; frees the pool when it is 0 and no
  // producer is inside the lock. *blocked is set when the barrier could not pass.
  int32_t release(PoolId id, bool* blocked);
  void free_pool(PoolId id);
  void disable_direct_recycling(PagePool& pool);
  void empty_cache(PoolId id, std::string_view actor);
  void empty_ring(PoolId id, std::string_view actor);
  void retry(PoolId id);
  // The stall warning of a retry at time `now`, when one is due.
  void stall_warn(PoolId id, PagePool& pool, int32_t inflight, uint64_t now);

  Wired<Kernel> kernel_;
  Wired<Oracle> oracle_;
  Wired<PageAllocator> pages_;
  Wired<Dma> dma_;
  Wired<Napis> napis_;
  Wired<class XdpMem> xdp_;
  struct PendingRelease {
    PoolId pool;
    PageId page;
    bool counted = false;  // release_count incremented; the page is no longer the pool's
  };
  boost::container::static_vector<PendingRelease, kMaxPages> pending_releases_;
  // page_pool_producer_unlock() still to come: the pool, and the variant taken
  // (spin_lock in softirq, spin_lock_bh elsewhere: R-C4).
  struct PendingUnlock {
    PoolId pool;
    bool bh = false;
  };
  boost::container::static_vector<PendingUnlock, kMaxPages> pending_unlocks_;
  Table<PagePool, kMaxPools, PoolTag> pools_;
  std::array<PpPageInfo, kMaxPages> info_{};
  PageId last_alloc_;  // not state: nothing decides on it
  // Moves whenever what check() counts against may have: a pool created or freed, a hold
  // or release count changed. Not state.
  uint32_t counts_version_ = 0;
  // What check() last counted against: the oracle's pp_owner epoch and counts_version_;
  // and, for debug builds to confirm that nothing moved unseen, each live slot's pool and
  // inflight. While they are the same, so are its verdicts, already given. Not state.
  struct Counted {
    uint32_t epoch = ~0u, version = ~0u;
    std::array<PoolId, kMaxPools> pool{};
    std::array<int32_t, kMaxPools> inflight{};
  };
  Counted counted_;
};

}  // namespace inflight
