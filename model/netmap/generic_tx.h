// model/netmap/generic_tx.h
//
// netmap's emulated (generic) adapter, TX side (spec §6): one TX kring over an interface
// without native netmap support, whose slots complete by mbuf reference counts.
// Models: sys/dev/netmap/netmap_generic.c (generic_netmap_txsync, generic_netmap_tx_clean,
// generic_set_tx_event, generic_mbuf_dtor, generic_tx_callout, generic_netmap_unregister),
// netmap_freebsd.c (nm_os_generic_xmit_frame, nm_os_get_mbuf), LINUX/netmap_linux.c
// (nm_os_generic_xmit_frame, the netmapemu qdisc), netmap_kern.h (nm_next, nm_prev,
// nm_kr_txempty, MBUF_REFCNT, MBUF_QUEUED).
//
// Versions (topology nm_port and nm_qdisc, bug variant R10):
// - FreeBSD (after D38065): every pool mbuf owns a private cluster; xmit copies the slot
//   into it, insists its refcount is 1, sets it to 2; a 1 ms callout clears an event the
//   driver has not freed and raises the netmap interrupt.
// - FreeBSD before D38065 (R10 netmap_generic_tx_stall_no_callout): zero-copy, the slot's
//   netmap buffer attached to the mbuf, refcount set to 2; no callout, so only the
//   driver's free of the event mbuf clears tx_event.
// - Linux: xmit copies into the skb and takes a reference (skb_get); no callout. With the
//   netmapemu qdisc (nm_qdisc=on) the completion is signalled when the qdisc dequeues, and
//   tx_clean gives busy dequeued skbs up to the driver; without it, tx_clean and the event
//   work as on FreeBSD.
// Slot invariants (spec §6.8): at most one tx_event; while armed, its slot in tx_pool is
// NULL and the driver holds the only reference; a pending slot is reclaimed iff its mbuf
// has refcount 1, or it is NULL and no event is armed (non-qdisc mode). Reclaim is in
// order, from hwtail + 1 up to hwcur.
//
// The member behind the adapter (topology nm_member): a NIC that frees at TX completion in
// order; a NIC that frees the earlier mbufs only when it transmits the next one; or a
// bridge/lagg that spreads mbufs over two member queues, frees one queue at a time, chains
// packets into batches and demotes them, and may keep up to nm_holds mbufs indefinitely.
// At the end the interface goes down and frees everything it holds.
//
// Checked here: a netmap buffer is never given back to userspace while a driver's mbuf
// still references it (zero-copy); nothing touches a kring after unregister (the
// destructor finds the adapter through the interface and stops when netmap is off there;
// the callout is drained, and firing later would be a use after free); every mbuf (and its cluster) is freed exactly once, chained and demoted
// ones included, and none is left at the end. World::finish runs the liveness phase (P6).
//
// Simplifications: one TX kring of 4 or 8 slots; at most kMaxMbufs mbufs; each member
// queue holds kMemberDepth packets; a refused if_transmit frees the packet (FreeBSD
// m_freem; Linux dev_queue_xmit consumes the skb); the qdisc holds a ring's worth; a
// cluster is freed with its mbuf.
#pragma once

#include <boost/container/static_vector.hpp>

#include <array>
#include <optional>

#include "model/core/wired.h"
#include "model/core/ids.h"
#include "model/core/kernel.h"

namespace inflight {

using MbufId = Handle<MbufTag>;

struct Mbuf {
  uint8_t refcnt = 1;
  bool dtor = false;       // the completion destructor is installed (the event mbuf)
  bool zero_copy = false;  // its data is netmap buffer `nm_buf` (FreeBSD before D38065)
  uint8_t nm_buf = 0;
  bool cluster = false;    // owns a private MCLBYTES cluster (FreeBSD copy mode)
  bool pkthdr = true;      // M_PKTHDR; m_demote clears it
  bool queued = false;     // Linux txqdisc: still in the netmapemu qdisc
  uint8_t ring_slot = 0;   // Linux txqdisc: the slot it was sent from
  MbufId nextpkt;          // the member's batch (m_nextpkt)
};

class NetmapGenericTx {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(head_);
    h(hwcur_);
    h(hwtail_);
    h(tx_pool_);
    h(tx_event_);  // event_armed_ms_ shows only in messages
    h(registered_);
    h(adapter_alive_);
    h(used_);
    h(mbufs_);
    h(held_);
    h(qdisc_);
    h(kept_);
    h(partial_);
  }
  template <class H>
  void hash_tables(H& h) const {
    h.table(mbufs_);
  }

