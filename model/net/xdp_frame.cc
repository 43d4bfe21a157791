#include "model/net/xdp_frame.h"

namespace inflight {

bool XdpRedirectTarget::xmit(const XdpFrame& frame, std::string_view actor) {
  if (ring_.size() == ring_.capacity()) return false;
  ring_.push_back(frame);
  kernel_.log("{}: XDP_REDIRECT page {} [mem.id={}] to the peer's TX ring [{}/{}]", actor,
              frame.page.slot, frame.mem.id, ring_.size(), kRingSize);
  return true;
}

bool XdpRedirectTarget::complete(uint8_t pick) {
  if (ring_.empty()) return false;
  const size_t i = pick % ring_.size();
  const XdpFrame frame = ring_[i];
  if (xdp_.return_would_block(frame.page, false)) return false;
  ring_.erase(ring_.begin() + static_cast<std::ptrdiff_t>(i));
  xdp_.return_frame(frame.page, frame.mem, /*napi_direct=*/false, "veth_xdp_tx_complete");
  return true;
}

bool XdpRedirectTarget::complete_bulk() {
  if (ring_.empty()) return false;
  for (const XdpFrame& f : ring_)
    if (xdp_.return_would_block(f.page, false)) return false;  // the flush would spin
  constexpr size_t kBulk = 16;  // XDP_BULK_QUEUE_SIZE
  boost::container::static_vector<XdpFrame, kBulk> bq;
  auto flush = [&] {
    kernel_.log("xdp_flush_frame_bulk: {} pages to page_pool_put_netmem_bulk", bq.size());
    for (const XdpFrame& f : bq) xdp_.return_frame(f.page, f.mem, false, "xdp_flush_frame_bulk");
    bq.clear();
  };
  for (const XdpFrame& f : ring_) {
    if (bq.size() == bq.capacity()) flush();
    bq.push_back(f);
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
