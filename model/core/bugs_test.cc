// model/core/bugs_test.cc
//
// Unit tests of the bug set (bugs.h): how INFLIGHT_BUGS / --bugs is parsed and printed,
// and that the bugs.def table is complete enough to drive the per-variant tests.
#include "model/core/bugs.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

namespace inflight {
namespace {

constexpr Bug kR7 = Bug::dma_debug_eexist_unlimited_report;
constexpr Bug kR8 = Bug::dma_debug_eexist_false_positive_skip_cpu_sync;

::testing::AssertionResult Contains(std::string_view haystack, std::string_view needle) {
  if (haystack.find(needle) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << haystack << "' does not contain '" << needle << "'";
}

TEST(BugSet, TheDefaultSetIsEmpty) {
  const BugSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.has(kR7));
  EXPECT_FALSE(set.has(kR8));
}

TEST(BugSet, ParseOfTheEmptyStringIsTheEmptySet) {
  std::string error;
  const std::optional<BugSet> set = BugSet::parse("", &error);
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(set->empty());
  EXPECT_TRUE(error.empty());
}

TEST(BugSet, ParseOfNoneIsTheEmptySet) {
  std::string error;
  const std::optional<BugSet> set = BugSet::parse("none", &error);
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(set->empty());
}

TEST(BugSet, ParseOfTwoNamesSetsBoth) {
  std::string error;
  const std::optional<BugSet> set = BugSet::parse(
      "dma_debug_eexist_unlimited_report,dma_debug_eexist_false_positive_skip_cpu_sync", &error);
  ASSERT_TRUE(set.has_value()) << error;
  EXPECT_TRUE(set->has(kR7));
  EXPECT_TRUE(set->has(kR8));
  EXPECT_FALSE(set->empty());
}

TEST(BugSet, ParseOfOneNameSetsOnlyThatOne) {
  const std::optional<BugSet> set =
      BugSet::parse("dma_debug_eexist_false_positive_skip_cpu_sync", nullptr);
  ASSERT_TRUE(set.has_value());
  EXPECT_FALSE(set->has(kR7));
  EXPECT_TRUE(set->has(kR8));
}

TEST(BugSet, ParseTrimsSpacesAndSkipsEmptyNames) {
  const std::optional<BugSet> set =
      BugSet::parse(" dma_debug_eexist_unlimited_report , ,", nullptr);
  ASSERT_TRUE(set.has_value());
  EXPECT_TRUE(set->has(kR7));
  EXPECT_FALSE(set->has(kR8));
}

TEST(BugSet, ParseOfAnUnknownNameFailsAndListsTheKnownVariants) {
  std::string error;
  const std::optional<BugSet> set =
      BugSet::parse("dma_debug_eexist_unlimited_report,no_such_bug", &error);
  EXPECT_FALSE(set.has_value());
  EXPECT_TRUE(Contains(error, "unknown bug variant 'no_such_bug'"));
  EXPECT_TRUE(Contains(error, "known variants and mutants:"));
  for (const BugInfo& info : all_bugs()) EXPECT_TRUE(Contains(error, info.name));
}

TEST(BugSet, ParseOfAnUnknownNameFailsWithoutAnErrorString) {
  EXPECT_FALSE(BugSet::parse("no_such_bug", nullptr).has_value());
}

TEST(BugSet, ParseIsCaseSensitive) {
  EXPECT_FALSE(BugSet::parse("DMA_DEBUG_EEXIST_UNLIMITED_REPORT", nullptr).has_value());
}

TEST(BugSet, ToStringOfTheEmptySetIsNone) { EXPECT_EQ(BugSet{}.to_string(), "none"); }

TEST(BugSet, ToStringJoinsNamesWithCommasInTableOrder) {
  BugSet set;
  set.add(kR8);
  set.add(kR7);
  EXPECT_EQ(set.to_string(),
            "dma_debug_eexist_unlimited_report,dma_debug_eexist_false_positive_skip_cpu_sync");
  EXPECT_EQ(BugSet::of(kR8).to_string(), "dma_debug_eexist_false_positive_skip_cpu_sync");
}

TEST(BugSet, ToStringParsesBackToTheSameSet) {
  for (const BugInfo& info : all_bugs()) {
    const std::optional<BugSet> set = BugSet::parse(BugSet::of(info.bug).to_string(), nullptr);
    ASSERT_TRUE(set.has_value()) << info.name;
    EXPECT_EQ(set->to_string(), info.name);
  }
}

TEST(Bugs, EveryRowHasANameSubsystemFixAndFindingPattern) {
  ASSERT_FALSE(all_bugs().empty());
  for (const BugInfo& info : all_bugs()) {
    EXPECT_FALSE(info.name.empty());
    EXPECT_FALSE(info.subsystem.empty()) << info.name;
    std::string error;
    const auto pattern = FindingPattern::parse(
        std::string(violation_name(info.violation)) + std::string(info.where), &error);
    EXPECT_TRUE(pattern.has_value()) << info.name << ": " << error;
    // A historical bug names its fix and R number; a mutant has neither, and says so.
    EXPECT_EQ(info.fix.empty(), info.mutant) << info.name;
    EXPECT_EQ(info.r_number == 0, info.mutant) << info.name;
    EXPECT_EQ(info.name.starts_with("mutant_"), info.mutant) << info.name;
  }
}

TEST(Bugs, NamesAreUniqueSnakeCaseAndFoundByName) {
  std::set<std::string_view> seen;
  for (const BugInfo& info : all_bugs()) {
    EXPECT_TRUE(seen.insert(info.name).second) << "duplicate " << info.name;
    for (char c : info.name)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << info.name;
    const std::optional<Bug> bug = bug_from_name(info.name);
    ASSERT_TRUE(bug.has_value()) << info.name;
    EXPECT_EQ(*bug, info.bug);
    EXPECT_EQ(bug_info(info.bug).name, info.name);
  }
  EXPECT_FALSE(bug_from_name("none").has_value());
}

TEST(Bugs, RowsAreInEnumOrder) {
  size_t i = 0;
  for (const BugInfo& info : all_bugs()) EXPECT_EQ(static_cast<size_t>(info.bug), i++);
}

TEST(Bugs, RowsSevenAndEightArePresentWithTheirViolations) {
  bool r7 = false, r8 = false;
  for (const BugInfo& info : all_bugs()) {
    if (info.r_number == 7) {
      r7 = true;
      EXPECT_EQ(info.bug, kR7);
      EXPECT_EQ(info.violation, Violation::dma_debug_flood);
    }
    if (info.r_number == 8) {
      r8 = true;
      EXPECT_EQ(info.bug, kR8);
      EXPECT_EQ(info.violation, Violation::dma_debug_false_positive);
    }
  }
  EXPECT_TRUE(r7);
  EXPECT_TRUE(r8);
}

TEST(Bugs, EveryFixNamesACommit) {
  // Keyed by the fix as in a Fixes: trailer: 12 hex digits, then ("subject"); where the
  // spec has no upstream id (§7: R1, R11) the patch is named by its subject, and R10's
  // FreeBSD id is unverified (§6.7), so its review is named first.
  for (const BugInfo& info : all_bugs()) {
    if (info.mutant) continue;
    if (info.r_number == 1 || info.r_number == 10 || info.r_number == 11) {
      EXPECT_TRUE(Contains(info.fix, ": ")) << info.name << ": " << info.fix;
      continue;
    }
    ASSERT_GE(info.fix.size(), 12u) << info.name;
    for (char c : info.fix.substr(0, 12))
      EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
          << info.name << ": " << info.fix;
    EXPECT_TRUE(Contains(info.fix, "(\"")) << info.name;
  }
}

}  // namespace
}  // namespace inflight

