// Hand-written tests of dma-debug as the kernel implements it (spec §4), including the
// two bug variants R7 and R8.
#include "model/dma/dma_debug.h"

#include <gtest/gtest.h>

namespace inflight {
namespace {

constexpr std::string_view kDrv = "test";

Topology arm64(uint8_t coherent_mask = 0) {
  Topology t;
  t.devices = 2;
  t.arch = Arch::arm64;
  t.coherent_mask = coherent_mask;
  return t;
}

bool has(const DdMsgs& m, DdMsg msg) { return m.test(static_cast<size_t>(msg)); }

TEST(DmaDebug, DoubleUnmapIsReportedAsNotAllocated) {
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x1000, 64, DmaDir::to_device, DmaType::single, 0, 0x1000, kDrv, out);
  dd.mapping_error(0, 0x1000);
  dd.unmap(0, 0x1000, 64, DmaDir::to_device, DmaType::single, kDrv, out);
  EXPECT_TRUE(out.none());
  dd.unmap(0, 0x1000, 64, DmaDir::to_device, DmaType::single, kDrv, out);
  EXPECT_TRUE(has(out, DdMsg::free_not_allocated));
  EXPECT_EQ(dd.error_count(), 1u);
}

TEST(DmaDebug, WrongSizeUnmapIsReportedAndTheEntryRemovedAnyway) {
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x2000, 128, DmaDir::from_device, DmaType::single, 0, 0x2000, kDrv, out);
  dd.mapping_error(0, 0x2000);
  dd.unmap(0, 0x2000, 0, DmaDir::from_device, DmaType::single, kDrv, out);
  EXPECT_TRUE(has(out, DdMsg::different_size));
  EXPECT_EQ(dd.entries(), 0);
}

TEST(DmaDebug, OnlyTheFirstErrorIsPrintedButAllAreCounted) {
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  for (int i = 0; i < 3; i++) dd.unmap(0, 0x3000, 8, DmaDir::to_device, DmaType::single, kDrv, out);
  EXPECT_EQ(dd.error_count(), 3u);
  EXPECT_EQ(dd.printed(), 1u);
}

TEST(DmaDebug, AmbiguousImperfectCandidatesAreNotFound) {
  // Without an IOMMU the same physical address mapped twice gives two entries with the
  // same device address; an unmap matching neither perfectly finds nothing.
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x4000, 64, DmaDir::to_device, DmaType::single, 0, 0x4000, kDrv, out);
  dd.map(0, 0x4000, 128, DmaDir::to_device, DmaType::single, 0, 0x4000, kDrv, out);
  dd.unmap(0, 0x4000, 32, DmaDir::to_device, DmaType::single, kDrv, out);
  EXPECT_TRUE(has(out, DdMsg::free_not_allocated));
  EXPECT_EQ(dd.entries(), 2);
}

TEST(DmaDebug, MappingErrorMarksTheFirstUncheckedEntryWithTheAddress) {
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x5000, 64, DmaDir::to_device, DmaType::single, 0, 0x5000, kDrv, out);
  dd.map(0, 0x5000, 128, DmaDir::to_device, DmaType::single, 0, 0x5000, kDrv, out);
  dd.mapping_error(0, 0x5000);  // the driver checked the second mapping...
  dd.unmap(0, 0x5000, 128, DmaDir::to_device, DmaType::single, kDrv, out);
  // ...but the first entry was marked, so the second is reported as unchecked.
  EXPECT_TRUE(has(out, DdMsg::map_error_not_checked));
}

TEST(DmaDebug, SyncFindsAContainingEntryInAnEarlierBucket) {
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  // 0x1f000..0x23000 spans buckets 15..17 (8 KiB each); the sync is in bucket 17.
  dd.map(0, 0x1f000, 0x4000, DmaDir::bidirectional, DmaType::single, 0, 0x1f000, kDrv, out);
  dd.sync(0, 0x22000, 0x100, DmaDir::from_device, true, kDrv, out);
  EXPECT_TRUE(out.none());
  dd.sync(0, 0x22000, 0x2000, DmaDir::from_device, true, kDrv, out);  // runs past the end
  EXPECT_TRUE(has(out, DdMsg::sync_not_allocated));
}

