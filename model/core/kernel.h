// model/core/kernel.h
//
// The execution environment every subsystem runs in: CPUs and the context a step runs
// in, virtual time, delayed work and timers, RCU grace periods, the trace and the
// findings. No I/O, randomness, clocks or threads: the event stream chooses everything.
//
// Contexts and steps: a kernel operation is one atomic step unless the kernel has a
// window inside it; then it is split into steps at the window. Deferred contexts (a work
// item, a timer, an RCU callback) are queued here and run only when an event picks them
// (RunDeferred) or when World::finish() drains them.
//
// RCU (simplified, spec §8.1 `rcu_grace_period`): one grace period at a time. A callback
// queued with call_rcu() waits for the first grace period that starts after it; a grace
// period completes once every CPU has reported a quiescent state (RcuQs) since it began.
//
// Time is in milliseconds (HZ = 1000). Not modelled: per-CPU workqueue affinity, timer
// slack, preemption inside a step.
#pragma once

#include <boost/container/static_vector.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/assert.h"
#include "model/core/bugs.h"
#include "model/core/config.h"
#include "model/core/ids.h"
#include "model/core/violation.h"

namespace inflight {

enum class Context : uint8_t { process, softirq, kthread, workqueue, rcu_callback, timer, tx_irq };
std::string_view context_name(Context context);

// What a deferred context runs: the kernel function, by name. The world dispatches each to
// its subsystem (World::run_work), so no subsystem below the world needs to know it.
enum class Work : uint8_t {
  page_pool_release_retry,        // page_pool.cc
  mem_id_disconnect_defer_retry,  // xdp_mem.cc
  xdp_mem_allocator_rcu_free,     // xdp_mem.cc: __xdp_mem_allocator_rcu_free
  cpu_map_entry_free,             // cpumap.cc: __cpu_map_entry_free
  generic_tx_callout,             // generic_tx.cc: netmap's tx_event callout
  count
};
inline constexpr std::string_view kWorkNames[] = {
    "page_pool_release_retry", "mem_id_disconnect_defer_retry", "__xdp_mem_allocator_rcu_free",
    "__cpu_map_entry_free", "generic_tx_callout"};
static_assert(std::size(kWorkNames) == static_cast<size_t>(Work::count));
inline std::string_view work_name(Work w) { return kWorkNames[static_cast<size_t>(w)]; }

enum class DeferredKind : uint8_t { work, timer, rcu };

struct Deferred {
  Work work = Work::page_pool_release_retry;
  DeferredKind kind = DeferredKind::work;
  CpuId cpu = 0;
  uint32_t arg = 0;
  uint64_t due_ms = 0;     // work and timers: runnable when now >= due
  uint64_t rcu_gp = 0;     // RCU callbacks: runnable when this grace period has completed
  uint64_t delay_ms = 0;   // work and timers: as queued (the explorer's time abstraction)
  std::string_view name() const { return work_name(work); }
};

// Model coverage counters (coverage.def).
enum class Cov : uint8_t {
#define INFLIGHT_COVERAGE(name, lifecycle, what) name,
#include "model/core/coverage.def"
#undef INFLIGHT_COVERAGE
  count
};
inline constexpr size_t kCoverageCounters = static_cast<size_t>(Cov::count);
struct CoverageInfo {
  std::string_view name, lifecycle, what;
};
inline constexpr CoverageInfo kCoverage[] = {
#define INFLIGHT_COVERAGE(name, lifecycle, what) {#name, #lifecycle, what},
#include "model/core/coverage.def"
#undef INFLIGHT_COVERAGE
};
using CoverageCounts = std::array<uint32_t, kCoverageCounters>;

class Kernel {
 public:
  Kernel(const Topology& topology, BugSet bugs, bool record_trace);

