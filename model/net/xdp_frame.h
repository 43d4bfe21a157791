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
// Simplifications: one frame per page, no frags, no DMA mapping by the target (the bnxt
// path that maps frames is issue 4); a bulk flush puts its pages one by one (the kernel
// takes each pool's producer lock once for the group).
#pragma once

#include <boost/container/static_vector.hpp>

#include "model/net/xdp_mem.h"

namespace inflight {

struct XdpFrame {
  PageId page;
  XdpMemInfo mem;  // kernel: xdpf->mem (mem.id dropped in 6.14)
};

class XdpRedirectTarget {
 public:
  static constexpr size_t kRingSize = 8;
  static constexpr uint8_t kCpu = 0;  // the peer's NAPI runs here (modulo the CPUs)

  XdpRedirectTarget(Kernel& kernel, XdpMem& xdp) : kernel_(kernel), xdp_(xdp) {}

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
  Kernel& kernel_;
  XdpMem& xdp_;
  boost::container::static_vector<XdpFrame, kRingSize> ring_;
};

}  // namespace inflight
