// model/core/kernel_test.cc
//
// Unit tests of the execution environment (kernel.h): virtual time, delayed work and
// timers, RCU grace periods, the runnable set the scheduler picks from, findings; and of
// the generation-checked handle table (ids.h).
//
// What the deferred work does is the world's business (World::run_work); what is under
// test here is which item the kernel hands back.
#include "model/core/kernel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "model/core/ids.h"

namespace inflight {
namespace {

constexpr Work release_retry = Work::page_pool_release_retry;
constexpr Work timer_fn = Work::generic_tx_callout;
constexpr Work rcu_free = Work::xdp_mem_allocator_rcu_free;

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

Topology cpus(uint8_t n) {
  Topology t;
  t.cpus = n;
  return t;
}

// ---- virtual time ----

TEST(Kernel, VirtualTimeStartsAtZeroAndAdvancesOnlyWhenTold) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  EXPECT_EQ(kernel.now_ms(), 0u);
  kernel.advance(10);
  kernel.advance(990);
  EXPECT_EQ(kernel.now_ms(), 1000u);
}

TEST(Kernel, BeginStepSetsTheStepCpuAndContext) {
  Kernel kernel(cpus(2), BugSet{}, /*record_trace=*/false);
  kernel.begin_step(5, 1, Context::softirq);
  EXPECT_EQ(kernel.step(), 5u);
  EXPECT_EQ(kernel.cpu(), 1);
  EXPECT_EQ(kernel.context(), Context::softirq);
}

TEST(Kernel, SleepingIsAFindingInSoftirqAndUnderRcuButNotInProcessContext) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.begin_step(0, 0, Context::process);
  kernel.might_sleep("page_pool_destroy");
  kernel.begin_step(1, 0, Context::workqueue);
  kernel.might_sleep("page_pool_destroy");
  EXPECT_EQ(kernel.violations().count(Violation::sleep_in_atomic), 0u);
  kernel.rcu_read_lock();
  kernel.might_sleep("page_pool_destroy");
  kernel.rcu_read_unlock();
  EXPECT_EQ(kernel.violations().count(Violation::sleep_in_atomic), 1u);
  kernel.begin_step(2, 0, Context::softirq);
  kernel.might_sleep("synchronize_net");
  EXPECT_EQ(kernel.violations().count(Violation::sleep_in_atomic), 2u);
  EXPECT_TRUE(
      kernel.violations().has(FindingPattern(Violation::sleep_in_atomic, "synchronize_net", "")));
}

TEST(Kernel, ResolveCpuTakesThePickModuloTheCpuCount) {
  Kernel kernel(cpus(3), BugSet{}, /*record_trace=*/false);
  EXPECT_EQ(kernel.resolve_cpu(0), 0);
  EXPECT_EQ(kernel.resolve_cpu(4), 1);
  EXPECT_EQ(kernel.resolve_cpu(255), 0);  // 255 = 3 * 85
}

// ---- delayed work and timers ----

TEST(Kernel, DelayedWorkBecomesRunnableOnlyWhenDue) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.advance(5);
  kernel.queue_delayed_work(release_retry, 1, 10);
  EXPECT_EQ(kernel.deferred_count(), 1u);
  EXPECT_EQ(kernel.next_due_ms(), 15u);
  kernel.advance(9);
  EXPECT_EQ(kernel.runnable_count(), 0u);
  kernel.advance(1);
  EXPECT_EQ(kernel.runnable_count(), 1u);
}

TEST(Kernel, QueueDelayedWorkDoesNotQueueAPendingItemTwice) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.queue_delayed_work(release_retry, 1, 100);
  kernel.queue_delayed_work(release_retry, 1, 5);
  ASSERT_EQ(kernel.deferred_count(), 1u);
  // The second call neither adds an item nor moves the first one's due time.
  EXPECT_EQ(kernel.deferred()[0].due_ms, 100u);
  EXPECT_EQ(kernel.deferred()[0].kind, DeferredKind::work);
}

