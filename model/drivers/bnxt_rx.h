// model/drivers/bnxt_rx.h
//
// Broadcom's bnxt_en in page mode with XDP (drivers/net/ethernet/broadcom/bnxt/, as in
// 6.12), its RX side: one page_pool per RX ring created on the ring's NAPI
// (bnxt_alloc_rx_page_pool), the rxq and its MEM_TYPE_PAGE_POOL mem model. Where it differs
// from pp_rx, and what this model overrides:
// - A frame arrives in a buffer already posted on the RX ring; the driver's cache stands
//   for those posted buffers, and a poll takes the oldest one before allocating
//   (bnxt_alloc_rx_data refills the ring from page_pool_dev_alloc_pages).
// - XDP_DROP does not return the page: bnxt_reuse_rx_data puts it back on the RX ring
//   (page_pool_recycle_direct only when the model's ring is full).
// - XDP_TX sends the page and keeps it as the RX ring's buffer: the RX doorbell waits for
//   the TX completion (bnxt_tx_int_xdp), which gives it back to the ring, not the pool.
// - Teardown (__bnxt_close_nic, NAPI disabled): bnxt_free_skbs recycles every RX ring
//   buffer with page_pool_recycle_direct from process context (bnxt_free_one_rx_ring),
//   then bnxt_free_rx_rings unregisters the rxq (xdp_rxq_info_unreg) and destroys the
//   pool.
// Coarser than the driver: the aggregation ring, the separate head pool, TPA and
// multi-buffer frames are not modelled; XDP_TX frags (recycled at completion) neither.
// The bnxt NIC as an XDP_REDIRECT target (its TX path) is model/net's redirect target with
// two devices.
#pragma once

#include "model/drivers/pp_rx.h"

namespace inflight {

class BnxtRxDriver : public PpRxDriver {
 public:
  static constexpr std::string_view kName = "bnxt_en";
  using PpRxDriver::PpRxDriver;
  std::string_view name() const override { return kName; }

 protected:
  // The frame's buffer: the oldest posted on the ring, else a new page (bnxt_alloc_rx_data).
  PageId rx_page(int queue) override {
    Queue& q = queue_state(queue);
    if (q.cache.empty()) return PpRxDriver::rx_page(queue);
    const PageId page = q.cache.front();
    q.cache.erase(q.cache.begin());
    return page;
  }
  // Models: bnxt_reuse_rx_data.
  void xdp_drop(int queue, PageId page) override { back_to_ring(queue, page); }
  // Models: bnxt_tx_int_xdp for a single-buffer XDP_TX: the RX doorbell, not the pool.
  void xdp_tx_complete(int queue, PageId page) override { back_to_ring(queue, page); }
  // Models: bnxt_free_tx_skbs, bnxt_free_one_rx_ring, bnxt_free_rx_rings.
  void teardown_queue(Queue& q) override {
    for (const PageId page : q.tx_ring) env_.pools.recycle_direct(page, name());
    q.tx_ring.clear();
    for (const PageId page : q.cache) env_.pools.recycle_direct(page, name());
    q.cache.clear();
    unreg_and_destroy(q);
    q.last_returned = PageId{};
  }

 private:
  void back_to_ring(int queue, PageId page) {
    Queue& q = queue_state(queue);
    if (q.cache.size() < kCacheSize) {
      q.cache.push_back(page);
      env_.oracle.hand(page, "the driver's RX ring");
      return;
    }
    PpRxDriver::xdp_drop(queue, page);
  }
};

}  // namespace inflight
