// export/kunit.h
//
// A scenario as a KUnit test of the real kernel (`inflight export --kunit`). The exporter
// runs the scenario in the model, step by step, and writes C of our own: the same steps as
// calls of the kernel's page_pool, XDP memory model and skb API on a kernel-side copy of
// the pp_rx driver and of the stack's skb list, and after every step the state the model
// predicts as KUNIT_EXPECT_*s. Compiled into a kernel tree (ci/kernel.sh), it answers "does
// my kernel do that?": an expectation that fails is a disagreement between the model and
// the kernel, at the step and on the value it names.
//
// What is compared after each step, for every pool the model still has:
// - pages in flight outside the alloc cache and ring: hold - release - alloc.count - ring
//   (the model's slow path allocates 4 pages where the kernel's takes 64,
//   PP_ALLOC_CACHE_REFILL, so the kernel's alloc cache holds more; the pages outside do
//   not depend on the bulk);
// - pages in the ptr_ring, the pool's user count (user_cnt), and whether it was destroyed;
// - that a pool the model frees is freed by the kernel at the same step (no page was
//   outside when page_pool_destroy or the release retry ran);
// - for every page the test holds outside the pool: that it is still a pp page
//   (PP_SIGNATURE), its page refcount and pp_ref_count;
// - which page each allocation returns, once the test has seen that page (a recycled
//   page must come back first from the alloc cache, as the model says);
// - each queue's XDP mem model: registered, type MEM_TYPE_PAGE_POOL (ids are cyclic over
//   the whole kernel's lifetime, 1..0xFFFD, and other tests take them: not compared).
//
// XDP_REDIRECT with one device goes to the veth-like peer (model/net/xdp_frame.h): the
// test converts the buffer to an xdp_frame, keeps it in the peer's ring and returns it at
// the peer's completion (xdp_return_frame, or the bulk API), or at once with
// xdp_return_frame_rx_napi() when the peer is full, as the model says.
//
// Each queue has a real NAPI, its pool's p.napi: a poll, a TX clean or an skb free "in
// NAPI" runs inside that NAPI's poll (scheduled, then polled by net_rx_action), so the
// kernel's own napi-local test decides direct recycling, as in the model.
//
// The frag API and pp_wrap (the counters set to 2^32 - 2 right after page_pool_create)
// are exported; frags go into skbs as in the model.
//
// Linearised: the kernel test runs every step on one CPU, in the context the model gives
// it (softirq as local_bh_disable()), and atomically: the ring-producer and release-count
// windows the model opens inside a step are closed right after it, in the model too
// (pp_producer_unlock and pp_release_count applied at once), so both run the same
// linearised scenario and the trace in the comments is that run's. The scenario's own
// pp_producer_unlock and pp_release_count events then find nothing to do.
// Time: a release retry or an RCU callback the model runs is forced in the
// kernel when the model runs it (flush_delayed_work on the pool's release_dw,
// rcu_barrier()); between them the kernel's own 1 s timer could run a retry earlier, which
// the test, lasting milliseconds, does not give it time to do.
//
// Refused, with the reason (the scenario is not exported): events the kernel test cannot
// reproduce on UML (DMA, device unbind, redirect to the bnxt NIC), the parts not exported
// yet (netmap, TAP, cpumap, driver faults, a failing mem model registration), a driver
// other than the production pp_rx, and where the model's bounds differ from the kernel's:
// an alloc cache refilled from the ring (the bulk above), a model out of pages, a
// registration failing in the model's 7-id mem id space, a coalesce refused for the
// model's 4 frags an skb; and any scenario in which the model reports a finding
// (exporting a finding as the kernel's symptom is not built yet).
// The model runs with no bug variant: Debian's 6.12.117 has none of them (R6's DMA
// tracking is backported there).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "model/core/event.h"

namespace inflight {

struct KunitCase {
  std::string name;     // the C identifier of the test (inflight_<name>)
  std::string source;   // where the scenario came from (a file name), for comments
  std::string code;     // the test function, when exported
  std::string refusal;  // why not, when refused (empty: exported)
  int steps = 0;        // events exported
  int expectations = 0;
};

// Runs `scenario` in the model and writes its test, or says why it cannot.
KunitCase export_kunit_case(const Scenario& scenario, std::string_view name,
                            std::string_view source);
// The whole test file: our helpers, the exported cases, the suite "inflight".
std::string kunit_file(std::span<const KunitCase> cases);
// A C identifier from a file name: [a-z0-9_], not starting with a digit.
std::string kunit_identifier(std::string_view text);

}  // namespace inflight