  static constexpr int kMaxSlots = 8;
  static constexpr int kMaxMbufs = 32;
  static constexpr size_t kMemberDepth = 4;
  static constexpr uint64_t kCalloutMs = 1;  // SBT_1MS
  // P6: while slots are pending and userspace polls, hwtail must advance within this.
  static constexpr uint64_t kStallMs = 8;

  explicit NetmapGenericTx(Kernel& kernel);

  // Userspace fills up to `fill` slots and calls txsync. False once unregistered.
  bool user_txsync(uint8_t fill);
  // The member's TX completion on a queue; false when it frees nothing.
  bool member_free(uint8_t queue);
  bool member_hold(uint8_t pick);
  size_t held() const { return held_.size(); }  // what member_hold and member_chain pick from
  bool member_chain(uint8_t pick);
  // Models: generic_netmap_unregister() and the adapter's free. False if already done.
  // `log` false: the same, without its trace line (teardown of an adapter no scenario used).
  bool unregister(bool log = true);
  // Models: generic_tx_callout() (FreeBSD after D38065), on the kernel's timer.
  void callout();
  // What-if, for tests: FreeBSD with only one half of D38065 (the callout without the
  // copy, or the copy without the callout), to show why the fix needed both.
  void partial_fix(bool copy, bool callout) { partial_ = Partial{copy, callout}; }

  // The liveness phase (World::finish): one round of a userspace that always has more to
  // send (fill the ring, txsync twice as netmap_poll does) and a member that frees what it
  // does not keep.
  bool used() const { return used_ && registered_; }
  bool pending() const { return next(hwtail_) != hwcur_; }
  void liveness_round();
  uint64_t reclaimed() const { return reclaimed_; }
  void report_stall(uint64_t since_ms);
  // End of the run: unregister if needed, the member goes down, nothing may be left.
  void teardown();

 private:
  uint8_t next(uint8_t i) const { return static_cast<uint8_t>(i + 1 == slots_ ? 0 : i + 1); }
  uint8_t prev(uint8_t i) const { return static_cast<uint8_t>(i == 0 ? slots_ - 1 : i - 1); }
  bool txempty() const { return head_ == hwtail_; }  // nm_kr_txempty(): rhead == hwtail
  bool zero_copy() const;
  bool has_callout() const;
  bool txqdisc() const;
  std::string_view version() const;

  void txsync();
  uint32_t tx_clean();
  void set_tx_event(uint8_t hwcur);
  MbufId get_mbuf();
  bool transmit(MbufId m, uint8_t slot);
  bool member_xmit(MbufId m, uint8_t slot);
  void qdisc_run();
  void m_freem(MbufId m, std::string_view actor);
  void free_batch(MbufId head, std::string_view actor);
  void destructor(MbufId m);
  void reclaim(uint8_t slot);
  std::string describe_slot(uint8_t slot) const;

  struct Held {
    MbufId m;        // the head of a batch
    uint8_t queue = 0;
    bool kept = false;
  };

  Wired<Kernel> kernel_;
  uint8_t slots_;
  uint8_t head_ = 0, hwcur_ = 0, hwtail_ = 0;
  std::array<MbufId, kMaxSlots> tx_pool_{};
  MbufId tx_event_;
  uint64_t event_armed_ms_ = 0;
  bool registered_ = true;
  bool adapter_alive_ = true;
  bool used_ = false;
  uint64_t reclaimed_ = 0;
  Table<Mbuf, kMaxMbufs, MbufTag> mbufs_;
  boost::container::static_vector<Held, kMaxMbufs> held_;  // the member's, in arrival order
  boost::container::static_vector<MbufId, kMaxSlots> qdisc_;
  uint8_t kept_ = 0;  // packets the member keeps indefinitely (at most nm_holds)
  struct Partial {
    bool copy, callout;
  };
  std::optional<Partial> partial_;
};

}  // namespace inflight
