// model/drivers/veth.h
//
// veth with an XDP program (drivers/net/veth.c, as in 6.12), its page_pool use, which is
// unlike a NIC's. Each receive queue has a page_pool created on its NAPI with no DMA
// mapping (veth_create_page_pool), but the rxq's mem model is MEM_TYPE_PAGE_SHARED
// (veth_enable_xdp_range): the pool is never registered with the XDP memory model. Pool
// pages hold skbs copied for XDP (veth_convert_skb_to_xdp_buff -> skb_pp_cow_data, marked
// for recycling). What this model overrides:
// - open: page_pool_create and xdp_rxq_info_reg only; the rxq keeps MEM_TYPE_PAGE_SHARED;
// - XDP_TX and XDP_REDIRECT (veth_xdp_rcv_skb): veth_xdp_get takes a page reference, then
//   consume_skb drops the skb's pool reference; the page, shared, leaves its pool
//   (released, not recycled) and the frame carries MEM_TYPE_PAGE_SHARED, so its return is
//   a put_page (page_frag_free);
// - XDP_TX frames go to the peer's ring; the model's TX completion is the peer consuming
//   them (xdp_return_frame);
// - ndo_stop (veth_close -> veth_disable_xdp -> veth_napi_del_range): the rxq is
//   unregistered first, then, NAPI disabled, the queued frames are freed
//   (ptr_ring_cleanup -> veth_ptr_free -> xdp_return_frame) and the pool destroyed.
// Coarser than the driver: the copy itself is the pool allocation (every frame is one
// that needed it); veth's own xdp_ring of skbs, GRO and the peer's side are not modelled;
// the driver cache stands for skbs queued on the rq's ring (freed with their pool page at
// stop). veth's pool is not the rxq's mem model, so the v5.3 era's mem-model destroy does
// not apply: veth always destroys it itself.
#pragma once

#include "model/drivers/pp_rx.h"

namespace inflight {

class VethDriver : public PpRxDriver {
 public:
  static constexpr std::string_view kName = "veth";
  using PpRxDriver::PpRxDriver;
  std::string_view name() const override { return kName; }

 protected:
  // Models: veth_create_page_pool (no PP_FLAG_DMA_MAP), xdp_rxq_info_reg; the mem model
  // stays MEM_TYPE_PAGE_SHARED.
  bool setup_queue(Queue& q) override {
    PagePoolParams params;
    params.dev = dev();
    params.dma_map = false;
    params.dma_sync_dev = false;
    params.napi = q.napi;
    params.netdev = name();
    q.pool = env_.pools.create(params);
    q.last_returned = PageId{};
    env_.xdp.rxq_reg(q.rxq, name());
    return true;
  }
  // Models: veth_xdp_get, then consume_skb of the copied skb (its pool reference).
  XdpMemInfo to_frame(int, PageId page) override {
    env_.pages.get_page(page, name());
    env_.pools.put_full_page(page, name());
    return XdpMemInfo{};  // MEM_TYPE_PAGE_SHARED
  }
  // Models: the peer's xdp_return_frame of a MEM_TYPE_PAGE_SHARED frame: page_frag_free.
  void xdp_tx_complete(int, PageId page) override {
    env_.xdp.return_frame(page, XdpMemInfo{}, /*napi_direct=*/true, name());
  }
  // Models: veth_disable_xdp_range (xdp_rxq_info_unreg), then veth_napi_del_range.
  void teardown_queue(Queue& q) override {
    env_.xdp.rxq_unreg(q.rxq, name());
    for (const PageId page : q.tx_ring)
      env_.xdp.return_frame(page, XdpMemInfo{}, /*napi_direct=*/false, name());
    q.tx_ring.clear();
    for (const PageId page : q.cache) env_.pools.put_full_page(page, name());
    q.cache.clear();
    env_.pools.destroy(q.pool, name());
    q.last_returned = PageId{};
  }
};

}  // namespace inflight
