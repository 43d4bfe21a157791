// model/world.h
//
// The whole world: the kernel environment (core/kernel.h), the ground truth, memory, the
// DMA layer and the actors, driven by events. This is what every front end runs:
//
//   World world(scenario.topology, bugs);
//   world.run(scenario.events);  // apply each event; rules are checked as each one runs
//   world.finish();              // drain, tear down, leak and stall checks
//
// apply() runs one event as one step on its CPU; an event whose guard does not hold is
// skipped and marked in the trace, so every decoded input is a valid scenario. A skipped
// event changes nothing else: its guard is checked before anything is done (the
// explorer relies on it; Determinism.ASkippedEventChangesNothing checks it).
// finish() stops injecting work; runs netmap's liveness phase if netmap was used (P6:
// userspace keeps sending and polling, hwtail must keep advancing); lets every holder go
// as at shutdown (ring producers
// unlock, the stack frees its skbs, the driver is removed, the DMA client frees what it
// holds), runs every pending deferred context with time advancing (bounded:
// kFinishMaxSteps and kFinishMaxMs), unbinds the devices, and reports what is left:
// pools, mappings, IOVA pages, pages, and any deferred context that never drains (a
// stall, named).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/core/event.h"
#include "model/core/kernel.h"
#include "model/dma/dma_api.h"
#include "model/dma/dma_client.h"
#include "model/drivers/driver.h"
#include "model/mm/page_alloc.h"
#include "model/net/cpumap.h"
#include "model/net/napi.h"
#include "model/net/page_pool.h"
#include "model/net/skb.h"
#include "model/net/tun.h"
#include "model/net/xdp_frame.h"
#include "model/net/xdp_mem.h"
#include "model/netmap/generic_tx.h"
#include "model/oracle/oracle.h"

namespace inflight {

class World {
 public:
  static constexpr int kFinishMaxSteps = 10000;
  static constexpr uint64_t kFinishMaxMs = 3600 * 1000;

  // driver_faults enables fault events (DriverFault): the driver breaks its own contract.
  // Like the bug set it is configuration, never part of the input.
  // `driver` names a driver model to use instead of the topology's (a canary or a driver
  // under review); empty for the topology's production model.
  World(const Topology& topology, BugSet bugs, bool record_trace = false,
        bool driver_faults = false, std::string_view driver = {});
  // A copy: the same configuration and the other world's whole state, wired to itself
  // (model/core/wired.h). Assignment requires the same configuration (topology, bugs,
  // driver model, faults, tracing); it is how the explorer expands a state from a copy of
  // its parent. (Resetting a fuzzer's world by assignment instead of building one per input
  // was measured and did not pay: an input's cost is its run and finish, not the build.)
  World(const World& other);
  World& operator=(const World& other);

  // Returns whether the event's guard held (false: skipped).
  bool apply(const Event& event);
  // How many objects the event's pick fields choose among here (each is taken modulo it):
  // events whose picks differ only by multiples of it are the same transition. 0 when the
  // event has no such pick, or nothing to choose from; 1 when its picks choose nothing (a
  // bulk TX completion).
  uint32_t pick_modulus(const Event& event) const;
  // Whether applying the event here certainly leaves the hashed state (fingerprint) as it
  // is, symmetric or not: only the clock and the step count would move. True only for a
  // tick with no timed work waiting, an idle with nothing pending at all, a quiescent
  // state that RCU does not wait for, and an skb coalesce that is refused or a head expand
  // with nothing to copy, either with no producer lock to let go of; false for anything
  // else, even when it would change nothing. The explorer leaves these out: each is a
  // transition back to its own state.
  bool changes_nothing(const Event& event) const;
  // The event that stands in for `event` where both certainly lead to the same state: for
  // an event naming a CPU, device or RX queue beyond this world's (apply() takes them modulo
  // their number), the same event naming the one it comes to; an skb free on CPU 0 in
  // softirq context for the same skb's free on another CPU or in another context; a ring
  // producer unlock (pick 0) for an idle; the shortest tick for a longer one. None for
  // other events.
  std::optional<Event> stand_in(const Event& event) const;
  // Whether `event` is an idle longer than the shortest (Idle{0}). Where the shortest idle
  // leaves nothing pending (changes_nothing(Idle{}) holds after it), it ran all there was
  // to run, each item as it fell due within its second: a longer idle from the same state
  // runs the same items in the same order and only moves the clock on, so it is the
  // shortest idle's transition.
  static bool longer_idle(const Event& event) {
    const auto* idle = std::get_if<Idle>(&event);
    return idle && idle->by != 0;
  }
  // Whether, here, `event` is certainly the same transition as its stand-in: not enabled,
  // or leading to the same hashed state (only the clock and step count may differ). True
  // for an skb free whose CPU and context decide nothing (Skbs::free_may_recycle is
  // false), for an idle when all that is pending is one producer inside its ring lock, and
  // for a tick that leaves every timed item where the shortest one does
  // (Kernel::advances_alike); and always for an event whose CPU, device or queue number is
  // beyond this world's.
  bool same_as_stand_in(const Event& event) const;
  void run(std::span<const Event> events);
  void finish();

