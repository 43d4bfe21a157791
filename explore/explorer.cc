#include "explore/explorer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "model/net/cpumap.h"
#include "model/net/tun.h"

namespace inflight {

namespace {
constexpr uint16_t kFullLengths[] = {0, 64, 1500};

// The visited set: fingerprints in one open-addressed table of buckets, four fingerprints
// (one cache line) a bucket, probed bucket by bucket (at most 3/4 full): 16 bytes a slot,
// no allocation per state, and a lookup mostly reads one line. The all-zero fingerprint
// marks an empty slot, so it is kept apart.
class FingerprintSet {
 public:
  bool contains(const Fingerprint& f) const {
    if (f == Fingerprint{}) return has_zero_;
    return !buckets_.empty() && probe(buckets_, f) == f;
  }
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
  // The slot that holds `f`, or else the empty one where it would go.
  template <class Table>
  static auto probe(Table& table, const Fingerprint& f) -> decltype((table[0].slot[0])) {
    const size_t mask = table.size() - 1;
    for (size_t i = f.a & mask;; i = (i + 1) & mask)
      for (auto& s : table[i].slot)
        if (s == f || s == Fingerprint{}) return s;
  }
  // Puts `f` in `table` unless it is there; returns whether it was put.
  static bool place(std::vector<Bucket>& table, const Fingerprint& f) {
    Fingerprint& s = probe(table, f);
    if (s == f) return false;
    s = f;
    return true;
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

namespace {
// The search tree: each node a state first reached by its parent's events plus one.
struct Node {
  uint32_t parent;
  uint32_t event;  // index into the alphabet
  uint32_t used;   // budget b's events on the path so far: byte b
};

// What a search needs of its alphabet, worked out once: which budget bounds each event, its
// pick twins, its stand-in, the shortest idle.
struct Plan {
  const ExploreSpec& spec;
  bool symmetric;
  std::vector<int> budget_of;  // which budget bounds an event, or -1
  std::vector<std::vector<int32_t>> twins;
  std::vector<int32_t>
      stand_in;  // World::stand_in's index in the alphabet under the same budget, or -1
  int64_t shortest_idle = -1;  // when no budget bounds idles (World::longer_idle)

  // `root`: the world the search starts from (its topology and driver decide stand-ins).
  Plan(const ExploreSpec& s, const World& root)
      : spec(s),
        symmetric(s.symmetry && symmetry_holds(s.alphabet)),
        budget_of(s.alphabet.size(), -1),
        twins(pick_twins(s.alphabet)),
        stand_in(s.alphabet.size(), -1) {
    for (size_t e = 0; e < s.alphabet.size(); e++)
      for (size_t b = 0; b < s.budgets.size(); b++)
        if (s.alphabet[e].index() == s.budgets[b].kind) budget_of[e] = static_cast<int>(b);
    for (size_t e = 0; e < s.alphabet.size(); e++)
      if (const std::optional<Event> in = root.stand_in(s.alphabet[e])) {
        MODEL_ASSERT(*in != s.alphabet[e]);  // else the event would never be applied
        const auto it = std::find(s.alphabet.begin(), s.alphabet.end(), *in);
        const auto i = it - s.alphabet.begin();
        if (it != s.alphabet.end() && budget_of[static_cast<size_t>(i)] == budget_of[e])
          stand_in[e] = static_cast<int32_t>(i);
      }
    for (size_t e = 0; e < s.alphabet.size(); e++)
      if (s.alphabet[e] == Event{Idle{0}} && budget_of[e] < 0)
        shortest_idle = static_cast<int64_t>(e);
  }
};

// Expands nodes: one per thread, each with its own worlds.
class Expander {
 public:
  Expander(const Plan& plan, const World& root) : plan_(plan), child_(root), path_{root} {}

  // Applies every event of the alphabet worth applying to `node`'s state and calls
  // on_child(event, used, child) with each state reached; on_child returns true to stop.
  // Returns whether it was stopped.
  template <class OnChild>
  bool expand(const std::vector<Node>& nodes, uint32_t node, OnChild&& on_child) {
    const ExploreSpec& spec = plan_.spec;
    const World& parent = rebuild(nodes, node);
    const uint32_t used = nodes[node].used;
    // A skipped event leaves the state as it was (its guard holds or nothing changes;
    // checked here in debug builds), so the child needs no fresh copy after one.
    bool child_is_parent = false;
    bool idle_settles = false;  // the shortest idle from here leaves nothing pending
    Fingerprint settled;        // where it leads (checked in debug builds)
    for (uint32_t e = 0; e < spec.alphabet.size(); e++) {
      const int b = plan_.budget_of[e];
      const uint32_t shift = 8 * static_cast<uint32_t>(b);
      if (b >= 0 && ((used >> shift) & 0xFF) >= spec.budgets[static_cast<size_t>(b)].max)
        continue;                     // its budget is spent on this path
      if (!plan_.twins[e].empty()) {  // a pick beyond the live objects: its twin's transition
        const uint32_t n = parent.pick_modulus(spec.alphabet[e]);
        const std::vector<int32_t>& twins = plan_.twins[e];
        if (n > 0 && n <= twins.size() && twins[n - 1] >= 0 &&
            static_cast<uint32_t>(twins[n - 1]) != e)
          continue;
      }
      // Debug builds: a skipped event, if enabled, leads to expected() (a fingerprint, or
      // none when that transition is not enabled). Release builds call neither: what the
      // check needs is worked out only inside it.
      const auto check_skip = [&]([[maybe_unused]] auto&& expected,
                                  [[maybe_unused]] bool symmetric) {
        if constexpr (kDebugChecks) {
          World check(parent);
          if (check.apply(spec.alphabet[e]))
            MODEL_ASSERT(std::optional(check.fingerprint(symmetric)) == expected());
        }
      };
      const int32_t in = plan_.stand_in[e];
      if (spec.skip_unchanging && in >= 0 && parent.same_as_stand_in(spec.alphabet[e])) {
        check_skip(
            [&]() -> std::optional<Fingerprint> {
              World theirs(parent);
              if (!theirs.apply(spec.alphabet[static_cast<size_t>(in)])) return std::nullopt;
              return theirs.fingerprint();
            },
            false);
        continue;  // its stand-in's transition
      }
      if (spec.skip_unchanging && idle_settles && b < 0 && World::longer_idle(spec.alphabet[e])) {
        check_skip([&] { return settled; }, false);
        continue;  // the shortest idle's transition
      }
      if (spec.skip_unchanging && b < 0 && parent.changes_nothing(spec.alphabet[e])) {
        check_skip([&] { return parent.fingerprint(plan_.symmetric); }, plan_.symmetric);
        continue;  // a transition back to the parent
      }
      if (!child_is_parent) child_ = parent;
      if (!child_.apply(spec.alphabet[e])) {  // not enabled here
        child_is_parent = true;
        MODEL_ASSERT(!kDebugChecks || child_.fingerprint() == parent.fingerprint());
        continue;
      }
      child_is_parent = false;
      transitions++;
      if (e == plan_.shortest_idle) {
        idle_settles = child_.changes_nothing(Idle{});
        if constexpr (kDebugChecks) settled = child_.fingerprint();
      }
      if (on_child(e, b >= 0 ? used + (1u << shift) : used, child_)) return true;
    }
    return false;
  }
  uint64_t transitions = 0;

 private:
  // The worlds along the path to the node being expanded: path_[k] is the state after its
  // first k events, path_[0] the root. Consecutive nodes of a frontier share most of their
  // path: rebuilding the next parent replays only the events after the shared part (one,
  // for a sibling).
  const World& rebuild(const std::vector<Node>& nodes, uint32_t node) {
    chain_.clear();
    for (uint32_t n = node; n != 0; n = nodes[n].parent) chain_.push_back(n);
    chain_.push_back(0);
    std::reverse(chain_.begin(), chain_.end());
    size_t shared = 1;
    while (shared < chain_.size() && shared < path_nodes_.size() &&
           path_nodes_[shared] == chain_[shared])
      shared++;
    path_nodes_.resize(shared);
    for (size_t k = shared; k < chain_.size(); k++) {
      if (k < path_.size())
        path_[k] = path_[k - 1];
      else
        path_.push_back(World(path_[k - 1]));
      path_[k].apply(plan_.spec.alphabet[nodes[chain_[k]].event]);
      path_nodes_.push_back(chain_[k]);
    }
    return path_[chain_.size() - 1];
  }
  const Plan& plan_;
  World child_;
  std::vector<World> path_;
  std::vector<uint32_t> path_nodes_{0}, chain_;
};

// A state a worker reached in a layer, new as far as it could tell: the merge decides.
struct Candidate {
  Fingerprint key;
  uint32_t parent, event, used;
  bool goal;
};
// Frontier nodes a worker takes at a time, and a merge's share of the frontier.
constexpr size_t kChunk = 64, kBlock = 64 * kChunk;
}  // namespace

ExploreResult explore(const ExploreSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  MODEL_ASSERT(spec.budgets.size() <= kMaxBudgets);
  World before(spec.topology, spec.bugs, false, spec.driver_faults, spec.driver);
  before.run(spec.prefix);
  const World root(before);
  const Plan plan(spec, root);
  ExploreResult r;
  r.symmetric = plan.symmetric;
  std::vector<Node> nodes;
  const auto sequence = [&](uint32_t node) {
    std::vector<Event> seq;
    for (uint32_t n = node; n != 0; n = nodes[n].parent) seq.push_back(spec.alphabet[nodes[n].event]);
    std::reverse(seq.begin(), seq.end());
    return seq;
  };
  FingerprintSet visited;
  double last_progress = 0;
  visited.insert(state_key(root, 0, r.symmetric));
  nodes.push_back(Node{0, 0, 0});
  r.states = 1;
  {
    World judged(root);
    judged.finish();
    if (spec.goal(judged)) {
      r.found = true;
      r.seconds = elapsed();
      return r;
    }
  }
  r.depth_cleared = 0;
  const size_t threads = std::max<size_t>(1, spec.threads);
  std::vector<Expander> expanders;
  for (size_t t = 0; t < threads; t++) expanders.emplace_back(plan, root);
  const auto transitions = [&] {
    uint64_t n = 0;
    for (const Expander& x : expanders) n += x.transitions;
    return n;
  };
  // A new state: a node, then the bounds. Returns true when the search ends here.
  const auto add_state = [&](int depth, uint32_t parent, uint32_t event, uint32_t used, bool goal,
                             std::vector<uint32_t>& next) {
    r.states++;
    nodes.push_back(Node{parent, event, used});
    const auto id = static_cast<uint32_t>(nodes.size() - 1);
    const double now = elapsed();
    if (goal) {
      r.found = true;
      r.shortest = sequence(id);
      r.transitions = transitions();
      r.seconds = now;
      return true;
    }
    next.push_back(id);
    if (spec.progress && now - last_progress >= 1.0) {
      last_progress = now;
      spec.progress(depth, r.states, transitions(), now);
    }
    if (r.states >= spec.max_states || now >= spec.max_seconds) {
      r.stopped_by = r.states >= spec.max_states ? "states" : "time";
      r.transitions = transitions();
      r.seconds = now;
      return true;
    }
    return false;
  };
  std::vector<uint32_t> frontier{0};
  // With more than one thread, per block of the frontier: the workers expand its chunks, each
  // keeping the states it reached that the visited set lacks (judged on their finished
  // worlds); then the merge takes them in frontier and alphabet order, as one thread would
  // have met them, so the states, their parents and the shortest counterexample are the same
  // whatever the number of threads (the transitions too, unless the search ends within a
  // depth: the workers had expanded the whole block by then).
  std::vector<std::vector<Candidate>> found(kBlock / kChunk);
  std::vector<FingerprintSet> seen(threads);  // per worker: what it kept this block
  for (int depth = 1; depth <= spec.max_depth; depth++) {
    std::vector<uint32_t> next;
    if (threads == 1) {
      Expander& x = expanders[0];
      for (const uint32_t node : frontier) {
        const bool stop = x.expand(nodes, node, [&](uint32_t e, uint32_t used, World& child) {
          if (!visited.insert(state_key(child, used, r.symmetric))) return false;
          child.finish();
          return add_state(depth, node, e, used, spec.goal(child), next);
        });
        if (stop) return r;
      }
    } else {
      for (size_t first = 0; first < frontier.size(); first += kBlock) {
        const size_t chunks = (std::min(frontier.size() - first, kBlock) + kChunk - 1) / kChunk;
        std::atomic<size_t> taken{0};
        const auto work = [&](size_t t) {
          Expander& x = expanders[t];
          seen[t] = FingerprintSet{};
          for (size_t c; (c = taken.fetch_add(1)) < chunks;) {
            found[c].clear();
            const size_t end = std::min(frontier.size(), first + (c + 1) * kChunk);
            for (size_t i = first + c * kChunk; i < end; i++)
              x.expand(nodes, frontier[i], [&](uint32_t e, uint32_t used, World& child) {
                const Fingerprint key = state_key(child, used, r.symmetric);
                if (visited.contains(key) || !seen[t].insert(key)) return false;
                child.finish();
                found[c].push_back(Candidate{key, frontier[i], e, used, spec.goal(child)});
                return false;
              });
          }
        };
        std::vector<std::thread> helpers;
        for (size_t t = 1; t < threads; t++) helpers.emplace_back(work, t);
        work(0);
        for (std::thread& h : helpers) h.join();
        for (size_t c = 0; c < chunks; c++)
          for (const Candidate& k : found[c])
            if (visited.insert(k.key) && add_state(depth, k.parent, k.event, k.used, k.goal, next))
              return r;
      }
    }
    r.depth_cleared = depth;
    r.transitions = transitions();
    if (spec.progress) spec.progress(depth, r.states, r.transitions, elapsed());
    if (next.empty()) {
      r.stopped_by = "exhausted";
      break;
    }
    frontier = std::move(next);
  }
  r.transitions = transitions();
  r.seconds = elapsed();
  return r;
}

}  // namespace inflight
