// bench/sleep_sets.cc
//
// What partial-order reduction by sleep sets could save the explorer (issue 13): the
// transitions of one configuration's breadth-first search, side by side, without and with
// sleep sets. Sleep sets leave out transitions, never states: after a state's event a has
// been explored, a later sibling b's state need not apply a again when a and b commute
// there (both orders reach the same state, which a's state reaches by b).
//
// Independence is decided by an oracle: a and b are independent in a state when both
// orders are enabled there and reach the same fingerprint. A table written beforehand can
// only claim independence that holds in every state, so it leaves out at most what the
// oracle does; the figure here is what sleep sets could bring the explorer down to, at
// best. Both searches count each distinct successor of a state once (the explorer's pick
// twins and stand-ins leave out events that lead where another does) and skip events that
// change nothing, as explore() does. They must reach the same states at every depth
// (checked: the run fails otherwise). The explorer's own transitions for the same bound
// are printed too.
//
// usage: sleep_sets --target FAMILY [--topology "key=value ..."] [--full] [--depth N]
//   --full   the family's full alphabet in the topology (explore --full); default the wide
//            one (explore --wide)
//   --depth  the depth both searches clear (default 5); each state of a layer is kept as a
//            whole world, so memory grows with the widest layer
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "explore/explorer.h"
#include "model/core/codec.h"

