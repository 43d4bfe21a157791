// properties/search.h
//
// RapidCheck as a search: generate scenarios until one produces a wanted finding, shrink
// it, and return the minimal scenario with the number of cases it took. rc::check only
// returns a bool, so the property records what it saw; the last failing evaluation is
// the fully shrunk counterexample.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "model/world.h"

namespace inflight {

struct SearchResult {
  bool found = false;
  int cases_to_first = 0;  // generated cases up to and including the first hit
  int cases = 0;           // scenarios generated and run before the first hit or the deadline
  bool out_of_time = false;  // max_seconds ended the search before RapidCheck's case count
  std::optional<Scenario> minimal;
};

// Which generator: raw DMA API use, the driver world, TAP writes into the bnxt NIC, or
// netmap's emulated adapter.
enum class Family { dma, pp, tap, netmap };

struct SearchSpec {
  const char* description;
  BugSet bugs;
  Family family = Family::dma;
  bool differential = false;  // every scenario runs with the differential bit set
  bool driver_faults = false;
  std::string_view driver = {};  // driver model override (a canary, a driver under review)
  // A time bound (0: none): once it passes with nothing found, the remaining cases return
  // at once without generating a scenario (the search reports how many ran).
  double max_seconds = 0;
  // How a generated scenario runs before shrinking starts (default run_scenario); review
  // counts coverage as the cases run, without running them twice.
  std::function<void(World&, const Scenario&)> run = {};
};
// `hit` looks at a finished world.
SearchResult search(const SearchSpec& spec, const std::function<bool(const World&)>& hit);
Family family_of(const BugInfo& bug);

// corpus/<target>/known_findings.txt as key patterns; aborts with the line on a bad one.
// `searched`: only those above the line that begins kFuzzerOnly, which the generators find
// from scratch (the ones below it, only the fuzzer has found; their minimal traces are their
// checks).
std::vector<FindingPattern> known_findings(std::string_view target, bool searched = false);
inline constexpr std::string_view kFuzzerOnly = "# Found by the fuzzer only:";

}  // namespace inflight