TEST(DmaDebug, SyncWithTheWrongDirectionIsReported) {
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x6000, 64, DmaDir::to_device, DmaType::single, 0, 0x6000, kDrv, out);
  dd.sync(0, 0x6000, 64, DmaDir::from_device, true, kDrv, out);
  EXPECT_TRUE(has(out, DdMsg::sync_different_direction));
}

TEST(DmaDebug, OverlapCounterSaturatesAtSevenAndForgetsTheLineEarly) {
  Kernel k(arm64(), BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  // Nine overlapping device-writable mappings of one cacheline: the count stops at 7.
  for (uint64_t i = 0; i < 9; i++)
    dd.map(0, 0x10000 + i * 0x1000, 64, DmaDir::from_device, DmaType::single, kAttrSkipCpuSync,
           0x7000, kDrv, out);
  EXPECT_TRUE(has(out, DdMsg::exceeded_overlap));
  // Eight unmaps delete the line although one mapping is still active...
  for (uint64_t i = 0; i < 8; i++) {
    dd.mapping_error(0, 0x10000 + i * 0x1000);
    dd.unmap(0, 0x10000 + i * 0x1000, 64, DmaDir::from_device, DmaType::single, kDrv, out);
  }
  // ...so a new overlapping map is not an EEXIST any more.
  const uint32_t before = dd.error_count();
  DdMsgs fresh;
  dd.map(0, 0x20000, 64, DmaDir::from_device, DmaType::single, 0, 0x7000, kDrv, fresh);
  EXPECT_FALSE(has(fresh, DdMsg::eexist));
  EXPECT_EQ(dd.error_count(), before);
}

TEST(DmaDebug, ToDeviceMappingsAreNeverTracked) {
  Kernel k(arm64(), BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x1000, 64, DmaDir::to_device, DmaType::single, 0, 0x8000, kDrv, out);
  dd.map(1, 0x1000, 64, DmaDir::from_device, DmaType::single, 0, 0x8000, kDrv, out);
  EXPECT_FALSE(has(out, DdMsg::eexist));
}

TEST(DmaDebug, EexistIsNotReportedOnX86) {
  Kernel k(Topology{}, BugSet{}, false);  // dma_get_cache_alignment() < L1_CACHE_BYTES
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x1000, 64, DmaDir::from_device, DmaType::single, 0, 0x8000, kDrv, out);
  dd.map(0, 0x2000, 64, DmaDir::from_device, DmaType::single, 0, 0x8000, kDrv, out);
  EXPECT_FALSE(has(out, DdMsg::eexist));
}

