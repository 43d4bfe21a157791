// model/core/bugs.h
//
// The bug set: which historical behaviours (bugs.def) this run restores. It is
// configuration, never part of the input: INFLIGHT_BUGS=a,b or --bugs a,b.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/core/violation.h"

namespace inflight {

enum class Bug : uint8_t {
#define INFLIGHT_BUG(name, r, subsystem, fix, violation, title, faults) name,
#include "model/core/bugs.def"
#undef INFLIGHT_BUG
};

struct BugInfo {
  Bug bug;
  std::string_view name;
  int r_number;  // the row in spec/protocols.md §7
  std::string_view subsystem;
  std::string_view fix;
  Violation violation;
  std::string_view title;  // substring of the finding's title
  bool faults;             // needs driver faults enabled
};

std::span<const BugInfo> all_bugs();
const BugInfo& bug_info(Bug bug);
// The fuzz target (and generator family) that hunts a variant: its subsystem's.
std::string_view hunt_target(const BugInfo& bug);
std::optional<Bug> bug_from_name(std::string_view name);

class BugSet {
 public:
  BugSet() = default;
  static BugSet of(Bug bug) {
    BugSet set;
    set.add(bug);
    return set;
  }
  void add(Bug bug) { bits_.set(static_cast<size_t>(bug)); }
  bool has(Bug bug) const { return bits_.test(static_cast<size_t>(bug)); }
  bool empty() const { return bits_.none(); }
  std::string to_string() const;  // "a,b" or "none"

  // Parses "a,b" (or "" / "none"). On an unknown name returns nullopt and sets `error`.
  static std::optional<BugSet> parse(std::string_view list, std::string* error);

 private:
  std::bitset<64> bits_;
};

}  // namespace inflight
