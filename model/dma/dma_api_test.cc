// The DMA layer end to end: the ground truth's verdicts, the IOMMU's behaviour in strict
// mode, and the differential against dma-debug, driven through World like every front end.
#include "model/dma/dma_api.h"

#include <gtest/gtest.h>

#include "model/world.h"

namespace inflight {
namespace {

Topology topo(bool iommu, bool differential = true) {
  Topology t;
  t.iommu = iommu;
  t.differential = differential;
  return t;
}

uint32_t count(const World& w, Violation v) { return w.violations().count(v); }

// page_alloc, map [offset, +len) of buffer 0, check the mapping error.
std::vector<Event> map_checked(uint16_t offset, uint16_t len, uint8_t dir = 1) {
  return {PageAlloc{0, 1}, DmaMap{0, 0, 0, offset, len, dir, 0, 0}, DmaMappingError{0, 0}};
}

TEST(DmaApi, CorrectUseIsCleanWithAndWithoutAnIommu) {
  for (const bool iommu : {false, true}) {
    World w(topo(iommu), BugSet{});
    std::vector<Event> events = map_checked(100, 5000);
    events.push_back(DmaSync{0, 0, 0, 0, 100, 0});
    events.push_back(DmaUnmap{0, 0, 0, 0, 0});
    events.push_back(BufFree{0, 0});
    w.run(events);
    w.finish();
    EXPECT_TRUE(w.violations().empty()) << "iommu=" << iommu << ": " << w.violations().findings()[0].message;
  }
}

TEST(DmaApi, ZeroLengthUnmapOfABoundaryCrossingMappingLeavesAnIovaPage) {
  World w(topo(true), BugSet{});
  std::vector<Event> events = map_checked(4000, 200);  // [4000, 4200) crosses 4 KiB
  events.push_back(DmaUnmap{0, 0, 1, 0, 0});           // size=zero
  w.run(events);
  w.finish();
  EXPECT_EQ(count(w, Violation::dma_unmap_wrong_size), 1u);
  EXPECT_EQ(count(w, Violation::iova_leak), 1u);
  EXPECT_EQ(count(w, Violation::iommu_unmap_mismatch), 0u);  // 4K PTEs: silent
  EXPECT_EQ(count(w, Violation::dma_debug_false_negative), 0u);  // "different size"
}

TEST(DmaApi, LargePtesUnmapTheWholeBlockAndWarn) {
  Topology t = topo(true);
  t.iommu_pte = IommuPte::large;
  World w(t, BugSet{});
  std::vector<Event> events = map_checked(4000, 200);
  events.push_back(DmaUnmap{0, 0, 1, 0, 0});
  w.run(events);
  w.finish();
  EXPECT_EQ(count(w, Violation::iommu_unmap_mismatch), 1u);
  EXPECT_EQ(count(w, Violation::iova_leak), 1u);  // the PTEs are gone, the IOVA is not
}

TEST(DmaApi, UnmapAfterUnbindIsFoundAndTheLeakReportedAtUnbind) {
  World w(topo(true), BugSet{});
  std::vector<Event> events = map_checked(0, 64);
  events.push_back(DeviceUnbind{0});
  events.push_back(DmaUnmap{0, 0, 0, 0, 0});
  w.run(events);
  w.finish();
  EXPECT_EQ(count(w, Violation::dma_mapping_leak), 1u);
  EXPECT_EQ(count(w, Violation::dma_after_unbind), 1u);
  EXPECT_EQ(count(w, Violation::dma_debug_false_negative), 0u);  // "pending DMA allocations"
}

TEST(DmaApi, DoubleUnmapHiddenByASecondMappingOfTheSameAddressIsAFalseNegative) {
  World w(topo(false), BugSet{});
  w.run(std::vector<Event>{PageAlloc{0, 0}, DmaMap{0, 0, 0, 0, 64, 1, 0, 0}, DmaMappingError{0, 0},
                           DmaMap{0, 0, 0, 0, 64, 1, 0, 0}, DmaMappingError{0, 1},
                           DmaUnmap{0, 0, 0, 0, 0}, DmaUnmap{0, 0, 0, 0, 0}});
  EXPECT_EQ(count(w, Violation::dma_double_unmap), 1u);
  EXPECT_TRUE(w.violations().has(
      FindingPattern(Violation::dma_debug_false_negative, "",
                     "dma_double_unmap with another mapping at the same address")));
}

TEST(DmaApi, OverlapWhereBothMappingsSyncIsAHazardThatDmaDebugReports) {
  Topology t = topo(false);
  t.arch = Arch::arm64;
  t.devices = 2;
  World w(t, BugSet{});
  w.run(std::vector<Event>{PageAlloc{0, 0}, DmaMap{0, 0, 0, 0, 64, 2, 0, 0},
                           DmaMap{0, 1, 0, 0, 64, 2, 0, 0}});
  EXPECT_EQ(count(w, Violation::cacheline_overlap), 1u);
  EXPECT_EQ(w.dma().dma_debug().error_count(), 1u);
  EXPECT_EQ(count(w, Violation::dma_debug_false_positive), 0u);
  EXPECT_EQ(count(w, Violation::dma_debug_false_negative), 0u);
}

TEST(DmaApi, OverlapOutsideTheFirstCachelineIsMissedByDmaDebug) {
  Topology t = topo(false);
  t.arch = Arch::arm64;
  World w(t, BugSet{});
  // [0, 256) and [128, 256): the second's first cacheline is the first's third.
  w.run(std::vector<Event>{PageAlloc{0, 0}, DmaMap{0, 0, 0, 0, 256, 2, 0, 0},
                           DmaMap{0, 0, 0, 128, 128, 2, 0, 0}});
  EXPECT_EQ(count(w, Violation::cacheline_overlap), 1u);
  EXPECT_TRUE(w.violations().has(
      FindingPattern(Violation::dma_debug_false_negative, "", "*not the first cacheline*")));
}

TEST(DmaApi, DifferentialOffReportsOnlyTheGroundTruth) {
  World w(topo(false, /*differential=*/false), BugSet{});
  w.run(std::vector<Event>{PageAlloc{0, 0}, DmaMap{0, 0, 0, 0, 64, 1, 0, 0}, DmaMappingError{0, 0},
                           DmaMap{0, 0, 0, 0, 64, 1, 0, 0}, DmaMappingError{0, 1},
                           DmaUnmap{0, 0, 0, 0, 0}, DmaUnmap{0, 0, 0, 0, 0}});
  EXPECT_EQ(count(w, Violation::dma_double_unmap), 1u);
  EXPECT_EQ(w.violations().count(ViolationGroup::dma_debug), 0u);
}

TEST(DmaApi, FreeingAMappedPageIsFound) {
  World w(topo(false), BugSet{});
  std::vector<Event> events = map_checked(0, 64);
  events.push_back(BufFree{0, 0});
  w.run(events);
  EXPECT_EQ(count(w, Violation::page_freed_while_mapped), 1u);
}

}  // namespace
}  // namespace inflight
