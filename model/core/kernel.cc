#include "model/core/kernel.h"

#include <algorithm>
#include <array>
#include <limits>

namespace inflight {

std::string_view context_name(Context context) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "process", "softirq", "kthread", "workqueue", "rcu", "timer", "tx_irq"};
  return kNames[static_cast<size_t>(context)];
}

Kernel::Kernel(const Topology& topology, BugSet bugs, bool record_trace)
    : topology_(topology), bugs_(bugs), record_trace_(record_trace) {
  MODEL_ASSERT(topology.cpus >= 1 && topology.cpus <= kMaxCpus);
  MODEL_ASSERT(topology.devices >= 1 && topology.devices <= kMaxDevices);
}

void Kernel::begin_step(uint32_t step, CpuId cpu, Context context) {
  MODEL_ASSERT(cpu < topology_.cpus);
  MODEL_ASSERT(rcu_read_depth_ == 0);  // no read-side section spans two steps
  step_ = step;
  cpu_ = cpu;
  context_ = context;
}

void Kernel::might_sleep(std::string_view actor) {
  const bool atomic = context_ == Context::softirq || context_ == Context::tx_irq ||
                      context_ == Context::timer || context_ == Context::rcu_callback;
  if (!atomic && rcu_read_depth_ == 0) return;
  report(Violation::sleep_in_atomic, actor, "",
         "{} may sleep but runs in {} context on cpu{} [rcu_read_lock depth={}]", actor,
         context_name(context_), cpu_, rcu_read_depth_);
}

void Kernel::queue_delayed_work(Work work, uint32_t arg, uint64_t delay_ms) {
  if (pending(work, arg)) return;
  MODEL_ASSERT(deferred_.size() < deferred_.capacity());
  deferred_.push_back(Deferred{work, DeferredKind::work, cpu_, arg, now_ms_ + delay_ms, 0, delay_ms});
}

void Kernel::mod_timer(Work work, uint32_t arg, uint64_t delay_ms) {
  cancel(work, arg);
  MODEL_ASSERT(deferred_.size() < deferred_.capacity());
  deferred_.push_back(Deferred{work, DeferredKind::timer, cpu_, arg, now_ms_ + delay_ms, 0, delay_ms});
}

void Kernel::call_rcu(Work work, uint32_t arg) {
  MODEL_ASSERT(deferred_.size() < deferred_.capacity());
  // The callback needs a full grace period that begins after this call.
  const uint64_t needed = gp_in_progress_ ? gp_current_ + 1 : gp_completed_ + 1;
  deferred_.push_back(Deferred{work, DeferredKind::rcu, cpu_, arg, 0, needed});
  if (!gp_in_progress_) start_grace_period();
}

bool Kernel::cancel(Work work, uint32_t arg) {
  for (auto it = deferred_.begin(); it != deferred_.end(); ++it) {
    if (it->work == work && it->arg == arg && it->kind != DeferredKind::rcu) {
      deferred_.erase(it);
      return true;
    }
  }
  return false;
}

bool Kernel::pending(Work work, uint32_t arg) const {
  for (const Deferred& d : deferred_)
    if (d.work == work && d.arg == arg && d.kind != DeferredKind::rcu) return true;
  return false;
}

namespace {
bool is_runnable(const Deferred& d, uint64_t now, uint64_t gp_completed) {
  return d.kind == DeferredKind::rcu ? gp_completed >= d.rcu_gp : now >= d.due_ms;
}
}  // namespace

size_t Kernel::runnable_count() const {
  size_t n = 0;
  for (const Deferred& d : deferred_) n += is_runnable(d, now_ms_, gp_completed_) ? 1 : 0;
  return n;
}

bool Kernel::any_runnable() const {
  return std::any_of(deferred_.begin(), deferred_.end(),
                     [&](const Deferred& d) { return is_runnable(d, now_ms_, gp_completed_); });
}

