// fuzzers/tap_redirect_fuzzer.cc
//
// TAP writes of any length, mode and verdict from two writer tasks, redirected by XDP to
// the bnxt NIC's ndo_xdp_xmit (two devices in the topology) or sent as skbs through
// generic XDP, with in-order TX completion, teardown, unbind, and the page_pool driver's
// XDP_TX and redirects sharing the NIC.
// Fails on any ground-truth finding. INFLIGHT_BUGS, INFLIGHT_DRIVER and
// INFLIGHT_DRIVER_FAULTS as for every target (fuzzers/fuzz_support.h).
#include "fuzzers/fuzz_support.h"

INFLIGHT_FUZZ_TARGET("tap_redirect", inflight::ViolationGroup::truth)
