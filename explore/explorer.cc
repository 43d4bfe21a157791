#include "explore/explorer.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

namespace inflight {
namespace {

// Sets the `target`-th field of an event to a value chosen by the field's type.
struct FieldSetter {
  size_t target;
  uint32_t choice;  // u8: the value; u16: the value; enumeration: the index
  size_t index = 0;
  bool done = false;
  bool valid = false;
  void u8(std::string_view, uint8_t& v) {
    if (index++ != target) return;
    done = true;
    valid = choice <= 0xFF;
    if (valid) v = static_cast<uint8_t>(choice);
  }
  void u16(std::string_view, uint16_t& v) {
    if (index++ != target) return;
    done = true;
    valid = choice <= 0xFFFF;
    if (valid) v = static_cast<uint16_t>(choice);
  }
  void enumeration(std::string_view, uint8_t& v, std::span<const std::string_view> names) {
    if (index++ != target) return;
    done = true;
    valid = choice < names.size();
    if (valid) v = static_cast<uint8_t>(choice);
  }
};

struct FieldKinds {
  std::vector<int> kinds;  // 0 u8, 1 u16, 2 enumeration (with its size in sizes)
  std::vector<size_t> sizes;
  void u8(std::string_view, uint8_t&) { kinds.push_back(0), sizes.push_back(0); }
  void u16(std::string_view, uint16_t&) { kinds.push_back(1), sizes.push_back(0); }
  void enumeration(std::string_view, uint8_t&, std::span<const std::string_view> n) {
    kinds.push_back(2), sizes.push_back(n.size());
  }
};

}  // namespace

void add_events(std::vector<Event>& alphabet, const std::vector<Event>& more) {
  for (const Event& e : more)
    if (std::find(alphabet.begin(), alphabet.end(), e) == alphabet.end()) alphabet.push_back(e);
}

std::vector<Event> family_alphabet(const TargetFamily& family, bool wide) {
  std::vector<Event> out;
  for (const uint8_t kind : family.kinds) {
    const Event base = make_event_of_kind(kind);
    add_events(out, {base});
    if (!wide) continue;
    FieldKinds fk;
    Event probe = base;
    std::visit([&](auto& e) { e.visit(fk); }, probe);
    for (size_t f = 0; f < fk.kinds.size(); f++) {
      std::vector<uint32_t> choices;
      if (fk.kinds[f] == 0) choices = {1};
      else if (fk.kinds[f] == 1) choices = {64, 1500};
      else for (uint32_t c = 1; c < fk.sizes[f]; c++) choices.push_back(c);
      for (const uint32_t c : choices) {
        Event e = base;
        FieldSetter setter{f, c};
        std::visit([&](auto& ev) { ev.visit(setter); }, e);
        if (setter.valid) add_events(out, {e});
      }
    }
  }
  return out;
}

ExploreResult explore(const ExploreSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  ExploreResult r;
  std::unordered_set<uint64_t> visited;
  double last_progress = 0;
  // The root: the empty scenario.
  {
    World w(spec.topology, spec.bugs, false, spec.driver_faults);
    visited.insert(w.state_hash());
    w.finish();
    r.states = 1;
    if (spec.goal(w)) {
      r.found = true;
      r.seconds = elapsed();
      return r;
    }
  }
  r.depth_cleared = 0;
  std::vector<std::vector<Event>> frontier{{}};
  for (int depth = 1; depth <= spec.max_depth; depth++) {
    std::vector<std::vector<Event>> next;
    for (const std::vector<Event>& seq : frontier) {
      for (const Event& e : spec.alphabet) {
        World w(spec.topology, spec.bugs, false, spec.driver_faults);
        for (const Event& prior : seq) w.apply(prior);
        if (!w.apply(e)) continue;  // not enabled here
        r.transitions++;
        if (!visited.insert(w.state_hash()).second) continue;
        r.states++;
        std::vector<Event> child = seq;
        child.push_back(e);
        w.finish();
        if (spec.goal(w)) {
          r.found = true;
          r.shortest = std::move(child);
          r.seconds = elapsed();
          return r;
        }
        next.push_back(std::move(child));
        const double now = elapsed();
        if (spec.progress && now - last_progress >= 1.0) {
          last_progress = now;
          spec.progress(depth, r.states, r.transitions, now);
        }
        if (r.states >= spec.max_states || now >= spec.max_seconds) {
          r.stopped_by = r.states >= spec.max_states ? "states" : "time";
          r.seconds = now;
          return r;
        }
      }
    }
    r.depth_cleared = depth;
    if (spec.progress) spec.progress(depth, r.states, r.transitions, elapsed());
    if (next.empty()) {
      r.stopped_by = "exhausted";
      break;
    }
    frontier = std::move(next);
  }
  r.seconds = elapsed();
  return r;
}

}  // namespace inflight