TEST(Kernel, QueueDelayedWorkQueuesTheSameFunctionForAnotherArgument) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.queue_delayed_work(release_retry, 1, 100);
  kernel.queue_delayed_work(release_retry, 2, 100);
  EXPECT_EQ(kernel.deferred_count(), 2u);
  EXPECT_TRUE(kernel.pending(release_retry, 1));
  EXPECT_TRUE(kernel.pending(release_retry, 2));
  EXPECT_FALSE(kernel.pending(release_retry, 3));
}

TEST(Kernel, WorkCanBeQueuedAgainAfterItWasTaken) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.queue_delayed_work(release_retry, 1, 0);
  const Deferred d = kernel.take_runnable(0);
  EXPECT_EQ(d.arg, 1u);
  EXPECT_FALSE(kernel.pending(release_retry, 1));
  kernel.queue_delayed_work(release_retry, 1, 0);
  EXPECT_EQ(kernel.deferred_count(), 1u);
}

TEST(Kernel, ModTimerReArmsAPendingTimer) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.mod_timer(timer_fn, 0, 100);
  kernel.advance(10);
  kernel.mod_timer(timer_fn, 0, 5);
  ASSERT_EQ(kernel.deferred_count(), 1u);
  EXPECT_EQ(kernel.deferred()[0].kind, DeferredKind::timer);
  EXPECT_EQ(kernel.next_due_ms(), 15u);
  kernel.advance(5);
  EXPECT_EQ(kernel.runnable_count(), 1u);
}

TEST(Kernel, ModTimerCanPushATimerLater) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.mod_timer(timer_fn, 0, 5);
  kernel.mod_timer(timer_fn, 0, 50);
  ASSERT_EQ(kernel.deferred_count(), 1u);
  kernel.advance(5);
  EXPECT_EQ(kernel.runnable_count(), 0u);
  EXPECT_EQ(kernel.next_due_ms(), 50u);
}

TEST(Kernel, DeferredItemsRecordTheCpuThatQueuedThem) {
  Kernel kernel(cpus(2), BugSet{}, /*record_trace=*/false);
  kernel.begin_step(0, 1, Context::process);
  kernel.queue_delayed_work(release_retry, 7, 0);
  ASSERT_EQ(kernel.deferred_count(), 1u);
  EXPECT_EQ(kernel.deferred()[0].cpu, 1);
  EXPECT_EQ(kernel.deferred()[0].arg, 7u);
}

TEST(Kernel, CancelRemovesAPendingItemAndSaysWhetherItWasPending) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.queue_delayed_work(release_retry, 1, 10);
  kernel.mod_timer(timer_fn, 1, 10);
  EXPECT_TRUE(kernel.cancel(release_retry, 1));
  EXPECT_FALSE(kernel.pending(release_retry, 1));
  EXPECT_TRUE(kernel.pending(timer_fn, 1));
  EXPECT_FALSE(kernel.cancel(release_retry, 1));
  EXPECT_EQ(kernel.deferred_count(), 1u);
}

TEST(Kernel, CancelDoesNotRemoveAnRcuCallback) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.call_rcu(rcu_free, 3);
  EXPECT_FALSE(kernel.cancel(rcu_free, 3));
  EXPECT_EQ(kernel.deferred_count(), 1u);
  // pending() is about work items and timers, as cancel() is: an RCU callback with the
  // same function and argument does not stop a work item from being queued.
  EXPECT_FALSE(kernel.pending(rcu_free, 3));
  kernel.queue_delayed_work(rcu_free, 3, 10);
  EXPECT_EQ(kernel.deferred_count(), 2u);
}

TEST(Kernel, NextDueMsIsTheEarliestTimedItemAndIgnoresRcuCallbacks) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  EXPECT_EQ(kernel.next_due_ms(), kNever);
  kernel.call_rcu(rcu_free, 0);
  EXPECT_EQ(kernel.next_due_ms(), kNever);
  kernel.queue_delayed_work(release_retry, 0, 30);
  kernel.mod_timer(timer_fn, 0, 20);
  EXPECT_EQ(kernel.next_due_ms(), 20u);
  EXPECT_TRUE(kernel.cancel(timer_fn, 0));
  EXPECT_EQ(kernel.next_due_ms(), 30u);
}

