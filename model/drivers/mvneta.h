// model/drivers/mvneta.h
//
// Marvell's mvneta (drivers/net/ethernet/marvell/mvneta.c, as in 6.12), its page_pool and
// XDP use: one page_pool per RX queue (mvneta_create_page_pool: page_pool_create, then
// __xdp_rxq_info_reg and xdp_rxq_info_reg_mem_model(MEM_TYPE_PAGE_POOL)); RX buffers from
// page_pool_alloc_pages (mvneta_rx_refill); XDP_PASS builds an skb marked for recycling;
// XDP_DROP puts the page back with page_pool_put_page(..., allow_direct true)
// (mvneta_xdp_put_buff). Where it differs from pp_rx, and what this model overrides:
// - XDP_TX frames are returned through the XDP mem model, not straight to the pool: in
//   NAPI by xdp_return_frame_rx_napi (mvneta_txq_bufs_free with napi true);
// - ndo_stop (mvneta_stop) first resets the TX queues, returning every pending XDP_TX frame
//   with xdp_return_frame_bulk outside NAPI (mvneta_stop_dev -> mvneta_tx_reset ->
//   mvneta_txq_done_force), and only then cleans the RX queues (mvneta_cleanup_rxqs ->
//   mvneta_rxq_drop_pkts): every posted RX buffer with page_pool_put_full_page(..., false),
//   xdp_rxq_info_unreg, page_pool_destroy.
// Coarser than the driver: mvneta has no page cache of its own; the model's driver cache
// stands for RX buffers posted in the descriptor ring (cache_release hands one back to
// the pool as a ring shrink would). The hardware buffer manager (pp->bm_priv) path, which
// does not use page_pool, and XDP multi-buffer frames are not modelled; the TX queue is
// the RX queue's own (mvneta picks txq by CPU; with one CPU per queue it is the same).
#pragma once

#include "model/drivers/pp_rx.h"

namespace inflight {

class MvnetaDriver : public PpRxDriver {
 public:
  static constexpr std::string_view kName = "mvneta";
  using PpRxDriver::PpRxDriver;
  std::string_view name() const override { return kName; }

 protected:
  // Models: mvneta_txq_bufs_free(napi = true): xdp_return_frame_rx_napi.
  void xdp_tx_complete(int queue, PageId page) override {
    env_.xdp.return_frame(page, queue_state(queue).rxq.mem, /*napi_direct=*/true, name());
  }
  // Models: mvneta_txq_done_force (xdp_return_frame_bulk), then mvneta_rxq_drop_pkts.
  void teardown_queue(Queue& q) override {
    for (const PageId page : q.tx_ring)
      env_.xdp.return_frame(page, q.rxq.mem, /*napi_direct=*/false, name());
    q.tx_ring.clear();
    for (const PageId page : q.cache) env_.pools.put_full_page(page, name());
    q.cache.clear();
    unreg_and_destroy(q);
    q.last_returned = PageId{};
  }
};

}  // namespace inflight
