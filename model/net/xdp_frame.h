// model/net/xdp_frame.h
//
// xdp_frames in flight after XDP_REDIRECT, and the redirect target that holds them until
// TX completion.
// Models: include/net/xdp.h (struct xdp_frame, xdp_convert_buff_to_frame),
// net/core/xdp.c (xdp_return_frame, xdp_return_frame_rx_napi, __xdp_return),
// drivers/net/veth.c (veth_xdp_xmit -> the peer's ring -> xdp_return_frame),
// drivers/net/ethernet/broadcom/bnxt/bnxt_xdp.c (bnxt_xdp_xmit, __bnxt_xmit_xdp_redirect,
// bnxt_tx_int_xdp) and bnxt.c (bnxt_start_xmit, bnxt_tx_int, bnxt_free_tx_skbs).
//
// __xdp_return() for MEM_TYPE_PAGE_POOL finds the pool by the frame's mem.id in
// mem_id_ht and puts the page into it. (6.12 takes the pool from page->pp for a single
// return and looks mem.id up only in xdp_return_frame_bulk(); while pages are in flight
// both name the same pool, which the fixed protocol guarantees.) The 5.5+ rule: the entry
// cannot be missing while pages are in flight. The era switches of R2 and R3 change what
// happens when it is (model/net/xdp_mem.h).
//
// With one device the target is a veth-like peer that maps nothing and completes any
// frame it holds. With two devices it is a bnxt NIC on device 1 (spec §5.2):
// - ndo_xdp_xmit (bnxt_xdp_xmit) maps each frame with dma_map_single(data, len,
//   DMA_TO_DEVICE), stops at a mapping error or a full ring, and records in the TX buffer
//   the action XDP_REDIRECT, the frame, the unmap address and the unmap length;
// - an skb from the stack (a generic-XDP redirect: dev_queue_xmit -> bnxt_start_xmit) is
//   mapped over its head and unmapped with skb_headlen();
// - TX completion (bnxt_tx_int_xdp, bnxt_tx_int) walks the ring in order, unmaps each
//   slot with the recorded address and length, then xdp_return_frame() or frees the skb;
//   bnxt_free_tx_skbs() does the same for every slot when the ring is freed.
// bnxt's XDP_TX slots (page_pool pages recycled with page_pool_recycle_direct at TX
// completion) are the RX driver's own TX ring (model/drivers/pp_rx.h).
// Bug variant here: bnxt_xdp_redirect_unmap_len_zero (R9): the recorded unmap length of
// an XDP_REDIRECT slot is 0.
// The bnxt NIC has one XDP TX ring per CPU (tx_nr_rings_xdp, one per RX ring, as many as
// the CPUs here): bnxt_xdp_xmit sends on ring smp_processor_id() % tx_nr_rings_xdp, and
// each ring completes in its own NAPI, on that ring's CPU.
// Simplifications: rings of kRingSize slots; the veth-like peer has one; one frame per
// xmit call (what devmap's flush hands over for a TAP write); no doorbells, no TX timeout. A bulk
// flush puts its pages one by one (the kernel takes each pool's producer lock once).
#pragma once

#include <array>
#include <boost/container/static_vector.hpp>

#include "model/core/wired.h"
#include "model/dma/dma_api.h"
#include "model/net/xdp_mem.h"

namespace inflight {

struct XdpFrame {
  PageId page;
  XdpMemInfo mem;       // kernel: xdpf->mem (mem.id dropped in 6.14)
  uint32_t offset = 0;  // where xdpf->data lies in the page
  uint32_t len = 0;     // xdpf->len
};

// A TX slot of the target: the frame (or an skb's head) and, on a NIC, its mapping
// (tx_buf's dma_unmap_addr and dma_unmap_len).
struct XdpTxSlot {
  enum class Kind : uint8_t { xdp_redirect, skb };  // tx_buf->action, or tx_buf->skb
  XdpFrame frame;
  DmaHandle mapping;
  uint32_t unmap_len = 0;
  Kind kind = Kind::xdp_redirect;
};

class XdpRedirectTarget {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(rings_);
  }

