// The TAP source and the bnxt redirect TX path: tun_build_skb's placement in the task_frag,
// the writer's mode, and R9 with its three symptoms.
#include "model/net/tun.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/testing.h"
#include "model/world.h"

namespace inflight {
namespace {

using inflight::testing::traced;

Topology bnxt(IommuPte pte = IommuPte::large) {
  Topology t;
  t.devices = 2;
  t.iommu = true;
  t.iommu_pte = pte;
  return t;
}

uint32_t count(const World& w, Violation v) { return w.violations().count(v); }

bool tun_write(World& w, uint16_t len, uint8_t mode = 0, uint8_t verdict = 0, uint8_t writer = 0) {
  return w.apply(TunWrite{writer, len, mode, verdict});
}

TEST(TunLayout, BufferSizesFollowTheKernelArithmetic) {
  // SKB_DATA_ALIGN(len + 320) + 320: the 64-byte steps behind the seed's 128-byte boundary.
  EXPECT_EQ(TunLayout::buflen(14), 704u);
  EXPECT_EQ(TunLayout::buflen(64), 704u);
  EXPECT_EQ(TunLayout::buflen(65), 768u);
  EXPECT_EQ(TunLayout::buflen(128), 768u);
  EXPECT_EQ(TunLayout::buflen(129), 832u);
  EXPECT_EQ(TunLayout::buflen(1500), 2176u);
  EXPECT_TRUE(TunLayout::can_build(TunLayout::kMaxBuildLen));
  EXPECT_FALSE(TunLayout::can_build(TunLayout::kMaxBuildLen + 1));
}

TEST(Tun, ConsecutiveFramesAreCarvedUpwardsAndDropReusesTheBuffer) {
  World w(bnxt(), BugSet{}, /*record_trace=*/true);
  ASSERT_TRUE(tun_write(w, 1500));
  EXPECT_TRUE(traced(w, "[buf=0] [data=320] [buflen=2176]"));
  ASSERT_TRUE(tun_write(w, 100, 0, /*drop=*/2));
  EXPECT_TRUE(traced(w, "[buf=2176] [data=2496] [buflen=768]"));
  ASSERT_TRUE(tun_write(w, 100));  // the dropped frame's bytes again
  EXPECT_EQ(std::count_if(w.trace().begin(), w.trace().end(),
                          [](const std::string& l) { return l.find("[buf=2176]") != std::string::npos; }),
            2);
  EXPECT_FALSE(tun_write(w, 13));  // shorter than ETH_HLEN: -EINVAL
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Tun, ThePageIsReusedFromZeroOnceEveryFrameCameBack) {
  World w(bnxt(), BugSet{}, /*record_trace=*/true);
  ASSERT_TRUE(tun_write(w, 1500));
  ASSERT_TRUE(w.apply(XdpTxComplete{0, 0}));  // page_frag_free: the frag is the last holder
  ASSERT_TRUE(tun_write(w, 1500));
  EXPECT_FALSE(traced(w, "[buf=2176]"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(Tun, FramesOverTheMtuFailTheRedirect) {
  World w(bnxt(), BugSet{}, /*record_trace=*/true);
  ASSERT_TRUE(tun_write(w, 2000));
  EXPECT_TRUE(traced(w, "-EMSGSIZE"));
  EXPECT_EQ(w.redirect_target().in_flight(), 0u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

// Four 1500-byte frames: the fourth's data [6848, 8348) crosses the 8 KiB boundary.
void four_frames(World& w, uint8_t mode) {
  for (int i = 0; i < 4; i++) ASSERT_TRUE(tun_write(w, 1500, mode));
  ASSERT_TRUE(w.apply(XdpTxComplete{3, 0}));  // bnxt_tx_int_xdp completes all four in order
  w.finish();
}

TEST(Bnxt, R9UnmapsEveryRedirectedFrameWithLengthZero) {
  World w(bnxt(), BugSet::of(Bug::bnxt_xdp_redirect_unmap_len_zero), /*record_trace=*/true);
  four_frames(w, 0);
  // The ground truth: every frame (P1); dma-debug's message for the first, then counted.
  EXPECT_EQ(count(w, Violation::dma_unmap_wrong_size), 4u);
  EXPECT_TRUE(traced(w, "device driver frees DMA memory with different size"));
  EXPECT_TRUE(traced(w, "[map size=1500 bytes] [unmap size=0 bytes]"));
  // The IOMMU: only the frame that spans two IOVA pages; large PTEs unmap 8K for 4K asked.
  EXPECT_EQ(count(w, Violation::iommu_unmap_mismatch), 1u);
  EXPECT_TRUE(traced(w, "[size=0x1000] [unmapped=0x2000] (called from bnxt_tx_int_xdp)"));
  EXPECT_EQ(count(w, Violation::iova_leak), 1u);  // its second IOVA page stays allocated
}

TEST(Bnxt, R9With4kPtesLeaksTheSecondIovaPageSilently) {
  World w(bnxt(IommuPte::pte_4k), BugSet::of(Bug::bnxt_xdp_redirect_unmap_len_zero), true);
  four_frames(w, 0);
  EXPECT_EQ(count(w, Violation::iommu_unmap_mismatch), 0u);
  EXPECT_EQ(count(w, Violation::iova_leak), 1u);
  EXPECT_TRUE(traced(w, "[pages=1] [still mapped=1]"));
}

TEST(Bnxt, R9AtTeardownUnmapsInBnxtFreeTxSkbs) {
  World w(bnxt(), BugSet::of(Bug::bnxt_xdp_redirect_unmap_len_zero), true);
  ASSERT_TRUE(tun_write(w, 300));
  w.finish();
  EXPECT_EQ(count(w, Violation::dma_unmap_wrong_size), 1u);
  EXPECT_TRUE(traced(w, "bnxt_free_tx_skbs unmaps with a different size"));
}

TEST(Bnxt, FixedRecordsTheMappedLength) {
  World w(bnxt(), BugSet{});
  four_frames(w, 0);
  EXPECT_TRUE(w.violations().empty());
}

TEST(Bnxt, BlockingWritesTakeGenericXdpAndNeverReachNdoXdpXmit) {
  World w(bnxt(), BugSet::of(Bug::bnxt_xdp_redirect_unmap_len_zero), true);
  four_frames(w, /*blocking=*/1);
  EXPECT_TRUE(traced(w, "bnxt_start_xmit: dma_map_page_attrs"));
  EXPECT_FALSE(traced(w, "bnxt_xdp_xmit"));
  EXPECT_TRUE(w.violations().empty());
}

}  // namespace
}  // namespace inflight
