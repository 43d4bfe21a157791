// page_pool through the driver world: recycling paths, the producer window, the destroy
// scrub, the retry worker and its warning, counters across wrap-around, and the three
// page_pool-side bug variants (R5, R6, R11).
#include "model/net/page_pool.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/testing.h"
#include "model/world.h"

namespace inflight {
namespace {

// The model's coverage counters carry the kernel's recycle statistics.
uint32_t cov(const World& w, Cov c) { return w.kernel().coverage()[static_cast<size_t>(c)]; }

Topology topo(uint16_t ring = 16, bool wrap = false) {
  Topology t;
  t.cpus = 2;
  t.iommu = true;
  t.pp_ring_size = ring;
  t.pp_counter_wrap = wrap;
  return t;
}

using inflight::testing::traced;

const PagePool& first_pool(World& w) { return w.page_pools().pool(PoolId{0, 1}); }

TEST(PagePool, DropInsideTheNapiPollRecyclesIntoTheAllocCache) {
  World w(topo(), BugSet{});
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 1}});
  EXPECT_EQ(cov(w, Cov::cached), 1u);
  EXPECT_EQ(first_pool(w).cache.size(), 4u);  // the slow path's bulk, all back
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, AnSkbFreedOutsideThePollGoesThroughTheRing) {
  World w(topo(), BugSet{});
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbFree{1, 0, 0}});
  EXPECT_EQ(first_pool(w).ring.size(), 1u);
  EXPECT_EQ(first_pool(w).producer_cpu, 1);  // still inside producer_lock
  EXPECT_TRUE(w.apply(PpProducerUnlock{0}));
  EXPECT_EQ(cov(w, Cov::ring), 1u);
  EXPECT_EQ(first_pool(w).producer_cpu, -1);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, AProducerInsideTheLockHoldsOffOtherProducersAndStopWaitsForIt) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, NapiPoll{0, 0}, SkbFree{1, 0, 0}});
  EXPECT_FALSE(w.apply(SkbFree{0, 0, 1}));  // would spin on producer_lock: not now
  // ndo_stop spins on the lock too: linearized, the producer finishes first.
  EXPECT_TRUE(w.apply(DriverStop{}));
  const auto unlock = std::find_if(w.trace().begin(), w.trace().end(), [](const std::string& l) {
    return l.find("page_pool_producer_unlock") != std::string::npos;
  });
  const auto destroy = std::find_if(w.trace().begin(), w.trace().end(), [](const std::string& l) {
    return l.find("page_pool_destroy") != std::string::npos;
  });
  ASSERT_NE(unlock, w.trace().end());
  EXPECT_LT(unlock, destroy);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, AFullRingSendsThePageOutOfThePool) {
  World w(topo(/*ring=*/4), BugSet{});
  std::vector<Event> events = {DriverOpen{}};
  for (int i = 0; i < 6; i++) events.push_back(NapiPoll{0, 0});
  for (int i = 0; i < 6; i++) {
    events.push_back(SkbFree{1, 0, 1});
    events.push_back(PpProducerUnlock{0});
  }
  w.run(events);
  EXPECT_EQ(cov(w, Cov::ring), 4u);
  EXPECT_EQ(cov(w, Cov::ring_full), 2u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, InflightIsRightAcrossCounterWrapAround) {
  World w(topo(16, /*wrap=*/true), BugSet{});
  std::vector<Event> events = {DriverOpen{}};
  for (int i = 0; i < 8; i++) events.push_back(NapiPoll{0, 0});  // 8 pages held: wraps at 2
  w.run(events);
  EXPECT_EQ(first_pool(w).hold_count, 6u);  // 0xFFFFFFFE + 8, wrapped
  EXPECT_GT(first_pool(w).release_count, first_pool(w).hold_count);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
  EXPECT_EQ(w.page_pools().live(), 0);
}

TEST(PagePool, DestroyScrubsInFlightMappingsAndTheLateReturnSkipsTheUnmap) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, DriverStop{}});
  EXPECT_EQ(w.oracle().live_mappings(), 0);  // the scrub, while the device is bound
  EXPECT_EQ(w.page_pools().live(), 1);       // one page still in an skb: deferred
  w.run(std::vector<Event>{DeviceUnbind{0}, SkbFree{0, 0, 1}});
  w.finish();
  EXPECT_TRUE(w.violations().empty());
  EXPECT_EQ(w.page_pools().live(), 0);
  EXPECT_TRUE(traced(w, "page_pool_scrub: dma_unmap_page_attrs"));
}

