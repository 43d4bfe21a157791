// properties/codec_props.cc
//
// The codecs are exact inverses, every byte string is a scenario, and a scenario runs to
// the same trace every time (determinism, which replay and shrinking rely on), also from a
// world copied half way (World's copy, which the explorer expands states from).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "model/world.h"
#include "properties/generators.h"

namespace inflight {
namespace {

RC_GTEST_PROP(Codec, BinaryRoundTrip, ()) {
  Scenario s = *rc::gen::oneOf(gen::dma_scenario(), gen::pp_scenario());
  // The generators leave memory unlimited (pages=32); the codec carries any limit.
  s.topology.pages = *rc::gen::inRange<uint8_t>(1, kMaxPages + 1);
  const std::vector<uint8_t> bytes = encode_binary(s);
  RC_ASSERT(bytes.size() == kHeaderBytes + s.events.size() * kRecordBytes);
  RC_ASSERT(decode_binary(bytes) == s);
}

RC_GTEST_PROP(Codec, TextRoundTrip, ()) {
  const Scenario s = *rc::gen::oneOf(gen::dma_scenario(), gen::pp_scenario());
  TextError error;
  const std::optional<Scenario> back = decode_text(encode_text(s), &error);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == s);
}

RC_GTEST_PROP(Codec, BytesDecodeToValidScenarios, (const std::vector<uint8_t>& bytes)) {
  const Scenario s = decode_binary(bytes);
  const size_t records = bytes.size() > kHeaderBytes ? (bytes.size() - kHeaderBytes) / kRecordBytes : 0;
  RC_ASSERT(s.events.size() == records);
  // Normalized on the way in, so re-encoding is a fixed point.
  RC_ASSERT(decode_binary(encode_binary(s)) == s);
  World world(s.topology, BugSet{});
  run_scenario(world, s);  // no MODEL_ASSERT fires on any input
}

RC_GTEST_PROP(Determinism, SameScenarioSameTrace, ()) {
  const Scenario s = *rc::gen::oneOf(gen::dma_scenario(), gen::pp_scenario());
  World a(s.topology, BugSet{}, true), b(s.topology, BugSet{}, true);
  run_scenario(a, s);
  run_scenario(b, s);
  RC_ASSERT(a.trace() == b.trace());
  RC_ASSERT(a.violations().total() == b.violations().total());
}

// A world copied (or assigned) at any step goes on exactly as the original: the same trace,
// findings and state. A component that kept a link into the world it was copied from
// would change the original instead, and the two would part.
RC_GTEST_PROP(Determinism, ACopiedWorldGoesOnAsTheOriginal, ()) {
  const Scenario s = *rc::gen::oneOf(gen::dma_scenario(), gen::pp_scenario(),
                                     gen::netmap_scenario(), gen::tap_scenario());
  const size_t split = *rc::gen::inRange<size_t>(0, s.events.size() + 1);
  const BugSet bugs = *rc::gen::element(BugSet{}, BugSet::of(Bug::xdp_early_allocator_removal));
  World original(s.topology, bugs, true);
  for (size_t i = 0; i < split; i++) original.apply(s.events[i]);
  World copy(original);
  World assigned(s.topology, bugs, true);
  assigned.apply(Tick{});  // some state of its own, which the assignment replaces
  assigned = original;
  RC_ASSERT(copy.state_hash() == original.state_hash());
  for (World* w : {&original, &copy, &assigned}) {
    for (size_t i = split; i < s.events.size(); i++) w->apply(s.events[i]);
    w->finish();
  }
  RC_ASSERT(copy.trace() == original.trace());
  RC_ASSERT(assigned.trace() == original.trace());
  RC_ASSERT(copy.state_hash() == original.state_hash());
  RC_ASSERT(assigned.violations().total() == original.violations().total());
}

// An event whose guard does not hold changes nothing the state hash sees: the explorer
// goes on from the same copy after a skipped event, and a skip is what the trace says.
RC_GTEST_PROP(Determinism, ASkippedEventChangesNothing, ()) {
  const Scenario s = *rc::gen::oneOf(gen::dma_scenario(), gen::pp_scenario(),
                                     gen::netmap_scenario(), gen::tap_scenario());
  World world(s.topology, BugSet{});
  for (const Event& e : s.events) {
    const Fingerprint before = world.fingerprint();
    if (!world.apply(e)) RC_ASSERT(world.fingerprint() == before);
  }
}

// A traced world runs every page_pool release retry as deferred work; an untraced one
// counts a destroyed pool's idle retries at once (World::skip_idle_retries). Both end in
// the same state, time, coverage and findings, to the message, under the variants that
// change what a retry does.
RC_GTEST_PROP(Determinism, SkippedIdleRetriesEndWhereRunOnesDo, ()) {
  const Scenario s = *rc::gen::oneOf(gen::pp_scenario(), gen::tap_scenario());
  // Variants that change what a retry does, and one that leaves pools stuck at the end
  // (their retries then run until finish()'s bounds).
  const BugSet bugs =
      *rc::gen::element(BugSet{}, BugSet::of(Bug::page_pool_negative_inflight_retry_forever),
                        BugSet::of(Bug::page_pool_unmap_after_unbind),
                        BugSet::of(Bug::mutant_release_skips_producer_barrier),
                        BugSet::of(Bug::driver_destroy_before_cache_drain));
  const bool faults = *rc::gen::arbitrary<bool>();  // a driver's double put leaves pages out
  World traced(s.topology, bugs, true, faults), quiet(s.topology, bugs, false, faults);
  for (World* w : {&traced, &quiet}) run_scenario(*w, s);
  RC_ASSERT(quiet.fingerprint() == traced.fingerprint());
  RC_ASSERT(quiet.kernel().now_ms() == traced.kernel().now_ms());
  RC_ASSERT(quiet.kernel().coverage() == traced.kernel().coverage());
  const auto findings = [](const World& w) {
    std::vector<std::string> out;
    for (const Finding& f : w.violations().findings())
      out.push_back(fmt::format("{} {} {}", f.key.str(), f.step, f.message));
    return out;
  };
  RC_ASSERT(findings(quiet) == findings(traced));
}

}  // namespace
}  // namespace inflight
