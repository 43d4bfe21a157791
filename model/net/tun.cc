#include "model/net/tun.h"

namespace inflight {

bool Tun::write(uint8_t writer, uint16_t len, Mode mode, Verdict verdict) {
  // tun_get_user(): a TAP frame shorter than an Ethernet header is -EINVAL.
  if (len < TunLayout::kMinLen || len > (kPageSize << PageAllocator::kFragOrder))
    return kernel_->skip(
        "a TAP frame is 14..32768 bytes here (tun_get_user: -EINVAL below ETH_HLEN)");
  if (verdict == Verdict::pass && skbs_->full())
    return kernel_->skip("the stack holds as many skbs as it can");
  if (mode == Mode::nonblock && TunLayout::can_build(len))
    return build_skb_path(writer % kWriters, len, verdict);
  return alloc_skb_path(len, verdict);
}

bool Tun::build_skb_path(uint8_t writer, uint32_t len, Verdict verdict) {
  Frag& tf = task_frag_[writer];
  const uint32_t buflen = TunLayout::buflen(len);
  const bool restart = !tf.page.valid() || pages_->page_ref_count(tf.page) == 1;
  const uint32_t expected = TunLayout::buffer_offset(tf.offset, restart, len);
  tf.offset = TunLayout::align(tf.offset);
  if (!pages_->skb_page_frag_refill(buflen, tf, "tun_build_skb")) {
    kernel_->log("tun_build_skb: -ENOMEM");
    return true;
  }
  MODEL_ASSERT(tf.offset == expected);  // the pure layout is what the model does
  kernel_->count(Cov::tun_build_skb);
  const uint32_t data = tf.offset + TunLayout::kPad;
  kernel_->log("tun_build_skb: writer {} [len={}] in task_frag page {} [buf={}] [data={}] [buflen={}]",
              writer, len, tf.page.slot, tf.offset, data, buflen);
  if (verdict == Verdict::drop) {
    kernel_->log("tun_xdp_act: XDP_DROP (the buffer is reused by the next write)");
    return true;
  }
  const PageId page = tf.page;
  pages_->get_page(page, "tun_build_skb");
  tf.offset += buflen;
  if (verdict == Verdict::pass) {
    skbs_->build_and_deliver(page, false, "tun_build_skb");
    return true;
  }
  const XdpFrame frame{page, XdpMemInfo{XdpMemType::page_shared, 0}, data, len};
  if (len > XdpRedirectTarget::kMaxFrameLen) {
    kernel_->log("tun_xdp_act: xdp_do_redirect -EMSGSIZE (xdp_ok_fwd_dev)");
    pages_->put_page(page, "tun_build_skb");
    return true;
  }
  // xdp_do_redirect() queues the frame in devmap's bulk queue; xdp_do_flush() hands it to
  // ndo_xdp_xmit, and bq_xmit_all() returns what was not sent.
  if (!target_->xmit(frame, "tun_xdp_act"))
    xdp_->return_frame(page, frame.mem, /*napi_direct=*/true, "bq_xmit_all");
  return true;
}

bool Tun::alloc_skb_path(uint32_t len, Verdict verdict) {
  uint8_t order = 0;
  while ((kPageSize << order) < len) order++;
  const PageId head = pages_->alloc_pages(order);  // the kmalloc'd head, data at offset 0
  if (!head.valid()) {
    kernel_->log("tun_alloc_skb: -ENOMEM");
    return true;
  }
  kernel_->count(Cov::tun_alloc_skb);
  kernel_->log("tun_alloc_skb: [len={}] head page {}; do_xdp_generic", len, head.slot);
  if (verdict == Verdict::pass) {
    skbs_->build_and_deliver(head, false, "tun_get_user");
    return true;
  }
  const XdpFrame skb{head, XdpMemInfo{}, 0, len};
  if (verdict == Verdict::redirect && len <= XdpRedirectTarget::kMaxFrameLen &&
      target_->xmit_skb(skb, "generic_xdp_tx"))
    return true;
  pages_->put_page(head, "kfree_skb");  // XDP_DROP, too big to forward, or not taken
  return true;
}

void Tun::release_task_frags() {
  for (Frag& tf : task_frag_) {
    if (tf.page.valid()) pages_->put_page(tf.page, "tun writer exit: task_frag");
    tf = Frag{};
  }
}

}  // namespace inflight
