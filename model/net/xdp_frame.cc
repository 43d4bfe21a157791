#include "model/net/xdp_frame.h"

namespace inflight {

namespace {
constexpr std::string_view kEmpty = "the target's TX ring is empty";
constexpr std::string_view kWouldSpin =
    "another step holds the ring producer lock of the frame's page_pool: the return would spin";
}  // namespace

// Why a frame is not sent, said in the trace (the caller gives the frame back).
bool XdpRedirectTarget::has_room(std::string_view actor, PageId page) {
  const Ring& ring = ring_of_cpu();
  if (ring.size() < ring.capacity()) return true;
  kernel_->log("{}: the {} TX ring{} is full [{}/{}]: page {} is not sent", actor,
               maps() ? "bnxt" : "peer's", ring_name(), ring.size(), kRingSize, page.slot);
  return false;
}
bool XdpRedirectTarget::device_bound(std::string_view actor, PageId page) const {
  if (dma_->bound(kDev)) return true;
  kernel_->log("{}: the target device is unbound: page {} is not sent", actor, page.slot);
  return false;
}

bool XdpRedirectTarget::xmit(const XdpFrame& frame, std::string_view actor) {
  if (!has_room(actor, frame.page)) return false;
  XdpTxSlot slot{frame, DmaHandle{}, 0, XdpTxSlot::Kind::xdp_redirect};
  if (maps()) {
    MODEL_ASSERT(frame.len > 0);
    if (!device_bound(actor, frame.page)) return false;  // the frame comes back
    dma_->set_driver(kDev, kNicDriver);                  // dma-debug names the driver that maps
    slot.mapping = dma_->map(kDev, frame.page, frame.offset, frame.len, DmaDir::to_device, 0,
                            "bnxt_xdp_xmit");
    if (dma_->mapping_error(slot.mapping)) return false;
    // __bnxt_xmit_xdp_redirect(): dma_unmap_len_set(tx_buf, len, len).
    slot.unmap_len = frame.len;
    if (kernel_->bug(Bug::bnxt_xdp_redirect_unmap_len_zero)) {
      // BUG VARIANT bnxt_xdp_redirect_unmap_len_zero: the unmap length is recorded as 0,
      // so completion and teardown unmap 0 bytes of a len-byte mapping.
      slot.unmap_len = 0;
    }
  }
  Ring& ring = ring_of_cpu();
  ring.push_back(slot);
  pages_->hand(frame.page, "the redirect target's TX ring");
  kernel_->count(Cov::xdp_redirect);
  kernel_->log(
      "{}: XDP_REDIRECT page {} [offset={}] [len={}] [mem.id={}] to the {} TX ring{} [{}/{}]",
      actor, frame.page.slot, frame.offset, frame.len, frame.mem.id, maps() ? "bnxt" : "peer's",
      ring_name(), ring.size(), kRingSize);
  return true;
}

bool XdpRedirectTarget::xmit_skb(const XdpFrame& head, std::string_view actor) {
  if (!has_room(actor, head.page)) return false;
  XdpTxSlot slot{head, DmaHandle{}, 0, XdpTxSlot::Kind::skb};
  if (maps()) {
    if (!device_bound(actor, head.page)) return false;
    dma_->set_driver(kDev, kNicDriver);
    slot.mapping = dma_->map(kDev, head.page, head.offset, head.len, DmaDir::to_device, 0,
                            "bnxt_start_xmit");
    if (dma_->mapping_error(slot.mapping)) return false;
    slot.unmap_len = head.len;  // completion unmaps skb_headlen()
  }
  Ring& ring = ring_of_cpu();
  ring.push_back(slot);
  kernel_->log("{}: skb [head page {}] [len={}] to the {} TX ring{} [{}/{}]", actor, head.page.slot,
               head.len, maps() ? "bnxt" : "peer's", ring_name(), ring.size(), kRingSize);
  return true;
}

bool XdpRedirectTarget::complete(uint8_t pick) {
  if (in_flight() == 0) return kernel_->skip(kEmpty);
  if (!maps()) {
    Ring& ring = rings_[0];
    const size_t i = pick % ring.size();
    const XdpTxSlot slot = ring[i];
    if (would_block(slot)) return kernel_->skip(kWouldSpin);
    ring.erase(ring.begin() + static_cast<std::ptrdiff_t>(i));
    complete_slot(slot, "veth_xdp_tx_complete");
    return true;
  }
  // The pick-th ring holding frames, completed in its NAPI on its CPU.
  size_t busy = 0;
  for (size_t r = 0; r < rings(); r++) busy += !rings_[r].empty();
  size_t r = 0;
  for (size_t k = pick % busy;; r++)
    if (!rings_[r].empty() && k-- == 0) break;
  Ring& ring = rings_[r];
  // bnxt_tx_int_xdp(): the hardware consumer index moved n slots on.
  const size_t n = 1 + (pick / busy) % ring.size();
  for (size_t i = 0; i < n; i++)
    if (would_block(ring[i])) return kernel_->skip(kWouldSpin);
  kernel_->begin_step(kernel_->step(), static_cast<CpuId>(r), Context::softirq);
  for (size_t i = 0; i < n; i++) {
    const XdpTxSlot slot = ring.front();
    ring.erase(ring.begin());
    complete_slot(slot, slot.kind == XdpTxSlot::Kind::skb ? "bnxt_tx_int" : "bnxt_tx_int_xdp");
  }
  return true;
}

void XdpRedirectTarget::complete_slot(const XdpTxSlot& slot, std::string_view actor) {
  if (maps()) kernel_->count(Cov::bnxt_tx_complete);
  if (slot.mapping.id.valid())  // unmap with the recorded address and length
    dma_->unmap(slot.mapping, slot.unmap_len, DmaDir::to_device, DmaType::single, actor);
  if (slot.kind == XdpTxSlot::Kind::skb)
    pages_->put_page(slot.frame.page, actor);  // dev_consume_skb_any(): the head is freed
  else
    xdp_->return_frame(slot.frame.page, slot.frame.mem, /*napi_direct=*/false, actor);
}

bool XdpRedirectTarget::complete_bulk() {
  if (in_flight() == 0) return kernel_->skip(kEmpty);
  for (const Ring& ring : rings_)
    for (const XdpTxSlot& t : ring)
      if (would_block(t)) return kernel_->skip(kWouldSpin);
  constexpr size_t kBulk = 16;  // XDP_BULK_QUEUE_SIZE
  boost::container::static_vector<XdpFrame, kBulk> bq;
  auto flush = [&] {
    kernel_->log("xdp_flush_frame_bulk: {} pages to page_pool_put_netmem_bulk", bq.size());
    for (const XdpFrame& f : bq) xdp_->return_frame(f.page, f.mem, false, "xdp_flush_frame_bulk");
    bq.clear();
  };
  const std::string_view actor = maps() ? "bnxt_tx_int_xdp" : "veth_xdp_tx_complete";
  for (Ring& ring : rings_) {
    for (const XdpTxSlot& t : ring) {
      if (t.kind == XdpTxSlot::Kind::skb) {
        complete_slot(t, actor);
        continue;
      }
      if (t.mapping.id.valid())
        dma_->unmap(t.mapping, t.unmap_len, DmaDir::to_device, DmaType::single, actor);
      if (bq.size() == bq.capacity()) flush();
      bq.push_back(t.frame);
    }
    ring.clear();
  }
  flush();
  return true;
}

void XdpRedirectTarget::complete_all() {
  const std::string_view actor = maps() ? "bnxt_free_tx_skbs" : "veth_xdp_tx_complete";
  for (Ring& ring : rings_) {
    while (!ring.empty() && !would_block(ring.front())) {
      const XdpTxSlot slot = ring.front();
      ring.erase(ring.begin());
      complete_slot(slot, actor);
    }
  }
}

}  // namespace inflight
