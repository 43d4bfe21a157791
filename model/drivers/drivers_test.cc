// The real driver models differ from pp_rx where their sources do (model/drivers/*.h).
#include <gtest/gtest.h>

#include "model/world.h"

namespace inflight {
namespace {

uint32_t count(const World& w, Cov c) { return w.kernel().coverage()[static_cast<size_t>(c)]; }

World with(std::string_view driver) {
  Topology t;
  for (uint8_t i = 0; i < kDriverModels; i++)
    if (kDriverNames[i] == driver) t.driver = i;
  EXPECT_EQ(kDriverNames[t.driver], driver);
  return World(t, BugSet{});
}

TEST(RealDrivers, MvnetaReturnsXdpTxFramesThroughTheMemModelBeforeItsPoolGoes) {
  for (const std::string_view driver : {"pp_rx", "mvneta"}) {
    World w = with(driver);
    ASSERT_TRUE(w.apply(DriverOpen{}));
    ASSERT_TRUE(w.apply(NapiPoll{0, static_cast<uint8_t>(RxAction::tx)}));
    ASSERT_TRUE(w.apply(DriverStop{}));
    // Either way the TX page is back before page_pool_destroy: nothing is left in flight,
    // the pool is freed at once and no release retry runs.
    EXPECT_EQ(count(w, Cov::pool_free), 1u) << driver;
    EXPECT_EQ(count(w, Cov::pool_retry), 0u) << driver;
    // mvneta's way is xdp_return_frame_bulk (mvneta_tx_reset); pp_rx recycles directly.
    EXPECT_EQ(count(w, Cov::xdp_return), driver == "mvneta" ? 1u : 0u) << driver;
    w.finish();
    EXPECT_TRUE(w.violations().empty()) << driver;
  }
}

TEST(RealDrivers, BnxtKeepsDroppedAndXdpTxPagesOnItsRxRing) {
  for (const std::string_view driver : {"pp_rx", "bnxt_en"}) {
    World w = with(driver);
    ASSERT_TRUE(w.apply(DriverOpen{}));
    ASSERT_TRUE(w.apply(NapiPoll{0, static_cast<uint8_t>(RxAction::drop)}));
    ASSERT_TRUE(w.apply(NapiPoll{0, static_cast<uint8_t>(RxAction::tx)}));
    ASSERT_TRUE(w.apply(DriverTxClean{0}));
    // bnxt_reuse_rx_data and the XDP_TX completion's RX doorbell keep the page on the
    // ring: nothing goes back to the pool before teardown. pp_rx recycles both.
    EXPECT_EQ(count(w, Cov::cached), driver == "bnxt_en" ? 0u : 2u) << driver;
    ASSERT_TRUE(w.apply(DriverStop{}));
    EXPECT_EQ(count(w, Cov::pool_free), 1u) << driver;  // bnxt_free_one_rx_ring first
    w.finish();
    EXPECT_TRUE(w.violations().empty()) << driver;
  }
}

TEST(RealDrivers, VethFramesLeaveItsPoolSharedAndReturnAsPlainPages) {
  for (const std::string_view driver : {"pp_rx", "veth"}) {
    for (const RxAction action : {RxAction::tx, RxAction::redirect}) {
      World w = with(driver);
      ASSERT_TRUE(w.apply(DriverOpen{}));
      ASSERT_TRUE(w.apply(NapiPoll{0, static_cast<uint8_t>(action)}));
      // veth_xdp_get + consume_skb: the page, now shared, leaves the pool at once.
      EXPECT_EQ(count(w, Cov::released_refcnt), driver == "veth" ? 1u : 0u) << driver;
      w.apply(DriverTxClean{0});
      ASSERT_TRUE(w.apply(DriverStop{}));
      w.finish();
      // The pool is not the rxq's mem model: frames never come back to it, and it is
      // freed by the driver's own page_pool_destroy.
      EXPECT_EQ(count(w, Cov::pool_free), 1u) << driver;
      EXPECT_TRUE(w.violations().empty()) << driver;
    }
  }
}

}  // namespace
}  // namespace inflight
