// The explorer: shortest counterexamples, equal states merged, bounds that stop cleanly.
#include "explore/explorer.h"

#include <gtest/gtest.h>

namespace inflight {
namespace {

bool any_finding(const World& w) { return !w.violations().empty(); }

TEST(Explorer, FindsTheShortestScenarioAndClearsEveryShorterOne) {
  ExploreSpec spec;
  spec.bugs = BugSet::of(Bug::xdp_mem_id_leak_on_insert_fail);
  spec.alphabet = family_alphabet(*target_family("xdp"), false);
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.shortest, (std::vector<Event>{XdpMemInsertFail{}, DriverOpen{}}));
  EXPECT_EQ(r.depth_cleared, 1);
}

TEST(Explorer, EqualStatesAreVisitedOnce) {
  // Arming an insert failure and a 1 ms tick commute: either order reaches one state.
  World a(Topology{}, BugSet{});
  World b(Topology{}, BugSet{});
  a.run(std::vector<Event>{XdpMemInsertFail{}, Tick{0}});
  b.run(std::vector<Event>{Tick{0}, XdpMemInsertFail{}});
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  ExploreSpec spec;
  spec.alphabet = {XdpMemInsertFail{}, Tick{0}};
  spec.max_depth = 4;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  // The root and [fail]: with nothing pending, time passing is no new state, and a second
  // insert failure is not enabled while one is armed. So the space is complete at once.
  EXPECT_EQ(r.states, 2u);
  EXPECT_EQ(r.transitions, 3u);  // fail and tick from the root, tick from [fail]
  EXPECT_EQ(r.stopped_by, "exhausted");
}

// The canonical state (model/core/state_hash.h): history that cannot change the future is
// not state; what can is.
TEST(StateHash, TimeAndGenerationsAloneAreNotState) {
  const World fresh(Topology{}, BugSet{});
  World w(Topology{}, BugSet{});
  // A page allocated and freed (its slot's generation moves on), an hour of time.
  w.run(std::vector<Event>{PageAlloc{}, BufFree{}, PageAlloc{}, BufFree{}, Idle{3}, Tick{3}});
  EXPECT_EQ(w.oracle().live_pages(), 0);
  EXPECT_EQ(w.fingerprint(), fresh.fingerprint());
  w.apply(PageAlloc{});
  EXPECT_NE(w.fingerprint(), fresh.fingerprint());
}

TEST(StateHash, PendingWorkIsHashedByItsClockRegion) {
  const auto queued = [](uint64_t then_ms) {
    World w(Topology{}, BugSet{});
    w.kernel().queue_delayed_work(Work::mem_id_disconnect_defer_retry, 0, 1000);  // id 0: unused
    w.kernel().advance(then_ms);
    return w.fingerprint();
  };
  // 999 and 900 ms left: both between 1 ms and 1 s, so the same futures.
  EXPECT_EQ(queued(1), queued(100));
  EXPECT_NE(queued(1), queued(0));    // exactly 1 s left: a work queued now is due with it
  EXPECT_NE(queued(1), queued(999));  // exactly 1 ms left: a 1 ms timer is due with it
  EXPECT_NE(queued(1), queued(1000)); // due
}

TEST(StateHash, MemIdsAreHashedByTheirPlaceInTheCycle) {
  // Each open takes the IDA's next XDP mem id (1..7, cyclically); each stop frees it after
  // a grace period. Which ids were taken before is history: where an id lies from the next
  // one handed out is state.
  const auto after_cycles = [](int cycles, std::vector<Event> then) {
    World w(Topology{}, BugSet{});
    for (int i = 0; i < cycles; i++) w.run(std::vector<Event>{DriverOpen{}, DriverStop{}, Idle{0}});
    w.run(then);
    return w.fingerprint();
  };
  EXPECT_EQ(after_cycles(5, {}), after_cycles(1, {}));
  EXPECT_EQ(after_cycles(5, {DriverOpen{}}), after_cycles(1, {DriverOpen{}}));
  EXPECT_EQ(after_cycles(3, {DriverOpen{}, DriverStop{}}),
            after_cycles(1, {DriverOpen{}, DriverStop{}}));
  // An id waiting for its grace period is state; so is whether it is the last one taken.
  EXPECT_NE(after_cycles(1, {DriverOpen{}, DriverStop{}}), after_cycles(1, {}));
  EXPECT_NE(after_cycles(1, {DriverOpen{}, DriverStop{}, DriverOpen{}}),
            after_cycles(1, {DriverOpen{}}));
}

TEST(Explorer, ASmallConfigurationCompletesWhateverItsIrrelevantHistory) {
  ExploreSpec spec;
  spec.topology.nm_member = NmMember::lazy_nic;
  spec.alphabet = family_alphabet(*target_family("netmap_tx"), true);
  spec.max_depth = 100;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  ASSERT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "exhausted");
  EXPECT_GT(r.states, 10u);
  // The same configuration after time passed and a page came and went: the same space.
  spec.prefix = {Tick{3}, PageAlloc{}, BufFree{}, Idle{2}};
  const ExploreResult again = explore(spec);
  EXPECT_EQ(again.stopped_by, "exhausted");
  EXPECT_EQ(again.states, r.states);
  EXPECT_EQ(again.transitions, r.transitions);
}

