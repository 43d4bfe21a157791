// model/drivers/pp_rx.h
//
// A page_pool RX driver with XDP: one page_pool, one NAPI and one xdp_rxq_info (mem model
// MEM_TYPE_PAGE_POOL) per RX queue; every poll
// receives one frame into a pool page and runs the XDP verdict: PASS builds an skb
// marked for recycling and hands it up the stack, DROP recycles the page directly, and
// the driver keeps a small page cache of its own (as mlx5e did) that it fills and
// releases back to the pool.
// pass_frag receives into half a page from the pool's frag API (consecutive frames share
// a page, each frag holding one pp reference).
// XDP_TX puts the page on the queue's own XDP TX ring; TX clean runs in the same NAPI and
// recycles it directly. A reconfiguration swaps a queue's pool: quiesce (napi_disable, TX
// ring cleaned), tear the queue down as at stop, then a new pool, rxq and mem model on the
// same NAPI while the old pool may still wait for pages in flight.
// Open registers each rxq and its mem model; if that fails the queue's pool is destroyed,
// the rxq unregistered and the open fails (already opened queues are torn down too).
// Teardown (ndo_stop): napi_disable on every queue, release the driver cache through the
// page_pool API, xdp_rxq_info_unreg (one page_pool_destroy through the mem model), then
// the driver's own page_pool_destroy. Remove (unbind): stop if open, then the netdev goes
// away (the pools' stall warnings may print).
// Bug variant here: driver_destroy_before_cache_drain (R11): destroy first, then free
// the cached pages with put_page behind the pool's back.
#pragma once

#include <boost/container/static_vector.hpp>

#include <array>
#include <typeinfo>

#include "model/drivers/driver.h"
#include "model/net/napi.h"
#include "model/net/page_pool.h"
#include "model/net/xdp_mem.h"

namespace inflight {

class PpRxDriver : public Driver {
 public:
  static constexpr std::string_view kName = "pp_rx";
  static constexpr int kMaxQueues = 2;
  static constexpr size_t kCacheSize = 4;
  static constexpr size_t kTxRing = 4;

  explicit PpRxDriver(DriverEnv env);

  std::string_view name() const override { return kName; }
  DeviceId dev() const override { return 0; }
  int queues() const override { return queues_; }
  uint8_t queue_cpu(int queue) const override;
  NapiId queue_napi(int queue) const override { return q_[static_cast<size_t>(queue)].napi; }

  bool open() override;
  bool poll(int queue, RxAction action) override;
  bool stop() override;
  void remove() override;
  bool fault_double_put(int queue) override;
  bool tx_clean(int queue) override;
  bool reconfigure(int queue) override;
  void hash_state(StateHash& h) const override { h(open_), h(q_); }
  // What the KUnit exporter (export/kunit.h) follows of a queue.
  struct QueueView {
    PoolId pool;
    XdpMemInfo mem;
    size_t cache = 0;    // pages in the driver's page cache
    size_t tx_ring = 0;  // XDP_TX frames not completed
  };
  QueueView view(int queue) const {
    const Queue& q = q_[static_cast<size_t>(queue)];
    return QueueView{q.pool, q.rxq.mem, q.cache.size(), q.tx_ring.size()};
  }
  bool is_open() const { return open_; }
  void assign(const Driver& other) override {
    // The same model (World::operator= checks its name): a type check, not a cast's search.
    MODEL_ASSERT(typeid(other) == typeid(*this));
    const auto& o = static_cast<const PpRxDriver&>(other);
    MODEL_ASSERT(o.queues_ == queues_);
    open_ = o.open_;
    q_ = o.q_;
  }

 protected:
  // The stages a driver under review overrides (docs/driver-models.md). Each runs in the
  // context its caller set: open, stop, reconfigure in process context; the rest in the
  // queue's NAPI poll (softirq on the queue's CPU).
  struct Queue {
    NapiId napi = kNoNapi;
    PoolId pool;
    XdpRxqInfo rxq;
    boost::container::static_vector<PageId, kCacheSize> cache;  // the driver's page cache
    boost::container::static_vector<PageId, kTxRing> tx_ring;   // XDP_TX frames not completed
    PageId last_returned;
    template <class H>
    void hash_state(H& h) const {
      h(napi), h(pool), h(rxq), h(cache), h(tx_ring), h(last_returned);
    }
  };
  Queue& queue_state(int queue) { return q_[static_cast<size_t>(queue)]; }
  // Open and pool creation: page_pool_create, xdp_rxq_info_reg and its mem model; false
  // (after unwinding) when registration fails.
  virtual bool setup_queue(Queue& q);
  // RX refill: the page a frame arrives in (page_pool_dev_alloc_pages).
  virtual PageId rx_page(int queue);
  // XDP_PASS: the frame goes up the stack in an skb marked for recycling.
  virtual void pass_up(int queue, PageId page);
  // XDP_DROP (and a verdict with no room): page_pool_recycle_direct.
  virtual void xdp_drop(int queue, PageId page);
  // XDP_TX, XDP_REDIRECT: the page leaves as an xdp_frame; returns the memory info the
  // frame carries (xdp_convert_buff_to_frame: the rxq's, here MEM_TYPE_PAGE_POOL).
  virtual XdpMemInfo to_frame(int queue, PageId page);
  // XDP_TX completion of one page, in the queue's NAPI (bnxt_tx_int_xdp).
  virtual void xdp_tx_complete(int queue, PageId page);
  // Stop, remove and reconfiguration of one queue, NAPI already disabled: XDP_TX ring,
  // driver cache, xdp_rxq_info_unreg, page_pool_destroy, in the driver's order.
  virtual void teardown_queue(Queue& q);
  // xdp_rxq_info_unreg, then page_pool_destroy (the driver's own call; in the v5.3 era
  // the mem model's unregistration destroyed the pool instead).
  void unreg_and_destroy(Queue& q);
  // Every XDP_TX page of the queue through xdp_tx_complete.
  void clean_tx_ring(Queue& q);
  DriverEnv env_;

 private:
  int queues_;
  bool open_ = false;
  void teardown_queues(int first, int last);
  std::array<Queue, kMaxQueues> q_{};
};

}  // namespace inflight
