// model/net/tun.h
//
// A TAP device with an XDP program attached, written to by userspace: the frame source of
// the bnxt seed (spec §5: tapecho with io_uring, `xdp-bench redirect tapecho eth0`).
// Models: drivers/net/tun.c (tun_chr_write_iter, tun_get_user, tun_can_build_skb,
// tun_build_skb, tun_xdp_act, tun_alloc_skb + do_xdp_generic), net/core/sock.c
// (skb_page_frag_refill), net/core/filter.c (xdp_do_redirect to a device: devmap's bulk
// queue, flushed by xdp_do_flush into ndo_xdp_xmit).
//
// Where a frame lands (tun_build_skb): the writing task's current->task_frag, a page_frag
// carved upwards. Each write first rounds the frag's offset up to SMP_CACHE_BYTES, then
// skb_page_frag_refill() keeps the page, reuses it from offset 0 when the frag holds its
// only reference (every earlier frame was freed), or takes a new 32 KiB page. The buffer
// is buflen = SKB_DATA_ALIGN(len + pad) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
// bytes with pad = TUN_RX_PAD + XDP_PACKET_HEADROOM; the frame's data starts at buffer +
// pad. XDP_REDIRECT and XDP_PASS keep the buffer (get_page, offset += buflen); XDP_DROP
// does not, so the next write reuses the same bytes.
//
// The writer's mode decides the path: a non-blocking write (O_NONBLOCK, or io_uring's
// IOCB_NOWAIT attempt) of a frame that fits a page takes tun_build_skb and native XDP,
// so XDP_REDIRECT reaches the target's ndo_xdp_xmit as an xdp_frame of
// MEM_TYPE_PAGE_SHARED (returned with page_frag_free). A blocking write takes
// tun_alloc_skb and generic XDP: the frame is an skb, and a redirect sends it through
// dev_queue_xmit to the target's ndo_start_xmit, never ndo_xdp_xmit. That is why the seed
// needed its io_uring writer.
//
// Simplifications: x86_64 constants (SMP_CACHE_BYTES 64, NET_IP_ALIGN 0, NET_SKB_PAD 64,
// sizeof(struct skb_shared_info) 320 with MAX_SKB_FRAGS 17); IFF_TAP | IFF_NO_PI without
// IFF_VNET_HDR; one queue; the order-3 task_frag allocation does not fall back to order 0;
// the generic path's kmalloc'd skb head is one order-0 page with the data at offset 0 (a
// kmalloc object of at most a page never crosses a page); XDP_TX from the TAP is not
// modelled. Frames over the target's MTU fail the redirect with -EMSGSIZE
// (xdp_ok_fwd_dev); writes over 32 KiB are refused (skipped). Writers are tasks
// 0..kWriters-1 running on CPU writer % cpus.
#pragma once

#include <array>

#include "model/core/wired.h"
#include "model/mm/page_alloc.h"
#include "model/net/skb.h"
#include "model/net/xdp_frame.h"

namespace inflight {

// The placement arithmetic of tun_build_skb, pure, shared by the model and by the
// exhaustive boundary search (explore/boundary.h).
struct TunLayout {
  static constexpr uint32_t kCacheBytes = 64;   // SMP_CACHE_BYTES
  static constexpr uint32_t kRxPad = 64;        // TUN_RX_PAD = NET_IP_ALIGN + NET_SKB_PAD
  static constexpr uint32_t kXdpHeadroom = 256; // XDP_PACKET_HEADROOM
  static constexpr uint32_t kPad = kRxPad + kXdpHeadroom;
  static constexpr uint32_t kShinfo = 320;      // SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
  static constexpr uint32_t kMinLen = 14;       // ETH_HLEN: shorter writes get -EINVAL
  static constexpr uint32_t kFragSize = kPageSize << PageAllocator::kFragOrder;

  static constexpr uint32_t align(uint32_t v) { return (v + kCacheBytes - 1) & ~(kCacheBytes - 1); }
  static constexpr uint32_t buflen(uint32_t len) { return align(len + kPad) + kShinfo; }
  // tun_can_build_skb(): the buffer fits a page (with the XDP headroom counted).
  static constexpr bool can_build(uint32_t len) { return buflen(len) <= kPageSize; }
  static constexpr uint32_t kMaxBuildLen = kPageSize - kShinfo - kPad;  // 3456
  // Where the next buffer goes, given the frag's offset and whether skb_page_frag_refill()
  // restarts at 0 (the frag holds the page's only reference) or must take a new page.
  static constexpr uint32_t buffer_offset(uint32_t offset, bool sole_reference, uint32_t len) {
    const uint32_t aligned = align(offset);
    if (sole_reference || aligned + buflen(len) > kFragSize) return 0;
    return aligned;
  }
};

class Tun {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(task_frag_);
  }

  static constexpr uint8_t kWriters = 2;
  static constexpr std::string_view kName = "tun";
  enum class Mode : uint8_t { nonblock, blocking };
  enum class Verdict : uint8_t { redirect, pass, drop };

  Tun(Kernel& kernel, PageAllocator& pages, Skbs& skbs, XdpMem& xdp, XdpRedirectTarget& target)
      : kernel_(kernel), pages_(pages), skbs_(skbs), xdp_(xdp), target_(target) {}

  // Models: write() into the TAP fd by `writer` (tun_chr_write_iter -> tun_get_user).
  // False (skipped) when the write fails before any buffer is touched: len < ETH_HLEN,
  // or no room for another skb in the stack.
  bool write(uint8_t writer, uint16_t len, Mode mode, Verdict verdict);
  // The writer tasks exit: their task_frag pages are put.
  void release_task_frags();

 private:
  bool build_skb_path(uint8_t writer, uint32_t len, Verdict verdict);
  bool alloc_skb_path(uint32_t len, Verdict verdict);

  Wired<Kernel> kernel_;
  Wired<PageAllocator> pages_;
  Wired<Skbs> skbs_;
  Wired<XdpMem> xdp_;
  Wired<XdpRedirectTarget> target_;
  std::array<Frag, kWriters> task_frag_{};  // current->task_frag of each writer
};

}  // namespace inflight
