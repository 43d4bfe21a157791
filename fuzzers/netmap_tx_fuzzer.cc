// fuzzers/netmap_tx_fuzzer.cc
//
// netmap's emulated adapter TX on every port version and member the topology names:
// userspace txsyncs of any fill, the member's frees per queue, indefinite holds (bounded by
// nm_holds), chains and demotions, unregister, and time for the callout; World::finish
// runs the liveness phase.
// Fails on any ground-truth finding not listed in INFLIGHT_KNOWN
// (corpus/netmap_tx/known_findings.txt: the Linux port without its qdisc stalls, by
// design, docs/findings.md). INFLIGHT_BUGS as for every target (fuzzers/fuzz_support.h).
#include "fuzzers/fuzz_support.h"

INFLIGHT_FUZZ_TARGET("netmap_tx", inflight::ViolationGroup::truth)
