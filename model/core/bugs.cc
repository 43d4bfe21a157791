#include "model/core/bugs.h"

#include <fmt/format.h>

#include <array>
#include <iterator>

#include "model/core/assert.h"

namespace inflight {
namespace {
constexpr std::array kBugs = {
#define INFLIGHT_BUG(name, r, subsystem, fix, violation, where, faults) \
  BugInfo{Bug::name, #name, r, subsystem, fix, Violation::violation, where, faults, false, ""},
#include "model/core/bugs.def"
#undef INFLIGHT_BUG
#define INFLIGHT_MUTANT(name, subsystem, violation, where, faults, topology) \
  BugInfo{Bug::name, #name, 0, subsystem, "", Violation::violation, where, faults, true, topology},
#include "model/core/mutants.def"
#undef INFLIGHT_MUTANT
};
}  // namespace

std::span<const BugInfo> all_bugs() { return kBugs; }

const BugInfo& bug_info(Bug bug) { return kBugs[static_cast<size_t>(bug)]; }

std::string_view hunt_target(const BugInfo& bug) {
  if (bug.subsystem == "dma-debug") return "dma_debug";
  if (bug.subsystem == "xdp" || bug.subsystem == "cpumap") return "xdp";
  if (bug.subsystem == "bnxt_en") return "tap_redirect";
  if (bug.subsystem == "netmap") return "netmap_tx";
  return "page_pool";
}

std::optional<Bug> bug_from_name(std::string_view name) {
  for (const BugInfo& info : kBugs)
    if (info.name == name) return info.bug;
  return std::nullopt;
}

std::string BugSet::to_string() const {
  std::string out;
  for (const BugInfo& info : kBugs) {
    if (!has(info.bug)) continue;
    if (!out.empty()) out += ',';
    out += info.name;
  }
  return out.empty() ? "none" : out;
}

std::optional<BugSet> BugSet::parse(std::string_view list, std::string* error) {
  BugSet set;
  if (list == "none") return set;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) continue;
    const std::optional<Bug> bug = bug_from_name(name);
    if (!bug) {
      if (error) {
        *error = fmt::format("unknown bug variant '{}'; known variants and mutants:", name);
        for (const BugInfo& info : kBugs) fmt::format_to(std::back_inserter(*error), " {}", info.name);
      }
      return std::nullopt;
    }
    set.add(*bug);
  }
  return set;
}

FindingPattern BugInfo::pattern() const {
  std::string error;
  const auto p =
      FindingPattern::parse(fmt::format("{}{}", violation_name(violation), where), &error);
  MODEL_ASSERT(p.has_value());  // bugs_test checks every row's pattern parses
  return *p;
}

}  // namespace inflight
