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

#include <algorithm>
#include <filesystem>
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

// A class only the fuzzer has found has no search test: its minimal trace is its check, so
// there must be one (corpus.finding.* replays it and expects the pattern).
TEST(DmaDebug, EveryClassOnlyTheFuzzerFoundHasItsTrace) {
  const std::vector<FindingPattern> all = known_findings("dma_debug");
  const size_t searched = known_findings("dma_debug", /*searched=*/true).size();
  // A trace's first line names its pattern, as corpus/CMakeLists.txt reads it.
  constexpr std::string_view kHeader = "# dma-debug disagreement (docs/findings.md): ";
  std::vector<std::string> traced;
  for (const auto& file : std::filesystem::directory_iterator(
           std::filesystem::path(INFLIGHT_SOURCE_DIR) / "corpus/dma_debug/findings")) {
    std::ifstream in(file.path());
    std::string first;
    std::getline(in, first);
    if (first.starts_with(kHeader)) traced.push_back(first.substr(kHeader.size()));
  }
  for (size_t i = searched; i < all.size(); i++)
    EXPECT_NE(std::find(traced.begin(), traced.end(), all[i].str()), traced.end())
        << "no corpus/dma_debug/findings/*.trace for '" << all[i].str() << "'";
}

}  // namespace
}  // namespace inflight
