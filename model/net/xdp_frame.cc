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

void XdpRedirectTarget::complete_all() {
  while (!ring_.empty() && complete(0)) {
  }
}

}  // namespace inflight
