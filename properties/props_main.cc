// properties/props_main.cc
//
// The property binary's main: besides the RC_GTEST_PROP properties it registers, from
// bugs.def and known_findings.txt,
//   Hunt.<variant>        the generators find the variant's finding from scratch with the
//                         variant on, and its shrunk trace is clean with the variant off;
//   Disagreement.<n>      each documented dma-debug disagreement is found from scratch on
//                         the fixed model, and its minimal trace is printed (all but those
//                         only the fuzzer has found: search.h, kFuzzerOnly).
// Seeds and budgets come from RC_PARAMS (CTest sets them).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "model/core/codec.h"
#include "model/drivers/driver.h"
#include "properties/search.h"

namespace inflight {
namespace {

void hunt(const BugInfo& bug) {
  const FindingPattern pattern = bug.pattern();
  const std::string title = pattern.str();
  const auto hit = [&](const World& w) { return w.violations().has(pattern); };
  const SearchSpec spec{bug.name.data(), BugSet::of(bug.bug), family_of(bug), false, bug.faults};
  const SearchResult r = search(spec, hit);
  ASSERT_TRUE(r.found) << bug.name << ": the generators did not find '" << title << "'";
  ASSERT_TRUE(r.minimal.has_value());
  // Honest finding: the same minimal scenario is clean once the variant is off.
  World fixed(r.minimal->topology, BugSet{}, false, bug.faults);
  run_scenario(fixed, *r.minimal);
  EXPECT_FALSE(hit(fixed)) << bug.name << ": the minimal trace also fails with the variant off";
  std::cout << fmt::format("hunt {}: found after {} cases; shrunk to {} events\n{}", bug.name,
                           r.cases_to_first, r.minimal->events.size(), encode_text(*r.minimal));
}

void disagreement(const FindingPattern& pattern) {
  const std::string title = pattern.str();
  const auto hit = [&](const World& w) {
    const Finding* f = w.violations().find(pattern);
    return f && violation_group(f->kind()) == ViolationGroup::dma_debug;
  };
  const SearchResult r = search(SearchSpec{title.c_str(), BugSet{}, Family::dma, true, false}, hit);
  ASSERT_TRUE(r.found) << "the generators did not find '" << title << "'";
  std::cout << fmt::format("disagreement '{}': found after {} cases; shrunk to {} events\n{}",
                           title, r.cases_to_first, r.minimal->events.size(),
                           encode_text(*r.minimal));
}

// A canary driver model must be caught from scratch: the finding it declares, with the
// production model clean on the same shrunk scenario.
void canary(const DriverModel& model) {
  std::string error;
  const std::optional<FindingPattern> expect = FindingPattern::parse(model.expect, &error);
  ASSERT_TRUE(expect) << model.name << ": its declared finding: " << error;
  const auto hit = [&](const World& w) { return w.violations().has(*expect); };
  const SearchResult r = search(
      SearchSpec{model.name.data(), BugSet{}, Family::pp, false, false, model.name}, hit);
  ASSERT_TRUE(r.found) << model.name << ": the generators did not catch the canary";
  World production(r.minimal->topology, BugSet{});
  run_scenario(production, *r.minimal);
  EXPECT_FALSE(hit(production)) << model.name << ": the production driver fails too";
  std::cout << fmt::format("canary {}: caught after {} cases; shrunk to {} events\n{}", model.name,
                           r.cases_to_first, r.minimal->events.size(),
                           encode_text(*r.minimal, model.name));
}

class Registered : public testing::Test {
 public:
  explicit Registered(std::function<void()> body) : body_(std::move(body)) {}
  void TestBody() override { body_(); }

 private:
  std::function<void()> body_;
};

void register_searches() {
  for (const BugInfo& bug : all_bugs()) {
    const BugInfo* b = &bug;
    testing::RegisterTest("Hunt", std::string(bug.name).c_str(), nullptr, nullptr, __FILE__,
                          __LINE__, [b]() -> testing::Test* { return new Registered([b] { hunt(*b); }); });
  }
  for (const DriverModel& model : driver_models()) {
    if (!model.canary()) continue;  // a driver under review is reported on, not tested
    const DriverModel* m = &model;
    testing::RegisterTest("Canary", std::string(model.name).c_str(), nullptr, nullptr, __FILE__,
                          __LINE__, [m]() -> testing::Test* { return new Registered([m] { canary(*m); }); });
  }
  int n = 0;
  for (const FindingPattern& pattern : known_findings("dma_debug", /*searched=*/true)) {
    n++;
    testing::RegisterTest("Disagreement", fmt::format("Known{}", n).c_str(), nullptr, nullptr,
                          __FILE__, __LINE__, [pattern]() -> testing::Test* {
                            return new Registered([pattern] { disagreement(pattern); });
                          });
  }
}

}  // namespace
}  // namespace inflight

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  inflight::register_searches();
  return RUN_ALL_TESTS();
}