TEST(Explorer, ABudgetBoundsHowOftenAKindHappensOnAPath) {
  // R1's shortest scenario arms an insert failure and opens the device once.
  ExploreSpec spec;
  spec.bugs = BugSet::of(Bug::xdp_mem_id_leak_on_insert_fail);
  spec.alphabet = family_alphabet(*target_family("xdp"), false);
  spec.goal = any_finding;
  spec.budgets = {{static_cast<uint8_t>(Event{DriverOpen{}}.index()), 1}};
  EXPECT_TRUE(explore(spec).found);
  spec.budgets[0].max = 0;  // never opened: no scenario can show it
  spec.max_depth = 100;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "exhausted");
  // Opens, stops and quiet periods, two opens at most. A state is a world and the opens
  // spent: after one cycle and after two the world is the same (mem ids are hashed from
  // the next one), but only the first may open again. (Counted by the world alone, the
  // states after a second open would merge with those after the first: 7.)
  spec.alphabet = {DriverOpen{}, DriverStop{}, Idle{0}};
  spec.budgets[0].max = 2;
  const ExploreResult cycles = explore(spec);
  EXPECT_EQ(cycles.stopped_by, "exhausted");
  EXPECT_EQ(cycles.states, 9u);
}

TEST(Explorer, PagePoolAndXdpWithOnePageCompleteUnderABudget) {
  ExploreSpec spec;
  spec.topology.pages = 1;
  spec.alphabet = full_alphabet(*target_family("xdp"), spec.topology);
  std::string error;
  spec.budgets = *parse_budgets("driver_open=1,cpumap_update=1", spec.alphabet, &error);
  spec.max_depth = 100;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "exhausted");
  EXPECT_FALSE(parse_budgets("driver_open=1,driver_open=2", spec.alphabet, &error));
  EXPECT_EQ(error, "'driver_open': bounded twice");
  EXPECT_FALSE(parse_budgets("nm_txsync=1", spec.alphabet, &error));
  EXPECT_EQ(error, "'nm_txsync': no event of that kind is in the alphabet");
}

TEST(Explorer, EventsWhoseGuardFailsAreNotExpanded) {
  ExploreSpec spec;
  spec.alphabet = {DriverStop{}, DriverTxClean{0}};  // nothing to stop or clean
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_EQ(r.transitions, 0u);
  EXPECT_EQ(r.stopped_by, "exhausted");
}

TEST(Explorer, TheStateBoundEndsTheSearchWithWhatWasCovered) {
  ExploreSpec spec;
  spec.alphabet = family_alphabet(*target_family("page_pool"), true);
  spec.max_depth = 10;
  spec.max_states = 200;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "states");
  EXPECT_EQ(r.states, 200u);
  EXPECT_GE(r.depth_cleared, 2);
}

}  // namespace
}  // namespace inflight
