#include "model/net/xdp_frame.h"

namespace inflight {

bool XdpRedirectTarget::xmit(const XdpFrame& frame, std::string_view actor) {
  if (ring_.size() == ring_.capacity()) return false;
  XdpTxSlot slot{frame, DmaHandle{}, 0};
  if (maps()) {
    if (!dma_.bound(kDev)) return false;  // the target is gone: the frame comes back
    slot.mapping = dma_.map(kDev, frame.page, 0, kFrameLen, DmaDir::to_device, 0, "ndo_xdp_xmit");
    if (dma_.mapping_error(slot.mapping)) return false;
    slot.unmap_len = kFrameLen;  // dma_unmap_len_set(tx_buf, len, len)
  }
  ring_.push_back(slot);
  kernel_.log("{}: XDP_REDIRECT page {} [mem.id={}] to the peer's TX ring [{}/{}]", actor,
              frame.page.slot, frame.mem.id, ring_.size(), kRingSize);
  return true;
}

bool XdpRedirectTarget::complete(uint8_t pick) {
  if (ring_.empty()) return false;
  const size_t i = pick % ring_.size();
  const XdpTxSlot slot = ring_[i];
  if (xdp_.return_would_block(slot.frame.page, false)) return false;
  ring_.erase(ring_.begin() + static_cast<std::ptrdiff_t>(i));
  complete_slot(slot, maps() ? "xdp_tx_nic_tx_int" : "veth_xdp_tx_complete");
  return true;
}

void XdpRedirectTarget::complete_slot(const XdpTxSlot& slot, std::string_view actor) {
  if (slot.mapping.id.valid())  // unmap with the recorded address and length
    dma_.unmap(slot.mapping, slot.unmap_len, DmaDir::to_device, DmaType::single, actor);
  xdp_.return_frame(slot.frame.page, slot.frame.mem, /*napi_direct=*/false, actor);
}

bool XdpRedirectTarget::complete_bulk() {
  if (ring_.empty()) return false;
  for (const XdpTxSlot& t : ring_)
    if (xdp_.return_would_block(t.frame.page, false)) return false;  // the flush would spin
  constexpr size_t kBulk = 16;  // XDP_BULK_QUEUE_SIZE
  boost::container::static_vector<XdpFrame, kBulk> bq;
  auto flush = [&] {
    kernel_.log("xdp_flush_frame_bulk: {} pages to page_pool_put_netmem_bulk", bq.size());
    for (const XdpFrame& f : bq) xdp_.return_frame(f.page, f.mem, false, "xdp_flush_frame_bulk");
    bq.clear();
  };
  for (const XdpTxSlot& t : ring_) {
    if (t.mapping.id.valid())
      dma_.unmap(t.mapping, t.unmap_len, DmaDir::to_device, DmaType::single, "xdp_tx_nic_tx_int");
    if (bq.size() == bq.capacity()) flush();
    bq.push_back(t.frame);
  }
  ring_.clear();
  flush();
  return true;
}

void XdpRedirectTarget::complete_all() {
  while (!ring_.empty() && complete(0)) {
  }
}

}  // namespace inflight
