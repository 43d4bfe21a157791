// model/dma/iommu_test.cc
//
// Unit tests of the strict-mode IOMMU behind dma-iommu (iommu.h): how much IOVA a map
// takes, what __iommu_dma_unmap() really unmaps for a given size, the 4K versus
// large-PTE difference behind the bnxt report (spec §5.4), domain teardown and
// exhaustion.
#include "model/dma/iommu.h"

#include <gtest/gtest.h>

#include "model/oracle/oracle.h"

namespace inflight {
namespace {

constexpr uint64_t kPhys = 0x100000;  // a page-aligned CPU physical address

Topology with_pte(IommuPte pte) {
  Topology t;
  t.iommu = true;
  t.iommu_pte = pte;
  t.devices = 2;
  return t;
}

class IommuTest : public ::testing::Test {
 protected:
  Kernel kernel{with_pte(IommuPte::pte_4k), BugSet{}, /*record_trace=*/false};
  Iommu iommu{kernel};
};

class LargePteIommuTest : public ::testing::Test {
 protected:
  Kernel kernel{with_pte(IommuPte::large), BugSet{}, /*record_trace=*/false};
  Iommu iommu{kernel};
};

// ---- map ----

TEST_F(IommuTest, MapAllocatesIovaForSizePlusInPageOffsetAndKeepsTheOffset) {
  const uint64_t addr = iommu.map(0, kPhys + 0x80, 0x1000);
  EXPECT_EQ(addr, Iommu::kIovaBase + 0x80);
  // 0x80 + 0x1000 spans two IOVA pages.
  EXPECT_TRUE(iommu.iova_allocated(0, 0));
  EXPECT_TRUE(iommu.iova_allocated(0, 1));
  EXPECT_TRUE(iommu.pte_mapped(0, 0));
  EXPECT_TRUE(iommu.pte_mapped(0, 1));
  EXPECT_FALSE(iommu.iova_allocated(0, 2));
  EXPECT_FALSE(iommu.pte_mapped(0, 2));
}

TEST_F(IommuTest, AMapWithinOnePageTakesOnePage) {
  const uint64_t addr = iommu.map(0, kPhys + 0xf00, 0x100);
  EXPECT_EQ(addr, Iommu::kIovaBase + 0xf00);
  EXPECT_TRUE(iommu.pte_mapped(0, 0));
  EXPECT_FALSE(iommu.iova_allocated(0, 1));
}

TEST_F(IommuTest, MapsAreAllocatedLowestFirst) {
  const uint64_t a = iommu.map(0, kPhys, 0x2000);
  const uint64_t b = iommu.map(0, kPhys + 0x10, 0x10);
  EXPECT_EQ(a, Iommu::iova_page_addr(0));
  EXPECT_EQ(b, Iommu::iova_page_addr(2) + 0x10);
  iommu.unmap(0, a, 0x2000);
  const uint64_t c = iommu.map(0, kPhys, 0x1000);
  EXPECT_EQ(c, Iommu::iova_page_addr(0));  // the first hole that fits
  const uint64_t d = iommu.map(0, kPhys, 0x2000);
  EXPECT_EQ(d, Iommu::iova_page_addr(3));  // page 1 alone is too small
}

TEST_F(IommuTest, DomainsArePerDevice) {
  const uint64_t a = iommu.map(0, kPhys, 0x1000);
  const uint64_t b = iommu.map(1, kPhys, 0x1000);
  EXPECT_EQ(a, b);
  iommu.unmap(0, a, 0x1000);
  EXPECT_FALSE(iommu.pte_mapped(0, 0));
  EXPECT_TRUE(iommu.pte_mapped(1, 0));
}

TEST(Iommu, IovaPageOfMapsTheWindowAndRejectsTheRest) {
  EXPECT_EQ(Iommu::iova_page_of(Iommu::kIovaBase), 0);
  EXPECT_EQ(Iommu::iova_page_of(Iommu::kIovaBase + 0x1fff), 1);
  EXPECT_EQ(Iommu::iova_page_of(Iommu::iova_page_addr(kIovaPages - 1) + 5), kIovaPages - 1);
  EXPECT_EQ(Iommu::iova_page_of(Iommu::iova_page_addr(kIovaPages)), -1);
  EXPECT_EQ(Iommu::iova_page_of(Iommu::kIovaBase - 1), -1);
  EXPECT_EQ(Iommu::iova_page_of(kDmaMappingError), -1);
}

// ---- unmap ----

TEST_F(IommuTest, UnmapOfTheMappedSizeUnmapsAndFreesEveryPage) {
  const uint64_t addr = iommu.map(0, kPhys + 0x80, 0x1000);
  const Iommu::UnmapResult r = iommu.unmap(0, addr, 0x1000);
  EXPECT_EQ(r.size, 0x2000u);
  EXPECT_EQ(r.unmapped, 0x2000u);
  for (int page = 0; page < 2; page++) {
    EXPECT_FALSE(iommu.pte_mapped(0, page)) << page;
    EXPECT_FALSE(iommu.iova_allocated(0, page)) << page;
  }
}

TEST_F(IommuTest, UnmapWithSizeZeroAndANonZeroOffsetUnmapsOnePage) {
  const uint64_t addr = iommu.map(0, kPhys + 0x40, 0x100);
  const Iommu::UnmapResult r = iommu.unmap(0, addr, 0);
  EXPECT_EQ(r.size, 0x1000u);  // iova_align(0 + 0x40)
  EXPECT_EQ(r.unmapped, 0x1000u);
  EXPECT_FALSE(iommu.pte_mapped(0, 0));
  EXPECT_FALSE(iommu.iova_allocated(0, 0));
}

TEST_F(IommuTest, UnmapWithSizeZeroAtAPageBoundaryUnmapsNothing) {
  const uint64_t addr = iommu.map(0, kPhys, 0x100);
  const Iommu::UnmapResult r = iommu.unmap(0, addr, 0);
  EXPECT_EQ(r.size, 0u);
  EXPECT_EQ(r.unmapped, 0u);
  EXPECT_TRUE(iommu.pte_mapped(0, 0));
  EXPECT_TRUE(iommu.iova_allocated(0, 0));
}

TEST_F(IommuTest, ACrossingMapUnmappedWithSizeZeroLeavesItsSecondPageWith4kPtes) {
  // 0xf00 + 0x200 crosses into the second IOVA page.
  const uint64_t addr = iommu.map(0, kPhys + 0xf00, 0x200);
  ASSERT_TRUE(iommu.pte_mapped(0, 1));
  const Iommu::UnmapResult r = iommu.unmap(0, addr, 0);
  EXPECT_EQ(r.size, 0x1000u);
  EXPECT_EQ(r.unmapped, r.size);  // no WARN: the page tables did what was asked
  EXPECT_FALSE(iommu.pte_mapped(0, 0));
  EXPECT_FALSE(iommu.iova_allocated(0, 0));
  // The second page stays mapped and its IOVA allocated: a leak, not a mismatch.
  EXPECT_TRUE(iommu.pte_mapped(0, 1));
  EXPECT_TRUE(iommu.iova_allocated(0, 1));
}

TEST_F(LargePteIommuTest, ACrossingMapUnmappedWithSizeZeroUnmapsTheWholeBlockWithLargePtes) {
  const uint64_t addr = iommu.map(0, kPhys + 0xf00, 0x200);
  const Iommu::UnmapResult r = iommu.unmap(0, addr, 0);
  EXPECT_EQ(r.size, 0x1000u);
  EXPECT_EQ(r.unmapped, 0x2000u);  // WARN_ON(unmapped != size) fires in the kernel
  EXPECT_FALSE(iommu.pte_mapped(0, 0));
  EXPECT_FALSE(iommu.pte_mapped(0, 1));
  // Only the IOVA of the size asked for goes back.
  EXPECT_FALSE(iommu.iova_allocated(0, 0));
  EXPECT_TRUE(iommu.iova_allocated(0, 1));
}

TEST_F(LargePteIommuTest, AnExactUnmapWithLargePtesUnmapsWhatWasAsked) {
  const uint64_t addr = iommu.map(0, kPhys + 0xf00, 0x200);
  const Iommu::UnmapResult r = iommu.unmap(0, addr, 0x200);
  EXPECT_EQ(r.size, 0x2000u);
  EXPECT_EQ(r.unmapped, 0x2000u);
  EXPECT_FALSE(iommu.iova_allocated(0, 1));
}

TEST_F(LargePteIommuTest, UnmappingOneBlockLeavesItsNeighbourMapped) {
  const uint64_t a = iommu.map(0, kPhys, 0x2000);
  const uint64_t b = iommu.map(0, kPhys, 0x2000);
  ASSERT_EQ(b, Iommu::iova_page_addr(2));
  const Iommu::UnmapResult r = iommu.unmap(0, a, 0x2000);
  EXPECT_EQ(r.unmapped, 0x2000u);
  EXPECT_TRUE(iommu.pte_mapped(0, 2));
  EXPECT_TRUE(iommu.pte_mapped(0, 3));
}

TEST_F(IommuTest, UnmapOfAnUnmappedAddressUnmapsNothing) {
  const uint64_t addr = iommu.map(0, kPhys, 0x1000);
  iommu.unmap(0, addr, 0x1000);
  const Iommu::UnmapResult twice = iommu.unmap(0, addr, 0x1000);
  EXPECT_EQ(twice.size, 0x1000u);
  EXPECT_EQ(twice.unmapped, 0u);
  const Iommu::UnmapResult outside = iommu.unmap(0, 0x1000, 0x1000);
  EXPECT_EQ(outside.unmapped, 0u);
}

TEST_F(IommuTest, AnUnmapLongerThanTheMapStopsAtTheHole) {
  const uint64_t addr = iommu.map(0, kPhys, 0x1000);
  const Iommu::UnmapResult r = iommu.unmap(0, addr, 0x3000);
  EXPECT_EQ(r.size, 0x3000u);
  EXPECT_EQ(r.unmapped, 0x1000u);
}

TEST_F(IommuTest, AnUnmapStopsAtTheFirstHoleAndLeavesWhatFollowsMapped) {
  const uint64_t a = iommu.map(0, kPhys, 0x1000);
  const uint64_t b = iommu.map(0, kPhys, 0x1000);
  iommu.map(0, kPhys, 0x1000);
  iommu.unmap(0, b, 0x1000);  // page 1 is now a hole
  const Iommu::UnmapResult r = iommu.unmap(0, a, 0x3000);
  EXPECT_EQ(r.unmapped, 0x1000u);
  EXPECT_TRUE(iommu.pte_mapped(0, 2));  // as iommu_unmap(): nothing past the hole
}

// ---- teardown and exhaustion ----

TEST_F(IommuTest, DomainFreeClearsEveryPteAndIovaOfItsDevice) {
  iommu.map(0, kPhys, 0x3000);
  iommu.map(0, kPhys + 0xf00, 0x200);
  iommu.map(1, kPhys, 0x1000);
  iommu.domain_free(0);
  for (int page = 0; page < kIovaPages; page++) {
    EXPECT_FALSE(iommu.pte_mapped(0, page)) << page;
    EXPECT_FALSE(iommu.iova_allocated(0, page)) << page;
  }
  EXPECT_TRUE(iommu.pte_mapped(1, 0));
  EXPECT_EQ(iommu.map(0, kPhys, 0x1000), Iommu::iova_page_addr(0));
}

TEST_F(IommuTest, ExhaustionReturnsDmaMappingError) {
  for (int i = 0; i < kIovaPages; i++)
    ASSERT_EQ(iommu.map(0, kPhys, kPageSize), Iommu::iova_page_addr(i)) << i;
  EXPECT_EQ(iommu.map(0, kPhys, 1), kDmaMappingError);
  EXPECT_EQ(kDmaMappingError, ~0ull);
  // The other device's domain is untouched.
  EXPECT_EQ(iommu.map(1, kPhys, 1), Iommu::iova_page_addr(0));
}

TEST_F(IommuTest, AMapLargerThanTheWindowFails) {
  const uint32_t too_big = kPageSize * static_cast<uint32_t>(kIovaPages) + 1;
  EXPECT_EQ(iommu.map(0, kPhys, too_big), kDmaMappingError);
  EXPECT_FALSE(iommu.iova_allocated(0, 0));
  // The whole window is fine.
  EXPECT_EQ(iommu.map(0, kPhys, too_big - 1), Iommu::kIovaBase);
}

TEST_F(IommuTest, AFragmentedWindowFailsALargeMapButServesASmallOne) {
  for (int i = 0; i < kIovaPages; i++) iommu.map(0, kPhys, kPageSize);
  iommu.unmap(0, Iommu::iova_page_addr(5), kPageSize);
  iommu.unmap(0, Iommu::iova_page_addr(7), kPageSize);
  EXPECT_EQ(iommu.map(0, kPhys, 2 * kPageSize), kDmaMappingError);
  EXPECT_EQ(iommu.map(0, kPhys, kPageSize), Iommu::iova_page_addr(5));
}

}  // namespace
}  // namespace inflight
