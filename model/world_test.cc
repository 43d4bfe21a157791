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

// The untraced world ends as the traced one: the same findings (to their steps and the
// pass counts in their messages), coverage, time and state; and both pools retried
// thousands of times, with stall warnings, as the scenarios below are there for.
void expect_idle_retries_end_alike(const World& traced, const World& quiet) {
  const auto findings = [](const World& w) {
    std::vector<std::string> out;
    for (const Finding& f : w.violations().findings())
      out.push_back(fmt::format("{} {} {}", f.key.str(), f.step, f.message));
    return out;
  };
  EXPECT_EQ(findings(quiet), findings(traced));
  EXPECT_EQ(quiet.kernel().coverage(), traced.kernel().coverage());
  EXPECT_EQ(quiet.kernel().now_ms(), traced.kernel().now_ms());
  EXPECT_EQ(quiet.fingerprint(), traced.fingerprint());
  EXPECT_GT(traced.kernel().coverage()[static_cast<size_t>(Cov::pool_retry)], 3000u);
  EXPECT_GT(traced.kernel().coverage()[static_cast<size_t>(Cov::pool_stall_warn)], 10u);
}

// Untraced, run_due counts a destroyed pool's idle release retries at once instead of
// running each (World::skip_idle_retries). Two pools stuck with a page out each (R11: the
// driver frees its cached pages behind the pools' backs) retry together once a second,
// through a 3-minute idle and then until finish()'s bounds, with stall warnings every
// minute; the traced world runs them all.
TEST(World, IdleRetriesCountedAtOnceEndAsRunOnes) {
  Topology t;
  t.rx_queues = 2;
  const BugSet bugs = BugSet::of(Bug::driver_destroy_before_cache_drain);
  const std::vector<Event> events{DriverOpen{}, NapiPoll{0, 2}, NapiPoll{1, 2}, DriverStop{},
                                  Idle{3}};
  World traced(t, bugs, /*record_trace=*/true), quiet(t, bugs, /*record_trace=*/false);
  for (World* w : {&traced, &quiet}) {
    w->run(events);
    w->finish();
  }
  expect_idle_retries_end_alike(traced, quiet);
}

// The same when the pools retry at different times in each second: one is destroyed by a
// reconfigure 100 ms before the driver stops and destroys the other.
TEST(World, IdleRetriesOfPoolsOutOfStepCountedAtOnceEndAsRunOnes) {
  Topology t;
  t.rx_queues = 2;
  const BugSet bugs = BugSet::of(Bug::driver_destroy_before_cache_drain);
  const std::vector<Event> events{DriverOpen{},         NapiPoll{0, 2}, NapiPoll{1, 2},
                                  DriverReconfigure{0}, Tick{2},        DriverStop{}};
  World traced(t, bugs, /*record_trace=*/true), quiet(t, bugs, /*record_trace=*/false);
  for (World* w : {&traced, &quiet}) w->run(events);
  // Out of step: retries pending at more than one due time.
  std::vector<uint64_t> dues;
  for (const Deferred& d : quiet.kernel().deferred())
    if (d.work == Work::page_pool_release_retry) dues.push_back(d.due_ms);
  std::sort(dues.begin(), dues.end());
  ASSERT_GE(dues.size(), 2u);
  ASSERT_NE(dues.front(), dues.back());
  for (World* w : {&traced, &quiet}) {
    w->run(std::vector<Event>{Idle{3}, NapiPoll{0, 2}, Tick{1}, Idle{2}});
    w->finish();
  }
  expect_idle_retries_end_alike(traced, quiet);
}

// A longer idle is the shortest idle's transition only where that one leaves nothing
// pending (World::longer_idle, which the explorer relies on).
TEST(World, ALongerIdleLeadsWhereTheShortestDoesOnlyWhenThatLeavesNothingPending) {
  const auto idle_from = [](const World& w, uint8_t by) {
    World copy(w);
    copy.apply(Idle{by});
    return copy;
  };
  // Settled: a deleted cpumap entry waits for a grace period, then its free runs; the
  // shortest idle sees both through.
  World settled(Topology{}, BugSet{});
  settled.run(std::vector<Event>{DriverOpen{}, CpumapUpdate{0}, CpumapDelete{0}});
  ASSERT_FALSE(settled.changes_nothing(Idle{}));
  ASSERT_TRUE(idle_from(settled, 0).changes_nothing(Idle{}));
  for (uint8_t by = 1; by < 4; by++)
    EXPECT_EQ(idle_from(settled, by).fingerprint(), idle_from(settled, 0).fingerprint());
  // Not settled: with v5.3's forced allocator removal (R3), the mem model retries the
  // disconnect every second and forces it after two minutes, with a redirected frame
  // still out. The shortest idle leaves the retry pending; three minutes force it.
  World retrying(Topology{}, BugSet::of(Bug::xdp_forced_allocator_removal));
  const auto redirect = static_cast<uint8_t>(RxAction::redirect);
  retrying.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, redirect}, DriverStop{}});
  const World shortest = idle_from(retrying, 0), longest = idle_from(retrying, 3);
  EXPECT_FALSE(shortest.changes_nothing(Idle{}));
  EXPECT_NE(longest.fingerprint(), shortest.fingerprint());
  EXPECT_TRUE(shortest.violations().empty());
  EXPECT_FALSE(longest.violations().empty());
}

}  // namespace
}  // namespace inflight
