// model/core/violation.h
//
// Findings. A broken protocol rule is reported here and the run continues: RapidCheck
// can only shrink failures it catches, and a run should show all of its findings. Each
// finding has a stable kind (violations.def) that tests match on, a one-line title with
// no addresses or counts in it (used to deduplicate crashes across runs), and a message
// in dma-debug's shape: `<actor> <does what> [key=value] [key=value]`.
#pragma once

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

struct Finding {
  Violation kind;
  uint32_t step;  // index of the event that produced it; finish() uses the event count
  std::string title;
  std::string message;
};

class ViolationLog {
 public:
  // Models nothing: this is the harness's verdict. `title` must not contain addresses or
  // counts; `message` may.
  void report(Violation kind, uint32_t step, std::string title, std::string message);

  bool empty() const { return total_ == 0; }
  uint32_t total() const { return total_; }
  uint32_t count(Violation kind) const { return counts_[static_cast<size_t>(kind)]; }
  uint32_t count(ViolationGroup group) const;
  const std::vector<Finding>& findings() const { return findings_; }  // the first kMaxViolations
  bool has_title(std::string_view substring) const;

  template <class H>
  void hash_state(H& h) const {
    for (const uint32_t c : counts_) h.word(c > 0);  // which kinds were found
  }

 private:
  std::vector<Finding> findings_;
  uint32_t counts_[kViolationKinds] = {};
  uint32_t total_ = 0;
};

}  // namespace inflight
