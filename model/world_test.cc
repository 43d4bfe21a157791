// World: events run as steps with guards, deferred contexts run when picked, and finish()
// drains what can drain and names what cannot.
#include "model/world.h"

#include <gtest/gtest.h>

namespace inflight {
namespace {

int ran = 0;
void count_run(World&, uint32_t) { ran++; }
// A worker that always re-arms itself: models a retry loop that never terminates.
void requeue_forever(World& world, uint32_t arg) {
  world.kernel().queue_delayed_work("page_pool_release_retry", requeue_forever, arg, 1000);
}

TEST(World, EventWithAFalseGuardIsSkippedAndMarked) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  EXPECT_FALSE(w.apply(DmaUnmap{}));  // no mapping recorded yet
  EXPECT_EQ(w.skipped(), 1u);
  EXPECT_NE(w.trace().back().find("skipped"), std::string::npos);
}

TEST(World, RunDeferredRunsOnlyWhatIsDue) {
  World w(Topology{}, BugSet{});
  ran = 0;
  w.kernel().queue_delayed_work("test_work", count_run, 0, 10);
  EXPECT_FALSE(w.apply(RunDeferred{0}));
  w.apply(Tick{1});  // 10 ms
  EXPECT_TRUE(w.apply(RunDeferred{0}));
  EXPECT_EQ(ran, 1);
}

TEST(World, FinishRunsPendingWorkAndRcuCallbacksToQuiescence) {
  Topology t;
  t.cpus = 3;
  World w(t, BugSet{});
  ran = 0;
  w.kernel().queue_delayed_work("test_work", count_run, 1, 60000);
  w.kernel().call_rcu("test_rcu", count_run, 2);
  w.finish();
  EXPECT_EQ(ran, 2);
  EXPECT_TRUE(w.violations().empty());
  EXPECT_GE(w.kernel().now_ms(), 60000u);
}

TEST(World, FinishNamesWorkThatNeverDrains) {
  World w(Topology{}, BugSet{});
  w.kernel().queue_delayed_work("page_pool_release_retry", requeue_forever, 7, 1000);
  w.finish();
  ASSERT_EQ(w.violations().count(Violation::stall), 1u);  // named once, not again after teardown
  EXPECT_NE(w.violations().findings()[0].title.find("page_pool_release_retry never drains"),
            std::string::npos);
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
