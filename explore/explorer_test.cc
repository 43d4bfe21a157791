// The explorer: shortest counterexamples, equal states merged, bounds that stop cleanly.
#include "explore/explorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <type_traits>

namespace inflight {
namespace {

bool any_finding(const World& w) { return !w.violations().empty(); }

TEST(Explorer, FindsTheShortestScenarioAndClearsEveryShorterOne) {
  ExploreSpec spec;
  spec.bugs = BugSet::of(Bug::xdp_mem_id_leak_on_insert_fail);
  spec.alphabet = family_alphabet(*target_family("xdp"), false);
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.shortest, (std::vector<Event>{XdpMemInsertFail{}, DriverOpen{}}));
  EXPECT_EQ(r.depth_cleared, 1);
}

TEST(Explorer, EqualStatesAreVisitedOnce) {
  // Arming an insert failure and a 1 ms tick commute: either order reaches one state.
  World a(Topology{}, BugSet{});
  World b(Topology{}, BugSet{});
  a.run(std::vector<Event>{XdpMemInsertFail{}, Tick{0}});
  b.run(std::vector<Event>{Tick{0}, XdpMemInsertFail{}});
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  ExploreSpec spec;
  spec.alphabet = {XdpMemInsertFail{}, Tick{0}};
  spec.max_depth = 4;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  // The root and [fail]: with nothing pending, time passing is no new state, and a second
  // insert failure is not enabled while one is armed. So the space is complete at once.
  EXPECT_EQ(r.states, 2u);
  EXPECT_EQ(r.transitions, 1u);  // fail; a tick with nothing waiting is not applied
  EXPECT_EQ(r.stopped_by, "exhausted");
  spec.skip_unchanging = false;
  EXPECT_EQ(explore(spec).transitions, 3u);  // fail and tick from the root, tick from [fail]
}

// Leaving out the events that change nothing (World::changes_nothing) and those that are
// their stand-in's transition (World::same_as_stand_in) reaches exactly the states reached
// with them, depth by depth, and the same verdict. (Debug builds also apply every skipped
// event and check it.)
TEST(Explorer, SkippedEventsLoseNoState) {
  struct Case {
    const char* family;
    uint8_t cpus, pages;
    const char* budgets;
    int depth;
  };
  for (const Case& c :
       {Case{"xdp", 1, 1, "driver_open=1,cpumap_update=1", 100},
        Case{"page_pool", 1, 1, "driver_open=1,driver_reconfigure=0,skb_clone=1", 100},
        Case{"world", 2, 2, "driver_open=1", 3}, Case{"tap_redirect", 1, 2, "", 4},
        Case{"netmap_tx", 1, 2, "", 9}}) {
    SCOPED_TRACE(c.family);
    ExploreSpec spec;
    spec.topology.cpus = c.cpus;
    spec.topology.pages = c.pages;
    spec.alphabet = full_alphabet(*target_family(c.family), spec.topology);
    std::string error;
    if (*c.budgets != '\0') spec.budgets = *parse_budgets(c.budgets, spec.alphabet, &error);
    spec.max_depth = c.depth;
    spec.max_states = 10'000'000;
    spec.max_seconds = 600;
    spec.goal = any_finding;
    const ExploreResult skipping = explore(spec);
    spec.skip_unchanging = false;
    const ExploreResult all = explore(spec);
    EXPECT_EQ(skipping.found, all.found);
    EXPECT_EQ(skipping.states, all.states);
    EXPECT_EQ(skipping.depth_cleared, all.depth_cleared);
    EXPECT_EQ(skipping.stopped_by, all.stopped_by);
    EXPECT_LT(skipping.transitions, all.transitions);
  }
}

// Threads change nothing but the time: the workers' states are merged in the order one
// thread meets them, so the states, the shortest counterexample, the depth and what stopped
// the search are the same; so are the transitions, unless the search ends within a layer
// (a counterexample or the states bound: the workers had expanded the whole block by then).
// Each case's frontier spans several blocks of the merge.
TEST(Explorer, ThreadsChangeNothingButTheTime) {
  struct Case {
    const char* family;
    const char* bugs;
    uint8_t cpus, queues;
    uint16_t ring;
    int depth;
    uint64_t max_states;
  };
  for (const Case& c :
       {Case{"page_pool", "mutant_release_touches_pool_after_count", 1, 1, 4, 9, 10'000'000},
        Case{"world", "", 2, 2, 16, 4, 10'000'000}, Case{"world", "", 2, 2, 16, 9, 30'001}}) {
    SCOPED_TRACE(c.bugs);
    SCOPED_TRACE(c.max_states);
    ExploreSpec spec;
    std::string error;
    spec.bugs = *BugSet::parse(c.bugs, &error);
    spec.topology.cpus = c.cpus;
    spec.topology.rx_queues = c.queues;
    spec.topology.pp_ring_size = c.ring;
    spec.alphabet = full_alphabet(*target_family(c.family), spec.topology);
    spec.max_depth = c.depth;
    spec.max_states = c.max_states;
    spec.max_seconds = 600;
    spec.goal = any_finding;
    const ExploreResult one = explore(spec);
    spec.threads = 2;
    const ExploreResult two = explore(spec);
    EXPECT_GT(one.states, 2 * 4096u);  // more than one block
    EXPECT_EQ(one.found, two.found);
    EXPECT_EQ(one.shortest, two.shortest);
    EXPECT_EQ(one.states, two.states);
    EXPECT_EQ(one.depth_cleared, two.depth_cleared);
    EXPECT_EQ(one.stopped_by, two.stopped_by);
    if (!one.found && one.stopped_by != "states") {
      EXPECT_EQ(one.transitions, two.transitions);
    }
  }
}

// Which of two equal states the search keeps (the first one reached) is not state: equal
// fingerprints must have the same futures. Searched with the alphabet in one order and in
// the other, the same states are reached. (It failed when a handle inside a plain struct,
// a TAP writer's page frag, was hashed by its raw slot under symmetry: two states that
// differ in which writer's page holds the redirected frame were one.)
TEST(Explorer, TheStatesReachedDoNotDependOnTheAlphabetsOrder) {
  ExploreSpec spec;
  spec.alphabet = full_alphabet(*target_family("tap_redirect"), spec.topology);
  spec.max_depth = 5;
  spec.max_states = 10'000'000;
  spec.max_seconds = 600;
  spec.goal = any_finding;
  const ExploreResult forward = explore(spec);
  std::reverse(spec.alphabet.begin(), spec.alphabet.end());
  const ExploreResult backward = explore(spec);
  ASSERT_TRUE(forward.symmetric);
  EXPECT_EQ(forward.states, backward.states);
  EXPECT_EQ(forward.depth_cleared, 5);
}

// The canonical state (model/core/state_hash.h): history that cannot change the future is
// not state; what can is.
TEST(StateHash, TimeAndGenerationsAloneAreNotState) {
  const World fresh(Topology{}, BugSet{});
  World w(Topology{}, BugSet{});
  // A page allocated and freed (its slot's generation moves on), an hour of time.
  w.run(std::vector<Event>{PageAlloc{}, BufFree{}, PageAlloc{}, BufFree{}, Idle{3}, Tick{3}});
  EXPECT_EQ(w.oracle().live_pages(), 0);
  EXPECT_EQ(w.fingerprint(), fresh.fingerprint());
  w.apply(PageAlloc{});
  EXPECT_NE(w.fingerprint(), fresh.fingerprint());
}

// A handle inside a plain struct (whose bytes are all value) is hashed as a handle, by its
// object's name and age, not by its bytes: raw slots would tell renamed objects apart by
// where they lie, or, worse, take two states for one.
TEST(StateHash, AHandleInAPlainStructIsHashedAsAHandle) {
  struct Plain {
    PageId page;
    uint32_t offset;
  };
  static_assert(std::has_unique_object_representations_v<Plain>);
  const auto hash = [](PageId first, Plain then) {
    StateHash h;
    h.rename(HandleKind::page);
    h(first), h(then);
    return h.fingerprint();
  };
  // The same page twice, or two pages: two states whatever the slots.
  EXPECT_NE(hash(PageId{3, 1}, Plain{PageId{5, 1}, 0}), hash(PageId{5, 1}, Plain{PageId{5, 1}, 0}));
  // The same pattern in other slots: one state.
  EXPECT_EQ(hash(PageId{3, 1}, Plain{PageId{5, 1}, 0}), hash(PageId{5, 1}, Plain{PageId{3, 1}, 0}));
}

TEST(StateHash, PendingWorkIsHashedByItsClockRegion) {
  const auto queued = [](uint64_t then_ms) {
    World w(Topology{}, BugSet{});
    w.kernel().queue_delayed_work(Work::mem_id_disconnect_defer_retry, 0, 1000);  // id 0: unused
    w.kernel().advance(then_ms);
    return w.fingerprint();
  };
  // 999 and 900 ms left: both between 1 ms and 1 s, so the same futures.
  EXPECT_EQ(queued(1), queued(100));
  EXPECT_NE(queued(1), queued(0));    // exactly 1 s left: a work queued now is due with it
  EXPECT_NE(queued(1), queued(999));  // exactly 1 ms left: a 1 ms timer is due with it
  EXPECT_NE(queued(1), queued(1000)); // due
}

TEST(StateHash, MemIdsAreHashedByTheirPlaceInTheCycle) {
  // Each open takes the IDA's next XDP mem id (1..7, cyclically); each stop frees it after
  // a grace period. Which ids were taken before is history: where an id lies from the next
  // one handed out is state.
  const auto after_cycles = [](int cycles, std::vector<Event> then) {
    World w(Topology{}, BugSet{});
    for (int i = 0; i < cycles; i++) w.run(std::vector<Event>{DriverOpen{}, DriverStop{}, Idle{0}});
    w.run(then);
    return w.fingerprint();
  };
  EXPECT_EQ(after_cycles(5, {}), after_cycles(1, {}));
  EXPECT_EQ(after_cycles(5, {DriverOpen{}}), after_cycles(1, {DriverOpen{}}));
  EXPECT_EQ(after_cycles(3, {DriverOpen{}, DriverStop{}}),
            after_cycles(1, {DriverOpen{}, DriverStop{}}));
  // An id waiting for its grace period is state; so is whether it is the last one taken.
  EXPECT_NE(after_cycles(1, {DriverOpen{}, DriverStop{}}), after_cycles(1, {}));
  EXPECT_NE(after_cycles(1, {DriverOpen{}, DriverStop{}, DriverOpen{}}),
            after_cycles(1, {DriverOpen{}}));
}

TEST(StateHash, PagesMappingsAndShinfosAreInterchangeable) {
  // Two frames go up the stack as skbs; the stack frees the first or the second. Either way
  // one skb is held and one page is back in the pool: the same state but for which slots
  // hold which page, DMA mapping and skb shared info.
  const auto after = [](std::vector<Event> events, bool symmetric) {
    World w(Topology{}, BugSet{});
    w.run(events);
    return w.fingerprint(symmetric);
  };
  const std::vector<Event> two = {DriverOpen{}, NapiPoll{0, 0}, NapiPoll{0, 0}};
  auto free_first = two, free_second = two;
  free_first.push_back(SkbFree{0, 0, 0});
  free_second.push_back(SkbFree{0, 1, 0});
  EXPECT_EQ(after(free_first, true), after(free_second, true));
  EXPECT_NE(after(free_first, false), after(free_second, false));
  // What is state stays state: the order of the stack's skbs (picks go by it), and what each
  // holds. A plain skb then a frag skb is not a frag skb then a plain one.
  const std::vector<Event> plain_frag = {DriverOpen{}, NapiPoll{0, 0}, NapiPoll{0, 7}};
  const std::vector<Event> frag_plain = {DriverOpen{}, NapiPoll{0, 7}, NapiPoll{0, 0}};
  EXPECT_NE(after(plain_frag, true), after(frag_plain, true));
  EXPECT_NE(after(free_first, true), after({DriverOpen{}, NapiPoll{0, 0}}, true));
}

// Symmetry reduction is sound when states it merges have the same futures: wherever the
// symmetric fingerprint merges two states the plain one tells apart, each event leads
// both to states that are again one (their successors are the same set), and the two
// end with the same findings. Every family whose alphabet lets symmetry hold and merges
// states within a few events: the TAP writers' and the world's too (a TAP writer's page
// frag, a handle inside a plain struct, was once hashed by its raw slot there, and this
// test fails on that hash at depth 2).
TEST(Explorer, StatesMergedBySymmetryHaveTheSameFutures) {
  struct Less {
    bool operator()(const Fingerprint& x, const Fingerprint& y) const {
      return x.a != y.a ? x.a < y.a : x.b < y.b;
    }
  };
  const auto findings = [](World w) {
    w.finish();
    std::set<std::string> keys;
    for (const Finding& f : w.violations().findings()) keys.insert(f.key.str());
    return keys;
  };
  for (const char* family : {"xdp", "page_pool", "tap_redirect", "world"}) {
    SCOPED_TRACE(family);
    Topology t;
    t.pages = 3;
    const std::vector<Event> alphabet = full_alphabet(*target_family(family), t);
    ASSERT_TRUE(symmetry_holds(alphabet));
    const auto successors = [&](const World& w) {
      std::set<Fingerprint, Less> out;
      for (const Event& e : alphabet) {
        World next(w);
        if (next.apply(e)) out.insert(next.fingerprint(true));
      }
      return out;
    };
    std::map<Fingerprint, World, Less> seen;
    std::vector<World> frontier{World(t, BugSet{})};
    int merges = 0;
    for (int depth = 0; depth < 4 && merges < 40; depth++) {
      std::vector<World> next;
      for (const World& parent : frontier) {
        for (const Event& e : alphabet) {
          World child(parent);
          if (!child.apply(e)) continue;
          const auto [it, fresh] = seen.try_emplace(child.fingerprint(true), child);
          if (fresh) {
            next.push_back(child);
            continue;
          }
          if (it->second.fingerprint() == child.fingerprint() || merges >= 40) continue;
          merges++;
          EXPECT_EQ(successors(it->second), successors(child));
          EXPECT_EQ(findings(it->second), findings(child));
        }
      }
      frontier = std::move(next);
    }
    EXPECT_EQ(merges, 40);
  }
}

// An event whose picks are taken modulo n (World::pick_modulus) is the same transition as
// the event with its picks reduced modulo n, so the explorer expands only the latter.
TEST(Explorer, APickBeyondTheLiveObjectsIsItsReducedTwin) {
  for (const char* family : {"xdp", "page_pool", "dma_debug", "netmap_tx", "world"}) {
    SCOPED_TRACE(family);
    Topology t;
    if (std::string_view(family) == "netmap_tx") t.nm_member = NmMember::bridge;
    const std::vector<Event> alphabet = full_alphabet(*target_family(family), t);
    // From the start, and from worlds with several skbs, buffers and mappings to pick from.
    std::vector<World> frontier(3, World(t, BugSet{}));
    frontier[1].run(
        std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, NapiPoll{0, 0}, NapiPoll{0, 0}});
    frontier[2].run(std::vector<Event>{PageAlloc{}, PageAlloc{}, PageAlloc{}, DmaMap{}, DmaMap{}});
    int compared = 0;
    for (int depth = 0; depth < 2; depth++) {
      std::vector<World> next;
      for (const World& w : frontier) {
        for (const Event& e : alphabet) {
          World child(w);
          if (!child.apply(e)) continue;
          if (next.size() < 100) next.push_back(child);
          const uint32_t n = w.pick_modulus(e);
          Event twin = e;
          bool beyond = false;
          for (size_t f = 0; f < event_field_count(e); f++) {
            if (n == 0 || !is_pick_field(event_field(e, f).name)) continue;
            beyond = beyond || event_field_value(e, f) >= n;
            set_event_field(twin, f, event_field_value(e, f) % n);
          }
          if (!beyond) continue;
          World other(w);
          ASSERT_TRUE(other.apply(twin)) << format_event(e);
          EXPECT_EQ(child.fingerprint(), other.fingerprint()) << format_event(e);
          compared++;
        }
      }
      frontier = std::move(next);
    }
    EXPECT_GT(compared, 0);
  }
}

TEST(Explorer, ASmallConfigurationCompletesWhateverItsIrrelevantHistory) {
  ExploreSpec spec;
  spec.topology.nm_member = NmMember::lazy_nic;
  spec.alphabet = family_alphabet(*target_family("netmap_tx"), true);
  spec.max_depth = 100;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  ASSERT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "exhausted");
  EXPECT_GT(r.states, 10u);
  // The same configuration after time passed and a page came and went: the same space.
  spec.prefix = {Tick{3}, PageAlloc{}, BufFree{}, Idle{2}};
  const ExploreResult again = explore(spec);
  EXPECT_EQ(again.stopped_by, "exhausted");
  EXPECT_EQ(again.states, r.states);
  EXPECT_EQ(again.transitions, r.transitions);
}

TEST(Explorer, ABudgetBoundsHowOftenAKindHappensOnAPath) {
  // R1's shortest scenario arms an insert failure and opens the device once.
  ExploreSpec spec;
  spec.bugs = BugSet::of(Bug::xdp_mem_id_leak_on_insert_fail);
  spec.alphabet = family_alphabet(*target_family("xdp"), false);
  spec.goal = any_finding;
  spec.budgets = {{static_cast<uint8_t>(Event{DriverOpen{}}.index()), 1}};
  EXPECT_TRUE(explore(spec).found);
  spec.budgets[0].max = 0;  // never opened: no scenario can show it
  spec.max_depth = 100;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "exhausted");
  // Opens, stops and quiet periods, two opens at most. A state is a world and the opens
  // spent: after one cycle and after two the world is the same (mem ids are hashed from
  // the next one), but only the first may open again. (Counted by the world alone, the
  // states after a second open would merge with those after the first: 7.)
  spec.alphabet = {DriverOpen{}, DriverStop{}, Idle{0}};
  spec.budgets[0].max = 2;
  const ExploreResult cycles = explore(spec);
  EXPECT_EQ(cycles.stopped_by, "exhausted");
  EXPECT_EQ(cycles.states, 9u);
}

