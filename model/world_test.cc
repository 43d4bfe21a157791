// World: events run as steps with guards, deferred contexts run when picked, and finish()
// drains what can drain and names what cannot.
#include "model/world.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace inflight {
namespace {

bool ran(const World& w, std::string_view work) {
  const std::string line = fmt::format("running {}", work);
  for (const std::string& l : w.trace())
    if (l.find(line) != std::string::npos) return true;
  return false;
}

TEST(World, EventWithAFalseGuardIsSkippedAndMarked) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  EXPECT_FALSE(w.apply(DmaUnmap{}));  // no mapping recorded yet
  EXPECT_EQ(w.skipped(), 1u);
  EXPECT_NE(w.trace().back().find("skipped"), std::string::npos);
}

TEST(World, ASkippedEventSaysWhichGuardFailed) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  // The skb's page goes to the ring and its free leaves the producer lock held (the window):
  // the next poll would spin on it.
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbFree{0, 0, 1}, NapiPoll{0, 1},
                           SkbClone{0}});
  EXPECT_EQ(w.skipped(), 2u);
  const auto said = [&](std::string_view text) {
    return std::any_of(w.trace().begin(), w.trace().end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(said("skipped: another step holds the queue's page_pool ring producer lock"));
  EXPECT_TRUE(said("skipped: the stack holds no skb"));
  // A reason is the step's own: the next event that runs says nothing of it.
  w.apply(PpProducerUnlock{0});
  EXPECT_EQ(w.kernel().skip_reason(), "");
}

TEST(World, RunDeferredRunsOnlyWhatIsDue) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  w.kernel().queue_delayed_work(Work::generic_tx_callout, 0, 10);
  EXPECT_FALSE(w.apply(RunDeferred{0}));
  w.apply(Tick{1});  // 10 ms
  EXPECT_TRUE(w.apply(RunDeferred{0}));
  EXPECT_TRUE(ran(w, "generic_tx_callout"));
  EXPECT_EQ(w.kernel().deferred_count(), 0u);
}

TEST(World, FinishRunsPendingWorkAndRcuCallbacksToQuiescence) {
  Topology t;
  t.cpus = 3;
  World w(t, BugSet{}, /*record_trace=*/true);
  w.kernel().queue_delayed_work(Work::mem_id_disconnect_defer_retry, 0, 60000);  // id 0: unused
  w.apply(CpumapUpdate{0});
  w.apply(CpumapDelete{0});  // the entry's free waits for a grace period (call_rcu)
  ASSERT_EQ(w.kernel().deferred_count(), 2u);
  w.finish();
  EXPECT_TRUE(ran(w, "mem_id_disconnect_defer_retry"));
  EXPECT_TRUE(ran(w, "__cpu_map_entry_free"));
  EXPECT_EQ(w.kernel().deferred_count(), 0u);
  EXPECT_TRUE(w.violations().empty());
  EXPECT_GE(w.kernel().now_ms(), 60000u);
}

TEST(World, FinishNamesWorkThatNeverDrains) {
  // A page out of a destroyed pool that nobody will ever return (the test keeps it): the
  // pool's release retry re-arms every second for as long as finish() lets time run.
  World w(Topology{}, BugSet{});
  const PoolId pool = w.page_pools().create(PagePoolParams{.netdev = "test"});
  ASSERT_TRUE(w.page_pools().alloc(pool, "test").valid());
  w.page_pools().destroy(pool, "test");
  w.finish();
  ASSERT_EQ(w.violations().count(Violation::stall), 1u);  // named once, not again after unbind
  EXPECT_TRUE(w.violations().has(FindingPattern(Violation::stall, "page_pool_release_retry", "")));
}

}  // namespace
}  // namespace inflight

namespace inflight {
namespace {

TEST(World, TopologyDriverNamesAreTheRegistrysProductionModelsInOrder) {
  size_t production = 0;
  for (const DriverModel& m : driver_models()) {
    if (!m.production) continue;
    ASSERT_LT(production, kDriverNames.size());
    EXPECT_EQ(m.name, kDriverNames[production]);
    production++;
  }
  EXPECT_EQ(production, kDriverModels);
  // Production models come first, so the topology's index is a registry index.
  for (size_t i = 0; i < kDriverModels; i++) EXPECT_TRUE(driver_models()[i].production);
}

}  // namespace
}  // namespace inflight