// ---- the runnable set ----

TEST(Kernel, TakeRunnablePicksModuloTheRunnableSetInQueueOrder) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.queue_delayed_work(release_retry, 0, 0);
  kernel.queue_delayed_work(release_retry, 1, 50);
  kernel.mod_timer(timer_fn, 2, 0);
  kernel.queue_delayed_work(release_retry, 3, 0);
  ASSERT_EQ(kernel.runnable_count(), 3u);  // a, c, d; b is not due

  // 4 % 3 == 1: the second runnable item in queue order, skipping b.
  const Deferred first = kernel.take_runnable(4);
  EXPECT_EQ(first.work, timer_fn);
  EXPECT_EQ(first.arg, 2u);
  EXPECT_EQ(first.kind, DeferredKind::timer);
  EXPECT_EQ(kernel.runnable_count(), 2u);
  EXPECT_EQ(kernel.deferred_count(), 3u);

  // 3 % 2 == 1: now d.
  const Deferred second = kernel.take_runnable(3);
  EXPECT_EQ(second.work, release_retry);
  EXPECT_EQ(second.arg, 3u);

  const Deferred third = kernel.take_runnable(255);
  EXPECT_EQ(third.arg, 0u);
  EXPECT_EQ(kernel.runnable_count(), 0u);
  EXPECT_EQ(kernel.deferred_count(), 1u);
  EXPECT_TRUE(kernel.pending(release_retry, 1));
}

TEST(Kernel, TakeRunnableReturnsTheFunctionAndArgumentItWasQueuedWith) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.queue_delayed_work(release_retry, 42, 0);
  const Deferred d = kernel.take_runnable(0);
  EXPECT_EQ(d.work, release_retry);
  EXPECT_EQ(d.arg, 42u);
  EXPECT_EQ(d.name(), "page_pool_release_retry");
}

TEST(Kernel, TakeRunnableSkipsAnRcuCallbackWhoseGracePeriodIsNotOver) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.call_rcu(rcu_free, 0);
  kernel.queue_delayed_work(release_retry, 0, 0);
  ASSERT_EQ(kernel.runnable_count(), 1u);
  EXPECT_EQ(kernel.take_runnable(1).work, release_retry);
  EXPECT_EQ(kernel.deferred_count(), 1u);
}

// ---- RCU ----

TEST(Kernel, CallRcuStartsAGracePeriod) {
  Kernel kernel(cpus(2), BugSet{}, /*record_trace=*/false);
  EXPECT_FALSE(kernel.grace_period_in_progress());
  kernel.call_rcu(rcu_free, 0);
  EXPECT_TRUE(kernel.grace_period_in_progress());
  EXPECT_TRUE(kernel.rcu_callbacks_waiting());
  EXPECT_EQ(kernel.runnable_count(), 0u);
}

TEST(Kernel, RcuCallbackRunsOnlyAfterEveryCpuPassedAQuiescentState) {
  Kernel kernel(cpus(3), BugSet{}, /*record_trace=*/false);
  kernel.call_rcu(rcu_free, 0);
  kernel.rcu_quiescent_state(0);
  kernel.rcu_quiescent_state(0);  // the same CPU twice does not count for another
  kernel.rcu_quiescent_state(2);
  EXPECT_EQ(kernel.runnable_count(), 0u);
  EXPECT_EQ(kernel.grace_periods_completed(), 0u);
  kernel.rcu_quiescent_state(1);
  EXPECT_EQ(kernel.grace_periods_completed(), 1u);
  EXPECT_FALSE(kernel.grace_period_in_progress());
  EXPECT_FALSE(kernel.rcu_callbacks_waiting());
  ASSERT_EQ(kernel.runnable_count(), 1u);
  EXPECT_EQ(kernel.take_runnable(0).kind, DeferredKind::rcu);
}

