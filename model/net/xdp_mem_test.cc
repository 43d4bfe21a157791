// The XDP memory model's registration side: rxq states, cyclic mem ids, the entry's
// lifetime until the pool's disconnect and an RCU grace period, and R1.
#include "model/net/xdp_mem.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/testing.h"
#include "model/world.h"

namespace inflight {
namespace {

using inflight::testing::traced;

TEST(XdpMem, RegistrationTakesIdsCyclically) {
  World w(Topology{}, BugSet{});
  XdpMem& xdp = w.xdp_mem();
  PagePools& pools = w.page_pools();
  XdpRxqInfo a, b;
  xdp.rxq_reg(a, "test");
  xdp.rxq_reg(b, "test");
  EXPECT_EQ(xdp.reg_mem_model(a, pools.create(PagePoolParams{}), "test"), 0);
  EXPECT_EQ(xdp.reg_mem_model(b, pools.create(PagePoolParams{}), "test"), 0);
  EXPECT_EQ(a.mem.id, 1u);
  EXPECT_EQ(b.mem.id, 2u);
  EXPECT_EQ(a.mem.type, XdpMemType::page_pool);
}

TEST(XdpMem, TheIdTableChangesOnlyUnderMemIdLockAndDestroyRunsOutsideRcu) {
  for (const Bug mutant : {Bug::mutant_mem_id_remove_without_lock, Bug::mutant_destroy_under_rcu_read_lock}) {
    for (const bool on : {false, true}) {
      World w(Topology{}, on ? BugSet::of(mutant) : BugSet{});
      w.run(std::vector<Event>{DriverOpen{}, DriverStop{}});  // insert, then unregister + destroy
      w.finish();
      EXPECT_EQ(w.violations().count(bug_info(mutant).violation), on ? 1u : 0u)
          << bug_info(mutant).name;
    }
  }
}

TEST(XdpMem, MemModelWithoutRegisteredRxqIsRefused) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  XdpRxqInfo rxq;
  EXPECT_EQ(w.xdp_mem().reg_mem_model(rxq, w.page_pools().create(PagePoolParams{}), "test"),
            XdpMem::kEFAULT);
  EXPECT_TRUE(traced(w, "Missing register, driver bug"));
}

TEST(XdpMem, TheIdReturnsOnlyAfterThePoolIsFreedAndAGracePeriodPasses) {
  Topology t;
  t.cpus = 2;
  World w(t, BugSet{}, /*record_trace=*/true);
  // Open, put a page in an skb, stop: the pool waits for the skb, the id stays taken.
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 0}, DriverStop{}});
  EXPECT_EQ(w.page_pools().live(), 1);
  EXPECT_FALSE(traced(w, "mem_allocator_disconnect"));
  // The skb goes; the next retry frees the pool and removes the entry.
  w.run(std::vector<Event>{SkbFree{0, 0, 1}, PpProducerUnlock{0}, Tick{3}, RunDeferred{0}});
  EXPECT_EQ(w.page_pools().live(), 0);
  EXPECT_TRUE(traced(w, "mem_allocator_disconnect: mem.id=1 removed"));
  EXPECT_FALSE(traced(w, "mem.id=1 back in the IDA"));
  // Both CPUs pass a quiescent state; the RCU callback returns the id.
  w.run(std::vector<Event>{RcuQs{0}, RcuQs{1}, RunDeferred{0}});
  EXPECT_TRUE(traced(w, "mem.id=1 back in the IDA"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(XdpMem, IdsInUseExhaustTheSpaceWithoutALeak) {
  // Pools that never drain keep their ids: ENOSPC is legitimate and not a finding.
  World w(Topology{}, BugSet{});
  XdpMem& xdp = w.xdp_mem();
  std::vector<XdpRxqInfo> rxqs(XdpMem::kMemIdMax);
  int last = 0;
  for (XdpRxqInfo& rxq : rxqs) {
    xdp.rxq_reg(rxq, "test");
    if (w.page_pools().live() == kMaxPools) break;
    last = xdp.reg_mem_model(rxq, w.page_pools().create(PagePoolParams{}), "test");
  }
  EXPECT_EQ(last, 0);  // kMaxPools (4) pools fit in the 7 ids
  xdp.check();
  EXPECT_TRUE(w.violations().empty());
}

TEST(XdpMem, ABulkCompletionReturnsEveryFrameThroughItsPool) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 4}, NapiPoll{0, 4}, NapiPoll{0, 4}});
  EXPECT_EQ(w.redirect_target().in_flight(), 3u);
  EXPECT_TRUE(w.apply(XdpTxComplete{0, 1}));
  EXPECT_EQ(w.redirect_target().in_flight(), 0u);
  EXPECT_TRUE(traced(w, "xdp_flush_frame_bulk: 3 pages to page_pool_put_netmem_bulk"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(XdpMem, ANicTargetMapsEachFrameAndUnmapsItWithTheRecordedLength) {
  Topology t;
  t.devices = 2;
  t.iommu = true;
  World w(t, BugSet{}, /*record_trace=*/true);
  w.run(std::vector<Event>{DriverOpen{}, NapiPoll{0, 4}, NapiPoll{0, 4}});
  int tx_mappings = 0;
  w.oracle().for_each_mapping([&](MappingId, const MappingState& m) {
    tx_mappings += m.dev == XdpRedirectTarget::kDev && m.dir == DmaDir::to_device ? 1 : 0;
  });
  EXPECT_EQ(tx_mappings, 2);
  w.run(std::vector<Event>{XdpTxComplete{0, 0}, DeviceUnbind{1}});  // one completes, one freed
  EXPECT_TRUE(traced(w, "bnxt_tx_int_xdp: dma_unmap_page_attrs dev1"));
  EXPECT_TRUE(traced(w, "bnxt_free_tx_skbs: dma_unmap_page_attrs dev1"));
  EXPECT_EQ(w.redirect_target().in_flight(), 0u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

TEST(XdpMem, NonPoolMemoryTypesReturnThroughThePageAllocator) {
  World w(Topology{}, BugSet{}, /*record_trace=*/true);
  const Frag frag = w.pages().page_frag_alloc(0, 256, "tun");  // MEM_TYPE_PAGE_SHARED
  const PageId order0 = w.pages().alloc_pages(0);              // MEM_TYPE_PAGE_ORDER0
  w.xdp_mem().return_frame(frag.page, XdpMemInfo{XdpMemType::page_shared, 0}, false, "test");
  w.xdp_mem().return_frame(order0, XdpMemInfo{XdpMemType::page_order0, 0}, false, "test");
  EXPECT_FALSE(w.oracle().page_alive(order0));
  EXPECT_EQ(w.oracle().page(frag.page).refcount, 1u);  // only the frag cache's own
  w.xdp_mem().return_frame(order0, XdpMemInfo{XdpMemType::xsk_buff_pool, 0}, false, "test");
  EXPECT_TRUE(traced(w, "Incorrect XDP memory type (3) usage"));
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

// R1: the insert failure path leaks the id; repeated, registration runs out of ids.
TEST(XdpMem, AFailedInsertLeaksItsIdOnlyBeforeTheFix) {
  for (const bool bug : {false, true}) {
    World w(Topology{}, bug ? BugSet::of(Bug::xdp_mem_id_leak_on_insert_fail) : BugSet{});
    XdpMem& xdp = w.xdp_mem();
    int err = 0;
    for (uint32_t i = 0; i < XdpMem::kMemIdMax; i++) {
      XdpRxqInfo rxq;
      xdp.rxq_reg(rxq, "test");
      xdp.inject_insert_failure();
      const PoolId pool = w.page_pools().create(PagePoolParams{});
      err = xdp.reg_mem_model(rxq, pool, "test");
      w.page_pools().destroy(pool, "test");
    }
    xdp.check();
    EXPECT_EQ(err, bug ? XdpMem::kENOSPC : XdpMem::kENOMEM) << "bug=" << bug;
    EXPECT_EQ(w.violations().count(Violation::xdp_mem_id_leak), bug ? 2u : 0u);
  }
}

TEST(XdpRedirectTarget, TheNicSendsOnTheSendingCpusRingAndCompletesEachRingOnItsCpu) {
  // bnxt_xdp_xmit: ring smp_processor_id() % tx_nr_rings_xdp, one ring per CPU here.
  Topology t;
  t.cpus = 2;
  t.devices = 2;
  t.rx_queues = 2;
  World w(t, BugSet{});
  ASSERT_TRUE(w.apply(DriverOpen{}));
  for (uint8_t q = 0; q < 2; q++)
    for (int i = 0; i < 2; i++)
      ASSERT_TRUE(w.apply(NapiPoll{q, static_cast<uint8_t>(RxAction::redirect)}));
  EXPECT_EQ(w.redirect_target().in_flight(), 4u);
  // pick 1 of 2 busy rings, 1 + (1 / 2) % 2 = 1 slot: one frame of CPU 1's ring, on CPU 1.
  ASSERT_TRUE(w.apply(XdpTxComplete{1, 0}));
  EXPECT_EQ(w.kernel().cpu(), 1);
  EXPECT_EQ(w.redirect_target().in_flight(), 3u);
  // pick 2: ring 0, both of its slots.
  ASSERT_TRUE(w.apply(XdpTxComplete{2, 0}));
  EXPECT_EQ(w.kernel().cpu(), 0);
  EXPECT_EQ(w.redirect_target().in_flight(), 1u);
  w.finish();
  EXPECT_TRUE(w.violations().empty());
}

}  // namespace
}  // namespace inflight