  const Topology& topology() const { return topology_; }
  const BugSet& bugs() const { return bugs_; }
  bool bug(Bug b) const { return bugs_.has(b); }
  // Every delay the model queues work or a timer with (ms): the clock regions of the
  // explorer's time abstraction (hash_state), which checks that no other delay is in use.
  static constexpr uint64_t kDelays[] = {0, 1, 1000};
  // The state the explorer hashes (model/core/state_hash.h): pending work and what it
  // waits for, not the clock or the grace period numbers. Time is abstracted as a timed
  // automaton's regions: an item's time left only by where it lies among kDelays (due,
  // exactly 1 ms, between 1 and 1000 ms, exactly 1000 ms), and the order of all the
  // pending items' times. When the alphabet can advance time by 1 ms, two states that
  // differ only within a region reach the same states, up to the clock (time decides
  // nothing else than what is due: the stall warning's time is messages only); the
  // explorer says so when its alphabet cannot.
  template <class H>
  void hash_state(H& h) const {
    const auto classes = time_classes(0);
    h.word(deferred_.size());
    for (size_t i = 0; i < deferred_.size(); i++) {
      const Deferred& d = deferred_[i];
      h.word((uint64_t{static_cast<uint8_t>(d.work)} << 16) |
             (uint64_t{static_cast<uint8_t>(d.kind)} << 8) | d.cpu);
      if (d.work == Work::page_pool_release_retry) h.template packed<PoolTag>(d.arg);
      else if (d.work == Work::xdp_mem_allocator_rcu_free ||
               d.work == Work::mem_id_disconnect_defer_retry)
        h.cyclic_id(d.arg);
      else h.word(d.arg);
      if (d.kind == DeferredKind::rcu) {
        h.word(d.rcu_gp > gp_completed_ ? d.rcu_gp - gp_completed_ : 0);  // 0: runnable
        continue;
      }
      MODEL_ASSERT(std::find(std::begin(kDelays), std::end(kDelays), d.delay_ms) != std::end(kDelays));
      h.word(classes[i]);
    }
    h(gp_in_progress_);
    h(qs_mask_);
    h(violations_);
  }
  static_assert(kMaxDeferred < 256, "a rank fits in a byte");
  // Where each pending item's time left lies in that abstraction were the clock `ms` on:
  // (2 x its region, + 1 when past the region's constant) << 8 | its rank among the
  // distinct times left; 0 for an RCU callback.
  boost::container::static_vector<uint16_t, kMaxDeferred> time_classes(uint64_t ms) const {
    const auto left = [&](const Deferred& d) {
      return d.due_ms > now_ms_ + ms ? d.due_ms - now_ms_ - ms : 0;
    };
    boost::container::static_vector<uint64_t, kMaxDeferred> times;  // distinct, in order
    for (const Deferred& d : deferred_)
      if (d.kind != DeferredKind::rcu) times.push_back(left(d));
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    boost::container::static_vector<uint16_t, kMaxDeferred> out;
    for (const Deferred& d : deferred_) {
      if (d.kind == DeferredKind::rcu) {
        out.push_back(0);
        continue;
      }
      const uint64_t l = left(d);
      size_t region = 0;
      while (region + 1 < std::size(kDelays) && kDelays[region + 1] <= l) region++;
      const auto rank = std::lower_bound(times.begin(), times.end(), l) - times.begin();
      out.push_back(static_cast<uint16_t>((2 * region + (l != kDelays[region])) << 8 |
                                          static_cast<size_t>(rank)));
    }
    return out;
  }
  // Whether moving the clock on by `a` or by `b` ms leaves the same hashed state: every
  // timed item in the same region and the same order.
  bool advances_alike(uint64_t a, uint64_t b) const { return time_classes(a) == time_classes(b); }
  // Model coverage: one transition taken.
  void count(Cov c, uint32_t times = 1) { coverage_[static_cast<size_t>(c)] += times; }
  const CoverageCounts& coverage() const { return coverage_; }
  ViolationLog& violations() { return violations_; }
  const ViolationLog& violations() const { return violations_; }

  // ---- steps and contexts ----
  void begin_step(uint32_t step, CpuId cpu, Context context);
  uint32_t step() const { return step_; }
  CpuId cpu() const { return cpu_; }
  Context context() const { return context_; }
  CpuId resolve_cpu(uint8_t pick) const { return static_cast<CpuId>(pick % topology_.cpus); }

  // ---- atomic context (P12) ----
  // Models: rcu_read_lock() / rcu_read_unlock() nesting, as far as might_sleep() sees it.
  // Locks are held only inside one step, so a step starts outside any read-side section.
  void rcu_read_lock() { rcu_read_depth_++; }
  void rcu_read_unlock() {
    MODEL_ASSERT(rcu_read_depth_ > 0);
    rcu_read_depth_--;
  }
  // Models: might_sleep(). A sleeping operation (mutex_lock, synchronize_net, a function
  // that may call them) in softirq or IRQ context or inside an RCU read-side section is a
  // finding: "BUG: sleeping function called from invalid context".
  void might_sleep(std::string_view actor);

  // ---- virtual time ----
  uint64_t now_ms() const { return now_ms_; }
  void advance(uint64_t ms) { now_ms_ += ms; }

  // ---- deferred contexts ----
  // Models: queue_delayed_work() (a work item already pending is not queued twice).
  void queue_delayed_work(Work work, uint32_t arg, uint64_t delay_ms);
  // Models: mod_timer() (re-arms a pending timer).
  void mod_timer(Work work, uint32_t arg, uint64_t delay_ms);
  // Models: call_rcu().
  void call_rcu(Work work, uint32_t arg);
  // Models: cancel_delayed_work() / del_timer(). Returns whether it was pending.
  // Both look at work items and timers only; RCU callbacks cannot be cancelled.
  bool cancel(Work work, uint32_t arg);
  bool pending(Work work, uint32_t arg) const;