TEST(Kernel, TheCpuThatCalledCallRcuMustAlsoPassAQuiescentState) {
  Kernel kernel(cpus(2), BugSet{}, /*record_trace=*/false);
  kernel.begin_step(0, 0, Context::softirq);
  kernel.call_rcu(rcu_free, 0);  // CPU 0 is inside a read section
  kernel.call_rcu(rcu_free, 1);  // and calling again is no QS either
  kernel.rcu_quiescent_state(1);
  EXPECT_EQ(kernel.grace_periods_completed(), 0u);
  EXPECT_EQ(kernel.runnable_count(), 0u);
  EXPECT_TRUE(kernel.grace_period_in_progress());
  kernel.rcu_quiescent_state(0);
  EXPECT_EQ(kernel.grace_periods_completed(), 1u);
  EXPECT_EQ(kernel.runnable_count(), 1u);
}

TEST(Kernel, RcuCallbackWaitsForAFullGracePeriodStartedAfterIt) {
  Kernel kernel(cpus(2), BugSet{}, /*record_trace=*/false);
  kernel.call_rcu(rcu_free, 1);  // starts grace period 1
  kernel.rcu_quiescent_state(0);  // CPU 0 is through grace period 1
  kernel.call_rcu(rcu_free, 2);  // queued during grace period 1: needs 2
  kernel.rcu_quiescent_state(1);  // grace period 1 completes

  EXPECT_EQ(kernel.grace_periods_completed(), 1u);
  ASSERT_EQ(kernel.runnable_count(), 1u);
  EXPECT_EQ(kernel.take_runnable(0).arg, 1u);
  // The second callback keeps the machinery going: grace period 2 starts at once.
  EXPECT_TRUE(kernel.grace_period_in_progress());
  EXPECT_TRUE(kernel.rcu_callbacks_waiting());

  // CPU 0's quiescent state in grace period 1 does not count for grace period 2.
  kernel.rcu_quiescent_state(1);
  EXPECT_EQ(kernel.runnable_count(), 0u);
  kernel.rcu_quiescent_state(0);
  EXPECT_EQ(kernel.grace_periods_completed(), 2u);
  ASSERT_EQ(kernel.runnable_count(), 1u);
  EXPECT_EQ(kernel.take_runnable(0).arg, 2u);
  EXPECT_FALSE(kernel.grace_period_in_progress());
}

TEST(Kernel, ACallbackQueuedOnceAGracePeriodHasStartedNeedsTheNextOne) {
  Kernel kernel(cpus(2), BugSet{}, /*record_trace=*/false);
  kernel.call_rcu(rcu_free, 1);
  kernel.call_rcu(rcu_free, 2);
  kernel.rcu_quiescent_state(0);
  kernel.rcu_quiescent_state(1);
  EXPECT_EQ(kernel.grace_periods_completed(), 1u);
  // The first callback started grace period 1; the second came while 1 was in progress,
  // with no quiescent state in between, and still needs grace period 2.
  ASSERT_EQ(kernel.runnable_count(), 1u);
  EXPECT_EQ(kernel.take_runnable(0).arg, 1u);
  EXPECT_TRUE(kernel.grace_period_in_progress());
}

TEST(Kernel, QuiescentStatesBeforeAnyGracePeriodDoNotCount) {
  Kernel kernel(cpus(2), BugSet{}, /*record_trace=*/false);
  kernel.rcu_quiescent_state(0);
  kernel.rcu_quiescent_state(1);
  EXPECT_EQ(kernel.grace_periods_completed(), 0u);
  kernel.call_rcu(rcu_free, 0);
  kernel.rcu_quiescent_state(0);
  EXPECT_EQ(kernel.runnable_count(), 0u);
  kernel.rcu_quiescent_state(1);
  EXPECT_EQ(kernel.runnable_count(), 1u);
}

TEST(Kernel, OneCpuCompletesAGracePeriodAlone) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.call_rcu(rcu_free, 0);
  kernel.rcu_quiescent_state(0);
  EXPECT_EQ(kernel.grace_periods_completed(), 1u);
  EXPECT_EQ(kernel.runnable_count(), 1u);
}

TEST(Kernel, AnRcuCallbackStaysRunnableAsTimeAdvances) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.call_rcu(rcu_free, 0);
  kernel.advance(1000000);
  EXPECT_EQ(kernel.runnable_count(), 0u);  // time alone never ends a grace period
  kernel.rcu_quiescent_state(0);
  kernel.advance(1000);
  EXPECT_EQ(kernel.runnable_count(), 1u);
}

