// properties/netmap_props.cc
//
// netmap's emulated adapter TX, every port version and member, against the ground truth:
// - safety in every version, the R10 one included: no netmap buffer given back to
//   userspace while a driver references it, nothing touching a kring after unregister,
//   every mbuf freed exactly once (chained and demoted ones too) and none left;
// - liveness where the fix provides it: with FreeBSD's callout, or Linux's netmapemu qdisc,
//   and members whose holds are bounded, hwtail keeps advancing (no finding at all);
// - the spec's open question (§6.7, inferred): can the Linux port without its qdisc stall
//   behind an skb a member never frees? The search answers it from scratch.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include <iostream>

#include "model/world.h"
#include "properties/generators.h"
#include "properties/search.h"

namespace inflight {
namespace {

RC_GTEST_PROP(Netmap, SafetyHoldsInEveryVersion, ()) {
  const Scenario s = *gen::netmap_scenario();
  const bool r10 = *rc::gen::arbitrary<bool>();
  World world(s.topology, r10 ? BugSet::of(Bug::netmap_generic_tx_stall_no_callout) : BugSet{});
  run_scenario(world, s);
  log_findings(world);
  RC_TAG(world.violations().count(Violation::netmap_tx_stall) > 0 ? "stall" : "no stall");
  RC_ASSERT(world.violations().total() == world.violations().count(Violation::netmap_tx_stall));
}

RC_GTEST_PROP(Netmap, TheCalloutOrTheQdiscKeepsTheRingMoving, ()) {
  Scenario s = *gen::netmap_scenario();
  if (s.topology.nm_port == NmPort::lnx) s.topology.nm_txqdisc = true;
  World world(s.topology, BugSet{});
  run_scenario(world, s);
  log_findings(world);
  RC_ASSERT(world.violations().empty());
}

TEST(Netmap, TheLinuxPortWithoutItsQdiscStallsBehindAnSkbTheMemberKeeps) {
  const FindingPattern stall(Violation::netmap_tx_stall, "", "Linux, no txqdisc");
  const std::string title = stall.str();
  const auto hit = [&](const World& w) { return w.violations().has(stall); };
  const SearchResult r =
      search(SearchSpec{"netmap Linux without txqdisc", BugSet{}, Family::netmap, false, false}, hit);
  ASSERT_TRUE(r.found) << "the generators did not find '" << title << "'";
  std::cout << fmt::format("netmap Linux without txqdisc: stall found after {} cases; shrunk to {} events\n{}",
                           r.cases_to_first, r.minimal->events.size(), encode_text(*r.minimal));
}

}  // namespace
}  // namespace inflight
