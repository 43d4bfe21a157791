#include "model/core/violation.h"

#include <array>

namespace inflight {
namespace {
struct Row {
  std::string_view name;
  ViolationGroup group;
  std::string_view summary;
};
constexpr std::array<Row, kViolationKinds> kRows = {{
#define INFLIGHT_VIOLATION(kind, group, summary) {#kind, ViolationGroup::group, summary},
#include "model/core/violations.def"
#undef INFLIGHT_VIOLATION
}};
}  // namespace

std::string_view violation_name(Violation kind) { return kRows[static_cast<size_t>(kind)].name; }
std::string_view violation_summary(Violation kind) {
  return kRows[static_cast<size_t>(kind)].summary;
}
ViolationGroup violation_group(Violation kind) { return kRows[static_cast<size_t>(kind)].group; }

std::optional<Violation> violation_from_name(std::string_view name) {
  for (size_t i = 0; i < kRows.size(); i++)
    if (kRows[i].name == name) return static_cast<Violation>(i);
  return std::nullopt;
}

void ViolationLog::report(Violation kind, uint32_t step, std::string title, std::string message) {
  counts_[static_cast<size_t>(kind)]++;
  total_++;
  if (findings_.size() < static_cast<size_t>(kMaxViolations))
    findings_.push_back(Finding{kind, step, std::move(title), std::move(message)});
}

uint32_t ViolationLog::count(ViolationGroup group) const {
  uint32_t n = 0;
  for (size_t i = 0; i < kRows.size(); i++)
    if (kRows[i].group == group) n += counts_[i];
  return n;
}

bool ViolationLog::has_title(std::string_view substring) const {
  for (const Finding& f : findings_)
    if (f.title.find(substring) != std::string::npos) return true;
  return false;
}

}  // namespace inflight
