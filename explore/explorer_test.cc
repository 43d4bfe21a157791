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
  EXPECT_EQ(a.state_hash(), b.state_hash());
  b.apply(Tick{0});
  EXPECT_NE(a.state_hash(), b.state_hash());
  ExploreSpec spec;
  spec.alphabet = {XdpMemInsertFail{}, Tick{0}};
  spec.max_depth = 2;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  // The root, [fail], [tick], [fail tick] = [tick fail], [tick tick]; a second insert
  // failure is not enabled while one is armed.
  EXPECT_EQ(r.states, 5u);
  EXPECT_EQ(r.transitions, 5u);  // [fail fail] is not enabled
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
