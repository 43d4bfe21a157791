#include "explore/explorer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/net/cpumap.h"
#include "model/net/tun.h"

namespace inflight {

namespace {
constexpr uint16_t kFullLengths[] = {0, 64, 1500};
#ifdef NDEBUG
constexpr bool kCheckSkips = false;
#else
constexpr bool kCheckSkips = true;
#endif

// The visited set: fingerprints in one open-addressed table of buckets, four fingerprints
// (one cache line) a bucket, probed bucket by bucket (at most 3/4 full): 16 bytes a slot,
// no allocation per state, and a lookup mostly reads one line. The all-zero fingerprint
// marks an empty slot, so it is kept apart.
class FingerprintSet {
 public:
  // Returns whether `f` was new.
  bool insert(const Fingerprint& f) {
    if (f == Fingerprint{}) return !std::exchange(has_zero_, true);
    if (4 * (size_ + 1) > 3 * kWays * buckets_.size()) grow();
    if (!place(buckets_, f)) return false;
    size_++;
    return true;
  }

 private:
  static constexpr size_t kWays = 4;
  struct alignas(64) Bucket {
    std::array<Fingerprint, kWays> slot;
  };
  // Puts `f` in `table` unless it is there; returns whether it was put.
  static bool place(std::vector<Bucket>& table, const Fingerprint& f) {
    const size_t mask = table.size() - 1;
    for (size_t i = f.a & mask;; i = (i + 1) & mask)
      for (Fingerprint& s : table[i].slot) {
        if (s == f) return false;
        if (s == Fingerprint{}) {
          s = f;
          return true;
        }
      }
  }
  void grow() {
    std::vector<Bucket> bigger(buckets_.empty() ? 256 : 2 * buckets_.size());
    for (const Bucket& b : buckets_)
      for (const Fingerprint& f : b.slot)
        if (f != Fingerprint{}) place(bigger, f);
    buckets_ = std::move(bigger);
  }
  std::vector<Bucket> buckets_;
  size_t size_ = 0;
  bool has_zero_ = false;
};

// A search state's key: the world's fingerprint, and the budgets used so far (one byte
// each), mixed in by a bijection (splitmix64's finalizer) so that distinct counts on equal
// worlds never collide.
Fingerprint state_key(const World& world, uint32_t used, bool symmetric) {
  Fingerprint f = world.fingerprint(symmetric);
  if (used == 0) return f;
  const auto mix = [](uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  f.a ^= mix(used), f.b ^= mix(uint64_t{used} << 32 | 0x5bd1e995u);
  return f;
}

// A field's values in the full alphabet (of an event of kind `e`).
std::vector<uint32_t> full_domain(const Event& e, const FieldInfo& f, const Topology& t) {
  const auto range = [](uint32_t n) {
    std::vector<uint32_t> v(n);
    for (uint32_t i = 0; i < n; i++) v[i] = i;
    return v;
  };
  if (f.type == FieldType::enumeration) return range(f.values);
  if (f.type == FieldType::u16) return {std::begin(kFullLengths), std::end(kFullLengths)};
  if (f.name == "cpu") return range(t.cpus);
  if (f.name == "dev") return range(t.devices);
  // A driver's RX queue (modulo rx_queues), or a netmap bridge member's (modulo 2; other
  // members have one): values beyond the topology's would repeat events already there.
  if (f.name == "queue")
    return range(e.index() == Event{NmMemberFree{}}.index()
                     ? (t.nm_member == NmMember::bridge ? 2u : 1u)
                     : t.rx_queues);
  if (f.name == "slot") return range(Cpumap::kEntries);
  if (f.name == "writer") return range(Tun::kWriters);
  if (f.name == "fill") return range(t.nm_slots + 1u);
  return range(kFullPicks);  // the pick fields (is_pick_field)
}

// Pick twins: an event whose picks are taken modulo n is the same transition as the event
// with every pick reduced modulo n. twins[e][n - 1], for n = 1 up to e's largest pick, is
// the index of that reduced event in the alphabet (e itself when every pick is below n), or
// -1 when the alphabet lacks it; empty for an event without picks.
std::vector<std::vector<int32_t>> pick_twins(const std::vector<Event>& alphabet) {
  std::map<std::string, int32_t> index;
  for (size_t i = 0; i < alphabet.size(); i++)
    index.emplace(format_event(alphabet[i]), static_cast<int32_t>(i));
  std::vector<std::vector<int32_t>> twins(alphabet.size());
  for (size_t i = 0; i < alphabet.size(); i++) {
    const Event& e = alphabet[i];
    uint32_t largest = 0;
    for (size_t f = 0; f < event_field_count(e); f++)
      if (is_pick_field(event_field(e, f).name))
        largest = std::max(largest, event_field_value(e, f));
    for (uint32_t n = 1; n <= largest; n++) {
      Event twin = e;
      for (size_t f = 0; f < event_field_count(e); f++)
        if (is_pick_field(event_field(e, f).name))
          set_event_field(twin, f, event_field_value(e, f) % n);
      const auto it = index.find(format_event(twin));
      twins[i].push_back(it == index.end() ? -1 : it->second);
    }
  }
  return twins;
}
}  // namespace

std::vector<Event> full_alphabet(const TargetFamily& family, const Topology& topology) {
  std::vector<Event> out;
  for (const uint8_t kind : family.kinds) {
    std::vector<Event> events{make_event_of_kind(kind)};
    for (size_t f = 0; f < event_field_count(events[0]); f++) {
      const std::vector<uint32_t> domain =
          full_domain(events[0], event_field(events[0], f), topology);
      std::vector<Event> product;
      for (const Event& e : events)
        for (const uint32_t v : domain) {
          Event copy = e;
          set_event_field(copy, f, v);
          product.push_back(copy);
        }
      events = std::move(product);
    }
    add_events(out, events);
  }
  return out;
}

std::string full_alphabet_domains(const Topology& t) {
  return fmt::format(
      "every field varied together: cpu 0..{}, dev 0..{}, queue 0..{} (netmap: "
      "0..{}), cpumap slot 0..{}, tap writer 0..{}, netmap fill 0..{}, picks 0..{}, "
      "lengths {}, every enumeration value",
      t.cpus - 1, t.devices - 1, t.rx_queues - 1, t.nm_member == NmMember::bridge ? 1 : 0,
      Cpumap::kEntries - 1, Tun::kWriters - 1, t.nm_slots, kFullPicks - 1,
      fmt::join(kFullLengths, "/"));
}

void add_events(std::vector<Event>& alphabet, const std::vector<Event>& more) {
  for (const Event& e : more)
    if (std::find(alphabet.begin(), alphabet.end(), e) == alphabet.end()) alphabet.push_back(e);
}

std::optional<std::vector<EventBudget>> parse_budgets(std::string_view text,
                                                      const std::vector<Event>& alphabet,
                                                      std::string* error) {
  std::vector<EventBudget> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    const std::string count(eq == std::string_view::npos ? "" : item.substr(eq + 1));
    char* end = nullptr;
    const unsigned long max = std::strtoul(count.c_str(), &end, 10);
    if (count.empty() || *end != '\0' || count[0] == '-' || max > 255) {
      *error = fmt::format("'{}': expected kind=N with N in 0..255", item);
      return std::nullopt;
    }
    std::optional<uint8_t> kind;
    for (size_t k = 0; k < kEventKinds; k++)
      if (event_name(make_event_of_kind(k)) == name) kind = static_cast<uint8_t>(k);
    if (!kind) {
      *error = fmt::format("'{}': unknown event kind (inflight help events)", name);
      return std::nullopt;
    }
    if (std::none_of(alphabet.begin(), alphabet.end(),
                     [&](const Event& e) { return e.index() == *kind; })) {
      *error = fmt::format("'{}': no event of that kind is in the alphabet", name);
      return std::nullopt;
    }
    if (std::any_of(out.begin(), out.end(),
                    [&](const EventBudget& b) { return b.kind == *kind; })) {
      *error = fmt::format("'{}': bounded twice", name);
      return std::nullopt;
    }
    if (out.size() == kMaxBudgets) {
      *error = fmt::format("at most {} kinds can be bounded", kMaxBudgets);
      return std::nullopt;
    }
    out.push_back(EventBudget{*kind, static_cast<uint8_t>(max)});
  }
  if (out.empty()) {
    *error = "expected kind=N[,kind=N...]";
    return std::nullopt;
  }
  return out;
}

std::string format_budgets(const std::vector<EventBudget>& budgets) {
  std::string out;
  for (const EventBudget& b : budgets)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", event_name(make_event_of_kind(b.kind)),
                       b.max);
  return out;
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

bool is_pick_field(std::string_view field) {
  for (const std::string_view f : {"pick", "skb", "to", "from", "buf", "map"})
    if (field == f) return true;
  return false;
}

bool symmetry_holds(const std::vector<Event>& alphabet) {
  return std::none_of(alphabet.begin(), alphabet.end(), [](const Event& e) {
    return std::holds_alternative<DmaMap>(e) || std::holds_alternative<DmaUnmap>(e) ||
           std::holds_alternative<DmaSync>(e);
  });
}

ExploreResult explore(const ExploreSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  ExploreResult r;
  // The search tree: each node a state first reached by its parent's events plus one.
  struct Node {
    uint32_t parent;
    uint32_t event;  // index into the alphabet
    uint32_t used;   // budget b's events on the path so far: byte b
  };
  r.symmetric = spec.symmetry && symmetry_holds(spec.alphabet);
  MODEL_ASSERT(spec.budgets.size() <= kMaxBudgets);
  std::vector<int> budget_of(spec.alphabet.size(), -1);  // which budget bounds an event
  for (size_t e = 0; e < spec.alphabet.size(); e++)
    for (size_t b = 0; b < spec.budgets.size(); b++)
      if (spec.alphabet[e].index() == spec.budgets[b].kind) budget_of[e] = static_cast<int>(b);
  const std::vector<std::vector<int32_t>> twins = pick_twins(spec.alphabet);
  // Each event's stand-in (World::stand_in) in the alphabet under the same budget, or -1.
  std::vector<int32_t> stand_in(spec.alphabet.size(), -1);
  for (size_t e = 0; e < spec.alphabet.size(); e++)
    if (const std::optional<Event> s = World::stand_in(spec.alphabet[e])) {
      const auto it = std::find(spec.alphabet.begin(), spec.alphabet.end(), *s);
      const auto i = it - spec.alphabet.begin();
      if (it != spec.alphabet.end() && budget_of[static_cast<size_t>(i)] == budget_of[e])
        stand_in[e] = static_cast<int32_t>(i);
    }
  // The shortest idle, when no budget bounds idles: a longer one is its transition from a
  // state where it leaves nothing pending (World::longer_idle).
  int64_t shortest_idle = -1;
  for (size_t e = 0; e < spec.alphabet.size(); e++)
    if (spec.alphabet[e] == Event{Idle{0}} && budget_of[e] < 0)
      shortest_idle = static_cast<int64_t>(e);
  std::vector<Node> nodes;
  const auto sequence = [&](uint32_t node) {
    std::vector<Event> seq;
    for (uint32_t n = node; n != 0; n = nodes[n].parent) seq.push_back(spec.alphabet[nodes[n].event]);
    std::reverse(seq.begin(), seq.end());
    return seq;
  };
  FingerprintSet visited;
  double last_progress = 0;
  World before(spec.topology, spec.bugs, false, spec.driver_faults, spec.driver);
  before.run(spec.prefix);
  const World root(before);
  World child(root);
  // The worlds along the path to the node being expanded: path[k] is the state after its
  // first k events, path[0] the root. Frontier nodes come in the order their parents were
  // expanded, so consecutive ones share most of their path: rebuilding the next parent
  // replays only the events after the shared part (one, for a sibling).
  std::vector<World> path{root};
  std::vector<uint32_t> path_nodes{0}, chain;
  const auto rebuild = [&](uint32_t node) -> const World& {
    chain.clear();
    for (uint32_t n = node; n != 0; n = nodes[n].parent) chain.push_back(n);
    chain.push_back(0);
    std::reverse(chain.begin(), chain.end());
    size_t shared = 1;
    while (shared < chain.size() && shared < path_nodes.size() && path_nodes[shared] == chain[shared])
      shared++;
    path_nodes.resize(shared);
    for (size_t k = shared; k < chain.size(); k++) {
      if (k < path.size()) {
        path[k] = path[k - 1];
      } else {
        World copy(path[k - 1]);
        path.push_back(copy);
      }
      path[k].apply(spec.alphabet[nodes[chain[k]].event]);
      path_nodes.push_back(chain[k]);
    }
    return path[chain.size() - 1];
  };
  visited.insert(state_key(root, 0, r.symmetric));
  nodes.push_back(Node{0, 0, 0});
  r.states = 1;
  child.finish();
  if (spec.goal(child)) {
    r.found = true;
    r.seconds = elapsed();
    return r;
  }
  r.depth_cleared = 0;
  std::vector<uint32_t> frontier{0};
  for (int depth = 1; depth <= spec.max_depth; depth++) {
    std::vector<uint32_t> next;
    for (const uint32_t node : frontier) {
      const World& parent = rebuild(node);
      const uint32_t used = nodes[node].used;
      // A skipped event leaves the state as it was (its guard holds or nothing changes;
      // checked here in debug builds), so the child needs no fresh copy after one.
      bool child_is_parent = false;
      bool idle_settles = false;  // the shortest idle from here leaves nothing pending
      Fingerprint settled;        // where it leads (checked in debug builds)
      for (uint32_t e = 0; e < spec.alphabet.size(); e++) {
        const int b = budget_of[e];
        const uint32_t shift = 8 * static_cast<uint32_t>(b);
        if (b >= 0 && ((used >> shift) & 0xFF) >= spec.budgets[static_cast<size_t>(b)].max)
          continue;  // its budget is spent on this path
        if (!twins[e].empty()) {  // a pick beyond the live objects: its twin's transition
          const uint32_t n = parent.pick_modulus(spec.alphabet[e]);
          if (n > 0 && n <= twins[e].size() && twins[e][n - 1] >= 0 &&
              static_cast<uint32_t>(twins[e][n - 1]) != e)
            continue;
        }
        // Debug builds: a skipped event, if enabled, leads to `expected`.
        const auto check_skip = [&]([[maybe_unused]] const std::optional<Fingerprint>& expected,
                                    [[maybe_unused]] bool symmetric) {
          if constexpr (kCheckSkips) {
            World check(parent);
            if (check.apply(spec.alphabet[e]))
              MODEL_ASSERT(check.fingerprint(symmetric) == expected);
          }
        };
        if (spec.skip_unchanging && stand_in[e] >= 0 && parent.same_as_stand_in(spec.alphabet[e])) {
          if constexpr (kCheckSkips) {
            World theirs(parent);
            const bool enabled = theirs.apply(spec.alphabet[static_cast<size_t>(stand_in[e])]);
            check_skip(enabled ? std::optional(theirs.fingerprint()) : std::nullopt, false);
          }
          continue;  // its stand-in's transition
        }
        if (spec.skip_unchanging && idle_settles && b < 0 && World::longer_idle(spec.alphabet[e])) {
          check_skip(settled, false);
          continue;  // the shortest idle's transition
        }
        if (spec.skip_unchanging && b < 0 && parent.changes_nothing(spec.alphabet[e])) {
          check_skip(parent.fingerprint(r.symmetric), r.symmetric);
          continue;  // a transition back to the parent
        }
        if (!child_is_parent) child = parent;
        if (!child.apply(spec.alphabet[e])) {  // not enabled here
          child_is_parent = true;
          MODEL_ASSERT(!kCheckSkips || child.fingerprint() == parent.fingerprint());
          continue;
        }
        child_is_parent = false;
        r.transitions++;
        if (e == shortest_idle) {
          idle_settles = child.changes_nothing(Idle{});
          if constexpr (kCheckSkips) settled = child.fingerprint();
        }
        const uint32_t child_used = b >= 0 ? used + (1u << shift) : used;
        if (!visited.insert(state_key(child, child_used, r.symmetric))) continue;
        r.states++;
        nodes.push_back(Node{node, e, child_used});
        const auto id = static_cast<uint32_t>(nodes.size() - 1);
        child.finish();
        if (spec.goal(child)) {
          r.found = true;
          r.shortest = sequence(id);
          r.seconds = elapsed();
          return r;
        }
        next.push_back(id);
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