namespace {
using namespace inflight;

struct FingerprintHash {
  size_t operator()(const Fingerprint& f) const {
    return static_cast<size_t>(f.a ^ (f.b * 0x9E3779B97F4A7C15ull));
  }
};
using Sleep = std::vector<bool>;  // by alphabet index

struct Node {
  World world;
  Sleep sleep;
};

struct Layer {
  uint64_t states = 0, transitions = 0;
};

constexpr const char* kUsage =
    "usage: sleep_sets --target FAMILY [--topology \"key=value ...\"] [--full] [--depth N]\n"
    "  transitions of a breadth-first search without and with sleep sets (independence\n"
    "  decided in each state), and explore()'s, to depth N (default 5)\n"
    "  --full  the family's full alphabet in the topology (default: the wide one)\n";
[[noreturn]] void usage_exit(const std::string& message) {
  std::fprintf(stderr, "sleep_sets: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

class Search {
 public:
  Search(const std::vector<Event>& alphabet, bool symmetric, bool sleep_sets)
      : alphabet_(alphabet), symmetric_(symmetric), sleep_sets_(sleep_sets) {}

  // One layer: expands `layer` into the next; returns what it found.
  Layer expand(std::vector<Node>& layer) {
    std::vector<Node> next;
    std::unordered_map<Fingerprint, size_t, FingerprintHash> in_next;
    Layer found;
    for (const Node& node : layer) {
      std::vector<size_t> explored;  // events applied here, in order
      std::vector<World> reached;    // where each led
      std::vector<Fingerprint> children;
      for (size_t e = 0; e < alphabet_.size(); e++) {
        if (node.sleep[e] || node.world.changes_nothing(alphabet_[e])) continue;
        World child(node.world);
        if (!child.apply(alphabet_[e])) continue;
        const Fingerprint f = child.fingerprint(symmetric_);
        // A successor an earlier event reached: one transition.
        if (std::find(children.begin(), children.end(), f) != children.end()) continue;
        children.push_back(f);
        found.transitions++;
        Sleep sleep(alphabet_.size());
        if (sleep_sets_) {
          for (size_t a = 0; a < alphabet_.size(); a++)
            if (node.sleep[a]) {
              World first(node.world);
              sleep[a] = first.apply(alphabet_[a]) && commute(first, a, child, e);
            }
          for (size_t i = 0; i < explored.size(); i++)
            sleep[explored[i]] = commute(reached[i], explored[i], child, e);
          explored.push_back(e);
          reached.push_back(child);
        }
        if (visited_.insert(f).second) {
          found.states++;
          in_next.emplace(f, next.size());
          next.push_back(Node{std::move(child), std::move(sleep)});
        } else if (const auto it = in_next.find(f); it != in_next.end()) {
          // Reached again in this layer: only what every way in may leave out.
          Sleep& theirs = next[it->second].sleep;
          for (size_t a = 0; a < theirs.size(); a++) theirs[a] = theirs[a] && sleep[a];
        }
      }
    }
    layer = std::move(next);
    return found;
  }
  void root(const World& world) { visited_.insert(world.fingerprint(symmetric_)); }

 private:
  // Whether `after_a` (the state after a) then b, and `after_b` then a, are enabled and
  // reach the same state.
  bool commute(const World& after_a, size_t a, const World& after_b, size_t b) const {
    World ab(after_a), ba(after_b);
    return ab.apply(alphabet_[b]) && ba.apply(alphabet_[a]) &&
           ab.fingerprint(symmetric_) == ba.fingerprint(symmetric_);
  }
  const std::vector<Event>& alphabet_;
  const bool symmetric_, sleep_sets_;
  std::unordered_set<Fingerprint, FingerprintHash> visited_;
};
}  // namespace

int main(int argc, char** argv) {
  std::string target, topology;
  bool full = false;
  int depth = 5;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const auto value = [&] {
      if (i + 1 == argc) usage_exit(a + " needs a value");
      return std::string(argv[++i]);
    };
    if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (a == "--target") {
      target = value();
    } else if (a == "--topology") {
      topology = value();
    } else if (a == "--full") {
      full = true;
    } else if (a == "--depth") {
      depth = std::atoi(value().c_str());
      if (depth < 1 || depth > 20) usage_exit("--depth takes 1..20");
    } else {
      usage_exit("unknown argument '" + a + "'");
    }
  }
  const TargetFamily* family = target_family(target);
  if (!family) usage_exit("--target names a fuzz target's family (inflight list targets)");
  TextError error;
  const std::optional<Scenario> header = decode_text("topology " + topology, &error);
  if (!header) usage_exit("--topology: " + error.message);
  const std::vector<Event> alphabet =
      full ? full_alphabet(*family, header->topology) : family_alphabet(*family, true);
  const bool symmetric = symmetry_holds(alphabet);

  ExploreSpec spec;
  spec.topology = header->topology;
  spec.alphabet = alphabet;
  spec.max_depth = depth;
  spec.max_states = UINT64_MAX;
  spec.max_seconds = 1e9;
  spec.goal = [](const World&) { return false; };
  const ExploreResult explored = explore(spec);

  const World root(header->topology, BugSet{});
  Search all(alphabet, symmetric, false), sleep(alphabet, symmetric, true);
  all.root(root), sleep.root(root);
  std::vector<Node> all_layer{{root, Sleep(alphabet.size())}},
      sleep_layer{{root, Sleep(alphabet.size())}};
  uint64_t states = 1, all_transitions = 0, sleep_transitions = 0;
  for (int d = 1; d <= depth; d++) {
    const Layer a = all.expand(all_layer), s = sleep.expand(sleep_layer);
    if (a.states != s.states) {
      std::printf("sleep_sets: depth %d: %lu states without sleep sets, %lu with\n", d, a.states,
                  s.states);
      return 1;
    }
    states += a.states, all_transitions += a.transitions, sleep_transitions += s.transitions;
    std::printf(
        "depth %d: states %lu; transitions: each distinct successor %lu, with sleep sets %lu "
        "(%.2f)\n",
        d, states, all_transitions, sleep_transitions,
        static_cast<double>(sleep_transitions) / static_cast<double>(all_transitions));
  }
  std::printf(
      "sleep_sets: %s alphabet (%zu events), %s; to depth %d: %lu states (explore(): %lu), "
      "transitions: explore() %lu, each distinct successor %lu, with sleep sets %lu\n",
      full ? "full" : "wide", alphabet.size(), format_topology(header->topology).c_str(), depth,
      states, explored.states, explored.transitions, all_transitions, sleep_transitions);
  return 0;
}
