// model/core/rules.h
//
// The rule table (rules.def): every rule the harness checks, where, with which finding
// kinds, how faithfully, and the bug variant or mutant that proves the check can fail.
#pragma once

#include <span>
#include <string_view>

namespace inflight {

enum class RuleStatus : uint8_t { checked, simplified, structural, not_modelled };
std::string_view rule_status_name(RuleStatus status);

struct RuleInfo {
  std::string_view id;
  std::string_view statement;
  std::string_view where;
  std::string_view violations;  // Violation names, space-separated
  RuleStatus status;
  std::string_view note;        // the simplification, or why it is structural/not modelled
  std::string_view proof;       // a bug variant or mutant name; empty when none
};

std::span<const RuleInfo> all_rules();

}  // namespace inflight