// ---- trace and findings ----

TEST(Kernel, ReportRecordsTheFindingAtTheCurrentStep) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.begin_step(7, 0, Context::workqueue);
  kernel.report(Violation::stall, "page_pool_release_retry", "teardown",
                "page_pool_release_retry never drains [pool=0]");
  const ViolationLog& log = kernel.violations();
  EXPECT_EQ(log.total(), 1u);
  EXPECT_EQ(log.count(Violation::stall), 1u);
  EXPECT_EQ(log.count(Violation::double_free), 0u);
  ASSERT_EQ(log.findings().size(), 1u);
  EXPECT_EQ(log.findings()[0].step, 7u);
  EXPECT_EQ(log.findings()[0].key.str(), "stall@page_pool_release_retry (teardown)");
  EXPECT_EQ(log.findings()[0].key.title(),
            "pending work that cannot drain in page_pool_release_retry (teardown)");
  EXPECT_EQ(log.findings()[0].message, "page_pool_release_retry never drains [pool=0]");
  EXPECT_TRUE(log.has(FindingPattern(Violation::stall, "page_pool_release_*", "")));
  EXPECT_FALSE(
      log.has(FindingPattern(Violation::stall, "page_pool_release", "")));  // no prefix match
  EXPECT_FALSE(log.has(FindingPattern(Violation::double_free, "", "")));
  EXPECT_TRUE(kernel.trace().empty());  // not tracing
}

// A log that keeps only one group's findings still counts the others, and keeps up to
// kMaxViolations of its group however many others came first.
TEST(Kernel, ALogKeepingOneGroupCountsTheOthers) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  kernel.violations().keep_only(ViolationGroup::dma_debug);
  for (int i = 0; i < kMaxViolations; i++)
    kernel.report(Violation::double_free, "dma_unmap_page_attrs", "", "unmapped twice");
  kernel.report(Violation::dma_debug_false_positive, "dma_map_page_attrs", "'x'", "not an error");
  const ViolationLog& log = kernel.violations();
  EXPECT_EQ(log.total(), static_cast<uint32_t>(kMaxViolations) + 1);
  EXPECT_EQ(log.count(Violation::double_free), static_cast<uint32_t>(kMaxViolations));
  EXPECT_EQ(log.count(ViolationGroup::truth), static_cast<uint32_t>(kMaxViolations));
  ASSERT_EQ(log.findings().size(), 1u);
  EXPECT_EQ(log.findings()[0].key.str(), "dma_debug_false_positive@dma_map_page_attrs ('x')");
}

TEST(Kernel, ALogWithAFilterKeepsOnlyWhatItAcceptsAndCountsTheRest) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/false);
  // Accepts the key whose detail the context names: what a fuzzer's judge does.
  const std::string_view accepted = "'y'";
  kernel.violations().keep_only(
      ViolationGroup::dma_debug,
      [](const void* context, FindingKeyView key) {
        return key.detail == *static_cast<const std::string_view*>(context);
      },
      &accepted);
  for (int i = 0; i < kMaxViolations; i++)
    kernel.report(Violation::dma_debug_false_positive, "dma_map_page_attrs", "'x'", "known");
  kernel.report(Violation::double_free, "dma_unmap_page_attrs", "'y'", "another group");
  kernel.report(Violation::dma_debug_false_positive, "dma_map_page_attrs", "'y'", "new");
  const ViolationLog& log = kernel.violations();
  EXPECT_EQ(log.total(), static_cast<uint32_t>(kMaxViolations) + 2);
  EXPECT_EQ(log.count(ViolationGroup::dma_debug), static_cast<uint32_t>(kMaxViolations) + 1);
  // The accepted finding is kept although the filter dropped kMaxViolations before it.
  ASSERT_EQ(log.findings().size(), 1u);
  EXPECT_EQ(log.findings()[0].key.str(), "dma_debug_false_positive@dma_map_page_attrs ('y')");
}

