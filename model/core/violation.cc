#include "model/core/violation.h"

#include <fmt/format.h>

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

std::string FindingKey::str() const {
  std::string s(violation_name(kind));
  if (!site.empty()) s += "@" + site;
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}

std::string FindingKey::title() const {
  std::string s(violation_summary(kind));
  if (!site.empty()) s += " in " + site;
  if (!detail.empty()) s += " (" + detail + ")";
  return s;
}

namespace {
// '*' matches any run of characters; everything else matches itself.
bool glob(std::string_view pattern, std::string_view text) {
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  if (text.substr(0, star) != pattern.substr(0, star)) return false;
  const std::string_view rest = pattern.substr(star + 1);
  for (size_t i = star; i <= text.size(); i++)
    if (glob(rest, text.substr(i))) return true;
  return false;
}
}  // namespace

FindingPattern::FindingPattern(Violation kind, std::string_view site, std::string_view detail)
    : kind_(violation_name(kind)),
      site_(site.empty() ? "*" : site),
      detail_(detail.empty() ? "*" : detail) {}

std::optional<FindingPattern> FindingPattern::parse(std::string_view text, std::string* error) {
  FindingPattern p;
  std::string_view head = text;
  if (const size_t open = text.find(" ("); open != std::string_view::npos) {
    if (text.back() != ')') {
      *error = fmt::format("'{}': a detail is written ' (detail)' at the end", text);
      return std::nullopt;
    }
    p.detail_ = text.substr(open + 2, text.size() - open - 3);
    head = text.substr(0, open);
  }
  if (const size_t at = head.find('@'); at != std::string_view::npos) {
    p.site_ = head.substr(at + 1);
    head = head.substr(0, at);
  }
  p.kind_ = head;
  if (p.kind_.empty() || p.site_.empty() || p.detail_.empty() ||
      p.kind_.find_first_of(" ()") != std::string::npos || p.site_.find(' ') != std::string::npos) {
    *error = fmt::format("'{}' is not a finding pattern (kind[@site][ (detail)])", text);
    return std::nullopt;
  }
  if (p.kind_.find('*') == std::string::npos && !violation_from_name(p.kind_)) {
    *error = fmt::format("'{}': no violation kind '{}'", text, p.kind_);
    return std::nullopt;
  }
  return p;
}

bool FindingPattern::matches(FindingKeyView key) const {
  return glob(kind_, violation_name(key.kind)) && glob(site_, key.site) &&
         glob(detail_, key.detail);
}

std::string FindingPattern::str() const {
  std::string s = kind_;
  if (site_ != "*") s += "@" + site_;
  if (detail_ != "*") s += " (" + detail_ + ")";
  return s;
}

std::optional<std::vector<FindingPattern>> parse_patterns(std::string_view text,
                                                          std::string* error) {
  std::vector<FindingPattern> out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line_no++;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::string why;
    auto p = FindingPattern::parse(line, &why);
    if (!p) {
      *error = fmt::format("line {}: {}", line_no, why);
      return std::nullopt;
    }
    out.push_back(std::move(*p));
  }
  return out;
}

void ViolationLog::report(Violation kind, std::string_view site, std::string_view detail,
                          uint32_t step, std::string message) {
  const auto k = static_cast<size_t>(kind);
  counts_[k]++;
  found_[k / 64] |= uint64_t{1} << (k % 64);
  total_++;
  if (!keeps_more() || (kept_group_ && violation_group(kind) != *kept_group_) ||
      (keep_ && !keep_(keep_context_, {kind, site, detail})))
    return;
  // Room for every finding a run keeps, at its first: one allocation per run that finds
  // something, not one per doubling (a dma_debug input reports about twenty).
  if (findings_.empty()) findings_.reserve(kMaxViolations);
  findings_.push_back(
      Finding{FindingKey{kind, std::string(site), std::string(detail)}, step, std::move(message)});
}

uint32_t ViolationLog::count(ViolationGroup group) const {
  uint32_t n = 0;
  for (size_t i = 0; i < kRows.size(); i++)
    if (kRows[i].group == group) n += counts_[i];
  return n;
}

const Finding* ViolationLog::find(const FindingPattern& pattern) const {
  for (const Finding& f : findings_)
    if (pattern.matches(f.key)) return &f;
  return nullptr;
}

}  // namespace inflight