  static constexpr size_t kRingSize = 8;
  static constexpr uint8_t kCpu = 0;  // the peer's NAPI runs here (modulo the CPUs)

  static constexpr uint32_t kFrameLen = 2048;  // what the page_pool driver redirects
  static constexpr DeviceId kDev = 1;
  static constexpr std::string_view kNicDriver = "bnxt_en";
  // The largest frame xdp_ok_fwd_dev() lets through: MTU 1500 + ETH_HLEN + VLAN_HLEN.
  static constexpr uint32_t kMaxFrameLen = 1518;

  XdpRedirectTarget(Kernel& kernel, XdpMem& xdp, Dma& dma, PageAllocator& pages)
      : kernel_(kernel), xdp_(xdp), dma_(dma), pages_(pages) {}
  // The bnxt NIC on device 1 (two devices), which DMA-maps what it transmits.
  bool maps() const { return kernel_->topology().devices > 1; }

  // Models: ndo_xdp_xmit of the target (bnxt_xdp_xmit), reached from xdp_do_redirect().
  // False when the frame was not taken (full ring, mapping error, target gone): the
  // caller returns it itself (devmap's flush: xdp_return_frame_rx_napi()).
  bool xmit(const XdpFrame& frame, std::string_view actor);
  // Models: ndo_start_xmit of an skb whose head is `head` (bnxt_start_xmit). False when
  // the skb was not taken; the caller frees it.
  bool xmit_skb(const XdpFrame& head, std::string_view actor);
  // What complete(pick) picks among: a veth peer's frames (0 for the NIC, whose pick
  // also sets how far the consumer index moves).
  size_t pick_modulus() const { return maps() ? 0 : rings_[0].size(); }
  size_t in_flight() const {
    size_t n = 0;
    for (const Ring& r : rings_) n += r.size();
    return n;
  }
  // TX completion in softirq: the veth peer completes the pick-th frame; the NIC
  // completes, on the pick-th ring that holds frames (pick % such rings), 1 + pick / rings
  // % held slots in ring order, in that ring's NAPI on its CPU.
  bool complete(uint8_t pick);
  // xdp_return_frame_bulk() of every frame held, flushed every XDP_BULK_QUEUE_SIZE (16) and
  // at the end through page_pool_put_netmem_bulk() (grouped by pool).
  bool complete_bulk();
  // The TX ring is freed (bnxt_free_tx_skbs; the veth peer stops).
  void complete_all();

 private:
  void complete_slot(const XdpTxSlot& slot, std::string_view actor);
  bool would_block(const XdpTxSlot& slot) const {
    return slot.kind == XdpTxSlot::Kind::xdp_redirect &&
           xdp_->return_would_block(slot.frame.page, false);
  }

  using Ring = boost::container::static_vector<XdpTxSlot, kRingSize>;
  // How many TX rings: one per CPU on the NIC (tx_nr_rings_xdp), one on the veth peer.
  size_t rings() const { return maps() ? kernel_->topology().cpus : 1; }
  // The ring a frame sent from this CPU goes to (bnxt_xdp_xmit).
  Ring& ring_of_cpu() { return rings_[kernel_->cpu() % rings()]; }
  // " N" naming that ring in the trace when there are several.
  std::string ring_name() const {
    return rings() > 1 ? fmt::format(" {}", kernel_->cpu() % rings()) : std::string();
  }
  bool has_room(std::string_view actor, PageId page);
  bool device_bound(std::string_view actor, PageId page) const;

  Wired<Kernel> kernel_;
  Wired<XdpMem> xdp_;
  Wired<Dma> dma_;
  Wired<PageAllocator> pages_;
  std::array<Ring, kMaxCpus> rings_{};
};

}  // namespace inflight
