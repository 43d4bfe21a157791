// model/core/rules_test.cc
//
// The rule table is consistent with the other vocabularies: every violation it names
// exists, every checked row has a proof that is a known variant or mutant producing one of
// the row's violation kinds, and every mutant proves exactly one rule.
#include "model/core/rules.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "model/core/bugs.h"

namespace inflight {
namespace {

std::set<Violation> kinds_of(const RuleInfo& rule) {
  std::set<Violation> kinds;
  std::string_view list = rule.violations;
  while (!list.empty()) {
    const size_t space = list.find(' ');
    const std::string_view name = list.substr(0, space);
    list = space == std::string_view::npos ? std::string_view{} : list.substr(space + 1);
    const std::optional<Violation> kind = violation_from_name(name);
    EXPECT_TRUE(kind.has_value()) << rule.id << " names unknown violation '" << name << "'";
    if (kind) kinds.insert(*kind);
  }
  return kinds;
}

TEST(Rules, EveryNamedViolationExists) {
  for (const RuleInfo& rule : all_rules()) kinds_of(rule);
}

TEST(Rules, IdsAreUnique) {
  std::set<std::string_view> ids;
  for (const RuleInfo& rule : all_rules()) EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
}

TEST(Rules, EveryCheckedRuleHasAProofThatProducesOneOfItsKinds) {
  for (const RuleInfo& rule : all_rules()) {
    const bool checks = rule.status == RuleStatus::checked || rule.status == RuleStatus::simplified;
    if (!checks) {
      EXPECT_TRUE(rule.proof.empty()) << rule.id << ": a proof for a rule that is not checked";
      EXPECT_FALSE(rule.note.empty()) << rule.id << ": say why it is not checked";
      continue;
    }
    EXPECT_EQ(rule.status == RuleStatus::simplified, !rule.note.empty())
        << rule.id << ": a simplified rule says how, a checked one needs no note";
    const std::optional<Bug> proof = bug_from_name(rule.proof);
    ASSERT_TRUE(proof.has_value()) << rule.id << ": proof '" << rule.proof << "' is unknown";
    EXPECT_TRUE(kinds_of(rule).contains(bug_info(*proof).violation))
        << rule.id << ": its proof produces " << violation_name(bug_info(*proof).violation);
  }
}

TEST(Rules, EveryMutantProvesExactlyOneRule) {
  std::map<std::string_view, int> proofs;
  for (const RuleInfo& rule : all_rules()) proofs[rule.proof]++;
  for (const BugInfo& bug : all_bugs()) {
    if (!bug.mutant) continue;
    EXPECT_EQ(proofs[bug.name], 1) << bug.name;
    EXPECT_FALSE(bug.topology.empty()) << bug.name;
  }
}

TEST(Rules, EveryProtocolRuleHasARow) {
  std::set<std::string_view> ids;
  for (const RuleInfo& rule : all_rules()) ids.insert(rule.id);
  for (int p = 1; p <= 13; p++) EXPECT_TRUE(ids.contains("P" + std::to_string(p))) << "P" << p;
  for (int r = 1; r <= 9; r++)
    EXPECT_TRUE(ids.contains("R-C" + std::to_string(r))) << "R-C" << r;
}

}  // namespace
}  // namespace inflight
