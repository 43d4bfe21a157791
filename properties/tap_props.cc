// properties/tap_props.cc
//
// TAP writes redirected to the bnxt NIC, against the ground truth:
// - the fixed model leaves no finding: every frame is unmapped once with its mapped
//   length, the TX ring and the task_frags give every page back (P1, P11);
// - with R9 every IOMMU WARN comes from a frame whose length is above the boundary the
//   exhaustive search established (explore/boundary.h): random orderings, writers, modes,
//   verdicts and completions never show it for a shorter frame.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "explore/boundary.h"
#include "model/world.h"
#include "properties/generators.h"

namespace inflight {
namespace {

uint32_t warn_boundary() {
  static const uint32_t smallest = [] {
    for (const BoundaryResult& r : search_bnxt_boundary().results)
      if (r.symptom == BoundarySymptom::warn) return r.smallest_any;
    return 0u;
  }();
  return smallest;
}

RC_GTEST_PROP(TapRedirect, TheFixedModelLeavesNoFinding, ()) {
  const Scenario s = *gen::tap_scenario();
  World world(s.topology, BugSet{});
  run_scenario(world, s);
  log_findings(world);
  RC_ASSERT(world.violations().empty());
}

RC_GTEST_PROP(TapRedirect, TheIommuWarnNeedsAFrameAboveTheBoundary, ()) {
  Scenario s = *gen::tap_scenario();
  s.topology.iommu = true;
  s.topology.iommu_pte = IommuPte::large;
  World world(s.topology, BugSet::of(Bug::bnxt_xdp_redirect_unmap_len_zero));
  run_scenario(world, s);
  const uint32_t warns = world.violations().count(Violation::iommu_unmap_mismatch);
  uint32_t longest = 0;  // the longest frame that could reach bnxt_xdp_xmit
  for (const Event& e : s.events)
    if (const auto* w = std::get_if<TunWrite>(&e); w && w->mode == 0 && w->verdict == 0 &&
                                                   w->len <= XdpRedirectTarget::kMaxFrameLen)
      longest = std::max<uint32_t>(longest, w->len);
  RC_TAG(warns > 0 ? "warn" : "no warn");
  RC_ASSERT(warn_boundary() > 0);
  if (warns > 0) RC_ASSERT(longest >= warn_boundary());
}

}  // namespace
}  // namespace inflight
