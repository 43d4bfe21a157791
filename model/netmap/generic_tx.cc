#include "model/netmap/generic_tx.h"

#include <algorithm>


namespace inflight {

namespace {
constexpr std::string_view kNotRegistered = "netmap is not registered on the adapter";
}  // namespace

NetmapGenericTx::NetmapGenericTx(Kernel& kernel)
    : kernel_(kernel), slots_(kernel.topology().nm_slots) {
  MODEL_ASSERT(slots_ >= 2 && slots_ <= kMaxSlots);
  hwtail_ = prev(0);  // lim: every slot but one is userspace's
}

bool NetmapGenericTx::zero_copy() const {
  if (partial_) return !partial_->copy;
  return kernel_->topology().nm_port == NmPort::freebsd &&
         kernel_->bug(Bug::netmap_generic_tx_stall_no_callout);
}
bool NetmapGenericTx::has_callout() const {
  // BUG VARIANT netmap_generic_tx_stall_no_callout: FreeBSD before D38065 had no callout
  // (and transmitted zero-copy, see zero_copy()).
  if (partial_) return partial_->callout;
  return kernel_->topology().nm_port == NmPort::freebsd &&
         !kernel_->bug(Bug::netmap_generic_tx_stall_no_callout);
}
bool NetmapGenericTx::txqdisc() const {
  return kernel_->topology().nm_port == NmPort::lnx && kernel_->topology().nm_txqdisc;
}
std::string_view NetmapGenericTx::version() const {
  if (kernel_->topology().nm_port == NmPort::lnx) return txqdisc() ? "Linux, txqdisc" : "Linux, no txqdisc";
  if (partial_) return partial_->copy ? "FreeBSD copy, no callout" : "FreeBSD zero-copy with callout";
  return zero_copy() ? "FreeBSD zero-copy, no callout" : "FreeBSD";
}

bool NetmapGenericTx::user_txsync(uint8_t fill) {
  if (!registered_) return kernel_->skip(kNotRegistered);
  used_ = true;
  const uint8_t space = static_cast<uint8_t>((hwtail_ + slots_ - head_) % slots_);
  const uint8_t n = std::min(fill, space);
  head_ = static_cast<uint8_t>((head_ + n) % slots_);
  kernel_->log("netmap: userspace fills {} slots [head={}] and calls txsync", n, head_);
  txsync();
  return true;
}

MbufId NetmapGenericTx::get_mbuf() {
  if (mbufs_.full()) return MbufId{};
  const MbufId m = mbufs_.alloc();
  mbufs_[m].cluster = kernel_->topology().nm_port == NmPort::freebsd && !zero_copy();
  return m;
}

// One generic_netmap_txsync() call.
void NetmapGenericTx::txsync() {
  uint8_t nm_i = hwcur_;
  bool force_reclaim = false;
  while (nm_i != head_) {
    MbufId m = tx_pool_[nm_i];
    if (!m.valid()) {
      m = get_mbuf();  // nm_os_get_mbuf(): the slot's replacement
      if (!m.valid()) {
        kernel_->log("netmap: Failed to replenish mbuf");
        force_reclaim = true;
        break;
      }
      tx_pool_[nm_i] = m;
      kernel_->count(Cov::nm_replenish);
    }
    Mbuf& mb = mbufs_[m];
    MODEL_ASSERT(mb.refcnt == 1);  // FreeBSD panics "invalid refcnt" otherwise
    mb.pkthdr = true;  // nm_os_mbuf_reinit() of a reused mbuf
    if (zero_copy()) {
      mb.zero_copy = true;  // the mbuf's external buffer is the slot's netmap buffer
      mb.nm_buf = nm_i;
    }
    mb.refcnt = 2;  // SET_MBUF_REFCNT(m, 2) on FreeBSD, skb_get() on Linux
    if (!transmit(m, nm_i)) {
      kernel_->count(Cov::nm_xmit_refused);
      mbufs_[m].refcnt = 1;  // the stack freed its reference to the refused packet
      if (txqdisc()) break;
      set_tx_event(nm_i);
      if (tx_clean() > 0) continue;  // room again: retry this slot
      break;
    }
    kernel_->count(Cov::nm_xmit);
    nm_i = next(nm_i);
    hwcur_ = nm_i;
  }
  if (!txqdisc() && (force_reclaim || txempty())) set_tx_event(nm_i);
  tx_clean();
}

bool NetmapGenericTx::transmit(MbufId m, uint8_t slot) {
  if (!txqdisc()) return member_xmit(m, slot);
  if (qdisc_.size() == slots_) return false;
  mbufs_[m].queued = true;  // priority NM_MAGIC_PRIORITY_TX: in the netmapemu qdisc
  mbufs_[m].ring_slot = slot;
  qdisc_.push_back(m);
  qdisc_run();
  return true;
}

// The netmapemu qdisc hands skbs to the member while it takes them; each dequeue raises
// the completion (netmap_generic_irq).
void NetmapGenericTx::qdisc_run() {
  while (!qdisc_.empty()) {
    const MbufId m = qdisc_.front();
    mbufs_[m].queued = false;
    if (!member_xmit(m, mbufs_[m].ring_slot)) {
      mbufs_[m].queued = true;
      return;
    }
    qdisc_.erase(qdisc_.begin());
    kernel_->log("netmap: qdisc dequeue: netmap_generic_irq");
  }
}

bool NetmapGenericTx::member_xmit(MbufId m, uint8_t slot) {
  const NmMember member = kernel_->topology().nm_member;
  if (member == NmMember::lazy_nic) {
    // Frees what it sent before, now that it transmits again (the kept ones stay).
    for (size_t i = 0; i < held_.size();) {
      if (held_[i].kept) {
        i++;
        continue;
      }
      const MbufId head = held_[i].m;
      held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
      free_batch(head, "member tx (lazy free)");
    }
  }
  const uint8_t queue = member == NmMember::bridge ? slot % 2 : 0;
  size_t depth = 0;  // packets on that queue, batched ones included
  for (const Held& h : held_)
    if (h.queue == queue)
      for (MbufId x = h.m; x.valid(); x = mbufs_[x].nextpkt) depth++;
  if (depth >= kMemberDepth) {
    kernel_->log("netmap: if_transmit of slot {}: member queue {} full (ENOBUFS)", slot, queue);
    return false;
  }
  held_.push_back(Held{m, queue, false});
  kernel_->log("netmap: if_transmit slot {} -> mbuf {} [refcnt=2] on member queue {}", slot, m.slot, queue);
  return true;
}

// Non-qdisc mode: arm the completion event on the oldest pending slot.
void NetmapGenericTx::set_tx_event(uint8_t hwcur) {
  const uint8_t e = next(hwtail_);
  if (e == hwcur) return;  // every buffer is free
  const MbufId m = tx_pool_[e];
  if (!m.valid() || tx_event_.valid()) return;  // an event is already in place
  mbufs_[m].dtor = true;
  tx_event_ = m;
  event_armed_ms_ = kernel_->now_ms();
  kernel_->count(Cov::nm_event_armed);
  kernel_->log("netmap: generic_set_tx_event: event on slot {} (mbuf {})", e, m.slot);
  if (has_callout()) kernel_->mod_timer(Work::generic_tx_callout, 0, kCalloutMs);
  tx_pool_[e] = MbufId{};
  m_freem(m, "generic_set_tx_event");  // the driver's reference is the only one left
}

uint32_t NetmapGenericTx::tx_clean() {
  uint8_t nm_i = next(hwtail_);
  uint32_t n = 0;
  while (nm_i != hwcur_) {
    const MbufId m = tx_pool_[nm_i];
    if (txqdisc()) {
      if (m.valid() && mbufs_[m].queued) break;  // not dequeued yet
      if (m.valid() && mbufs_[m].refcnt != 1) {
        tx_pool_[nm_i] = MbufId{};  // busy: the driver keeps it, the slot gets a new one
        m_freem(m, "generic_netmap_tx_clean");
      } else if (!m.valid()) {
        kernel_->log("netmap: tx_clean: Is this happening?");
      }
    } else if (!m.valid()) {
      if (tx_event_.valid()) break;  // the event has not fired: the mbuf is in the driver
    } else if (mbufs_[m].refcnt != 1) {
      break;  // still in the driver
    }
    reclaim(nm_i);
    n++;
    nm_i = next(nm_i);
  }
  hwtail_ = prev(nm_i);
  reclaimed_ += n;
  if (n > 0) kernel_->log("netmap: tx_clean reclaims {} slots [hwtail={}]", n, hwtail_);
  return n;
}

// The slot goes back to userspace: its netmap buffer may be overwritten from now on.
void NetmapGenericTx::reclaim(uint8_t slot) {
  kernel_->count(Cov::nm_reclaim);
  for (const Held& h : held_)
    for (MbufId m = h.m; m.valid(); m = mbufs_[m].nextpkt)
      if (mbufs_[m].zero_copy && mbufs_[m].nm_buf == slot)
        kernel_->report(Violation::netmap_buffer_in_use, "generic_netmap_tx_clean", version(),
                        "generic_netmap_tx_clean reclaims slot {} while the member still "
                        "holds mbuf {} on its netmap buffer [refcnt={}]",
                        slot, m.slot, mbufs_[m].refcnt);
}

void NetmapGenericTx::m_freem(MbufId m, std::string_view actor) {
  if (!mbufs_.alive(m)) {
    kernel_->report(Violation::double_free, actor, "mbuf", "{} frees mbuf {} that is already free",
                    actor, m.slot);
    return;
  }
  Mbuf& mb = mbufs_[m];
  MODEL_ASSERT(mb.refcnt > 0);
  if (--mb.refcnt > 0) return;
  if (mb.dtor) destructor(m);
  mbufs_.free(m);  // the cluster, if any, goes with it (uma_zfree in the destructor)
}

void NetmapGenericTx::free_batch(MbufId head, std::string_view actor) {
  for (MbufId m = head; m.valid();) {
    MbufId nextpkt;
    if (mbufs_.alive(m)) std::swap(nextpkt, mbufs_[m].nextpkt);  // it leaves the batch
    m_freem(m, actor);
    if (nextpkt.valid() && kernel_->bug(Bug::mutant_netmap_batch_frees_chain_twice) &&
        mbufs_.alive(nextpkt) && mbufs_[nextpkt].refcnt == 1) {
      // MUTANT mutant_netmap_batch_frees_chain_twice: the next packet of the batch
      // (m_nextpkt) is freed with its head as if it were a segment (m_next), and then again
      // as the batch goes on (N1).
      m_freem(nextpkt, actor);
    }
    m = nextpkt;
  }
}

// generic_mbuf_dtor(): finds the adapter through the interface (NA(ifp)), checks that
// netmap is still on there, then looks for the kring whose event this mbuf is. After
// unregister (FreeBSD after D38065: an event the callout cleared keeps its destructor, and
// the member may free it long after) it only logs.
void NetmapGenericTx::destructor(MbufId m) {
  if (!adapter_alive_) {
    kernel_->log("netmap: Error: no netmap adapter on device (mbuf {} freed after unregister)", m.slot);
    return;
  }
  if (tx_event_ == m) {
    tx_event_ = MbufId{};
    kernel_->count(Cov::nm_event_dtor);
    kernel_->log("netmap: generic_mbuf_dtor: event mbuf {} freed, netmap_generic_irq", m.slot);
  } else if (!has_callout()) {
    kernel_->log("netmap: Cannot match event {}", m.slot);
  }
}

void NetmapGenericTx::callout() {
  if (!adapter_alive_) {
    kernel_->report(Violation::use_after_free, "generic_tx_callout", "a freed netmap adapter",
                    "the tx_event callout fires after generic_netmap_unregister");
    return;
  }
  if (!tx_event_.valid()) return;
  kernel_->count(Cov::nm_event_callout);
  kernel_->log("netmap: generic_tx_callout clears the event on mbuf {} after {} ms, netmap_generic_irq",
              tx_event_.slot, kernel_->now_ms() - event_armed_ms_);
  tx_event_ = MbufId{};
}

bool NetmapGenericTx::member_free(uint8_t queue) {
  const NmMember member = kernel_->topology().nm_member;
  if (member == NmMember::lazy_nic)
    return kernel_->skip("the lazy NIC frees only on its next transmit");
  const uint8_t q = member == NmMember::bridge ? queue % 2 : 0;
  if (std::none_of(held_.begin(), held_.end(), [&](const Held& h) { return h.queue == q && !h.kept; }))
    return kernel_->skip("the member holds no mbuf it may free on that queue");
  kernel_->log("netmap: member queue {} frees what it sent", q);
  for (size_t i = 0; i < held_.size();) {
    if (held_[i].queue != q || held_[i].kept) {
      i++;
      continue;
    }
    const MbufId head = held_[i].m;
    held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
    free_batch(head, "member tx completion");
  }
  if (txqdisc()) qdisc_run();
  return true;
}

bool NetmapGenericTx::member_hold(uint8_t pick) {
  if (kernel_->topology().nm_member != NmMember::bridge || held_.empty() ||
      kept_ >= kernel_->topology().nm_holds)
    return kernel_->skip("no bridge member mbuf to keep (or nm_holds reached)");
  Held& h = held_[pick % held_.size()];
  uint8_t packets = 0;  // a batch is kept whole
  for (MbufId x = h.m; x.valid(); x = mbufs_[x].nextpkt) packets++;
  if (h.kept || kept_ + packets > kernel_->topology().nm_holds)
    return kernel_->skip("that batch is kept already, or keeping it passes nm_holds");
  h.kept = true;
  kept_ = static_cast<uint8_t>(kept_ + packets);
  kernel_->log("netmap: the member keeps mbuf {} indefinitely [{}/{}]", h.m.slot, kept_,
              kernel_->topology().nm_holds);
  return true;
}

bool NetmapGenericTx::member_chain(uint8_t pick) {
  if (kernel_->topology().nm_member != NmMember::bridge || held_.size() < 2)
    return kernel_->skip("no two bridge member mbufs to chain");
  const size_t a = pick % held_.size(), b = (a + 1) % held_.size();
  if (held_[a].kept || held_[b].kept) return kernel_->skip("a kept batch is not chained");
  MbufId tail = held_[b].m;
  while (mbufs_[tail].nextpkt.valid()) tail = mbufs_[tail].nextpkt;
  mbufs_[tail].nextpkt = held_[a].m;
  for (MbufId m = held_[a].m; m.valid(); m = mbufs_[m].nextpkt) mbufs_[m].pkthdr = false;  // m_demote
  kernel_->log("netmap: the member chains mbuf {} behind mbuf {} (m_nextpkt) and demotes it",
              held_[a].m.slot, held_[b].m.slot);
  held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(a));
  return true;
}

