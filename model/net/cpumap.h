// model/net/cpumap.h
//
// cpumap (spec §3): XDP_REDIRECT into a BPF_MAP_TYPE_CPUMAP entry, whose kthread on the
// target CPU turns frames into skbs.
// Models: kernel/bpf/cpumap.c (__cpu_map_entry_alloc, cpu_map_enqueue, bq_flush_to_queue,
// cpu_map_kthread_run, __cpu_map_entry_free, __cpu_map_ring_cleanup) and the frame to
// skb conversion (__xdp_build_skb_from_frame).
//
// Entry lifecycle: update allocates the ring and creates the kthread (CREATED), wakes it
// and waits until it runs (RUNNING) before publishing the entry. Producers then enqueue
// from their NAPI polls (the per-CPU bulk queue is flushed at the end of the poll). Delete
// unpublishes the entry; after an RCU grace period the free work stops the kthread
// (STOPPING), which drains the ring before it exits (EXITED); ring cleanup must then find
// the ring empty (P10); ring and entry are freed.
// Conversion eras: since 2023 (9c94bbf9a87b) the skb is marked for recycling and the page
// stays in flight for its pool until the skb is freed; in 2019-2023
// (Topology::cpumap_release_era) xdp_release_frame() lets the page leave its pool before
// the scrub and the skb owns an ordinary page. Bug variant cpumap_no_release_frame (R4)
// restores the pre-2019 conversion: no xdp_release_frame, no skb_mark_for_recycle.
// Simplifications: the bulk queue holds one poll's frames and is flushed at the end of
// that poll (a poll is one step); no second XDP program on the target CPU; no generic-XDP
// skb entries.
#pragma once

#include <boost/container/static_vector.hpp>

#include <array>

#include "model/core/wired.h"
#include "model/net/skb.h"
#include "model/net/xdp_frame.h"

namespace inflight {

enum class KthreadState : uint8_t { created, running, stopping, exited };

class Cpumap {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    // A free entry is Entry{} (reset when freed), so its use says all.
    for (const Entry& e : entries_) {
      h.word(e.used);
      if (e.used) h(e);
    }
  }

  static constexpr int kEntries = 2;     // map slots (target CPUs)
  static constexpr size_t kQsize = 8;    // the entry's ptr_ring
  static constexpr size_t kBatch = 8;    // CPUMAP_BATCH

  Cpumap(Kernel& kernel, XdpMem& xdp, Skbs& skbs) : kernel_(kernel), xdp_(xdp), skbs_(skbs) {}

  // Models: cpu_map_update_elem() -> __cpu_map_entry_alloc(). Process context. Replacing a
  // published entry unpublishes the old one and queues its free after a grace period.
  bool update(uint8_t slot);
  // Models: cpu_map_delete_elem().
  bool remove(uint8_t slot);
  bool published(uint8_t slot) const;
  // Models: cpu_map_enqueue() + bq_flush_to_queue() at the end of the poll. Returns false
  // when the frame could not be queued (no entry, or the ring is full): the caller then
  // returns it with xdp_return_frame_rx_napi().
  bool enqueue(uint8_t slot, const XdpFrame& frame, std::string_view actor);
  // Whether a running kthread of `slot` has frames queued: kthread_run's precondition.
  bool kthread_has_frames(uint8_t slot) const;
  // Models: one pass of cpu_map_kthread_run() on the entry's CPU.
  void kthread_run(uint8_t slot);
  // Map free at teardown: every entry deleted.
  void free_all();
  // Models: __cpu_map_entry_free(), the RCU-deferred free (Work::cpu_map_entry_free).
  void entry_free(size_t index);

 private:
  struct Entry {
    bool used = false;        // allocated (published or waiting to be freed)
    bool published = false;   // in the map slot
    uint8_t slot = 0;
    uint8_t cpu = 0;
    KthreadState kthread = KthreadState::created;
    boost::container::static_vector<XdpFrame, kQsize> ring;
    template <class H>
    void hash_state(H& h) const {
      h(used), h(published), h(slot), h(cpu), h(kthread), h(ring);
    }
  };
  void convert(const XdpFrame& frame);
  static bool has_frames(const Entry& e, uint8_t slot) {
    return e.used && e.slot == slot && e.kthread == KthreadState::running && !e.ring.empty();
  }

  Wired<Kernel> kernel_;
  Wired<XdpMem> xdp_;
  Wired<Skbs> skbs_;
  std::array<Entry, 2 * kEntries> entries_{};  // published plus those awaiting their free
};

}  // namespace inflight