TEST(DmaDebug, EexistIsReportedOnceThroughErrPrintk) {
  Kernel k(arm64(), BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  for (uint64_t i = 0; i < 4; i++)
    dd.map(0, 0x1000 * (i + 1), 64, DmaDir::from_device, DmaType::single, 0, 0x8000, kDrv, out);
  EXPECT_TRUE(has(out, DdMsg::eexist));
  EXPECT_EQ(dd.error_count(), 3u);
  EXPECT_EQ(dd.printed(), 1u);
  EXPECT_EQ(k.violations().count(Violation::dma_debug_flood), 0u);
}

// R7: before 510e1a724ab1 every EEXIST was a plain pr_err: printed, not counted.
TEST(DmaDebug, UnlimitedEexistReportFloodsTheLog) {
  Kernel k(arm64(), BugSet::of(Bug::dma_debug_eexist_unlimited_report), false);
  DmaDebug dd(k);
  DdMsgs out;
  for (uint64_t i = 0; i < 4; i++)
    dd.map(0, 0x1000 * (i + 1), 64, DmaDir::from_device, DmaType::single, 0, 0x8000, kDrv, out);
  EXPECT_EQ(dd.printed(), 3u);
  EXPECT_EQ(dd.error_count(), 0u);
  EXPECT_EQ(k.violations().count(Violation::dma_debug_flood), 1u);
}

// R8: before c2bbf9d1e9ac add_dma_entry() did not look at DMA_ATTR_SKIP_CPU_SYNC.
TEST(DmaDebug, SkipCpuSyncSecondMappingIsExemptOnlySinceTheFix) {
  for (const bool bug : {false, true}) {
    Kernel k(arm64(), bug ? BugSet::of(Bug::dma_debug_eexist_false_positive_skip_cpu_sync) : BugSet{},
             false);
    DmaDebug dd(k);
    DdMsgs out;
    dd.map(0, 0x1000, 256, DmaDir::from_device, DmaType::single, 0, 0x9000, kDrv, out);
    dd.map(1, 0x1000, 256, DmaDir::from_device, DmaType::single, kAttrSkipCpuSync, 0x9000, kDrv, out);
    EXPECT_EQ(has(out, DdMsg::eexist), bug);
  }
}

TEST(DmaDebug, UnbindReportsPendingEntriesAndKeepsThem) {
  Kernel k(Topology{}, BugSet{}, false);
  DmaDebug dd(k);
  DdMsgs out;
  dd.map(0, 0x1000, 64, DmaDir::to_device, DmaType::single, 0, 0x1000, kDrv, out);
  dd.unbind(1, kDrv, out);
  EXPECT_TRUE(out.none());
  dd.unbind(0, kDrv, out);
  EXPECT_TRUE(has(out, DdMsg::pending_at_unbind));
  EXPECT_EQ(dd.entries(0), 1);
}

TEST(DmaDebug, LeakedEntriesFillThePoolAndDmaDebugDisablesItself) {
  // Every ambiguous unmap leaves both entries behind; once the pool is full, the next map
  // finds no free entry, and dma-debug turns itself off for good.
  Kernel k(Topology{}, BugSet{}, true);
  DmaDebug dd(k);
  DdMsgs out;
  for (uint64_t addr = 0x10000; dd.entries() < kMaxMappings; addr += 0x1000) {
    dd.map(0, addr, 64, DmaDir::to_device, DmaType::single, 0, addr, kDrv, out);
    dd.map(0, addr, 128, DmaDir::to_device, DmaType::single, 0, addr, kDrv, out);
    dd.unmap(0, addr, 32, DmaDir::to_device, DmaType::single, kDrv, out);
  }
  EXPECT_FALSE(dd.disabled());
  dd.map(0, 0x1000, 64, DmaDir::to_device, DmaType::single, 0, 0x1000, kDrv, out);
  EXPECT_TRUE(dd.disabled());
  EXPECT_TRUE(k.trace().back().ends_with("DMA-API: debugging out of memory - disabling"));
  EXPECT_EQ(k.coverage()[static_cast<size_t>(Cov::dma_debug_disabled)], 1u);
  // It checks nothing more: a double unmap, a sync of nothing, a new map, an unbind.
  const uint32_t errors = dd.error_count();
  DdMsgs after;
  dd.unmap(0, 0x1000, 64, DmaDir::to_device, DmaType::single, kDrv, after);
  dd.unmap(0, 0x1000, 64, DmaDir::to_device, DmaType::single, kDrv, after);
  dd.sync(0, 0x8000, 64, DmaDir::to_device, false, kDrv, after);
  dd.map(0, 0x2000, 64, DmaDir::from_device, DmaType::single, 0, 0x2000, kDrv, after);
  dd.unbind(0, kDrv, after);
  EXPECT_TRUE(after.none());
  EXPECT_EQ(dd.error_count(), errors);
  EXPECT_EQ(dd.entries(), 0);
}

}  // namespace
}  // namespace inflight