bool NetmapGenericTx::unregister(bool log) {
  if (!registered_) return kernel_->skip(kNotRegistered);
  if (log) kernel_->log("netmap: generic_netmap_unregister");
  if (tx_event_.valid() && mbufs_.alive(tx_event_)) mbufs_[tx_event_].dtor = false;
  tx_event_ = MbufId{};
  for (MbufId& m : tx_pool_) {
    if (m.valid()) m_freem(m, "generic_netmap_unregister");
    m = MbufId{};
  }
  // MUTANT mutant_netmap_unregister_keeps_callout: no callout_drain, so an armed callout
  // fires into the freed adapter (P11).
  if (has_callout() && !kernel_->bug(Bug::mutant_netmap_unregister_keeps_callout))
    kernel_->cancel(Work::generic_tx_callout, 0);  // callout_drain
  registered_ = false;
  adapter_alive_ = false;  // the adapter and its krings are freed
  return true;
}

void NetmapGenericTx::liveness_round() {
  user_txsync(static_cast<uint8_t>(slots_));
  txsync();  // netmap_poll() calls txsync twice
  member_free(0);
  member_free(1);
}

std::string NetmapGenericTx::describe_slot(uint8_t slot) const {
  const MbufId m = tx_pool_[slot];
  auto holder = [&](MbufId x) {
    for (const Held& h : held_)
      for (MbufId y = h.m; y.valid(); y = mbufs_[y].nextpkt)
        if (y == x) return h.kept ? std::string("the member keeps it indefinitely") : std::string("the member holds it");
    for (const MbufId q : qdisc_)
      if (q == x) return std::string("it is still in the netmapemu qdisc");
    return std::string("nobody holds it");
  };
  if (m.valid())
    return fmt::format("mbuf {} [refcnt={}]: {}", m.slot, mbufs_[m].refcnt, holder(m));
  if (tx_event_.valid())
    return fmt::format("the completion event on mbuf {} ({}), armed {} ms ago", tx_event_.slot,
                       mbufs_.alive(tx_event_) ? holder(tx_event_) : "freed",
                       kernel_->now_ms() - event_armed_ms_);
  return "a replacement mbuf";
}

void NetmapGenericTx::report_stall(uint64_t since_ms) {
  const uint8_t slot = next(hwtail_);
  kernel_->report(Violation::netmap_tx_stall, "", version(),
                  "kring tx0: hwtail frozen at slot {} for {} ms while userspace has more "
                  "to send [hwcur={}] [head={}]; slot {} waits for {}{}",
                  hwtail_, kernel_->now_ms() - since_ms, hwcur_, head_, slot, describe_slot(slot),
                  tx_event_.valid() ? "" : "; no tx_event armed");
}

void NetmapGenericTx::teardown() {
  unregister(/*log=*/used_);  // a scenario without netmap says nothing of it
  // The interface goes down: the member frees all it holds, the qdisc is purged.
  for (const MbufId m : qdisc_) {
    mbufs_[m].queued = false;
    m_freem(m, "qdisc purge");
  }
  qdisc_.clear();
  for (const Held& h : held_) free_batch(h.m, "member down");
  held_.clear();
  if (mbufs_.live() > 0)
    kernel_->report(Violation::mbuf_leak, "", "",
                    "{} mbufs left after unregister and the member going down", mbufs_.live());
}

}  // namespace inflight
