#include "model/world.h"

#include <algorithm>

#include "model/core/codec.h"

namespace inflight {

namespace {

constexpr uint64_t kTickMs[] = {1, 10, 100, 1000};
constexpr uint64_t kIdleMs[] = {1000, 10000, 60000, 180000};

// The CPU an event names, if it has one.
uint8_t event_cpu(const Event& event) {
  return std::visit(
      [](const auto& e) -> uint8_t {
        if constexpr (requires { e.cpu; }) return e.cpu;
        return 0;
      },
      event);
}
}  // namespace

World::World(const Topology& topology, BugSet bugs, bool record_trace, bool driver_faults,
             std::string_view driver)
    : kernel_(topology, bugs, record_trace),
      oracle_(kernel_),
      pages_(kernel_, oracle_),
      dma_(kernel_, oracle_, pages_),
      client_(kernel_, pages_, dma_),
      pools_(kernel_, oracle_, pages_, dma_, napis_),
      skbs_(kernel_, oracle_, pages_, pools_),
      xdp_(kernel_, pools_, pages_),
      redirect_(kernel_, xdp_, dma_, pages_),
      tun_(kernel_, pages_, skbs_, xdp_, redirect_),
      cpumap_(kernel_, xdp_, skbs_),
      netmap_(kernel_) {
  pools_.set_xdp_mem(xdp_);
  for (DeviceId d = 0; d < topology.devices; d++) dma_.set_driver(d, DmaClient::kActor);
  MODEL_ASSERT(topology.driver < kDriverModels && driver_models()[topology.driver].production);
  const DriverModel* model = driver.empty() ? &driver_models()[topology.driver] : driver_model(driver);
  MODEL_ASSERT(model != nullptr);  // front ends reject unknown names as usage errors
  driver_ = model->make(
      DriverEnv{kernel_, oracle_, pages_, dma_, napis_, pools_, skbs_, xdp_, redirect_,
                cpumap_, driver_faults});
  driver_name_ = model->name;
  driver_faults_ = driver_faults;
}

World::World(const World& other)
    : World(other.kernel_.topology(), other.kernel_.bugs(), other.kernel_.tracing(),
            other.driver_faults_, other.driver_name_) {
  *this = other;
}

World& World::operator=(const World& other) {
  if (this == &other) return *this;
  MODEL_ASSERT(kernel_.topology() == other.kernel_.topology() &&
               kernel_.bugs() == other.kernel_.bugs() && driver_name_ == other.driver_name_ &&
               driver_faults_ == other.driver_faults_);
  kernel_ = other.kernel_;
  oracle_ = other.oracle_;
  pages_ = other.pages_;
  dma_ = other.dma_;
  client_ = other.client_;
  napis_ = other.napis_;
  pools_ = other.pools_;
  skbs_ = other.skbs_;
  xdp_ = other.xdp_;
  redirect_ = other.redirect_;
  tun_ = other.tun_;
  cpumap_ = other.cpumap_;
  netmap_ = other.netmap_;
  driver_->assign(*other.driver_);
  step_ = other.step_;
  skipped_ = other.skipped_;
  finished_ = other.finished_;
  return *this;
}

// The driver core unbinds a device: the bound driver's remove runs first.
bool World::unbind(DeviceId dev) {
  if (!dma_.bound(dev)) return kernel_.skip("the device is already unbound");
  // The removes below wait for producers inside a page_pool ring lock.
  pools_.producer_unlock_all();
  if (driver_->dev() == dev) driver_->remove();
  // The redirect target's remove frees its TX ring: unmap, return each frame.
  if (redirect_.maps() && dev == XdpRedirectTarget::kDev) redirect_.complete_all();
  dma_.device_unbind(dev, "driver_core");
  return true;
}

bool World::apply(const Event& event) {
  MODEL_ASSERT(!finished_);
  kernel_.begin_step(step_, kernel_.resolve_cpu(event_cpu(event)), Context::process);
  if (kernel_.tracing()) kernel_.log_line(fmt::format("> {}", format_event(event)));
  kernel_.clear_skip();
  const bool applied = apply_inner(event);
  if (!applied) {
    skipped_++;
    const std::string_view why = kernel_.skip_reason();
    kernel_.log("  skipped: {}", why.empty() ? "its guard does not hold" : why);
  } else {
    pools_.check();
    xdp_.check();
  }
  step_++;
  return applied;
}

bool World::apply_inner(const Event& event) {
  return std::visit(
      Overloaded{
          [&](const Tick& e) {
            kernel_.advance(kTickMs[e.by]);
            return true;
          },
          [&](const RcuQs& e) {
            kernel_.rcu_quiescent_state(kernel_.resolve_cpu(e.cpu));
            return true;
          },
          [&](const RunDeferred& e) {
            if (!kernel_.any_runnable())
              return kernel_.skip(
                  "nothing is runnable (no work or timer due, no grace period completed)");
            const Deferred d = kernel_.take_runnable(e.pick);
            const Context context = d.kind == DeferredKind::rcu     ? Context::rcu_callback
                                    : d.kind == DeferredKind::timer ? Context::timer
                                                                    : Context::workqueue;
            kernel_.begin_step(step_, d.cpu, context);
            kernel_.log("running {}", d.name());
            run_work(d.work, d.arg);
            return true;
          },
          [&](const DeviceUnbind& e) {
            return unbind(static_cast<DeviceId>(e.dev % kernel_.topology().devices));
          },
          [&](const DriverOpen&) { return driver_->open(); },
          [&](const DriverStop&) { return driver_->stop(); },
          [&](const NapiPoll& e) {
            const int queue = e.queue % driver_->queues();
            kernel_.begin_step(step_, driver_->queue_cpu(queue), Context::softirq);
            return driver_->poll(queue, static_cast<RxAction>(e.action));
          },
          [&](const DriverTxClean& e) {
            const int queue = e.queue % driver_->queues();
            kernel_.begin_step(step_, driver_->queue_cpu(queue), Context::softirq);
            return driver_->tx_clean(queue);
          },
          [&](const DriverReconfigure& e) {
            return driver_->reconfigure(e.queue % driver_->queues());
          },
          [&](const DriverFault& e) {
            const int queue = e.queue % driver_->queues();
            kernel_.begin_step(step_, driver_->queue_cpu(queue), Context::softirq);
            return driver_->fault_double_put(queue);
          },
          [&](const SkbFree& e) { return skb_free(e); },
          [&](const SkbClone& e) { return skbs_.clone(e.skb); },
          [&](const SkbExpandHead& e) { return skbs_.expand_head(e.skb); },
          [&](const SkbCoalesce& e) { return skbs_.coalesce(e.to, e.from); },
          [&](const XdpMemInsertFail&) {
            if (xdp_.insert_failure_armed())
              return kernel_.skip("an insert failure is already armed");
            xdp_.inject_insert_failure();
            return true;
          },
          [&](const CpumapUpdate& e) { return cpumap_.update(e.slot % Cpumap::kEntries); },
          [&](const CpumapDelete& e) { return cpumap_.remove(e.slot % Cpumap::kEntries); },
          [&](const CpumapKthread& e) {
            const uint8_t slot = e.slot % Cpumap::kEntries;
            kernel_.begin_step(step_, kernel_.resolve_cpu(slot), Context::kthread);
            if (!cpumap_.kthread_has_frames(slot))
              return kernel_.skip("no running cpumap kthread of that slot has frames queued");
            pools_.producer_unlock_all();  // its puts would spin on a producer lock
            cpumap_.kthread_run(slot);
            return true;
          },
          [&](const Idle& e) {
            idle(kIdleMs[e.by]);
            return true;
          },
          [&](const XdpTxComplete& e) {
            kernel_.begin_step(step_, kernel_.resolve_cpu(XdpRedirectTarget::kCpu),
                               Context::softirq);
            return e.mode == 0 ? redirect_.complete(e.pick) : redirect_.complete_bulk();
          },
          [&](const TunWrite& e) {
            kernel_.begin_step(step_, kernel_.resolve_cpu(e.writer % Tun::kWriters),
                               Context::process);
            return tun_.write(e.writer, e.len, static_cast<Tun::Mode>(e.mode),
                              static_cast<Tun::Verdict>(e.verdict));
          },
          [&](const NmTxsync& e) { return netmap_.user_txsync(e.fill); },
          [&](const NmMemberFree& e) {
            kernel_.begin_step(step_, 0, Context::softirq);
            return netmap_.member_free(e.queue);
          },
          [&](const NmMemberHold& e) { return netmap_.member_hold(e.pick); },
          [&](const NmMemberChain& e) { return netmap_.member_chain(e.pick); },
          [&](const NmUnregister&) { return netmap_.unregister(); },
          [&](const PpReleaseCount& e) {
            if (!pools_.release_count_pending())
              return kernel_.skip("no page_pool release is halfway");
            pools_.finish_release(e.pick);
            return true;
          },
          [&](const PpProducerUnlock& e) {
            if (!pools_.producer_unlock_pending())
              return kernel_.skip("no ring producer holds its lock");
            pools_.producer_unlock(e.pick);
            return true;
          },
          [&](const auto& e) { return client_.apply(e); },
      },
      event);
}

void World::run_work(Work work, uint32_t arg) {
  if (work_observer_) work_observer_(work_observer_ctx_, work, arg);
  switch (work) {
    case Work::page_pool_release_retry: return pools_.release_retry(arg);
    case Work::mem_id_disconnect_defer_retry: return xdp_.disconnect_defer_retry(arg);
    case Work::xdp_mem_allocator_rcu_free: return xdp_.allocator_rcu_free(arg);
    case Work::cpu_map_entry_free:
      // The kthread's puts would spin on a ring producer lock: those producers finish first.
      pools_.producer_unlock_all();
      return cpumap_.entry_free(arg);
    case Work::generic_tx_callout: return netmap_.callout();
    case Work::count: break;
  }
  MODEL_ASSERT(false);
}

// The stack frees an skb: in softirq or process context, or inside the NAPI poll of the
// driver queue steered to the CPU (napi_consume_skb from a TX completion, GRO, deferred
// frees): there the napi-local test of its pages' pools is true for the queue's pool.
bool World::skb_free(const SkbFree& e) {
  const CpuId cpu = kernel_.resolve_cpu(e.cpu);
  if (e.ctx != kSkbFreeInNapi) {
    kernel_.begin_step(step_, cpu, e.ctx == 0 ? Context::softirq : Context::process);
    return skbs_.free(e.skb, /*split=*/true);
  }
  kernel_.begin_step(step_, cpu, Context::softirq);
  for (int queue = 0; queue < driver_->queues(); queue++) {
    const NapiId napi = driver_->queue_napi(queue);
    if (driver_->queue_cpu(queue) != cpu || napi == kNoNapi || !napis_.enabled(napi)) continue;
    napis_.begin_poll(napi, cpu);
    const bool freed = skbs_.free(e.skb, /*split=*/true);
    napis_.end_poll(napi);
    return freed;
  }
  return kernel_.skip("no enabled NAPI of the driver is steered to this CPU");
}

bool World::run_due(uint64_t deadline) {
  for (int i = 0; i < kFinishMaxSteps; i++) {
    if (kernel_.any_runnable()) {
      // The deferred context runs as its own step; the caller's context is restored.
      const CpuId cpu = kernel_.cpu();
      const Context context = kernel_.context();
      apply_inner(RunDeferred{0});
      kernel_.begin_step(step_, cpu, context);
    } else if (kernel_.grace_period_in_progress()) {  // idle CPUs are quiescent
      for (CpuId c = 0; c < kernel_.topology().cpus; c++) kernel_.rcu_quiescent_state(c);
    } else {
      const uint64_t due = kernel_.next_due_ms();  // UINT64_MAX when nothing is timed
      if (due > deadline) break;
      kernel_.advance(due - kernel_.now_ms());
      i += skip_idle_retries(deadline, kFinishMaxSteps - i);
    }
  }
  return kernel_.deferred_count() == 0;
}

int World::skip_idle_retries(uint64_t deadline, int steps_left) {
  if (kernel_.tracing() || work_observer_) return 0;
  // Called just after run_due advanced the clock to the earliest due item. Each item,
  // due within the coming second, runs once a second at its due time and is re-queued 1 s
  // on, so items out of step keep their order: a round takes m steps that run an item and
  // u that advance the clock (u distinct due times), and round j ends at last + j s.
  constexpr uint64_t kGap = PagePools::kDeferTimeMs;
  const auto& pending = kernel_.deferred();
  uint64_t last = 0;
  int distinct = 0;
  for (size_t i = 0; i < pending.size(); i++) {
    const Deferred& d = pending[i];
    if (d.work != Work::page_pool_release_retry || d.kind != DeferredKind::work ||
        kernel_.time_left(d) >= kGap || !pools_.retry_is_idle(d.arg))
      return 0;
    last = std::max(last, d.due_ms);
    const auto same_due = [&](const Deferred& e) { return e.due_ms == d.due_ms; };
    distinct +=
        std::none_of(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(i), same_due);
  }
  if (last > deadline) return 0;
  const auto steps = static_cast<int>(pending.size()) + distinct;
  // The rounds within the deadline and the steps left, all but the last (it runs as
  // deferred work, in the loop, as usual).
  const uint64_t rounds =
      std::min<uint64_t>((deadline - last) / kGap + 1, static_cast<uint64_t>(steps_left / steps));
  if (rounds < 2) return 0;
  for (const Deferred& d : pending) pools_.idle_retries(d.arg, d.due_ms, rounds - 1);
  kernel_.skip_periods(rounds - 1, kGap);
  return static_cast<int>(rounds - 1) * steps;
}

void World::idle(uint64_t ms) {
  const uint64_t until = kernel_.now_ms() + ms;
  // Nothing else runs, so producers inside a ring lock and releasers between their two
  // steps finish.
  pools_.producer_unlock_all();
  pools_.finish_releases();
  run_due(until);
  if (kernel_.now_ms() < until) kernel_.advance(until - kernel_.now_ms());
}

void World::settle() { run_due(kernel_.now_ms()); }

void World::run(std::span<const Event> events) {
  for (const Event& event : events) apply(event);
}

void World::netmap_liveness() {
  if (!netmap_.used()) return;
  kernel_.log("finish: netmap liveness: userspace keeps sending and polls, 1 ms per round");
  uint64_t progress_ms = kernel_.now_ms();
  uint64_t reclaimed = netmap_.reclaimed();
  // Done once the ring has turned over twice: every mbuf from before the phase has been
  // reclaimed or replaced, and the member frees all the new ones (it keeps no more).
  const uint64_t enough = reclaimed + 2u * kernel_.topology().nm_slots;
  constexpr int kRounds = 4 * NetmapGenericTx::kMaxSlots + 2 * static_cast<int>(NetmapGenericTx::kStallMs);
  for (int round = 0; round < kRounds; round++) {
    const uint64_t round_end = kernel_.now_ms() + 1;
    kernel_.begin_step(step_, 0, Context::process);
    netmap_.liveness_round();
    run_due(round_end);  // the callout, among others
    if (kernel_.now_ms() < round_end) kernel_.advance(round_end - kernel_.now_ms());
    if (netmap_.reclaimed() >= enough) return;
    if (netmap_.reclaimed() != reclaimed || !netmap_.pending()) {
      reclaimed = netmap_.reclaimed();
      progress_ms = kernel_.now_ms();
    } else if (kernel_.now_ms() - progress_ms > NetmapGenericTx::kStallMs) {
      netmap_.report_stall(progress_ms);
      return;
    }
  }
}

bool World::drain(std::string_view phase, bool report) {
  if (run_due(kernel_.now_ms() + kFinishMaxMs)) return true;
  if (!report) return false;
  const Deferred& d = kernel_.deferred().front();
  kernel_.report(Violation::stall, d.name(), phase,
                 "{}: {} is still pending on cpu{} after {} steps and {} ms of "
                 "virtual time [pending={}]",
                 phase, d.name(), d.cpu, kFinishMaxSteps, kernel_.now_ms(),
                 kernel_.deferred_count());
  return false;
}

void World::finish() {
  if (finished_) return;
  kernel_.begin_step(step_, 0, Context::process);
  kernel_.log("finish: no more injected work; tearing down");
  netmap_liveness();
  // Holders let go first, as at shutdown: producers leave their locks, sockets close and
  // purge their queues, the driver is removed, the raw DMA client frees what it holds.
  // Only then can deferred work (pool release retries) drain.
  pools_.producer_unlock_all();
  pools_.finish_releases();
  redirect_.complete_all();  // the peer stops: its TX ring is drained
  cpumap_.free_all();        // the map goes: entries freed after a grace period
  settle();
  skbs_.free_all();
  driver_->remove();
  client_.teardown();
  tun_.release_task_frags();
  netmap_.teardown();
  pages_.drain_frag_caches("finish");
  const bool drained = drain("teardown", true);
  for (DeviceId dev = 0; dev < kernel_.topology().devices; dev++) unbind(dev);
  drain("unbind", drained);  // a stall already named is not named twice
  pools_.check();
  xdp_.check();
  pools_.final_check();
  oracle_.final_check("finish");
  finished_ = true;
}

StateHash World::hash(bool symmetric) const {
  StateHash h;
  oracle_.hash_tables(h), pools_.hash_tables(h), skbs_.hash_tables(h), netmap_.hash_tables(h);
  xdp_.hash_ids(h);
  if (symmetric) {
    h.rename(HandleKind::page), h.rename(HandleKind::mapping), h.rename(HandleKind::shinfo);
    h.page_addresses(Oracle::kPhysBase, Oracle::kSlotShift, kMaxPages);
  }
  h(kernel_), h(oracle_), h(pages_), h(dma_), h(client_), h(napis_), h(pools_), h(skbs_);
  h(xdp_), h(redirect_), h(tun_), h(cpumap_), h(netmap_);
  driver_->hash_state(h);
  if (!symmetric) return h;
  // The renamed objects last, kind by kind in the order of their names (hashing one may
  // name others), until none is left; then those nothing named (leaked), in slot order.
  std::array<uint16_t, static_cast<size_t>(HandleKind::count)> done{};
  const auto named_ones = [&] {
    for (bool more = true; more;) {
      more = false;
      for (const HandleKind k : {HandleKind::page, HandleKind::mapping, HandleKind::shinfo}) {
        uint16_t& i = done[static_cast<size_t>(k)];
        for (; i < h.named_count(k); i++, more = true) {
          const uint16_t slot = h.named_slot(k, i);
          switch (k) {
            case HandleKind::page:
              oracle_.hash_page(h, slot), pools_.hash_page(h, slot);
              break;
            case HandleKind::mapping:
              oracle_.hash_mapping(h, slot);
              break;
            default:
              skbs_.hash_shinfo(h, slot);
          }
        }
      }
    }
  };
  named_ones();
  for (const uint16_t n : done) h.word(n);
  oracle_.for_each_mapping([&](MappingId id, const MappingState&) {
    if (!h.named(HandleKind::mapping, id.slot)) h.name(HandleKind::mapping, id.slot), named_ones();
  });
  oracle_.for_each_page([&](PageId id, const PageState&) {
    if (!h.named(HandleKind::page, id.slot)) h.name(HandleKind::page, id.slot), named_ones();
  });
  skbs_.for_each_shinfo([&](ShinfoId id) {
    if (!h.named(HandleKind::shinfo, id.slot)) h.name(HandleKind::shinfo, id.slot), named_ones();
  });
  // Lists whose order across pages is not state, by page name (a page they name first is
  // then hashed too).
  dma_.hash_by_page(h), pools_.hash_by_page(h);
  named_ones();
  return h;
}

bool World::changes_nothing(const Event& event) const {
  if (std::holds_alternative<Tick>(event)) return kernel_.none_waiting_for_time();
  if (const auto* qs = std::get_if<RcuQs>(&event))
    return kernel_.quiescent_already(kernel_.resolve_cpu(qs->cpu));
  // idle(): no producer lock or release to finish, nothing for run_due to run, time or
  // complete.
  if (std::holds_alternative<Idle>(event)) return idle_finds_only(0);
  // A coalesce skb_try_coalesce() refuses, or a head expand of an skb whose shared info
  // is its own already, with no producer lock for either to let go of.
  if (const auto* c = std::get_if<SkbCoalesce>(&event))
    return pools_.pending_unlocks() == 0 && skbs_.coalesce_refused(c->to, c->from);
  if (const auto* x = std::get_if<SkbExpandHead>(&event))
    return pools_.pending_unlocks() == 0 && skbs_.shinfo_private(x->skb);
  return false;
}

bool World::idle_finds_only(size_t unlocks) const {
  return pools_.pending_unlocks() == unlocks && pools_.pending_releases() == 0 &&
         kernel_.deferred_count() == 0 && !kernel_.grace_period_in_progress();
}

std::optional<Event> World::stand_in(const Event& event) const {
  if (std::optional<Event> reduced = beyond_topology(event)) return reduced;
  if (const auto* f = std::get_if<SkbFree>(&event); f && (f->cpu != 0 || f->ctx != 0))
    return SkbFree{0, f->skb, 0};
  if (std::holds_alternative<Idle>(event)) return PpProducerUnlock{0};
  if (const auto* t = std::get_if<Tick>(&event); t && t->by != 0) return Tick{0};
  return std::nullopt;
}

std::optional<Event> World::beyond_topology(const Event& event) const {
  // apply_inner() uses these fields only modulo their number (an skb free's CPU too, in
  // skb_free(); event_cpu() names no CPU for the queue's events).
  const auto reduced = [](auto e, auto field, size_t count) -> std::optional<Event> {
    if (e.*field < count) return std::nullopt;
    e.*field = static_cast<uint8_t>(e.*field % count);
    return e;
  };
  const size_t cpus = kernel_.topology().cpus, devices = kernel_.topology().devices;
  const auto queues = static_cast<size_t>(driver_->queues());
  return std::visit(
      Overloaded{
          [&](const RcuQs& e) { return reduced(e, &RcuQs::cpu, cpus); },
          [&](const SkbFree& e) { return reduced(e, &SkbFree::cpu, cpus); },
          [&](const DeviceUnbind& e) { return reduced(e, &DeviceUnbind::dev, devices); },
          [&](const NapiPoll& e) { return reduced(e, &NapiPoll::queue, queues); },
          [&](const DriverTxClean& e) { return reduced(e, &DriverTxClean::queue, queues); },
          [&](const DriverReconfigure& e) { return reduced(e, &DriverReconfigure::queue, queues); },
          [&](const DriverFault& e) { return reduced(e, &DriverFault::queue, queues); },
          [](const auto&) -> std::optional<Event> { return std::nullopt; },
      },
      event);
}

bool World::same_as_stand_in(const Event& event) const {
  if (beyond_topology(event)) return true;
  // Only a pool's put past a page's last pp reference asks which CPU and context it runs
  // in. Both run apply()'s checks alike; a free in a NAPI poll only marks the poll's CPU as
  // the NAPI's list owner for the free's sake, then clears it.
  if (const auto* f = std::get_if<SkbFree>(&event))
    return (f->cpu != 0 || f->ctx != 0) && !skbs_.free_may_recycle(f->skb);
  // idle(): unlock every producer (the one there is, in process context as the unlock
  // event), finish no release, run nothing, advance a clock nothing waits for.
  if (std::holds_alternative<Idle>(event)) return idle_finds_only(1);
  // A tick only moves the clock: the shortest one does the same when every timed item
  // ends up in the same place of the time abstraction (Kernel::hash_state).
  if (const auto* t = std::get_if<Tick>(&event))
    return t->by != 0 && kernel_.advances_alike(kTickMs[0], kTickMs[t->by]);
  return false;
}

uint32_t World::pick_modulus(const Event& event) const {
  const auto n = [](size_t v) { return static_cast<uint32_t>(v); };
  return std::visit(
      Overloaded{
          [&](const RunDeferred&) { return n(kernel_.runnable_count()); },
          // Bulk completes everything: its pick chooses nothing (every pick is pick 0).
          [&](const XdpTxComplete& e) { return e.mode == 0 ? n(redirect_.pick_modulus()) : 1; },
          [&](const SkbFree&) { return n(skbs_.held()); },
          [&](const SkbClone&) { return n(skbs_.held()); },
          [&](const SkbExpandHead&) { return n(skbs_.held()); },
          [&](const SkbCoalesce&) { return n(skbs_.held()); },
          [&](const NmMemberHold&) { return n(netmap_.held()); },
          [&](const NmMemberChain&) { return n(netmap_.held()); },
          [&](const PpReleaseCount&) { return n(pools_.pending_releases()); },
          [&](const PpProducerUnlock&) { return n(pools_.pending_unlocks()); },
          [&](const BufFree&) { return n(client_.buffers()); },
          [&](const DmaMap&) { return n(client_.buffers()); },
          [&](const DmaMappingError&) { return n(client_.records()); },
          [&](const DmaUnmap&) { return n(client_.records()); },
          [&](const DmaSync&) { return n(client_.records()); },
          [](const auto&) { return 0u; },
      },
      event);
}

void run_scenario(World& world, const Scenario& scenario) {
  world.run(scenario.events);
  world.finish();
}

}  // namespace inflight