TEST(PagePool, StalledShutdownWarnsEverySixtySecondsOnceTheNetdevIsGone) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, DeviceUnbind{0}});
  for (int s = 0; s < 121; s++) w.run(std::vector<Event>{Tick{3}, RunDeferred{0}});
  const auto warnings = std::count_if(w.trace().begin(), w.trace().end(), [](const std::string& l) {
    return l.find("page_pool_release_retry() stalled pool shutdown: id 0, 1 inflight") !=
           std::string::npos;
  });
  EXPECT_EQ(warnings, 2);  // at 60 s and 120 s
  w.finish();              // the skb is freed at teardown: the pool drains after all
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, XdpTxPagesAreRecycledDirectlyWhenTheTxRingIsCleaned) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 6}, NapiPoll{0, 6}});
  const uint32_t cached = cov(w, Cov::cached);
  EXPECT_TRUE(w.apply(DriverTxClean{0}));
  EXPECT_EQ(cov(w, Cov::cached), cached + 2);  // page_pool_recycle_direct()
  EXPECT_FALSE(w.apply(DriverTxClean{0}));           // nothing left to complete
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, AReconfigurationSwapsThePoolWhileTheOldOneWaitsForItsPages) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, NapiPoll{0, 6}, DriverReconfigure{0}});
  EXPECT_EQ(w.page_pools().live(), 2);  // the old pool still counts the skb's page
  EXPECT_TRUE(w.apply(NapiPoll{0, 0}));  // the queue runs on its new pool
  w.run(std::vector<Event>{SkbFree{0, 0, 1}, PpProducerUnlock{0}, Tick{3}, RunDeferred{0}});
  EXPECT_EQ(w.page_pools().live(), 1);  // the old pool drained and was freed
  w.finish();
  EXPECT_TRUE(w.violations().empty());
  EXPECT_EQ(w.page_pools().live(), 0);
}

TEST(PagePool, TwoFragsShareAPageWhichIsRecycledWhenBothUsersAndTheBiasAreGone) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 7}, NapiPoll{0, 7}});
  EXPECT_TRUE(traced(w, "page_pool_alloc_frag pool 0 -> page 0 offset 0 (new frag page)"));
  EXPECT_TRUE(traced(w, "page_pool_alloc_frag pool 0 -> page 0 offset 2048"));
  // Both skbs go; the page is still the pool's current frag page (bias held).
  w.run(std::vector<Event>{SkbFree{0, 0, 1}, SkbFree{0, 0, 1}});
  EXPECT_EQ(cov(w, Cov::ring) + cov(w, Cov::cached), 0u);
  // The third frag does not fit: the drain drops the bias and recycles page 0.
  w.run(std::vector<Event>{NapiPoll{0, 7}});
  EXPECT_TRUE(traced(w, "page_pool_drain_frag page 0 [pp_ref_count=0]"));
  EXPECT_EQ(cov(w, Cov::cached), 1u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, DestroyDropsTheBiasOfTheCurrentFragPage) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 7}, DriverStop{}});
  EXPECT_TRUE(traced(w, "page_pool_free_frag: page_pool_drain_frag page 0 [pp_ref_count=1]"));
  w.finish();  // the skb's frag is the last reference: the pool drains then
  EXPECT_TRUE(w.violations().empty());
  EXPECT_EQ(w.page_pools().live(), 0);
}

