// fuzzers/world_fuzzer.cc
//
// The whole driver world at once: every driver-side event (polls with every verdict,
// skbs on any CPU, producers inside the ring lock, XDP_TX, reconfiguration, redirect, cpumap,
// the mem model, stop, unbind, time) against the ground truth.
// Fails on any ground-truth finding. INFLIGHT_BUGS, INFLIGHT_DRIVER and
// INFLIGHT_DRIVER_FAULTS as for every target (fuzzers/fuzz_support.h).
#include "fuzzers/fuzz_support.h"

INFLIGHT_FUZZ_TARGET("world", inflight::ViolationGroup::truth)