namespace inflight {
namespace {

TEST(FindingPattern, AMissingPartMatchesAnything) {
  const FindingKey key{Violation::pp_freed_with_inflight, "mem_id_disconnect", ""};
  std::string error;
  for (const char* text : {"pp_freed_with_inflight", "pp_freed_with_inflight@mem_id_disconnect",
                           "pp_freed_with_inflight@mem_id_*", "*", "pp_*@*"})
    EXPECT_TRUE(FindingPattern::parse(text, &error)->matches(key)) << text;
  for (const char* text : {"pp_pool_leak", "pp_freed_with_inflight@page_pool_destroy",
                           "pp_freed_with_inflight@mem_id", "pp_freed_with_inflight (x)"})
    EXPECT_FALSE(FindingPattern::parse(text, &error)->matches(key)) << text;
}

TEST(FindingPattern, ADetailMayHoldParenthesesAndMatchesWhole) {
  const FindingKey key{Violation::dma_debug_false_negative, "dma_map_page_attrs",
                       "cacheline_overlap (the new mapping is DMA_TO_DEVICE, never tracked)"};
  std::string error;
  const auto exact = FindingPattern::parse(key.str(), &error);
  ASSERT_TRUE(exact) << error;
  EXPECT_EQ(exact->str(), key.str());
  EXPECT_TRUE(exact->matches(key));
  EXPECT_FALSE(
      FindingPattern::parse("dma_debug_false_negative (cacheline_overlap)", &error)->matches(key));
  EXPECT_TRUE(FindingPattern::parse("dma_debug_* (cacheline_overlap*)", &error)->matches(key));
}

TEST(FindingPattern, BadTextIsRefusedWithTheReason) {
  std::string error;
  EXPECT_FALSE(FindingPattern::parse("no_such_kind", &error));
  EXPECT_NE(error.find("no violation kind 'no_such_kind'"), std::string::npos) << error;
  EXPECT_FALSE(FindingPattern::parse("use_after_free (unclosed", &error));
  EXPECT_FALSE(FindingPattern::parse("", &error));
  EXPECT_FALSE(FindingPattern::parse("use_after_free@", &error));
  const auto list = parse_patterns("# comment\n\nuse_after_free\nnot a pattern\n", &error);
  EXPECT_FALSE(list);
  EXPECT_NE(error.find("line 4"), std::string::npos) << error;
}

TEST(FindingKey, TheTitleIsGeneratedFromTheKey) {
  EXPECT_EQ((FindingKey{Violation::page_leak, "pp_rx", ""}.title()),
            "page not returned to the page allocator in pp_rx");
  EXPECT_EQ((FindingKey{Violation::netmap_tx_stall, "", "Linux, no txqdisc"}.str()),
            "netmap_tx_stall (Linux, no txqdisc)");
}

}  // namespace
}  // namespace inflight