TEST(PagePool, DestroyAndItsScrubRunBetweenALateReleasesUnmapAndItsCount) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  // An expanded clone holds a page reference, so the pp reference's return finds the page
  // not recyclable and releases it: unmap now, count later.
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbClone{0}, SkbExpandHead{1},
                           SkbFree{0, 0, 1}});
  EXPECT_TRUE(traced(w, "unmapped, release_count not yet incremented"));
  w.run(std::vector<Event>{DriverStop{}});  // destroy + scrub in the window
  EXPECT_EQ(w.page_pools().live(), 1);      // the page still counts: the pool waits
  EXPECT_TRUE(w.apply(PpReleaseCount{0}));
  w.run(std::vector<Event>{Tick{3}, RunDeferred{0}});
  EXPECT_EQ(w.page_pools().live(), 0);
  w.finish();
  EXPECT_TRUE(w.violations().empty());  // unmapped exactly once
}

TEST(PagePool, AfterTheReleaseCountTheReleaserStillHasAStepButTouchesOnlyThePage) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbClone{0}, SkbExpandHead{1},
                           SkbFree{0, 0, 1}, PpReleaseCount{0}});
  EXPECT_TRUE(w.page_pools().release_count_pending());  // clear pp info, put_page: later
  w.run(std::vector<Event>{DriverStop{}});  // inflight is 0: destroy frees the pool now
  EXPECT_EQ(w.page_pools().live(), 0);
  EXPECT_TRUE(w.apply(PpReleaseCount{0}));  // the releaser's last step, pool gone
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, AProducerUnlockAfterThePoolIsFreedIsAUseAfterFree) {
  // Only a release pass that ignores the producer barrier can free the pool under a
  // producer; the unlock still runs and its access is judged, never skipped.
  World w(topo(), BugSet::of(Bug::mutant_release_skips_producer_barrier));
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, DriverStop{}, SkbFree{1, 0, 0},
                           Tick{3}, RunDeferred{0}});
  EXPECT_EQ(w.page_pools().live(), 0);
  EXPECT_TRUE(w.apply(PpProducerUnlock{0}));
  EXPECT_TRUE(w.violations().has(
      FindingPattern(Violation::use_after_free, "page_pool_producer_unlock", "a freed page_pool")));
}

TEST(PagePool, TheProducerLockIsReleasedInTheVariantItWasTakenWith) {
  for (const bool mutant : {false, true}) {
    World w(topo(), mutant ? BugSet::of(Bug::mutant_producer_unlock_wrong_variant) : BugSet{});
    // Taken in softirq (plain spin_lock), released by a step in process context.
    w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbFree{1, 0, 0}, PpProducerUnlock{0}});
    EXPECT_EQ(w.violations().count(Violation::lock_variant_mismatch), mutant ? 1u : 0u);
  }
}

TEST(PagePool, ASkbFreedInsideTheQueuesNapiPollGoesBackIntoTheAllocCache) {
  World w(topo(), BugSet{});
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}});
  const uint32_t before = cov(w, Cov::cached);
  EXPECT_TRUE(w.apply(SkbFree{0, 0, kSkbFreeInNapi}));  // queue 0's NAPI runs on cpu0
  EXPECT_EQ(cov(w, Cov::cached), before + 1);
  EXPECT_FALSE(w.apply(SkbFree{0, 0, kSkbFreeInNapi}));  // nothing left to free
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, NoNapiPollRunsOnACpuWithoutAQueue) {
  World w(topo(), BugSet{});
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}});
  EXPECT_FALSE(w.apply(SkbFree{1, 0, kSkbFreeInNapi}));  // one queue, on cpu0
}

