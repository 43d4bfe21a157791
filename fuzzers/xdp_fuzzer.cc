// fuzzers/xdp_fuzzer.cc
//
// The XDP memory model (rxq registration, mem ids, insert failures), the xdp_return
// paths and their eras, XDP_REDIRECT to a peer and into cpumap entries whose kthreads build
// skbs, with time and deferred work driving the shutdowns.
// Fails on any ground-truth finding. INFLIGHT_BUGS, INFLIGHT_DRIVER and
// INFLIGHT_DRIVER_FAULTS as for every target (fuzzers/fuzz_support.h).
#include "fuzzers/fuzz_support.h"

INFLIGHT_FUZZ_TARGET("xdp", inflight::ViolationGroup::truth)
