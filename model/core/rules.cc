#include "model/core/rules.h"

#include <array>

namespace inflight {
namespace {
constexpr std::array kRules = {
#define INFLIGHT_RULE(id, statement, where, violations, status, note, proof) \
  RuleInfo{#id, statement, where, violations, RuleStatus::status, note, #proof},
#include "model/core/rules.def"
#undef INFLIGHT_RULE
};
}  // namespace

std::string_view rule_status_name(RuleStatus status) {
  switch (status) {
    case RuleStatus::checked: return "checked";
    case RuleStatus::simplified: return "simplified";
    case RuleStatus::structural: return "structural";
    case RuleStatus::not_modelled: return "not modelled";
  }
  return "?";
}

std::span<const RuleInfo> all_rules() { return kRules; }

}  // namespace inflight
