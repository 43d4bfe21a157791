#include "properties/search.h"

#include <rapidcheck.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "properties/generators.h"

namespace inflight {

std::vector<FindingPattern> known_findings(std::string_view target, bool searched) {
  const std::string path =
      std::string(INFLIGHT_SOURCE_DIR "/corpus/") + std::string(target) + "/known_findings.txt";
  std::ifstream in(path);
  std::string text(std::istreambuf_iterator<char>(in), {});
  const size_t cut = text.find("\n" + std::string(kFuzzerOnly));  // a line that begins so
  if (searched && cut != std::string::npos) text.resize(cut + 1);
  std::string error;
  auto patterns = parse_patterns(text, &error);
  if (!patterns) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
    std::abort();
  }
  return std::move(*patterns);
}

Family family_of(const BugInfo& bug) {
  const std::string_view target = hunt_target(bug);
  if (target == "dma_debug") return Family::dma;
  if (target == "netmap_tx") return Family::netmap;
  return target == "tap_redirect" ? Family::tap : Family::pp;
}

SearchResult search(const SearchSpec& spec, const std::function<bool(const World&)>& hit) {
  SearchResult result;
  int cases = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto out_of_time = [&] {
    return spec.max_seconds > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
               spec.max_seconds;
  };
  const bool held = rc::check(spec.description, [&] {
    if (!result.minimal && (result.out_of_time || out_of_time())) {
      result.out_of_time = true;
      return;  // past the deadline: nothing generated, nothing run
    }
    Scenario s = spec.family == Family::dma      ? *gen::dma_scenario()
                 : spec.family == Family::tap    ? *gen::tap_scenario()
                 : spec.family == Family::netmap ? *gen::netmap_scenario()
                                                 : *gen::pp_scenario();
    if (spec.differential) s.topology.differential = true;
    cases++;
    World world(s.topology, spec.bugs, false, spec.driver_faults, spec.driver);
    if (spec.run && !result.minimal)
      spec.run(world, s);
    else
      run_scenario(world, s);
    const bool h = hit(world);
    if (h) {
      if (result.cases_to_first == 0) result.cases_to_first = result.cases = cases;
      result.minimal = s;
    }
    RC_ASSERT(!h);
  });
  result.found = !held;
  if (!result.found) result.cases = cases;
  return result;
}

}  // namespace inflight
