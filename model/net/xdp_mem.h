// model/net/xdp_mem.h
//
// The XDP memory model's registration side (spec §2.1-2.3): rxq info registration
// states, memory types, mem ids handed out cyclically from an IDA, and the id-to-allocator
// table (mem_id_ht) whose insert can be made to fail.
// Models: net/core/xdp.c (__xdp_rxq_info_reg, xdp_rxq_info_unreg,
// __xdp_reg_mem_model, xdp_unreg_mem_model, __mem_id_cyclic_get,
// mem_allocator_disconnect, __xdp_mem_allocator_rcu_free).
//
// Lifecycle of a PAGE_POOL mem id (5.5+, the rule of §2.2): taken from the IDA at
// registration, owned by exactly one table entry until the pool's disconnect callback
// runs (when its inflight reaches 0), then removed from the table and returned to the IDA
// after an RCU grace period. No id is ever allocated with no entry and no pending free (P5).
//
// Simplifications: the id space is 1..kMemIdMax-1 (kMemIdMax = 8, not 0xFFFE) so that
// exhaustion is reachable; the rhashtable is a bounded table; mem_id_lock is implicit
// (every operation is one step).
// Eras (spec §2.4, §2.5), as bug variants on top of the 5.5+ model:
// - xdp_early_allocator_removal (R2, 4.18-5.2): unreg removes the entry at once and frees
//   its id after a grace period; the driver's page_pool_destroy frees the pool at once;
//   __xdp_return with no entry silently falls back to put_page.
// - xdp_forced_allocator_removal (R3, v5.3): the mem model drives shutdown (drivers did not
//   call page_pool_destroy): unreg retries every second while pages are in flight, warns
//   every 30 s, and after 120 attempts removes the entry and frees the pool anyway; a late
//   return then hits "page_pool gone mem.id=%d" and put_page.
// Bug variants here: xdp_mem_id_leak_on_insert_fail (R1), R2, R3.
#pragma once

#include <array>
#include <cstdint>

#include "model/core/wired.h"
#include "model/core/kernel.h"
#include "model/net/page_pool.h"

namespace inflight {

enum class XdpRegState : uint8_t { fresh, registered, unregistered, unused };  // REG_STATE_*
enum class XdpMemType : uint8_t { page_shared, page_order0, page_pool, xsk_buff_pool };

struct XdpMemInfo {
  XdpMemType type = XdpMemType::page_shared;
  uint32_t id = 0;  // 0: no id
  template <class H>
  void hash_state(H& h) const {
    h(type), h.cyclic_id(id);
  }
};

struct XdpRxqInfo {
  XdpRegState state = XdpRegState::fresh;
  XdpMemInfo mem;
};

class XdpMem {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    // Ids by their place in the cycle from mem_id_next_ (hash_ids): an id's state, and its
    // entry and count while it has one.
    h.for_each_cyclic_id([&](uint32_t id) {
      h(ids_[id]);
      if (ids_[id] == IdState::entry) h(entry_pool_[id]), h(disconnect_count_[id]);
    });
    h(fail_next_insert_);
    h(warned_gone_);
    h(leak_reported_);
  }

  // Before hashing: mem ids are hashed relative to the next one the IDA hands out.
  template <class H>
  void hash_ids(H& h) const {
    h.cyclic_ids(kMemIdMin, kMemIdMax, mem_id_next_);
  }

  static constexpr uint32_t kMemIdMin = 1;  // MEM_ID_MIN
  static constexpr uint32_t kMemIdMax = 8;  // the model's MEM_ID_MAX (kernel: 0xFFFE)
  static constexpr int kENOSPC = -28;
  static constexpr int kEFAULT = -14;
  static constexpr int kENOMEM = -12;

  XdpMem(Kernel& kernel, PagePools& pools, PageAllocator& pages)
      : kernel_(kernel), pools_(pools), pages_(pages) {}

  // Models: xdp_rxq_info_reg(). Process context.
  void rxq_reg(XdpRxqInfo& rxq, std::string_view driver);
  // Models: xdp_rxq_info_unreg(): unregisters the mem model (page_pool_destroy for a pool).
  void rxq_unreg(XdpRxqInfo& rxq, std::string_view driver);
  // Models: xdp_rxq_info_reg_mem_model(rxq, MEM_TYPE_PAGE_POOL, pool). Returns 0 or -errno.
  int reg_mem_model(XdpRxqInfo& rxq, PoolId pool, std::string_view driver);

  // Environment: the next rhashtable_insert_slow() fails (-ENOMEM).
  void inject_insert_failure() { fail_next_insert_ = true; }
  bool insert_failure_armed() const { return fail_next_insert_; }

  // Models: mem_allocator_disconnect(), the pool's disconnect callback, run when the pool
  // is freed: the entry leaves the table and the id returns after a grace period.
  void disconnect(PoolId pool);

  // Models: __xdp_return() for a page of `mem` (xdp_return_frame: napi_direct false;
  // xdp_return_frame_rx_napi: true). Looks the allocator up by mem.id.
  void return_frame(PageId page, const XdpMemInfo& mem, bool napi_direct, std::string_view actor);
  // Models: xdp_release_frame() (2019-2023): for MEM_TYPE_PAGE_POOL the page leaves its
  // pool through page_pool_release_page(), found by mem.id.
  void release_frame(PageId page, const XdpMemInfo& mem, std::string_view actor);
  // The return would spin on another CPU's producer lock of the page's pool.
  bool return_would_block(PageId page, bool napi_direct) const {
    return pools_->put_would_block(page, napi_direct);
  }

  // P5 after every step: every allocated id has one entry or a pending free.
  void check();

  // Models: v5.3's delayed work mem_id_disconnect_defer_retry() (Work::
  // mem_id_disconnect_defer_retry) and the RCU callback __xdp_mem_allocator_rcu_free()
  // (Work::xdp_mem_allocator_rcu_free); `id` is the mem id.
  void disconnect_defer_retry(uint32_t id);
  void allocator_rcu_free(uint32_t id);

 private:
  // Removes the entry (rhashtable_remove_fast) and queues the id's RCU free; adds one
  // (rhashtable_insert_slow). mem_id_ht changes only under mem_id_lock (P12).
  void remove_entry(uint32_t id);
  void insert_entry(uint32_t id, PoolId pool);
  // Models: mutex_lock(&mem_id_lock) (it may sleep) / mutex_unlock(). Held only inside a
  // step, so not part of the hashed state.
  void mem_id_lock();
  void mem_id_unlock();
  void check_mem_id_lock(std::string_view what);
  // v5.3 __mem_id_disconnect(id, force): frees the pool when it has drained or when forced.
  bool mem_id_disconnect(uint32_t id, bool force);
  enum class IdState : uint8_t { free, entry, rcu_pending, no_owner };
  int mem_id_cyclic_get();

  Wired<Kernel> kernel_;
  Wired<PagePools> pools_;
  Wired<PageAllocator> pages_;
  std::array<IdState, kMemIdMax> ids_{};          // the IDA, with what owns each id
  std::array<PoolId, kMemIdMax> entry_pool_{};    // mem_id_ht: id -> allocator (the pool)
  uint32_t mem_id_next_ = kMemIdMin;
  std::array<uint16_t, kMemIdMax> disconnect_count_{};  // v5.3 disconnect_cnt
  bool fail_next_insert_ = false;
  bool warned_gone_ = false;
  bool leak_reported_ = false;
  bool mem_id_lock_held_ = false;
};

}  // namespace inflight
