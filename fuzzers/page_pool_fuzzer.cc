// fuzzers/page_pool_fuzzer.cc
//
// The driver world around page_pool: the topology's driver model opens, polls its RX
// queues (XDP PASS into skbs marked for recycling, DROP, its own page cache), stops and
// is unbound, while the stack frees skbs on any CPU in softirq or process context, ring
// producers sit inside the producer lock, and time drives the deferred release retry.
// Fails on any ground-truth finding: a mapping unmapped twice or after unbind, in-flight
// counts that disagree with the pages really out, a page freed while in flight, a pool
// that never drains. Every byte string is a valid scenario of this target's events.
//
// INFLIGHT_BUGS=<variant> re-introduces a historical bug (model/core/bugs.def);
// INFLIGHT_DRIVER_FAULTS=1 lets the driver break its contract (R5 needs it).
#include "fuzzers/fuzz_support.h"

INFLIGHT_FUZZ_TARGET("page_pool", inflight::ViolationGroup::truth)
