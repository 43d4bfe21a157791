#include "model/drivers/pp_rx.h"

#include "model/net/skb.h"
#include "model/net/cpumap.h"
#include "model/net/xdp_frame.h"

namespace inflight {

namespace {
// A poll or TX clean may recycle into the ring, which would spin on that lock.
constexpr std::string_view kProducerBusy =
    "another step holds the queue's page_pool ring producer lock (pp_producer_unlock releases "
    "it): this one would spin";
}  // namespace

PpRxDriver::PpRxDriver(DriverEnv env) : env_(env), queues_(env.kernel.topology().rx_queues) {
  for (int i = 0; i < queues_; i++) q_[static_cast<size_t>(i)].napi = env_.napis.add(queue_cpu(i));
}

uint8_t PpRxDriver::queue_cpu(int queue) const {
  return static_cast<uint8_t>(queue % env_.kernel.topology().cpus);
}

// One queue's pool, rxq and mem model; false (after unwinding) when registration fails.
bool PpRxDriver::setup_queue(Queue& q) {
  PagePoolParams params;
  params.dev = dev();
  params.napi = q.napi;
  params.netdev = name();
  q.pool = env_.pools.create(params);
  q.last_returned = PageId{};
  env_.xdp.rxq_reg(q.rxq, name());
  const int err = env_.xdp.reg_mem_model(q.rxq, q.pool, name());
  if (err == 0) return true;
  env_.pools.destroy(q.pool, name());  // never registered: the driver's to free
  env_.xdp.rxq_unreg(q.rxq, name());
  env_.kernel.log("{}: queue setup failed ({})", name(), err);
  return false;
}

bool PpRxDriver::open() {
  if (open_) return env_.kernel.skip("the driver is already open");
  if (!env_.dma.bound(dev())) return env_.kernel.skip("the device is unbound");
  if (env_.pools.live() + queues_ > kMaxPools)
    return env_.kernel.skip("no room for its page_pools (the model's kMaxPools)");
  env_.dma.set_driver(dev(), name());
  for (int i = 0; i < queues_; i++) {
    Queue& q = q_[static_cast<size_t>(i)];
    if (!setup_queue(q)) {
      teardown_queues(0, i);  // unwind the queues already set up
      env_.kernel.log("{}: ndo_open failed", name());
      return true;  // the open ran and failed; the driver stays closed
    }
    env_.napis.enable(q.napi);
  }
  open_ = true;
  env_.kernel.log("{}: ndo_open ({} queues)", name(), queues_);
  return true;
}

bool PpRxDriver::tx_clean(int queue) {
  Queue& q = q_[static_cast<size_t>(queue)];
  if (!open_) return env_.kernel.skip("the driver is not open");
  if (q.tx_ring.empty()) return env_.kernel.skip("the queue's XDP_TX ring is empty");
  if (env_.pools.producer_busy(q.pool)) return env_.kernel.skip(kProducerBusy);
  if (env_.kernel.bug(Bug::mutant_recycle_direct_from_remote_cpu)) {
    // MUTANT mutant_recycle_direct_from_remote_cpu: the TX completion runs from its own
    // interrupt on the next CPU, outside the RX NAPI, and still recycles with
    // page_pool_recycle_direct() (R-C1).
    const CpuId other = static_cast<CpuId>((queue_cpu(queue) + 1) % env_.kernel.topology().cpus);
    env_.kernel.begin_step(env_.kernel.step(), other, Context::tx_irq);
    clean_tx_ring(q);
    return true;
  }
  env_.napis.begin_poll(q.napi, queue_cpu(queue));
  clean_tx_ring(q);
  env_.napis.end_poll(q.napi);
  return true;
}

// XDP_TX completions, each page in turn (bnxt_tx_int_xdp).
void PpRxDriver::clean_tx_ring(Queue& q) {
  const int queue = static_cast<int>(&q - q_.data());
  for (const PageId page : q.tx_ring) xdp_tx_complete(queue, page);
  q.tx_ring.clear();
}

void PpRxDriver::xdp_tx_complete(int, PageId page) { env_.pools.recycle_direct(page, name()); }

void PpRxDriver::xdp_drop(int queue, PageId page) {
  env_.pools.recycle_direct(page, name());
  queue_state(queue).last_returned = page;
}

bool PpRxDriver::reconfigure(int queue) {
  Queue& q = q_[static_cast<size_t>(queue)];
  if (!open_) return env_.kernel.skip("the driver is not open");
  if (env_.pools.live() >= kMaxPools)
    return env_.kernel.skip("no room for another page_pool (the model's kMaxPools)");
  env_.pools.producer_unlock_all();  // the teardown would spin on a producer lock
  env_.kernel.log("{}: reconfigure queue {}: swap page_pool", name(), queue);
  if (env_.kernel.bug(Bug::mutant_driver_reconfigures_in_napi)) {
    // MUTANT mutant_driver_reconfigures_in_napi: the swap runs from the queue's NAPI
    // context (softirq), where page_pool_destroy may not sleep (R-C7).
    env_.kernel.begin_step(env_.kernel.step(), queue_cpu(queue), Context::softirq);
  }
  env_.napis.disable(q.napi);
  teardown_queue(q);
  if (!setup_queue(q)) {
    // The queue cannot come back: the driver closes (as a failed ethtool op brings the
    // device down); the other queues are torn down too.
    teardown_queues(0, queue);
    teardown_queues(queue + 1, queues_);
    open_ = false;
    return true;
  }
  env_.napis.enable(q.napi);
  return true;
}

bool PpRxDriver::poll(int queue, RxAction action) {
  Queue& q = q_[static_cast<size_t>(queue)];
  // A poll that may recycle into the ring would spin on another CPU's producer lock.
  if (!open_) return env_.kernel.skip("the driver is not open");
  if (!env_.pools.can_alloc(q.pool))
    return env_.kernel.skip(
        "the queue's page_pool cannot allocate (destroyed, or its device unbound)");
  if (env_.pools.producer_busy(q.pool)) return env_.kernel.skip(kProducerBusy);
  env_.napis.begin_poll(q.napi, queue_cpu(queue));
  if (action == RxAction::cache_release) {
    if (!q.cache.empty()) {
      const PageId page = q.cache.back();
      q.cache.pop_back();
      env_.pools.recycle_direct(page, name());
      q.last_returned = page;
    }
    env_.napis.end_poll(q.napi);
    return true;
  }
  if (action == RxAction::pass_frag) {
    // A half-page frag from the pool's frag API, handed up in an skb (one pp reference).
    if (!env_.skbs.full()) {
      const PagePools::FragRef frag = env_.pools.alloc_frag(q.pool, 2048, name());
      if (frag.page.valid()) pass_up(queue, frag.page);
    }
    env_.napis.end_poll(q.napi);
    return true;
  }
  const PageId page = rx_page(queue);
  if (page.valid()) {
    if (action == RxAction::pass && !env_.skbs.full()) {
      pass_up(queue, page);
    } else if (action == RxAction::tx && q.tx_ring.size() < kTxRing) {
      to_frame(queue, page);
      q.tx_ring.push_back(page);  // XDP_TX: completed by a later TX clean
      env_.oracle.hand(page, "the driver's XDP_TX ring");
      env_.kernel.log("{}: XDP_TX page {} on queue {}'s TX ring", name(), page.slot, queue);
    } else if (action == RxAction::redirect_cpu) {
      // bpf_redirect_map(&cpu_map, slot): queued, flushed to the entry at the poll's end.
      const XdpFrame frame{page, to_frame(queue, page)};
      if (!env_.cpumap.enqueue(static_cast<uint8_t>(queue % Cpumap::kEntries), frame, name()))
        env_.xdp.return_frame(page, frame.mem, /*napi_direct=*/true, name());
    } else if (action == RxAction::redirect) {
      // xdp_convert_buff_to_frame() + xdp_do_redirect(); a full target ring drops the
      // frame back with xdp_return_frame_rx_napi() (napi_direct: this is its pool's NAPI).
      const XdpFrame frame{page, to_frame(queue, page), 0, XdpRedirectTarget::kFrameLen};
      if (!env_.redirect.xmit(frame, name()))
        env_.xdp.return_frame(page, frame.mem, /*napi_direct=*/true, name());
    } else if (action == RxAction::cache && q.cache.size() < kCacheSize) {
      q.cache.push_back(page);
      env_.oracle.hand(page, "the driver's page cache");
      env_.kernel.log("{}: page {} kept in the driver page cache", name(), page.slot);
    } else {
      xdp_drop(queue, page);
    }
  }
  env_.napis.end_poll(q.napi);
  return true;
}

XdpMemInfo PpRxDriver::to_frame(int queue, PageId) { return queue_state(queue).rxq.mem; }

PageId PpRxDriver::rx_page(int queue) { return env_.pools.alloc(queue_state(queue).pool, name()); }

void PpRxDriver::pass_up(int, PageId page) { env_.skbs.build_and_deliver(page, true, name()); }

bool PpRxDriver::stop() {
  if (!open_) return env_.kernel.skip("the driver is not open");
  // Cache and TX release would spin on a ring producer lock: those producers finish first.
  env_.pools.producer_unlock_all();
  env_.kernel.log("{}: ndo_stop", name());
  for (int i = 0; i < queues_; i++) env_.napis.disable(q_[static_cast<size_t>(i)].napi);
  for (int i = 0; i < queues_; i++) teardown_queue(q_[static_cast<size_t>(i)]);
  open_ = false;
  return true;
}

// napi_disable and teardown of queues [first, last).
void PpRxDriver::teardown_queues(int first, int last) {
  for (int i = first; i < last; i++) {
    Queue& q = q_[static_cast<size_t>(i)];
    env_.napis.disable(q.napi);
    teardown_queue(q);
  }
}

void PpRxDriver::teardown_queue(Queue& q) {
  clean_tx_ring(q);  // bnxt_free_tx_skbs(): XDP_TX pages go back to their pool first
  if (env_.kernel.bug(Bug::driver_destroy_before_cache_drain)) {
    // BUG VARIANT driver_destroy_before_cache_drain: the pool is destroyed first and the
    // driver cache is released through the non-recycle path, put_page(), which never
    // tells the pool (mlx5e before "mlx5: more strict use of page_pool API").
    env_.xdp.rxq_unreg(q.rxq, name());
    env_.pools.destroy(q.pool, name());
    for (const PageId page : q.cache) env_.pages.put_page(page, name());
  } else if (env_.kernel.bug(Bug::mutant_recycle_direct_after_destroy)) {
    // MUTANT mutant_recycle_direct_after_destroy: the pool goes first and the driver cache
    // is released after it with page_pool_recycle_direct() (P8).
    env_.xdp.rxq_unreg(q.rxq, name());
    env_.pools.destroy(q.pool, name());
    for (const PageId page : q.cache) env_.pools.recycle_direct(page, name());
  } else {
    for (const PageId page : q.cache) env_.pools.put_full_page(page, name());
    unreg_and_destroy(q);
  }
  q.cache.clear();
  q.last_returned = PageId{};
}

void PpRxDriver::unreg_and_destroy(Queue& q) {
  env_.xdp.rxq_unreg(q.rxq, name());
  // v5.3 drivers left shutdown to the mem model (xdp_forced_allocator_removal's era).
  if (!env_.kernel.bug(Bug::xdp_forced_allocator_removal)) env_.pools.destroy(q.pool, name());
}

void PpRxDriver::remove() {
  if (open_) stop();
  // unregister_netdev(): slow.netdev goes away for the pools still shutting down.
  for (int i = 0; i < queues_; i++) env_.pools.netdev_gone(q_[static_cast<size_t>(i)].pool);
}

bool PpRxDriver::fault_double_put(int queue) {
  Queue& q = q_[static_cast<size_t>(queue)];
  if (!env_.faults) return env_.kernel.skip("driver faults are off");
  if (!open_) return env_.kernel.skip("the driver is not open");
  if (!q.last_returned.valid()) return env_.kernel.skip("the queue has returned no page yet");
  if (env_.pools.producer_busy(q.pool)) return env_.kernel.skip(kProducerBusy);
  // Only while the pool still has the page (cache or ring): a second put of it.
  if (!env_.pools.holds(q.pool, q.last_returned))
    return env_.kernel.skip("the page last returned is no longer in its pool");
  env_.kernel.log("{}: driver fault: page {} put twice", name(), q.last_returned.slot);
  env_.napis.begin_poll(q.napi, queue_cpu(queue));  // in its NAPI poll, as a driver would
  env_.pools.recycle_direct(q.last_returned, name());
  env_.napis.end_poll(q.napi);
  return true;
}

}  // namespace inflight