  size_t deferred_count() const { return deferred_.size(); }
  size_t runnable_count() const;
  bool any_runnable() const;  // runnable_count() > 0, stopping at the first
  // Removes the pick-th runnable item (modulo) and returns it; the caller runs it.
  Deferred take_runnable(uint8_t pick);
  // The earliest due time of a pending timed item, or UINT64_MAX.
  uint64_t next_due_ms() const;
  // Whether no timed item waits for the clock (each is due already, or there is none):
  // advancing it then changes only the clock.
  bool none_waiting_for_time() const;
  bool rcu_callbacks_waiting() const;
  uint64_t time_left(const Deferred& d) const { return d.due_ms > now_ms_ ? d.due_ms - now_ms_ : 0; }
  const boost::container::static_vector<Deferred, kMaxDeferred>& deferred() const {
    return deferred_;
  }
  // Models nothing: a shortcut for runs whose outcome is known. When every pending item is
  // work that re-queues itself `period_ms` on each time it runs and changes nothing else,
  // `periods` whole periods of running them end here: the clock `periods` x `period_ms`
  // on, each item due as much later, queued with that delay, and the items in the order
  // they ran in (by due time, ties in list order, as take_runnable(0) takes them).
  void skip_periods(uint64_t periods, uint64_t period_ms);

  // ---- RCU ----
  void rcu_quiescent_state(CpuId cpu);
  bool grace_period_in_progress() const { return gp_in_progress_; }
  // Whether a quiescent state of `cpu` would change nothing: no grace period is in
  // progress, or `cpu` passed one in it already.
  bool quiescent_already(CpuId cpu) const { return !gp_in_progress_ || (qs_mask_ >> cpu & 1u); }
  uint64_t grace_periods_completed() const { return gp_completed_; }

  // ---- trace and findings ----
  INFLIGHT_QUIET bool tracing() const { return record_trace_; }
  // One kernel-log-like line, prefixed with time, CPU and context. No-op unless tracing.
  // A line that says again exactly what the one before it said (same CPU, context and
  // text, only later) is counted instead: the trace gets one line "the line above
  // repeated N more times, the last at this time" when something else is said, or when
  // the trace is read (a destroyed pool's retry every second for an hour is two lines).
  template <class... Args>
  void log(fmt::format_string<Args...> format, Args&&... args) {
    if (!tracing()) return;
    log_line(fmt::format(format, std::forward<Args>(args)...));
  }
  void log_line(std::string_view text);
  const std::vector<std::string>& trace() const {
    flush_repeats();
    return trace_;
  }

  // An event's guard does not hold: says which (fixed words; World::apply prints it as
  // "skipped: <why>" and clears it before each event) and returns false for the caller
  // to return.
  bool skip(std::string_view why) {
    skip_reason_ = why;
    return false;
  }
  std::string_view skip_reason() const { return skip_reason_; }
  void clear_skip() { skip_reason_ = {}; }

  // A protocol rule is broken: record the finding (and a trace line) and go on. `site` and
  // `detail` make its key (violation.h): fixed words, never a count or an address. The
  // message is formatted from `format` and `args` only when it is shown: traced, or kept
  // (set_messages) among the first kMaxViolations findings.
  template <class... Args>
  void report(Violation kind, std::string_view site, std::string_view detail,
              fmt::format_string<Args...> format, Args&&... args) {
    const bool shown = tracing() || (messages_ && violations_.keeps_more());
    record(kind, site, detail,
           shown ? fmt::format(format, std::forward<Args>(args)...) : std::string());
  }
  // Whether findings keep their message (the default). A run whose findings are only
  // matched against key patterns, never shown, can leave the messages out: a fuzzer's
  // first run of an input, which runs it again, traced, to report a finding. A traced
  // run always keeps them.
  void set_messages(bool keep) { messages_ = keep; }

 private:
  std::string_view skip_reason_;  // why the step's event was skipped (static text)
  void start_grace_period();
  void record(Violation kind, std::string_view site, std::string_view detail, std::string message);

  Topology topology_;
  BugSet bugs_;
  bool record_trace_;
  bool messages_ = true;
  ViolationLog violations_;
  CoverageCounts coverage_{};
  void flush_repeats() const;
  // The trace, and the run of repeats of its last line not yet written (read through
  // trace(), which writes it: logically const).
  mutable std::vector<std::string> trace_;
  std::string last_line_;  // the last line written, without its time
  mutable uint32_t repeats_ = 0;
  uint64_t last_repeat_ms_ = 0;
  CpuId last_cpu_ = 0;
  Context last_context_ = Context::process;

  uint32_t step_ = 0;
  CpuId cpu_ = 0;
  Context context_ = Context::process;
  uint8_t rcu_read_depth_ = 0;
  uint64_t now_ms_ = 0;

  boost::container::static_vector<Deferred, kMaxDeferred> deferred_;
  bool gp_in_progress_ = false;
  uint64_t gp_current_ = 0;    // the grace period in progress
  uint64_t gp_completed_ = 0;  // the last completed grace period
  uint8_t qs_mask_ = 0;        // CPUs that passed a quiescent state in gp_current_
};

}  // namespace inflight
