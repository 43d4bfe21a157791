// cpumap: entry lifecycle, kthread batches, ring full, deletion draining the ring, and R4.
#include "model/net/cpumap.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/testing.h"
#include "model/world.h"

namespace inflight {
namespace {

Topology topo() {
  Topology t;
  t.cpus = 2;
  t.iommu = true;
  return t;
}

using inflight::testing::traced;

TEST(Cpumap, RedirectWithoutAnEntryReturnsTheFrameToItsPool) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 5}});
  EXPECT_TRUE(traced(w, "recycled into page_pool 0 alloc cache"));  // rx_napi: direct
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Cpumap, TheKthreadTurnsABatchIntoSkbsMarkedForRecycling) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, CpumapUpdate{0}, NapiPoll{0, 5}, NapiPoll{0, 5},
                           CpumapKthread{0}});
  EXPECT_EQ(w.skbs().held(), 2u);
  EXPECT_TRUE(traced(w, "cpu_map_kthread_run: build_skb on page 0 + skb_mark_for_recycle"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Cpumap, AFullRingDropsTheFrameBackToItsPool) {
  World w(topo(), BugSet{});
  std::vector<Event> events = {DriverOpen{}, CpumapUpdate{0}};
  for (size_t i = 0; i < Cpumap::kQsize + 2; i++) events.push_back(NapiPoll{0, 5});
  w.run(events);
  EXPECT_EQ(w.skbs().held(), 0u);  // nothing consumed yet: 8 queued, 2 returned
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Cpumap, DeletionStopsTheKthreadAfterAGracePeriodAndItDrainsTheRing) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, CpumapUpdate{0}, NapiPoll{0, 5}, CpumapDelete{0}});
  EXPECT_FALSE(w.cpumap().published(0));
  EXPECT_EQ(w.skbs().held(), 0u);  // the free waits for the grace period
  w.run(std::vector<Event>{RcuQs{0}, RcuQs{1}, RunDeferred{0}});
  EXPECT_EQ(w.skbs().held(), 1u);  // kthread_stop drained the ring into an skb
  EXPECT_TRUE(traced(w, "__cpu_map_entry_free: entry 0 freed (kthread exited)"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Cpumap, ReplacingAnEntryFreesTheOldOneAfterAGracePeriod) {
  World w(topo(), BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, CpumapUpdate{0}, NapiPoll{0, 5}, CpumapUpdate{0}});
  EXPECT_TRUE(w.cpumap().published(0));
  EXPECT_TRUE(traced(w, "cpu_map: entry 0 unpublished from slot 0"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Cpumap, In2019To2023ThePageLeavesItsPoolBeforeTheScrub) {
  Topology t = topo();
  t.cpumap_release_era = true;
  World w(t, BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, CpumapUpdate{0}, NapiPoll{0, 5}, CpumapKthread{0}});
  // xdp_release_frame(): unmapped and counted as released while the skb keeps the page.
  EXPECT_TRUE(traced(w, "cpu_map_build_skb: page 0 leaves page_pool 0"));
  EXPECT_EQ(w.oracle().pp_owner(PageId{0, 1}), 0u);
  EXPECT_EQ(w.oracle().page(PageId{0, 1}).refcount, 1u);
  w.finish();  // the skb frees an ordinary page: nothing left over
  EXPECT_TRUE(w.violations().empty());
}

// R4: the frame's page handed to the skb without release or recycle mark.
TEST(Cpumap, TheSkbFreesAPageThePoolStillCountsOnlyBeforeTheFix) {
  for (const bool bug : {false, true}) {
    World w(topo(), bug ? BugSet::of(Bug::cpumap_no_release_frame) : BugSet{});
    w.run(std::vector<Event>{DriverOpen{}, CpumapUpdate{0}, NapiPoll{0, 5}, CpumapKthread{0},
                             SkbFree{1, 0, 1}});
    EXPECT_EQ(w.violations().count(Violation::pp_page_freed_in_flight), bug ? 1u : 0u);
    w.finish();
    EXPECT_EQ(w.violations().count(Violation::pp_pool_leak), bug ? 1u : 0u) << "bug=" << bug;
  }
}

}  // namespace
}  // namespace inflight