TEST(Explorer, PagePoolAndXdpWithOnePageCompleteUnderABudget) {
  ExploreSpec spec;
  spec.topology.pages = 1;
  spec.alphabet = full_alphabet(*target_family("xdp"), spec.topology);
  std::string error;
  spec.budgets = *parse_budgets("driver_open=1,cpumap_update=1", spec.alphabet, &error);
  spec.max_depth = 100;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "exhausted");
  EXPECT_FALSE(parse_budgets("driver_open=1,driver_open=2", spec.alphabet, &error));
  EXPECT_EQ(error, "'driver_open': bounded twice");
  EXPECT_FALSE(parse_budgets("nm_txsync=1", spec.alphabet, &error));
  EXPECT_EQ(error, "'nm_txsync': no event of that kind is in the alphabet");
}

TEST(Explorer, EventsWhoseGuardFailsAreNotExpanded) {
  ExploreSpec spec;
  spec.alphabet = {DriverStop{}, DriverTxClean{0}};  // nothing to stop or clean
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_EQ(r.transitions, 0u);
  EXPECT_EQ(r.stopped_by, "exhausted");
}

TEST(Explorer, TheStateBoundEndsTheSearchWithWhatWasCovered) {
  ExploreSpec spec;
  spec.alphabet = family_alphabet(*target_family("page_pool"), true);
  spec.max_depth = 10;
  spec.max_states = 200;
  spec.goal = any_finding;
  const ExploreResult r = explore(spec);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.stopped_by, "states");
  EXPECT_EQ(r.states, 200u);
  EXPECT_GE(r.depth_cleared, 2);
}

}  // namespace
}  // namespace inflight