Deferred Kernel::take_runnable(uint8_t pick) {
  size_t want = 0;  // pick 0 is the first runnable item: no count needed
  if (pick != 0) {
    const size_t n = runnable_count();
    MODEL_ASSERT(n > 0);
    want = pick % n;
  }
  for (auto it = deferred_.begin(); it != deferred_.end(); ++it) {
    if (!is_runnable(*it, now_ms_, gp_completed_)) continue;
    if (want-- == 0) {
      const Deferred d = *it;
      deferred_.erase(it);
      return d;
    }
  }
  MODEL_ASSERT(false);
  return Deferred{};
}

void Kernel::skip_periods(uint64_t periods, uint64_t period_ms) {
  for (Deferred& d : deferred_) {
    MODEL_ASSERT(d.kind == DeferredKind::work && d.due_ms >= now_ms_ &&
                 d.due_ms - now_ms_ < period_ms);
    d.due_ms += periods * period_ms;
    d.delay_ms = period_ms;
  }
  // A stable insertion sort: a few items, and std::stable_sort would allocate a buffer.
  for (size_t i = 1; i < deferred_.size(); i++)
    for (size_t j = i; j > 0 && deferred_[j].due_ms < deferred_[j - 1].due_ms; j--)
      std::swap(deferred_[j], deferred_[j - 1]);
  now_ms_ += periods * period_ms;
}

uint64_t Kernel::next_due_ms() const {
  uint64_t due = std::numeric_limits<uint64_t>::max();
  for (const Deferred& d : deferred_)
    if (d.kind != DeferredKind::rcu && d.due_ms < due) due = d.due_ms;
  return due;
}

bool Kernel::none_waiting_for_time() const {
  return std::none_of(deferred_.begin(), deferred_.end(), [&](const Deferred& d) {
    return d.kind != DeferredKind::rcu && d.due_ms > now_ms_;
  });
}

bool Kernel::rcu_callbacks_waiting() const {
  for (const Deferred& d : deferred_)
    if (d.kind == DeferredKind::rcu && d.rcu_gp > gp_completed_) return true;
  return false;
}

void Kernel::start_grace_period() {
  MODEL_ASSERT(!gp_in_progress_);
  gp_in_progress_ = true;
  gp_current_ = gp_completed_ + 1;
  qs_mask_ = 0;
}

void Kernel::rcu_quiescent_state(CpuId cpu) {
  MODEL_ASSERT(cpu < topology_.cpus);
  if (!gp_in_progress_) return;
  qs_mask_ = static_cast<uint8_t>(qs_mask_ | (1u << cpu));
  if (qs_mask_ != (1u << topology_.cpus) - 1) return;
  gp_in_progress_ = false;
  gp_completed_ = gp_current_;
  log("rcu: grace period {} completed", gp_completed_);
  if (rcu_callbacks_waiting()) start_grace_period();
}

void Kernel::log_line(std::string_view text) {
  if (!tracing()) return;
  std::string line = fmt::format("cpu{} {:<9} {}", cpu_, context_name(context_), text);
  if (!trace_.empty() && line == last_line_) {
    repeats_++;
    last_repeat_ms_ = now_ms_;
    return;
  }
  flush_repeats();
  trace_.push_back(fmt::format("[{:5}.{:06}] {}", now_ms_ / 1000, (now_ms_ % 1000) * 1000, line));
  last_line_ = std::move(line);
  last_cpu_ = cpu_;
  last_context_ = context_;
}

void Kernel::flush_repeats() const {
  if (repeats_ == 0) return;
  trace_.push_back(fmt::format("[{:5}.{:06}] cpu{} {:<9} (the line above repeated {} more {}, "
                               "the last at this time)",
                               last_repeat_ms_ / 1000, (last_repeat_ms_ % 1000) * 1000, last_cpu_,
                               context_name(last_context_), repeats_,
                               repeats_ == 1 ? "time" : "times"));
  repeats_ = 0;
}

void Kernel::record(Violation kind, std::string_view site, std::string_view detail,
                    std::string message) {
  if (tracing())
    log("FINDING {}: {}", FindingKey{kind, std::string(site), std::string(detail)}.str(), message);
  violations_.report(kind, site, detail, step_, std::move(message));
}

}  // namespace inflight
