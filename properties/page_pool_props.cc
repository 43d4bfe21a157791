// properties/page_pool_props.cc
//
// The driver world against the ground truth, with swarm-generated orderings of polls,
// skb frees on any CPU and context, clones, producers inside the ring lock, stops,
// unbinds, time and deferred work:
// - with a driver that keeps its contract, no finding at all: every mapping unmapped
//   exactly once and never after unbind, inflight equal to the pages really out and
//   never negative, nothing touched after it is freed, and every pool freed once its
//   holders let go (P1-P4, P7, P11);
// - the same with the hold/release counters starting just below 2^32;
// - a driver fault (a double put) is always caught by the ground truth.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "model/world.h"
#include "properties/generators.h"

namespace inflight {
namespace {

void assert_clean(const World& world) {
  log_findings(world);
  RC_ASSERT(world.violations().empty());
}

RC_GTEST_PROP(PagePool, ADriverThatKeepsItsContractLeavesNoFinding, ()) {
  const Scenario s = *gen::pp_scenario();
  World world(s.topology, BugSet{});
  run_scenario(world, s);
  assert_clean(world);
  RC_ASSERT(world.page_pools().live() == 0);
}

RC_GTEST_PROP(PagePool, InflightIsRightAcrossCounterWrapAround, ()) {
  Scenario s = *gen::pp_scenario();
  s.topology.pp_counter_wrap = true;
  World world(s.topology, BugSet{});
  run_scenario(world, s);
  assert_clean(world);
}

RC_GTEST_PROP(PagePool, EveryDoublePutIsCaught, ()) {
  const Scenario s = *gen::pp_scenario();
  World world(s.topology, BugSet{}, false, /*driver_faults=*/true);
  uint32_t faults = 0;
  for (const Event& e : s.events)
    if (world.apply(e) && std::holds_alternative<DriverFault>(e)) faults++;
  world.finish();
  RC_TAG(faults > 0 ? "faulty" : "clean");
  RC_ASSERT((faults > 0) == (world.violations().count(Violation::pp_double_release) > 0));
}

}  // namespace
}  // namespace inflight