TEST(Kernel, ReportAddsAFindingLineToTheTraceWhenTracing) {
  Kernel kernel(Topology{}, BugSet{}, /*record_trace=*/true);
  kernel.advance(1500);
  kernel.report(Violation::double_free, "t", "", "driver drops a reference twice");
  ASSERT_EQ(kernel.trace().size(), 1u);
  const std::string& line = kernel.trace()[0];
  EXPECT_NE(line.find("FINDING double_free@t: driver drops a reference twice"), std::string::npos)
      << line;
  EXPECT_NE(line.find("1.500000"), std::string::npos) << line;
  EXPECT_NE(line.find("cpu0"), std::string::npos) << line;
}

TEST(Kernel, FindingsWithoutMessagesKeepTheirKeyAndStepUnlessTracing) {
  for (const bool tracing : {false, true}) {
    Kernel kernel(Topology{}, BugSet{}, tracing);
    kernel.set_messages(false);
    kernel.begin_step(3, 0, Context::softirq);
    kernel.report(Violation::double_free, "put_page", "", "{} drops page {} twice", "t", 5);
    ASSERT_EQ(kernel.violations().findings().size(), 1u);
    const Finding& f = kernel.violations().findings()[0];
    EXPECT_EQ(f.key.str(), "double_free@put_page");
    EXPECT_EQ(f.step, 3u);
    // A traced run shows its findings, so it keeps the message whatever was asked.
    EXPECT_EQ(f.message, tracing ? "t drops page 5 twice" : "");
  }
}

TEST(Kernel, LogIsANoOpWithoutTracing) {
  Kernel quiet(Topology{}, BugSet{}, /*record_trace=*/false);
  quiet.log("page_pool: {} pages", 3);
  EXPECT_TRUE(quiet.trace().empty());
  Kernel loud(Topology{}, BugSet{}, /*record_trace=*/true);
  loud.log("page_pool: {} pages", 3);
  ASSERT_EQ(loud.trace().size(), 1u);
  EXPECT_NE(loud.trace()[0].find("page_pool: 3 pages"), std::string::npos);
}

TEST(Kernel, BugSetIsVisibleThroughBug) {
  const Bug r7 = Bug::dma_debug_eexist_unlimited_report;
  Kernel with(Topology{}, BugSet::of(r7), /*record_trace=*/false);
  Kernel without(Topology{}, BugSet{}, /*record_trace=*/false);
  EXPECT_TRUE(with.bug(r7));
  EXPECT_FALSE(without.bug(r7));
}

// ---- Table (ids.h) ----

struct Thing {
  int value = 0;
};
struct ThingTag;
using Things = Table<Thing, 3, ThingTag>;

TEST(Table, AllocationTakesTheLowestFreeSlot) {
  Things table;
  const Things::Id a = table.alloc();
  const Things::Id b = table.alloc();
  const Things::Id c = table.alloc();
  EXPECT_EQ(a.slot, 0);
  EXPECT_EQ(b.slot, 1);
  EXPECT_EQ(c.slot, 2);
  EXPECT_TRUE(table.full());
  table.free(b);
  EXPECT_FALSE(table.full());
  EXPECT_EQ(table.live(), 2);
  EXPECT_EQ(table.alloc().slot, 1);
}

TEST(Table, AStaleHandleIsNotAliveAfterFreeAndReuse) {
  Things table;
  const Things::Id old = table.alloc();
  table[old].value = 42;
  table.free(old);
  EXPECT_FALSE(table.alive(old));
  const Things::Id fresh = table.alloc();
  EXPECT_EQ(fresh.slot, old.slot);
  EXPECT_NE(fresh.gen, old.gen);
  EXPECT_NE(fresh, old);
  EXPECT_FALSE(table.alive(old));  // never a silent alias of the new object
  EXPECT_TRUE(table.alive(fresh));
  EXPECT_EQ(table[fresh].value, 0);  // the new object starts from T{}
}

TEST(Table, TheDefaultHandleIsNeverAlive) {
  Things table;
  const Things::Id none{};
  EXPECT_FALSE(none.valid());
  table.alloc();
  table.alloc();
  table.alloc();
  EXPECT_FALSE(table.alive(none));
  EXPECT_FALSE(table.alive(Things::Id{7, 1}));  // a slot past the end
}