TEST(PagePool, APoolBeingDestroyedIsNapiLocalNowhere) {
  // After a reconfiguration the old pool waits for its page while the queue's NAPI polls
  // for the new pool; a free in that poll must not recycle into the old pool's cache.
  for (const bool mutant : {false, true}) {
    World w(topo(), mutant ? BugSet::of(Bug::mutant_destroy_keeps_napi_link) : BugSet{});
    w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, DriverReconfigure{0},
                             SkbFree{0, 0, kSkbFreeInNapi}});
    EXPECT_EQ(w.violations().count(Violation::pp_cache_after_destroy), mutant ? 1u : 0u);
  }
}

TEST(PagePool, OnlyTheNapiContextTouchesTheAllocCacheWhileTheNapiCanRun) {
  for (const bool mutant : {false, true}) {
    World w(topo(), mutant ? BugSet::of(Bug::mutant_recycle_direct_from_remote_cpu) : BugSet{});
    w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 6}, DriverTxClean{0}});  // XDP_TX
    EXPECT_EQ(w.violations().count(Violation::pp_owner_race), mutant ? 1u : 0u);
  }
  // With the NAPI disabled no owner can run: ndo_stop's own release is fine.
  World w(topo(), BugSet{});
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 6}, DriverStop{}});
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(PagePool, DestroyMayNotRunWhereItCannotSleep) {
  for (const bool mutant : {false, true}) {
    World w(topo(), mutant ? BugSet::of(Bug::mutant_driver_reconfigures_in_napi) : BugSet{});
    w.run(std::vector<Event>{DriverOpen{}, DriverReconfigure{0}});
    EXPECT_EQ(w.violations().count(Violation::sleep_in_atomic) > 0, mutant);
  }
}

// R5: a double put makes inflight negative; before 43130d02baa1 the retry worker never
// stopped.
TEST(PagePool, NegativeInflightStopsTheRetryWorkerOnlySinceTheFix) {
  for (const bool bug : {false, true}) {
    World w(topo(), bug ? BugSet::of(Bug::page_pool_negative_inflight_retry_forever) : BugSet{},
            /*record_trace=*/true, /*driver_faults=*/true);
    w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 1}, DriverFault{0}, DriverStop{}});
    EXPECT_TRUE(traced(w, "Negative(-1) inflight packet-pages"));
    for (int s = 0; s < 5; s++) w.run(std::vector<Event>{Tick{3}, RunDeferred{0}});
    EXPECT_EQ(w.kernel().deferred_count(), bug ? 1u : 0u) << "bug=" << bug;
    EXPECT_EQ(w.violations().count(Violation::pp_retry_livelock), bug ? 1u : 0u);
    EXPECT_GE(w.violations().count(Violation::pp_double_release), 2u);  // the driver's bug
  }
}

// R6: before ee62ce7a1d90 an in-flight page is unmapped when it comes back, even after
// the device was unbound.
TEST(PagePool, LateReturnUnmapsAfterUnbindOnlyBeforeTheFix) {
  for (const bool bug : {false, true}) {
    World w(topo(), bug ? BugSet::of(Bug::page_pool_unmap_after_unbind) : BugSet{});
    w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, DeviceUnbind{0}, SkbFree{0, 0, 1}});
    w.finish();
    EXPECT_EQ(w.violations().count(Violation::dma_after_unbind) > 0, bug) << "bug=" << bug;
    EXPECT_EQ(w.violations().count(Violation::dma_mapping_leak) > 0, bug);  // pending at unbind
  }
}

// R11: destroy before draining the driver cache, and drain it with put_page.
TEST(PagePool, DriverCacheFreedBehindThePoolsBackNeverDrains) {
  for (const bool bug : {false, true}) {
    World w(topo(), bug ? BugSet::of(Bug::driver_destroy_before_cache_drain) : BugSet{});
    w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 2}, DriverStop{}});
    EXPECT_EQ(w.violations().count(Violation::pp_page_freed_in_flight), bug ? 1u : 0u);
    w.finish();
    EXPECT_EQ(w.violations().count(Violation::pp_pool_leak), bug ? 1u : 0u);
    EXPECT_EQ(w.page_pools().live(), bug ? 1 : 0);
  }
}

}  // namespace
}  // namespace inflight
