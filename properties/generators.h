// properties/generators.h
//
// RapidCheck generators of scenarios over the shared event vocabulary. Values are drawn
// from small sets that make collisions likely (the same buffer, the same first
// cacheline, the same mapping picked twice) mixed with arbitrary values. Swarm testing:
// each scenario enables a random subset of event kinds, so rare orderings get room.
// Vectors shrink by dropping any event, so failures shrink to the minimal ordering.
#pragma once

#include <rapidcheck.h>

#include <bitset>
#include <ostream>
#include <vector>

#include "model/core/codec.h"
#include "model/core/event.h"
#include "model/world.h"

namespace inflight {
// RapidCheck prints counterexamples as `.trace` text, ready for `inflight replay`.
inline void showValue(const Scenario& s, std::ostream& os) { os << "\n" << encode_text(s); }
inline void showValue(const Topology& t, std::ostream& os) { os << format_topology(t); }
inline void showValue(const Event& e, std::ostream& os) { os << format_event(e); }

// A property that fails prints the findings it caught, key and message, with the
// counterexample.
inline void log_findings(const World& world) {
  for (const Finding& f : world.violations().findings())
    RC_LOG() << f.key.str() << ": " << f.message << "\n";
}
}  // namespace inflight

namespace inflight::gen {

rc::Gen<Topology> topology();
rc::Gen<Event> event_of_kind(size_t kind);
// Scenarios whose events come from a swarm (a random subset of the family's kinds):
// raw DMA API use (the dma-debug differential), or the driver/page_pool world.
rc::Gen<Scenario> dma_scenario();
rc::Gen<Scenario> pp_scenario();
// netmap's emulated adapter TX (the netmap_tx family).
rc::Gen<Scenario> netmap_scenario();
// TAP writes redirected to the bnxt NIC (the tap_redirect family; two devices).
rc::Gen<Scenario> tap_scenario();

}  // namespace inflight::gen
