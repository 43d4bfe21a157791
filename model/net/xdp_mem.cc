#include "model/net/xdp_mem.h"

#include <fmt/format.h>


namespace inflight {

void XdpMem::rxq_reg(XdpRxqInfo& rxq, std::string_view driver) {
  if (rxq.state == XdpRegState::unused) {
    kernel_->log("WARNING: {}: Driver promised not to register this", driver);
    return;
  }
  if (rxq.state == XdpRegState::registered) {
    kernel_->log("WARNING: {}: Missing unregister, handled but fix driver", driver);
    rxq_unreg(rxq, driver);
  }
  rxq = XdpRxqInfo{XdpRegState::registered, {}};
  kernel_->log("{}: xdp_rxq_info_reg", driver);
}

void XdpMem::rxq_unreg(XdpRxqInfo& rxq, std::string_view driver) {
  if (rxq.state == XdpRegState::unused) return;
  if (rxq.state != XdpRegState::registered) kernel_->log("WARNING: {}: Driver BUG", driver);
  // xdp_unreg_mem_model(): the entry stays until the pool's disconnect callback.
  const XdpMemInfo mem = rxq.mem;
  rxq.mem = XdpMemInfo{};
  if (mem.id != 0 && mem.type == XdpMemType::page_pool && mem.id < kMemIdMax &&
      ids_[mem.id] == IdState::entry) {
    if (kernel_->bug(Bug::xdp_early_allocator_removal)) {
      // BUG VARIANT xdp_early_allocator_removal: the entry goes now (4.18-5.2), whatever
      // is still in flight; the driver then destroys the pool itself.
      mem_id_lock();
      remove_entry(mem.id);
      mem_id_unlock();
    } else if (kernel_->bug(Bug::xdp_forced_allocator_removal)) {
      // BUG VARIANT xdp_forced_allocator_removal: v5.3, the mem model drives shutdown.
      disconnect_count_[mem.id] = 0;
      if (!mem_id_disconnect(mem.id, false))
        kernel_->queue_delayed_work(Work::mem_id_disconnect_defer_retry,
                                   mem.id, 1000);
    } else if (kernel_->bug(Bug::mutant_destroy_under_rcu_read_lock)) {
      // MUTANT mutant_destroy_under_rcu_read_lock: the pool is destroyed inside the RCU
      // read-side section of its lookup, where nothing may sleep (P12).
      kernel_->rcu_read_lock();
      pools_->destroy(entry_pool_[mem.id], "xdp_unreg_mem_model");
      kernel_->rcu_read_unlock();
    } else {
      // rhashtable_lookup_fast() leaves its read-side section before page_pool_destroy.
      pools_->destroy(entry_pool_[mem.id], "xdp_unreg_mem_model");
    }
  }
  rxq.state = XdpRegState::unregistered;
  kernel_->log("{}: xdp_rxq_info_unreg [mem.id={}]", driver, mem.id);
}

int XdpMem::mem_id_cyclic_get() {
  for (int attempt = 0; attempt < 2; attempt++) {
    for (uint32_t id = mem_id_next_; id < kMemIdMax; id++) {
      if (ids_[id] != IdState::free) continue;
      mem_id_next_ = id + 1;
      return static_cast<int>(id);
    }
    mem_id_next_ = kMemIdMin;  // one retry from the bottom
  }
  return kENOSPC;
}

int XdpMem::reg_mem_model(XdpRxqInfo& rxq, PoolId pool, std::string_view driver) {
  if (rxq.state != XdpRegState::registered) {
    kernel_->log("WARNING: {}: Missing register, driver bug", driver);
    return kEFAULT;
  }
  const int id = mem_id_cyclic_get();
  if (id < 0) {
    int leaked = 0;
    for (const IdState s : ids_) leaked += s == IdState::no_owner ? 1 : 0;
    kernel_->log("{}: xdp_rxq_info_reg_mem_model: -ENOSPC", driver);
    if (leaked > 0)
      kernel_->report(Violation::xdp_mem_id_leak, "xdp_rxq_info_reg_mem_model",
                      "-ENOSPC while mem ids are leaked",
                      "{}: no mem id left although {} of {} ids have no allocator "
                      "entry and no pending free",
                      driver, leaked, kMemIdMax - kMemIdMin);
    return id;
  }
  const uint32_t mem_id = static_cast<uint32_t>(id);
  rxq.mem = XdpMemInfo{XdpMemType::page_pool, mem_id};
  if (fail_next_insert_) {
    // rhashtable_insert_slow() fails.
    fail_next_insert_ = false;
    if (kernel_->bug(Bug::xdp_mem_id_leak_on_insert_fail)) {
      // BUG VARIANT xdp_mem_id_leak_on_insert_fail: the allocator is freed and the error
      // returned, but the id is not given back to the IDA and mem->id stays set.
      ids_[mem_id] = IdState::no_owner;
    } else {
      ids_[mem_id] = IdState::free;
      rxq.mem.id = 0;
    }
    kernel_->log("{}: xdp_rxq_info_reg_mem_model: rhashtable insert failed (-ENOMEM) [mem.id={}]",
                driver, mem_id);
    return kENOMEM;
  }
  mem_id_lock();
  insert_entry(mem_id, pool);
  mem_id_unlock();
  // page_pool_use_xdp_mem(): user_cnt++ and the disconnect callback (5.5+ only).
  if (!kernel_->bug(Bug::xdp_early_allocator_removal) &&
      !kernel_->bug(Bug::xdp_forced_allocator_removal))
    pools_->use_xdp_mem(pool, mem_id);
  kernel_->log("{}: xdp_rxq_info_reg_mem_model: MEM_TYPE_PAGE_POOL [mem.id={}]", driver, mem_id);
  return 0;
}

void XdpMem::mem_id_lock() {
  kernel_->might_sleep("mutex_lock(&mem_id_lock)");
  MODEL_ASSERT(!mem_id_lock_held_);
  mem_id_lock_held_ = true;
}

void XdpMem::mem_id_unlock() {
  MODEL_ASSERT(mem_id_lock_held_);
  mem_id_lock_held_ = false;
}

void XdpMem::check_mem_id_lock(std::string_view what) {
  if (mem_id_lock_held_) return;
  kernel_->report(Violation::lock_not_held, what, "mem_id_ht without mem_id_lock",
                  "{} changes mem_id_ht without holding mem_id_lock", what);
}

void XdpMem::insert_entry(uint32_t id, PoolId pool) {
  check_mem_id_lock("rhashtable_insert_slow");
  ids_[id] = IdState::entry;
  entry_pool_[id] = pool;
}

void XdpMem::remove_entry(uint32_t id) {
  MODEL_ASSERT(ids_[id] == IdState::entry);
  check_mem_id_lock("rhashtable_remove_fast");
  ids_[id] = IdState::rcu_pending;
  kernel_->call_rcu(Work::xdp_mem_allocator_rcu_free, id);
  kernel_->log("mem_allocator_disconnect: mem.id={} removed", id);
}

void XdpMem::disconnect(PoolId pool) {
  // MUTANT mutant_mem_id_remove_without_lock: the entry is removed without mem_id_lock.
  const bool lock = !kernel_->bug(Bug::mutant_mem_id_remove_without_lock);
  if (lock) mem_id_lock();
  for (uint32_t id = kMemIdMin; id < kMemIdMax; id++)
    if (ids_[id] == IdState::entry && entry_pool_[id] == pool) remove_entry(id);
  if (lock) mem_id_unlock();
}

bool XdpMem::mem_id_disconnect(uint32_t id, bool force) {
  const PoolId pool = entry_pool_[id];
  const bool drained = pools_->request_shutdown(pool) == 0;
  if (!drained && !force) return false;
  mem_id_lock();
  remove_entry(id);
  mem_id_unlock();
  pools_->free_now(pool, "mem_id_disconnect");
  return true;
}

void XdpMem::disconnect_defer_retry(uint32_t id) {
  if (ids_[id] != IdState::entry) return;
  const uint16_t attempts = ++disconnect_count_[id];
  if (mem_id_disconnect(id, attempts > 120)) return;  // forced after ~2 minutes
  if (attempts % 30 == 0)
    kernel_->log("mem_id_disconnect_defer_retry() stalled mem.id={} shutdown {} attempts {} sec",
                       id, attempts, attempts);
  kernel_->queue_delayed_work(Work::mem_id_disconnect_defer_retry, id, 1000);
}

void XdpMem::allocator_rcu_free(uint32_t id) {
  MODEL_ASSERT(id < kMemIdMax && ids_[id] == IdState::rcu_pending);
  ids_[id] = IdState::free;  // ida_free()
  kernel_->log("__xdp_mem_allocator_rcu_free: mem.id={} back in the IDA", id);
}

void XdpMem::return_frame(PageId page, const XdpMemInfo& mem, bool napi_direct,
                          std::string_view actor) {
  kernel_->count(Cov::xdp_return);
  switch (mem.type) {
    case XdpMemType::page_shared:  // page_frag_free(data): a frag's page reference
    case XdpMemType::page_order0:  // put_page(virt_to_page(data))
      pages_->put_page(page, actor);
      return;
    case XdpMemType::xsk_buff_pool:  // not a frame type (converted at xdp_convert_zc_to_xdp_frame)
      kernel_->log("WARNING: Incorrect XDP memory type ({}) usage", static_cast<int>(mem.type));
      return;
    case XdpMemType::page_pool:
      break;
  }
  const bool found = mem.id > 0 && mem.id < kMemIdMax && ids_[mem.id] == IdState::entry;
  if (found) {
    // page_pool_put_full_page(xa->page_pool, page, napi_direct)
    pools_->put(page, napi_direct, false, actor);
    return;
  }
  if (kernel_->bug(Bug::xdp_early_allocator_removal)) {
    // BUG VARIANT xdp_early_allocator_removal: 4.18-5.2 falls back to put_page silently.
    pages_->put_page(page, actor);
    return;
  }
  if (kernel_->bug(Bug::xdp_forced_allocator_removal)) {
    // BUG VARIANT xdp_forced_allocator_removal: v5.3 warns once, then put_page.
    if (!warned_gone_) kernel_->log("WARNING: page_pool gone mem.id={}", mem.id);
    warned_gone_ = true;
    pages_->put_page(page, actor);
    return;
  }
  // 5.5+: the entry lives until the pool's inflight reaches 0, so a page in flight always
  // finds it. Not finding it means the pool went away under a page it still counts.
  kernel_->report(Violation::use_after_free, actor, "no allocator for the mem id",
                  "{}: __xdp_return of page {} finds no mem_id_ht entry for mem.id={}", actor,
                  page.slot, mem.id);
  pages_->put_page(page, actor);
}

void XdpMem::release_frame(PageId page, const XdpMemInfo& mem, std::string_view actor) {
  if (mem.type != XdpMemType::page_pool) return;  // only a pool's page has a pool to leave
  if (mem.id > 0 && mem.id < kMemIdMax && ids_[mem.id] == IdState::entry)
    pools_->release_page(page, actor);
}

void XdpMem::check() {
  if (leak_reported_) return;
  for (uint32_t id = kMemIdMin; id < kMemIdMax; id++) {
    if (ids_[id] != IdState::no_owner) continue;
    leak_reported_ = true;
    kernel_->report(Violation::xdp_mem_id_leak, "", "",
                    "mem.id={} is allocated in the IDA but owned by no mem_id_ht entry "
                    "and no pending free",
                    id);
    return;
  }
}

}  // namespace inflight
