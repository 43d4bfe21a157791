// netmap's emulated adapter, TX: txsync, in-order reclaim, the completion event, the
// callout, unregister, members that keep, chain and demote, and R10.
#include "model/netmap/generic_tx.h"

#include <gtest/gtest.h>

#include "model/testing.h"
#include "model/world.h"

namespace inflight {
namespace {

using inflight::testing::traced;

Topology nm(NmMember member, uint8_t holds = 0, NmPort port = NmPort::freebsd, bool qdisc = false) {
  Topology t;
  t.nm_member = member;
  t.nm_holds = holds;
  t.nm_port = port;
  t.nm_txqdisc = qdisc;
  return t;
}

uint32_t count(const World& w, Violation v) { return w.violations().count(v); }

TEST(NetmapTx, TxsyncSendsTheFilledSlotsAndReclaimsThemInOrderOnceFreed) {
  World w(nm(NmMember::nic), BugSet{}, /*record_trace=*/true);
  ASSERT_TRUE(w.apply(NmTxsync{2}));
  EXPECT_TRUE(traced(w, "if_transmit slot 1 -> mbuf 1 [refcnt=2]"));
  EXPECT_EQ(w.netmap().reclaimed(), 0u);
  ASSERT_TRUE(w.apply(NmMemberFree{0}));
  ASSERT_TRUE(w.apply(NmTxsync{0}));
  EXPECT_EQ(w.netmap().reclaimed(), 2u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(NetmapTx, AScenarioWithoutNetmapSaysNothingOfIt) {
  World quiet(nm(NmMember::nic), BugSet{}, true);
  ASSERT_TRUE(quiet.apply(DriverOpen{}));
  quiet.finish();
  EXPECT_FALSE(traced(quiet, "netmap"));
  World used(nm(NmMember::nic), BugSet{}, true);
  ASSERT_TRUE(used.apply(NmTxsync{1}));
  used.finish();
  EXPECT_TRUE(traced(used, "netmap: generic_netmap_unregister"));
}

TEST(NetmapTx, OneBusySlotBlocksEveryLaterCompletedOne) {
  World w(nm(NmMember::bridge), BugSet{}, true);
  ASSERT_TRUE(w.apply(NmTxsync{2}));       // slot 0 on member queue 0, slot 1 on queue 1
  ASSERT_TRUE(w.apply(NmMemberFree{1}));   // slot 1 completes
  ASSERT_TRUE(w.apply(NmTxsync{0}));
  EXPECT_EQ(w.netmap().reclaimed(), 0u);   // but slot 0 (refcount 2) comes first
  ASSERT_TRUE(w.apply(NmMemberFree{0}));
  ASSERT_TRUE(w.apply(NmTxsync{0}));
  EXPECT_EQ(w.netmap().reclaimed(), 2u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(NetmapTx, AFullRingArmsTheEventOnTheOldestSlotAndTheDriversFreeFiresIt) {
  World w(nm(NmMember::nic), BugSet{}, true);
  ASSERT_TRUE(w.apply(NmTxsync{3}));  // 3 of 4 slots: txempty
  EXPECT_TRUE(traced(w, "generic_set_tx_event: event on slot 0 (mbuf 0)"));
  ASSERT_TRUE(w.apply(NmMemberFree{0}));
  EXPECT_TRUE(traced(w, "generic_mbuf_dtor: event mbuf 0 freed, netmap_generic_irq"));
  ASSERT_TRUE(w.apply(NmTxsync{0}));
  EXPECT_EQ(w.netmap().reclaimed(), 3u);  // the NULL slot too, its event consumed
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

// R10's ordering: slot 0 through a bridge member that keeps it; the ring fills behind it.
void kept_slot_zero(World& w) {
  ASSERT_TRUE(w.apply(NmTxsync{1}));
  ASSERT_TRUE(w.apply(NmMemberHold{0}));
  w.finish();
}

TEST(NetmapTx, R10StallsBehindAKeptMbufWithNoCallout) {
  World w(nm(NmMember::bridge, 1), BugSet::of(Bug::netmap_generic_tx_stall_no_callout), true);
  kept_slot_zero(w);
  EXPECT_EQ(count(w, Violation::netmap_tx_stall), 1u);
  EXPECT_TRUE(w.violations().has(
      FindingPattern(Violation::netmap_tx_stall, "", "FreeBSD zero-copy, no callout")));
  EXPECT_TRUE(traced(w, "slot 0 waits for the completion event on mbuf 0 (the member keeps it indefinitely)"));
  EXPECT_EQ(w.violations().total(), 1u);  // nothing else: every mbuf freed once at the end
}

TEST(NetmapTx, TheCalloutClearsAStuckEventEveryMillisecond) {
  World w(nm(NmMember::bridge, 1), BugSet{}, true);
  kept_slot_zero(w);
  EXPECT_TRUE(traced(w, "generic_tx_callout clears the event on mbuf 0 after 1 ms"));
  EXPECT_TRUE(w.violations().empty());
}

TEST(NetmapTx, TheLinuxPortWithoutTheQdiscStallsToo) {
  World w(nm(NmMember::bridge, 1, NmPort::lnx), BugSet{}, true);
  kept_slot_zero(w);
  EXPECT_TRUE(
      w.violations().has(FindingPattern(Violation::netmap_tx_stall, "", "Linux, no txqdisc")));
}

TEST(NetmapTx, TheLinuxQdiscGivesABusyDequeuedSkbUpToTheDriver) {
  World w(nm(NmMember::bridge, 1, NmPort::lnx, /*qdisc=*/true), BugSet{}, true);
  kept_slot_zero(w);
  EXPECT_TRUE(traced(w, "qdisc dequeue: netmap_generic_irq"));
  EXPECT_TRUE(w.violations().empty());
}

TEST(NetmapTx, UnregisterDisarmsTheEventSoALateDriverFreeIsHarmless) {
  World w(nm(NmMember::nic), BugSet{}, true);
  ASSERT_TRUE(w.apply(NmTxsync{3}));  // event armed on slot 0's mbuf, which the NIC holds
  ASSERT_TRUE(w.apply(NmUnregister{}));
  EXPECT_FALSE(w.apply(NmTxsync{1}));  // the fd is closed
  ASSERT_TRUE(w.apply(NmMemberFree{0}));  // after the adapter is gone
  w.finish();
  EXPECT_FALSE(traced(w, "generic_mbuf_dtor"));
  EXPECT_TRUE(w.violations().empty());
}

TEST(NetmapTx, ChainedAndDemotedMbufsAreFreedOnceAndTheEventStillFires) {
  World w(nm(NmMember::bridge), BugSet{}, true);
  ASSERT_TRUE(w.apply(NmTxsync{3}));          // slots 0, 2 on queue 0; 1 on queue 1; event on 0
  ASSERT_TRUE(w.apply(NmMemberChain{0}));     // the event mbuf goes behind slot 1's and loses M_PKTHDR
  EXPECT_TRUE(traced(w, "chains mbuf 0 behind mbuf 1"));
  ASSERT_TRUE(w.apply(NmMemberFree{1}));      // queue 1 frees its batch: both
  EXPECT_TRUE(traced(w, "generic_mbuf_dtor: event mbuf 0 freed"));
  w.finish();
  EXPECT_EQ(count(w, Violation::double_free), 0u);
  EXPECT_EQ(count(w, Violation::mbuf_leak), 0u);
  EXPECT_TRUE(w.violations().empty());
}

// Why D38065 needed both halves. The callout alone, with zero-copy, hands the event slot's
// netmap buffer back to userspace while the member still transmits from it.
TEST(NetmapTx, TheCalloutWithoutTheCopyGivesABufferBackWhileTheDriverUsesIt) {
  World w(nm(NmMember::bridge, 1), BugSet{}, true);
  w.netmap().partial_fix(/*copy=*/false, /*callout=*/true);
  kept_slot_zero(w);
  EXPECT_GE(count(w, Violation::netmap_buffer_in_use), 1u);
  EXPECT_TRUE(traced(w, "reclaims slot 0 while the member still holds mbuf 0 on its netmap buffer"));
}

// And the copy alone still stalls: nothing clears the event but the driver's free.
TEST(NetmapTx, TheCopyWithoutTheCalloutStillStalls) {
  World w(nm(NmMember::bridge, 1), BugSet{}, true);
  w.netmap().partial_fix(/*copy=*/true, /*callout=*/false);
  kept_slot_zero(w);
  EXPECT_EQ(count(w, Violation::netmap_tx_stall), 1u);
  EXPECT_EQ(count(w, Violation::netmap_buffer_in_use), 0u);
}

TEST(NetmapTx, ALazyNicFreesOnItsNextTransmitAndNeverStalls) {
  World w(nm(NmMember::lazy_nic), BugSet::of(Bug::netmap_generic_tx_stall_no_callout), true);
  ASSERT_TRUE(w.apply(NmTxsync{1}));
  EXPECT_FALSE(w.apply(NmMemberFree{0}));  // no TX completion of its own
  EXPECT_EQ(w.netmap().reclaimed(), 0u);
  ASSERT_TRUE(w.apply(NmTxsync{1}));  // its transmit frees slot 0's mbuf; tx_clean reclaims it
  EXPECT_EQ(w.netmap().reclaimed(), 1u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

}  // namespace
}  // namespace inflight
