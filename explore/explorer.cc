#include "explore/explorer.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

namespace inflight {

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
    for (size_t f = 0; f < event_field_count(base); f++) {
      const FieldInfo info = event_field(base, f);
      std::vector<uint32_t> choices;
      if (info.type == FieldType::u8) choices = {1};
      else if (info.type == FieldType::u16) choices = {64, 1500};
      else for (uint32_t c = 1; c < info.values; c++) choices.push_back(c);
      for (const uint32_t c : choices) {
        Event e = base;
        set_event_field(e, f, c);
        add_events(out, {e});
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
