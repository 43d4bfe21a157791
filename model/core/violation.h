// model/core/violation.h
//
// Findings. A broken protocol rule is reported here and the run continues: RapidCheck
// can only shrink failures it catches, and a run should show all of its findings.
//
// A finding is identified by its key: the kind (violations.def), the site (the kernel
// function or driver hook that was running when the check failed; empty for the checks
// at the end of a run) and the detail (which case of the check, in fixed words, never a
// count or an address). Its title is generated from the key; its message, in dma-debug's
// shape `<actor> <does what> [key=value] [key=value]`, carries the numbers.
//
// Everything that matches findings (bug variants and mutants, known-findings lists,
// hunts, --expect, the nightly's deduplication, ClusterFuzz's crash descriptions) goes
// through FindingPattern::matches on the key. Nothing matches the title or the message,
// so rewording a message cannot break a hunt.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/limits.h"

namespace inflight {

enum class Violation : uint8_t {
#define INFLIGHT_VIOLATION(kind, group, summary) kind,
#include "model/core/violations.def"
#undef INFLIGHT_VIOLATION
};
inline constexpr int kViolationKinds = 0
#define INFLIGHT_VIOLATION(kind, group, summary) +1
#include "model/core/violations.def"
#undef INFLIGHT_VIOLATION
    ;

enum class ViolationGroup : uint8_t { truth, dma_debug };

std::string_view violation_name(Violation kind);
std::string_view violation_summary(Violation kind);
ViolationGroup violation_group(Violation kind);
std::optional<Violation> violation_from_name(std::string_view name);

struct FindingKey {
  Violation kind;
  std::string site;    // kernel function or driver hook; "" for an end-of-run check
  std::string detail;  // the case of the check, fixed words; "" for the kind's plain case

  friend bool operator==(const FindingKey&, const FindingKey&) = default;
  std::string str() const;    // "kind[@site][ (detail)]": the text form patterns use
  std::string title() const;  // "summary[ in site][ (detail)]": one line for people
};
// A key's parts before a FindingKey is built: what judging a finding as it is reported
// needs (ViolationLog::keep_only), with no copy of its strings.
struct FindingKeyView {
  Violation kind;
  std::string_view site, detail;
  FindingKeyView(Violation k, std::string_view s, std::string_view d)
      : kind(k), site(s), detail(d) {}
  // NOLINTNEXTLINE: a key is looked up as its view
  FindingKeyView(const FindingKey& k) : kind(k.kind), site(k.site), detail(k.detail) {}
  friend bool operator==(const FindingKeyView&, const FindingKeyView&) = default;
};
// Hash and equality of keys and views alike (a map of keys looked up by views).
struct FindingKeyHash {
  using is_transparent = void;
  size_t operator()(FindingKeyView k) const {
    const std::hash<std::string_view> h;
    return (h(k.site) * 31 + h(k.detail)) * 31 + static_cast<size_t>(k.kind);
  }
};
struct FindingKeyEqual {
  using is_transparent = void;
  bool operator()(FindingKeyView a, FindingKeyView b) const { return a == b; }
};

// A set of keys, written "kind[@site][ (detail)]": a missing part matches anything, and
// '*' in the kind, site or detail matches any run of characters ("bnxt_*").
class FindingPattern {
 public:
  FindingPattern() = default;  // matches every finding
  FindingPattern(Violation kind, std::string_view site, std::string_view detail);
  // nullopt and `error` set when the text does not parse or names no violation kind.
  static std::optional<FindingPattern> parse(std::string_view text, std::string* error);
  bool matches(FindingKeyView key) const;
  std::string str() const;

 private:
  std::string kind_ = "*", site_ = "*", detail_ = "*";
};

// Reads a known-findings list: one pattern per line, '#' comments and blank lines skipped.
// nullopt and `error` ("line N: ...") on the first bad line.
std::optional<std::vector<FindingPattern>> parse_patterns(std::string_view text,
                                                          std::string* error);

struct Finding {
  FindingKey key;
  uint32_t step;  // index of the event that produced it; finish() uses the event count
  std::string message;
  Violation kind() const { return key.kind; }
};

class ViolationLog {
 public:
  // Models nothing: this is the harness's verdict. `site` and `detail` must not contain
  // addresses or counts; `message` may. Past kMaxViolations a finding is only counted.
  void report(Violation kind, std::string_view site, std::string_view detail, uint32_t step,
              std::string message);
  bool keeps_more() const { return findings_.size() < static_cast<size_t>(kMaxViolations); }
  // Keep only findings of `group`, and of those only the ones `keep` accepts (when given;
  // it is called with `context` as each is reported); the others are counted. For runs
  // whose findings of one group are all that is read: a fuzzer's two runs of an input,
  // the first to judge those, the second, traced, to show the one that crashes (the trace
  // names every finding). Judged as reported, a finding not kept costs no copy of its key.
  using KeepFilter = bool (*)(const void* context, FindingKeyView key);
  void keep_only(ViolationGroup group, KeepFilter keep = nullptr, const void* context = nullptr) {
    kept_group_ = group, keep_ = keep, keep_context_ = context;
  }

  bool empty() const { return total_ == 0; }
  uint32_t total() const { return total_; }
  uint32_t count(Violation kind) const { return counts_[static_cast<size_t>(kind)]; }
  uint32_t count(ViolationGroup group) const;
  const std::vector<Finding>& findings() const { return findings_; }  // the first kMaxViolations
  // The first finding the pattern matches, or null.
  const Finding* find(const FindingPattern& pattern) const;
  bool has(const FindingPattern& pattern) const { return find(pattern) != nullptr; }

  template <class H>
  void hash_state(H& h) const {
    for (const uint64_t w : found_) h.word(w);  // which kinds were found
  }

 private:
  std::vector<Finding> findings_;
  uint32_t counts_[kViolationKinds] = {};
  uint64_t found_[(kViolationKinds + 63) / 64] = {};  // bit k: counts_[k] > 0
  uint32_t total_ = 0;
  std::optional<ViolationGroup> kept_group_;  // keep_only
  KeepFilter keep_ = nullptr;
  const void* keep_context_ = nullptr;
};

}  // namespace inflight
