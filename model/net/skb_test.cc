// skbs and the frag ownership invariant (spec §1.7): coalesce's refusals and steals,
// expand-head of a clone, and the release of shared frags exactly once.
#include "model/net/skb.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/testing.h"
#include "model/world.h"

namespace inflight {
namespace {

using inflight::testing::traced;

std::vector<Event> two_passes() { return {DriverOpen{}, NapiPoll{0, 0}, NapiPoll{0, 0}}; }

TEST(Skb, CoalesceStealsTheFragsOfAnUnclonedSkbAndTheirKindStays) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  w.run(two_passes());
  EXPECT_TRUE(w.apply(SkbCoalesce{0, 1}));
  EXPECT_EQ(w.skbs().held(), 1u);
  EXPECT_TRUE(traced(w, "skb_try_coalesce: skb 1 into skb 0 (stolen)"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());  // both pp references go back through the pool
}

TEST(Skb, CoalesceOfAClonedPpRecycleSkbTakesPpReferences) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  w.run(two_passes());
  w.run(std::vector<Event>{SkbClone{1}, SkbCoalesce{0, 1}});
  EXPECT_TRUE(traced(w, "skb_try_coalesce: skb 1 into skb 0 (new pp refs)"));
  EXPECT_EQ(w.skbs().held(), 2u);  // skb 1 went; its clone keeps the shared shinfo
  // The page of skb 1 is held twice as pp (the clone's shinfo and skb 0's copy), once as a
  // page: the pool's own reference.
  const PageId page = w.skbs().shinfo(w.skbs().held_at(1)).frags[0].page;
  EXPECT_EQ(w.page_pools().info(page).pp_ref_count, 2);
  EXPECT_EQ(w.oracle().page(page).refcount, 1u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Skb, ThePageReferenceMutantIsCaughtWhenTheMergedSkbIsFreed) {
  World w(Topology{}, BugSet::of(Bug::mutant_coalesce_cloned_pp_skb), /*record_trace=*/true);
  w.run(two_passes());
  w.run(std::vector<Event>{SkbClone{1}, SkbCoalesce{0, 1}, SkbFree{0, 0, 1}});
  EXPECT_EQ(w.violations().count(Violation::skb_ref_kind_mismatch), 1u);
}

TEST(Skb, CoalesceRefusesMixingPpRecycleWithPageReferences) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  // skb 0 is cloned and expanded: its private copy holds page references, not pp_recycle.
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbClone{0}, SkbExpandHead{0},
                           NapiPoll{0, 0}, SkbCoalesce{0, 2}});
  EXPECT_TRUE(traced(w, "into skb 0 refused"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Skb, ExpandHeadOfACloneTakesPageReferencesAndClearsPpRecycle) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbClone{0}, SkbExpandHead{1}});
  EXPECT_TRUE(traced(w, "pskb_expand_head: skb 1 gets a private shinfo with page references"));
  // The page now has the pool's reference (held by the shared shinfo) and skb 1's own.
  const PageId page{0, 1};
  EXPECT_EQ(w.oracle().page(page).refcount, 2u);
  // Freeing the expanded skb drops its page reference; the clone's pp reference goes back
  // to the pool with refcount 1 again, so the page is recyclable.
  w.run(std::vector<Event>{SkbFree{0, 1, 1}, SkbFree{0, 0, 1}});
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Skb, SharedFragsAreReleasedOnceByTheLastHolder) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, SkbClone{0}, SkbFree{0, 0, 1}});
  EXPECT_FALSE(traced(w, "napi_pp_put_page"));  // the clone still holds the shinfo
  w.run(std::vector<Event>{SkbFree{0, 0, 1}});
  EXPECT_TRUE(traced(w, "napi_pp_put_page"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

}  // namespace
}  // namespace inflight
