// model/core/bugs.h
//
// The bug set: which historical behaviours (bugs.def) and which rule mutants (mutants.def)
// this run turns on. It is configuration, never part of the input: INFLIGHT_BUGS=a,b or
// --bugs a,b. Variants and mutants share one name space and every hunt: a mutant is a
// deliberately broken behaviour that proves one rule's check (rules.def).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/core/assert.h"
#include "model/core/violation.h"

namespace inflight {

enum class Bug : uint8_t {
#define INFLIGHT_BUG(name, r, subsystem, fix, violation, where, faults) name,
#include "model/core/bugs.def"
#undef INFLIGHT_BUG
#define INFLIGHT_MUTANT(name, subsystem, violation, where, faults, topology) name,
#include "model/core/mutants.def"
#undef INFLIGHT_MUTANT
};

inline constexpr size_t kBugsAndMutants = 0
#define INFLIGHT_BUG(name, r, subsystem, fix, violation, where, faults) +1
#include "model/core/bugs.def"
#undef INFLIGHT_BUG
#define INFLIGHT_MUTANT(name, subsystem, violation, where, faults, topology) +1
#include "model/core/mutants.def"
#undef INFLIGHT_MUTANT
    ;

struct BugInfo {
  Bug bug;
  std::string_view name;
  int r_number;  // the R number of the historical bug (0 for a mutant)
  std::string_view subsystem;
  std::string_view fix;
  Violation violation;
  std::string_view where;  // "[@site][ (detail)]": with `violation`, the finding's key pattern
  bool faults;             // needs driver faults enabled
  bool mutant;             // a rule mutant (mutants.def), not a historical bug
  std::string_view topology;  // mutants: the explorer's configuration

  // The finding this variant or mutant produces: `violation` and `where` as one pattern.
  FindingPattern pattern() const;
};

std::span<const BugInfo> all_bugs();  // variants first, then mutants
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
  INFLIGHT_QUIET bool has(Bug bug) const { return bits_.test(static_cast<size_t>(bug)); }
  bool empty() const { return bits_.none(); }
  friend bool operator==(const BugSet&, const BugSet&) = default;
  std::string to_string() const;  // "a,b" or "none"

  // Parses "a,b" (or "" / "none"). On an unknown name returns nullopt and sets `error`.
  static std::optional<BugSet> parse(std::string_view list, std::string* error);

 private:
  static_assert(kBugsAndMutants <= 64, "BugSet holds 64 names");
  std::bitset<64> bits_;
};

}  // namespace inflight
