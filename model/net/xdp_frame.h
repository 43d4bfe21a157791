// model/net/xdp_frame.h
//
// xdp_frames in flight after XDP_REDIRECT, and the redirect target that holds them: a
// veth-like peer's TX queue (as devmap's bulk queue hands frames to another device's
// ndo_xdp_xmit) that completes them later on its own CPU with xdp_return_frame().
// Models: include/net/xdp.h (struct xdp_frame, xdp_convert_buff_to_frame),
// net/core/xdp.c (xdp_return_frame, xdp_return_frame_rx_napi, __xdp_return),
// drivers/net/veth.c (veth_xdp_xmit -> the peer's ring -> xdp_return_frame).
//
// __xdp_return() for MEM_TYPE_PAGE_POOL finds the pool by the frame's mem.id in
// mem_id_ht (4.18-6.13) and puts the page into it. The 5.5+ rule: the entry cannot be
// missing while pages are in flight. The era switches of R2 and R3 change what happens
// when it is (model/net/xdp_mem.h).
// With two devices the target is a NIC on device 1 (driver "xdp_tx_nic"): ndo_xdp_xmit
// maps each frame with dma_map_single(DMA_TO_DEVICE) over its length and records the
// address and length in the TX slot; TX completion (and the TX ring's release when the
// device is unbound) unmaps with the recorded length, then returns the frame. With one
// device it is a veth-like peer that maps nothing.
// Simplifications: one frame per page, frame length = the pool's max_len (2048); a bulk
// flush puts its pages one by one (the kernel takes each pool's producer lock once).
#pragma once

#include <boost/container/static_vector.hpp>

#include "model/dma/dma_api.h"
#include "model/net/xdp_mem.h"

namespace inflight {

struct XdpFrame {
  PageId page;
  XdpMemInfo mem;  // kernel: xdpf->mem (mem.id dropped in 6.14)
};

// A TX slot of the target: the frame and, on a NIC, its mapping (tx_buf's dma_unmap_addr
// and dma_unmap_len).
struct XdpTxSlot {
  XdpFrame frame;
  DmaHandle mapping;
  uint32_t unmap_len = 0;
};

class XdpRedirectTarget {
 public:
  static constexpr size_t kRingSize = 8;
  static constexpr uint8_t kCpu = 0;  // the peer's NAPI runs here (modulo the CPUs)

  static constexpr uint32_t kFrameLen = 2048;
  static constexpr DeviceId kDev = 1;

  XdpRedirectTarget(Kernel& kernel, XdpMem& xdp, Dma& dma) : kernel_(kernel), xdp_(xdp), dma_(dma) {}
  // A NIC on device 1 (two devices) that DMA-maps what it transmits.
  bool maps() const { return kernel_.topology().devices > 1; }

  // Models: xdp_do_redirect() -> ndo_xdp_xmit of the peer. False when its ring is full
  // (the caller then returns the frame itself, xdp_return_frame_rx_napi()).
  bool xmit(const XdpFrame& frame, std::string_view actor);
  size_t in_flight() const { return ring_.size(); }
  // The peer's TX completion: xdp_return_frame() of the pick-th frame, in softirq.
  bool complete(uint8_t pick);
  // xdp_return_frame_bulk() of every frame held, flushed every XDP_BULK_QUEUE_SIZE (16) and
  // at the end through page_pool_put_netmem_bulk() (grouped by pool).
  bool complete_bulk();
  void complete_all();

 private:
  void complete_slot(const XdpTxSlot& slot, std::string_view actor);

  Kernel& kernel_;
  XdpMem& xdp_;
  Dma& dma_;
  boost::container::static_vector<XdpTxSlot, kRingSize> ring_;
};

}  // namespace inflight
