// explore/explorer.h
//
// The bounded exhaustive explorer (design.md's third front end): breadth-first search over
// the events of a small configuration, on the same World and event vocabulary as the
// fuzzers and properties (no second model).
//
// - The configuration is the topology (a scenario's header); the choices are an alphabet
//   of events: one event per kind of a fuzz target's family with its fields at their
//   defaults, each field varied alone (--wide), plus any events given (a trace's own, so
//   that the trace itself lies in the searched space).
// - A state is expanded from a copy of its parent (World's assignment): the parent is
//   rebuilt once from its event sequence, each child is a copy plus one event. Events
//   whose guard does not hold there are not enabled and not expanded; a skipped event
//   changes nothing (debug builds check it), so the next one needs no fresh copy.
// - The visited set is an open-addressed table of fingerprints, in buckets of one cache
//   line.
// - Threads (ExploreSpec::threads): each depth's frontier is expanded in chunks by workers
//   with their own worlds; the states they reach that the visited set lacks are merged by
//   one thread in the order one thread would have met them, so the result does not depend
//   on the number of threads.
// - Equal world states (World::fingerprint, 128 bits) are visited once.
// - Every new state is judged on its finished world, since leaks, stalls and unbind
//   reports show at the end. Breadth-first, so the first state that meets the goal has a
//   shortest event sequence within the alphabet.
// - Symmetry: where the alphabet allows it (symmetry_holds), pages, DMA mappings and skb
//   shared infos are renamed in the hash (StateHash::rename), so states that differ only in
//   which slots hold which of them are visited once. Every path is still a real run from
//   the root, so a counterexample is a real trace, and a shortest one: a state's
//   permutations are reached by equally long paths.
// - Pick twins: an event whose picks (of an skb, a deferred item, a pending release...) are
//   taken modulo the number of live objects (World::pick_modulus) is the same transition as
//   its twin with the picks reduced; when the twin is in the alphabet, only it is applied.
// - Events that certainly change nothing in a state (World::changes_nothing: a tick with no
//   timed work waiting, an idle with nothing pending, a quiescent state RCU does not wait
//   for, a refused skb coalesce, a head expand with nothing to copy) are not applied there:
//   they lead back to the state itself (debug builds check it).
// - Stand-ins: an event that in a state certainly leads where another event of the
//   alphabet does (World::same_as_stand_in: an skb free whose CPU and context decide
//   nothing, as the free on CPU 0 in softirq context; an idle with only a producer inside
//   its ring lock, as the unlock; a tick that leaves every timed item where the shortest
//   tick does, as that one; a longer idle where the shortest leaves nothing pending, as
//   the shortest, World::longer_idle; an event naming a CPU, device or RX queue beyond the
//   topology's, as the same event naming the one apply() takes it for) is not applied
//   there either (debug builds apply both and compare).
// - Budgets (EventBudget) bound how often events of a kind may happen on a path; the counts
//   are hashed with the world's fingerprint.
// - Bounds on depth, states and seconds end the search cleanly, with what was covered.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/core/codec.h"
#include "model/world.h"

namespace inflight {

// An environment bound on the alphabet: events of one kind (Event's index) applied at most
// `max` times along any path, as a model checker bounds how often a process may start: how
// often the device is brought up, a cpumap entry created. The counts so far are part of a
// search state, so the space under the bound is searched exactly; a verdict names it.
struct EventBudget {
  uint8_t kind;
  uint8_t max;
  friend bool operator==(const EventBudget&, const EventBudget&) = default;
};
inline constexpr size_t kMaxBudgets = 4;
// "kind=N,kind=N" (event kind names, N 0..255, at most kMaxBudgets kinds, each in the
// alphabet); nullopt with *error set on bad input.
std::optional<std::vector<EventBudget>> parse_budgets(std::string_view text,
                                                      const std::vector<Event>& alphabet,
                                                      std::string* error);
std::string format_budgets(const std::vector<EventBudget>& budgets);  // "driver_open 1, ..."

struct ExploreSpec {
  Topology topology;
  BugSet bugs;
  bool driver_faults = false;
  std::string_view driver;  // a registered driver model by name; empty: the topology's
  std::vector<Event> alphabet;
  std::vector<EventBudget> budgets;  // at most kMaxBudgets
  std::vector<Event> prefix;  // applied to the root before the search (its history)
  bool symmetry = true;       // rename pages, mappings and shinfos where symmetry_holds(alphabet)
  // Leave out events that change nothing here (World::changes_nothing), unless bounded by a
  // budget, and events that are here the same transition as their stand-in in the alphabet
  // (World::same_as_stand_in): the same states are reached, by fewer transitions.
  bool skip_unchanging = true;
  int max_depth = 6;
  uint64_t max_states = 2'000'000;
  double max_seconds = 60;
  // Threads expanding each layer (1: this one). The result is the same for any number: the
  // states each worker reaches are merged in the order one thread meets them.
  unsigned threads = 1;
  std::function<bool(const World&)> goal;  // judged after finish(); called from every thread
  // Called after each depth and about every second: depth, states, transitions, seconds.
  std::function<void(int, uint64_t, uint64_t, double)> progress;
};

struct ExploreResult {
  bool found = false;
  std::vector<Event> shortest;  // the counterexample, when found
  int depth_cleared = -1;       // every state up to this depth was judged and misses the goal
  uint64_t states = 0;          // distinct states judged
  uint64_t transitions = 0;     // enabled events applied
  double seconds = 0;
  std::string stopped_by;       // "" (depth), "exhausted" (no new state), "states", "time"
  bool symmetric = false;       // they were renamed (symmetry reduction)
};

// Whether pages, DMA mappings and skb shared infos are interchangeable under an alphabet:
// nothing their slots decide but their identity. No event picks one by slot (an skb is
// picked by its place in the stack's list, which is state). A page's physical (and direct
// DMA) address is its slot's, but the model compares addresses only for equality or
// within one mapping (which lies in one allocation); except the raw DMA client's map,
// unmap and sync, whose offsets and lengths can reach past an order-3 fragment into the
// next slot's range (dma-debug's containing-bucket walk would see what lies there). So:
// true unless the alphabet has one of those three kinds.
bool symmetry_holds(const std::vector<Event>& alphabet);
// A field that chooses among live objects, taken modulo their number (World::pick_modulus):
// "pick", "skb", "to", "from", "buf", "map".
bool is_pick_field(std::string_view field);

ExploreResult explore(const ExploreSpec& spec);

// The alphabet of a fuzz target's family: each kind with default fields, and with `wide`
// each field also varied alone (u8: 1; u16: 64 and 1500; enumerations: every value).
std::vector<Event> family_alphabet(const TargetFamily& family, bool wide);
// The full alphabet of a family in a configuration: every kind with all its fields varied
// together over their domains (kFullDomains): every CPU, device, RX queue, cpumap slot and
// TAP writer of the topology (a netmap bridge member's two queues); picks (of a deferred item, an
// skb, a buffer, a mapping, a pending release...) 0..kFullPicks-1, which covers every live set of
// up to kFullPicks objects; netmap fills 0..nm_slots; lengths, sizes and offsets 0, 64 and 1500;
// every value of an enumeration.
inline constexpr uint32_t kFullPicks = 8;
std::vector<Event> full_alphabet(const TargetFamily& family, const Topology& topology);
// What full_alphabet varies, in words (for verdicts).
std::string full_alphabet_domains(const Topology& topology);
// Adds the events not already present.
void add_events(std::vector<Event>& alphabet, const std::vector<Event>& more);

}  // namespace inflight
