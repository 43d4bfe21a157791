// model/mm/page_alloc_test.cc
//
// Unit tests of the page allocator and page_frag (page_alloc.h) and of the oracle's page
// side (oracle.h): reference counts, when a page goes back to the allocator, and that a
// broken reference rule is a finding, never a crash.
#include "model/mm/page_alloc.h"

#include <gtest/gtest.h>

#include <vector>

#include "model/oracle/oracle.h"

namespace inflight {
namespace {

constexpr uint32_t kFragPageBytes = kPageSize << PageAllocator::kFragOrder;  // 32 KiB

class PageAllocTest : public ::testing::Test {
 protected:
  static Topology two_cpus() {
    Topology t;
    t.cpus = 2;
    return t;
  }
  Kernel kernel{two_cpus(), BugSet{}, /*record_trace=*/false};
  Oracle oracle{kernel};
  PageAllocator pages{kernel, oracle};
};

// ---- alloc_pages / get_page / put_page ----

TEST_F(PageAllocTest, AllocPagesReturnsALivePageWithOneReference) {
  const PageId page = pages.alloc_pages(2);
  ASSERT_TRUE(page.valid());
  EXPECT_TRUE(oracle.page_alive(page));
  EXPECT_EQ(oracle.page(page).order, 2);
  EXPECT_EQ(oracle.page(page).refcount, 1u);
  EXPECT_EQ(oracle.live_pages(), 1);
}

TEST_F(PageAllocTest, GetPageAndPutPageMoveTheRefcountAndTheLastPutFrees) {
  const PageId page = pages.alloc_pages(0);
  pages.get_page(page, "driver");
  EXPECT_EQ(oracle.page(page).refcount, 2u);
  pages.put_page(page, "driver");
  EXPECT_TRUE(oracle.page_alive(page));
  EXPECT_EQ(oracle.page(page).refcount, 1u);
  pages.put_page(page, "driver");
  EXPECT_FALSE(oracle.page_alive(page));
  EXPECT_EQ(oracle.live_pages(), 0);
  EXPECT_TRUE(kernel.violations().empty());
}

TEST_F(PageAllocTest, OraclePagePutSaysWhetherItFreedThePage) {
  const PageId page = oracle.page_alloc(1);
  oracle.page_get(page, "driver");
  EXPECT_FALSE(oracle.page_put(page, "driver"));
  EXPECT_TRUE(oracle.page_put(page, "driver"));
  EXPECT_FALSE(oracle.page_put(page, "driver"));  // a double free frees nothing
}

TEST_F(PageAllocTest, PutOfAFreedPageIsADoubleFreeFinding) {
  const PageId page = pages.alloc_pages(0);
  pages.put_page(page, "bnxt_tx_int_xdp");
  pages.put_page(page, "bnxt_tx_int_xdp");
  EXPECT_EQ(kernel.violations().total(), 1u);
  EXPECT_EQ(kernel.violations().count(Violation::double_free), 1u);
  EXPECT_TRUE(
      kernel.violations().has(FindingPattern(Violation::double_free, "bnxt_tx_int_xdp", "")));
  EXPECT_EQ(oracle.live_pages(), 0);
}

TEST_F(PageAllocTest, GetOfAFreedPageIsAUseAfterFreeFinding) {
  const PageId page = pages.alloc_pages(0);
  pages.put_page(page, "driver");
  pages.get_page(page, "driver");
  EXPECT_EQ(kernel.violations().count(Violation::use_after_free), 1u);
  EXPECT_FALSE(oracle.page_alive(page));  // the stale get did not resurrect it
}

TEST_F(PageAllocTest, AStaleHandleNeverTouchesTheNewOccupantOfItsSlot) {
  const PageId old = pages.alloc_pages(0);
  pages.put_page(old, "driver");
  const PageId fresh = pages.alloc_pages(3);
  ASSERT_EQ(fresh.slot, old.slot);  // lowest free slot: the same one
  pages.put_page(old, "driver");
  pages.get_page(old, "driver");
  EXPECT_EQ(kernel.violations().count(Violation::double_free), 1u);
  EXPECT_EQ(kernel.violations().count(Violation::use_after_free), 1u);
  EXPECT_TRUE(oracle.page_alive(fresh));
  EXPECT_EQ(oracle.page(fresh).refcount, 1u);
  EXPECT_EQ(oracle.page(fresh).order, 3);
}

TEST_F(PageAllocTest, AllocPagesFailsWhenEverySlotIsUsed) {
  for (int i = 0; i < kMaxPages; i++) ASSERT_TRUE(pages.alloc_pages(0).valid()) << i;
  EXPECT_FALSE(pages.alloc_pages(0).valid());
  EXPECT_EQ(oracle.live_pages(), kMaxPages);
}

TEST_F(PageAllocTest, AllocationsHaveDisjointPhysicalRanges) {
  const PageId a = pages.alloc_pages(3);
  const PageId b = pages.alloc_pages(3);
  const uint64_t a_end = Oracle::page_phys(a) + (uint64_t{kPageSize} << 3);
  EXPECT_LE(a_end, Oracle::page_phys(b));
  EXPECT_EQ(Oracle::page_phys(a) % kPageSize, 0u);
}

TEST_F(PageAllocTest, FreeingAMappedPageIsAFinding) {
  const PageId page = pages.alloc_pages(0);
  MappingState m;
  m.dma_addr = 0x1000;
  m.size = 256;
  m.phys = Oracle::page_phys(page) + 128;
  m.page = page;
  Verdicts verdicts;
  oracle.mapping_created(m, "driver", verdicts);
  EXPECT_TRUE(verdicts.none());
  pages.put_page(page, "driver");
  EXPECT_EQ(kernel.violations().count(Violation::page_freed_while_mapped), 1u);
}

TEST_F(PageAllocTest, FinalCheckReportsALivePageAsALeak) {
  const PageId kept = pages.alloc_pages(0);
  const PageId freed = pages.alloc_pages(0);
  pages.put_page(freed, "driver");
  oracle.final_check("finish");
  EXPECT_EQ(kernel.violations().count(Violation::page_leak), 1u);
  EXPECT_TRUE(oracle.page_alive(kept));
}

// ---- page_frag ----

TEST_F(PageAllocTest, FragAllocCarvesDownwardFromTheEndOfAnOrderThreePage) {
  const Frag first = pages.page_frag_alloc(0, 100, "tun");
  ASSERT_TRUE(first.page.valid());
  EXPECT_EQ(oracle.page(first.page).order, PageAllocator::kFragOrder);
  EXPECT_EQ(first.offset, kFragPageBytes - 100);
  EXPECT_EQ(first.size, 100u);

  const Frag second = pages.page_frag_alloc(0, 200, "tun");
  EXPECT_EQ(second.page, first.page);
  EXPECT_EQ(second.offset, kFragPageBytes - 300);
  EXPECT_EQ(second.size, 200u);
  // The cache's reference plus one per fragment.
  EXPECT_EQ(oracle.page(first.page).refcount, 3u);
  EXPECT_EQ(oracle.live_pages(), 1);
}

TEST_F(PageAllocTest, FragAllocUsesThePageToItsFirstByte) {
  Frag last;
  for (int i = 0; i < 8; i++) last = pages.page_frag_alloc(0, kPageSize, "tun");
  EXPECT_EQ(last.offset, 0u);
  EXPECT_EQ(oracle.live_pages(), 1);  // eight 4 KiB fragments fit exactly
  EXPECT_EQ(oracle.page(last.page).refcount, 9u);
}

TEST_F(PageAllocTest, FragAllocRefillsWhenTheRequestDoesNotFit) {
  Frag old;
  for (int i = 0; i < 7; i++) old = pages.page_frag_alloc(0, kPageSize, "tun");
  const Frag tail = pages.page_frag_alloc(0, kPageSize - 10, "tun");
  ASSERT_EQ(tail.page, old.page);
  EXPECT_EQ(tail.offset, 10u);

  const Frag fresh = pages.page_frag_alloc(0, 11, "tun");  // 11 > the 10 bytes left
  EXPECT_NE(fresh.page, old.page);
  EXPECT_EQ(fresh.offset, kFragPageBytes - 11);
  EXPECT_EQ(oracle.page(fresh.page).refcount, 2u);
  // The old page lost the cache's reference and keeps one per fragment.
  EXPECT_EQ(oracle.page(old.page).refcount, 8u);
  EXPECT_EQ(oracle.live_pages(), 2);
}

TEST_F(PageAllocTest, FragPageIsFreedOnlyAfterTheCacheMovedOnAndTheLastFragmentWasFreed) {
  std::vector<Frag> frags;
  for (int i = 0; i < 8; i++) frags.push_back(pages.page_frag_alloc(0, kPageSize, "tun"));
  const PageId old = frags[0].page;

  // Every fragment freed while the cache still holds the page: it stays.
  for (int i = 0; i < 7; i++) pages.page_frag_free(frags[static_cast<size_t>(i)], "tun");
  EXPECT_TRUE(oracle.page_alive(old));

  // The cache moves on: one fragment is still out, the page stays.
  const Frag next = pages.page_frag_alloc(0, 1, "tun");
  EXPECT_NE(next.page, old);
  EXPECT_EQ(oracle.page(next.page).refcount, 2u);
  ASSERT_TRUE(oracle.page_alive(old));
  EXPECT_EQ(oracle.page(old).refcount, 1u);

  // The last fragment goes back: now the page does.
  pages.page_frag_free(frags[7], "tun");
  EXPECT_FALSE(oracle.page_alive(old));
  EXPECT_TRUE(oracle.page_alive(next.page));
  EXPECT_TRUE(kernel.violations().empty());
}

TEST_F(PageAllocTest, FragCacheReusesItsPageInPlaceWhenEveryFragmentCameBack) {
  std::vector<Frag> frags;
  for (int i = 0; i < 8; i++) frags.push_back(pages.page_frag_alloc(0, kPageSize, "tun"));
  for (const Frag& f : frags) pages.page_frag_free(f, "tun");
  // The cache holds the only reference: the next request starts again at the top of the
  // same page instead of allocating a new one.
  const Frag again = pages.page_frag_alloc(0, 64, "tun");
  EXPECT_EQ(again.page, frags[0].page);
  EXPECT_EQ(again.offset, kFragPageBytes - 64);
  EXPECT_EQ(oracle.live_pages(), 1);
}

TEST_F(PageAllocTest, FragPageOfAnIdleCacheStaysWhileTheCacheHoldsIt) {
  const Frag frag = pages.page_frag_alloc(0, 64, "tun");
  pages.page_frag_free(frag, "tun");
  ASSERT_TRUE(oracle.page_alive(frag.page));
  EXPECT_EQ(oracle.page(frag.page).refcount, 1u);
  // The next fragment still comes from the same page, below the freed one.
  const Frag again = pages.page_frag_alloc(0, 64, "tun");
  EXPECT_EQ(again.page, frag.page);
  EXPECT_EQ(again.offset, frag.offset - 64);
}

TEST_F(PageAllocTest, FragCachesArePerCpu) {
  const Frag on0 = pages.page_frag_alloc(0, 64, "tun");
  const Frag on1 = pages.page_frag_alloc(1, 64, "tun");
  EXPECT_NE(on0.page, on1.page);
  EXPECT_EQ(on0.offset, on1.offset);
  EXPECT_EQ(oracle.live_pages(), 2);
}

TEST_F(PageAllocTest, AFailedRefillLeavesTheCacheOnItsPage) {
  for (int i = 0; i < 7; i++) pages.page_frag_alloc(0, kPageSize, "tun");
  const Frag tail = pages.page_frag_alloc(0, kPageSize - 96, "tun");  // 96 bytes left
  while (pages.alloc_pages(0).valid()) {
  }
  const int live = oracle.live_pages();

  const Frag failed = pages.page_frag_alloc(0, 200, "tun");
  EXPECT_FALSE(failed.page.valid());
  EXPECT_EQ(oracle.live_pages(), live);
  EXPECT_EQ(oracle.page(tail.page).refcount, 9u);  // the cache kept its reference

  const Frag fits = pages.page_frag_alloc(0, 96, "tun");
  EXPECT_EQ(fits.page, tail.page);
  EXPECT_EQ(fits.offset, 0u);
  EXPECT_TRUE(kernel.violations().empty());
}

TEST_F(PageAllocTest, DrainFragCachesDropsOnlyTheCachesReferences) {
  const Frag frag = pages.page_frag_alloc(0, 64, "tun");
  const Frag idle = pages.page_frag_alloc(1, 64, "tun");
  pages.page_frag_free(idle, "tun");
  pages.drain_frag_caches("teardown");
  EXPECT_FALSE(oracle.page_alive(idle.page));  // no fragment out: freed at drain
  ASSERT_TRUE(oracle.page_alive(frag.page));   // one fragment out: it holds the page
  EXPECT_EQ(oracle.page(frag.page).refcount, 1u);
  pages.page_frag_free(frag, "tun");
  EXPECT_EQ(oracle.live_pages(), 0);
  EXPECT_TRUE(kernel.violations().empty());
}

TEST_F(PageAllocTest, DrainingTwiceDropsTheCachesReferencesOnce) {
  const Frag frag = pages.page_frag_alloc(0, 64, "tun");
  pages.drain_frag_caches("teardown");
  pages.drain_frag_caches("teardown");
  EXPECT_TRUE(kernel.violations().empty());
  EXPECT_TRUE(oracle.page_alive(frag.page));
}

TEST_F(PageAllocTest, FragAllocAfterADrainRefillsAFreshPage) {
  const Frag before = pages.page_frag_alloc(0, 64, "tun");
  pages.page_frag_free(before, "tun");
  pages.drain_frag_caches("teardown");
  EXPECT_EQ(oracle.live_pages(), 0);
  const Frag after = pages.page_frag_alloc(0, 64, "tun");
  ASSERT_TRUE(after.page.valid());
  EXPECT_NE(after.page, before.page);  // same slot, new generation
  EXPECT_EQ(after.offset, kFragPageBytes - 64);
  EXPECT_EQ(oracle.page(after.page).refcount, 2u);
}

}  // namespace
}  // namespace inflight