  Kernel& kernel() { return kernel_; }
  const Kernel& kernel() const { return kernel_; }
  const ViolationLog& violations() const { return kernel_.violations(); }
  const std::vector<std::string>& trace() const { return kernel_.trace(); }
  Oracle& oracle() { return oracle_; }
  PageAllocator& pages() { return pages_; }
  Dma& dma() { return dma_; }
  PagePools& page_pools() { return pools_; }
  Skbs& skbs() { return skbs_; }
  XdpMem& xdp_mem() { return xdp_; }
  XdpRedirectTarget& redirect_target() { return redirect_; }
  Tun& tun() { return tun_; }
  NetmapGenericTx& netmap() { return netmap_; }
  Cpumap& cpumap() { return cpumap_; }
  Driver& driver() { return *driver_; }
  uint32_t skipped() const { return skipped_; }
  // Tells `fn` of every deferred work item as it runs (which work, its argument), for a
  // front end that follows the model step by step (the KUnit exporter). Not copied with
  // the world; nullptr turns it off.
  using WorkObserver = void (*)(void* ctx, Work work, uint32_t arg);
  void observe_work(WorkObserver fn, void* ctx) { work_observer_ = fn, work_observer_ctx_ = ctx; }
  // A hash of everything that decides what happens next, and its 128-bit fingerprint (the
  // explorer's visited set; model/core/state_hash.h).
  // With `symmetric`, pages, DMA mappings and skb shared infos are renamed by where the
  // walk first meets them (StateHash::rename): states that differ only in which slots hold
  // which of them hash alike.
  uint64_t state_hash(bool symmetric = false) const { return hash(symmetric).value(); }
  Fingerprint fingerprint(bool symmetric = false) const { return hash(symmetric).fingerprint(); }

 private:
  // stand_in()'s event for one that names a CPU, device or RX queue beyond this world's.
  std::optional<Event> beyond_topology(const Event& event) const;
  StateHash hash(bool symmetric) const;
  // Whether all an idle would find to do is `unlocks` producers inside their ring locks:
  // no release halfway, no deferred work, no grace period.
  bool idle_finds_only(size_t unlocks) const;
  bool apply_inner(const Event& event);
  // A deferred context runs its work (Kernel's Work names the kernel function).
  void run_work(Work work, uint32_t arg);
  bool unbind(DeviceId dev);
  bool skb_free(const SkbFree& e);
  // Runs due deferred work while time advances to now + ms (bounded); the Idle event.
  void idle(uint64_t ms);
  // Runs what is runnable now and completes pending grace periods, without time passing.
  void settle();
  // The loop under idle, settle and drain: run what is runnable, let idle CPUs complete a
  // grace period, else advance time to the next due item while it is not after
  // `deadline`. Returns whether nothing is left pending (bounded by kFinishMaxSteps).
  bool run_due(uint64_t deadline);
  // run_due's fast path: when all that is pending are destroyed pools' release retries
  // that would change nothing but counts (PagePools::retry_is_idle), each due within the
  // coming second, the rounds of them due before `deadline` and within `steps_left` of
  // run_due's steps, all but the last, are counted at once and the time moved on (not
  // while tracing or observed: the trace shows every retry). Returns the steps of run_due
  // they stand for.
  int skip_idle_retries(uint64_t deadline, int steps_left);
  // P6: userspace keeps the netmap TX ring full and polls, the member frees what it does
  // not keep, 1 ms per round; hwtail must advance within NetmapGenericTx::kStallMs.
  void netmap_liveness();
  // Runs deferred work to quiescence; returns false (and reports if asked) on a stall.
  bool drain(std::string_view phase, bool report);

  Kernel kernel_;
  Oracle oracle_;
  PageAllocator pages_;
  Dma dma_;
  DmaClient client_;
  Napis napis_;
  PagePools pools_;
  Skbs skbs_;
  XdpMem xdp_;
  XdpRedirectTarget redirect_;
  Tun tun_;
  Cpumap cpumap_;
  NetmapGenericTx netmap_;
  std::unique_ptr<Driver> driver_;
  std::string_view driver_name_;  // the registry's name of the model driver_ runs
  bool driver_faults_;
  uint32_t step_ = 0;
  uint32_t skipped_ = 0;
  bool finished_ = false;
  WorkObserver work_observer_ = nullptr;
  void* work_observer_ctx_ = nullptr;
};

// Runs a scenario start to finish; the usual entry point of front ends.
void run_scenario(World& world, const Scenario& scenario);

}  // namespace inflight