TEST(Table, ForEachVisitsLiveObjectsInSlotOrder) {
  Things table;
  const Things::Id a = table.alloc();
  const Things::Id b = table.alloc();
  const Things::Id c = table.alloc();
  table[a].value = 10;
  table[c].value = 30;
  table.free(b);
  std::string seen;
  table.for_each([&](Things::Id id, const Thing& t) {
    seen += std::to_string(id.slot) + ":" + std::to_string(t.value) + " ";
  });
  EXPECT_EQ(seen, "0:10 2:30 ");
}

// A value that counts how many of its kind exist.
struct Counted {
  static inline int alive = 0;
  int value = 7;
  Counted() { alive++; }
  Counted(const Counted& other) : value(other.value) { alive++; }
  Counted& operator=(const Counted&) = default;
  ~Counted() { alive--; }
};
struct CountedTag;
using CountedTable = Table<Counted, 4, CountedTag>;

TEST(Table, MakesAValuePerAllocationAndDestroysEachValueItMadeOnce) {
  {
    CountedTable table;
    EXPECT_EQ(Counted::alive, 0);  // a new table makes no value
    const CountedTable::Id a = table.alloc();
    const CountedTable::Id b = table.alloc();
    EXPECT_EQ(Counted::alive, 2);
    table[a].value = 1;
    table[b].value = 2;
    table.free(a);
    EXPECT_EQ(table.live(), 1);
    const CountedTable::Id again = table.alloc();  // slot 0 made afresh, not a second value
    EXPECT_EQ(Counted::alive, 2);
    EXPECT_EQ(table[again].value, 7);
    table.free(again);

    CountedTable copy(table);  // the live value only
    EXPECT_EQ(Counted::alive, 3);
    EXPECT_EQ(copy.live(), 1);
    EXPECT_EQ(copy[b].value, 2);
    EXPECT_FALSE(copy.alive(again));

    CountedTable other;
    other.alloc(), other.alloc(), other.alloc();
    other = table;  // slot 1 assigned, slots 0 and 2 left as they were
    EXPECT_EQ(Counted::alive, 6);
    EXPECT_EQ(other.live(), 1);
    EXPECT_EQ(other[b].value, 2);
  }
  EXPECT_EQ(Counted::alive, 0);
}

}  // namespace
}  // namespace inflight

namespace inflight {
namespace {

TEST(Kernel, ALineSaidAgainIsCountedNotRepeated) {
  Kernel kernel(Topology{.cpus = 2}, BugSet{}, /*record_trace=*/true);
  kernel.begin_step(0, 0, Context::workqueue);
  for (int i = 0; i < 5; i++) {
    kernel.log_line("running page_pool_release_retry");
    kernel.advance(1000);
  }
  kernel.begin_step(1, 1, Context::workqueue);  // another CPU: not the same line
  kernel.log_line("running page_pool_release_retry");
  kernel.log_line("running page_pool_release_retry");
  const std::vector<std::string>& t = kernel.trace();  // reading it writes the last run
  ASSERT_EQ(t.size(), 4u);
  EXPECT_NE(t[0].find("cpu0 workqueue running page_pool_release_retry"), std::string::npos) << t[0];
  EXPECT_NE(t[1].find("[    4.000000] cpu0 workqueue (the line above repeated 4 more times"),
            std::string::npos)
      << t[1];
  EXPECT_NE(t[2].find("cpu1 workqueue running page_pool_release_retry"), std::string::npos) << t[2];
  EXPECT_NE(t[3].find("repeated 1 more time, the last"), std::string::npos) << t[3];
}

TEST(ModelAssertDeathTest, AFrontEndsLastWordsComeBeforeTheAbort) {
  const auto fail = [] {
    detail::model_assert_last_words = [] { std::fputs("the trace so far\n", stderr); };
    const int limit = 1;
    MODEL_ASSERT(limit > 1);
  };
  EXPECT_DEATH(fail(), "the trace so far\ninflight: MODEL_ASSERT\\(limit > 1\\) failed");
}

}  // namespace
}  // namespace inflight
