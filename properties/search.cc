#include "properties/search.h"

#include <rapidcheck.h>

#include "properties/generators.h"

namespace inflight {

SearchResult search(const char* description, BugSet bugs, bool differential,
                    const std::function<bool(const World&)>& hit) {
  SearchResult result;
  int cases = 0;
  const bool held = rc::check(description, [&] {
    Scenario s = *gen::scenario();
    if (differential) s.topology.differential = true;
    cases++;
    World world(s.topology, bugs);
    run_scenario(world, s);
    const bool h = hit(world);
    if (h) {
      if (result.cases_to_first == 0) result.cases_to_first = cases;
      result.minimal = s;
    }
    RC_ASSERT(!h);
  });
  result.found = !held;
  return result;
}

}  // namespace inflight
