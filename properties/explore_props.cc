// properties/explore_props.cc
//
// The explorer leaves out events it can tell, in a state, are a transition it makes
// anyway (explore/explorer.h). Each such claim is a rule of the model, so it is stated
// here over swarm-generated driver-world states, with no variant or with any one variant
// or mutant (the explorer hunts them with the same reductions), for every event of the
// world's full alphabet, and of a wider topology's (CPUs, devices and queues beyond the
// world's, as in a wide alphabet):
// - an event World::changes_nothing names leaves the fingerprint as it is (or is not
//   enabled);
// - an event World::same_as_stand_in names is not enabled, or leads where its stand-in
//   does;
// - where the shortest idle leaves nothing pending, a longer one leads where it does
//   (World::longer_idle).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "explore/explorer.h"
#include "model/core/bugs.h"
#include "model/world.h"
#include "properties/generators.h"

namespace inflight {
namespace {

// Where `event` leads from `world`, or nothing when it is not enabled there.
std::optional<Fingerprint> after(const World& world, const Event& event) {
  World child(world);
  if (!child.apply(event)) return std::nullopt;
  return child.fingerprint();
}

void check_left_out_events(const World& world, const std::vector<Event>& alphabet) {
  const Fingerprint here = world.fingerprint();
  World shortest(world);
  shortest.apply(Idle{0});
  const bool settles = shortest.changes_nothing(Idle{});
  for (const Event& e : alphabet) {
    if (world.changes_nothing(e)) {
      const std::optional<Fingerprint> f = after(world, e);
      if (f && *f != here) RC_FAIL(format_event(e) + " changed the state");
    }
    if (const std::optional<Event> s = world.stand_in(e); s && world.same_as_stand_in(e)) {
      const std::optional<Fingerprint> f = after(world, e);
      if (f && after(world, *s) != f)
        RC_FAIL(format_event(e) + " did not lead where " + format_event(*s) + " does");
    }
    if (settles && World::longer_idle(e) && after(world, e) != shortest.fingerprint())
      RC_FAIL(format_event(e) + " did not lead where idle by=1s does");
  }
}

RC_GTEST_PROP(Explore, EventsLeftOutAreTransitionsMadeAnyway, ()) {
  const Scenario s = *gen::pp_scenario();
  const auto bugs = all_bugs();
  const size_t pick = *rc::gen::inRange<size_t>(0, bugs.size() + 1);  // bugs.size(): none
  const BugSet set = pick < bugs.size() ? BugSet::of(bugs[pick].bug) : BugSet{};
  World world(s.topology, set, false, pick < bugs.size() && bugs[pick].faults);
  // Also events naming CPUs, devices and queues beyond the topology's, each field varied
  // (a wider topology's full alphabet), as a wide alphabet's are.
  const TargetFamily& family = *target_family("world");
  std::vector<Event> alphabet = full_alphabet(family, s.topology);
  Topology wider = s.topology;
  wider.cpus = kMaxCpus, wider.devices = kMaxDevices, wider.rx_queues = 2;
  add_events(alphabet, full_alphabet(family, wider));
  // In the middle of the scenario and at its end.
  const size_t half = s.events.size() / 2;
  for (size_t i = 0; i < s.events.size(); i++) {
    if (i == half) check_left_out_events(world, alphabet);
    world.apply(s.events[i]);
  }
  check_left_out_events(world, alphabet);
}

}  // namespace
}  // namespace inflight
