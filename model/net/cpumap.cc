#include "model/net/cpumap.h"

#include <fmt/format.h>

#include <algorithm>

namespace inflight {

bool Cpumap::published(uint8_t slot) const {
  for (const Entry& e : entries_)
    if (e.used && e.published && e.slot == slot) return true;
  return false;
}

bool Cpumap::update(uint8_t slot) {
  MODEL_ASSERT(slot < kEntries);
  size_t fresh = entries_.size();
  for (size_t i = 0; i < entries_.size() && fresh == entries_.size(); i++)
    if (!entries_[i].used) fresh = i;
  if (fresh == entries_.size())
    return kernel_->skip("every cpumap entry is in use or awaiting its free");
  Entry& e = entries_[fresh];
  e = Entry{};
  e.used = true;
  e.slot = slot;
  e.cpu = static_cast<uint8_t>(slot % kernel_->topology().cpus);
  // kthread_create_on_node() + wake_up_process(); the update waits for kthread_running.
  e.kthread = KthreadState::running;
  kernel_->log("cpu_map_update_elem: slot {} -> entry {} [cpu={}] kthread cpumap/{} running", slot,
              fresh, e.cpu, e.cpu);
  remove(slot);  // an older entry in the slot is replaced (xchg)
  e.published = true;
  return true;
}

bool Cpumap::remove(uint8_t slot) {
  for (size_t i = 0; i < entries_.size(); i++) {
    Entry& e = entries_[i];
    if (!e.used || !e.published || e.slot != slot) continue;
    e.published = false;  // xchg() out of the map; producers that saw it finish first
    kernel_->call_rcu(Work::cpu_map_entry_free, static_cast<uint32_t>(i));
    kernel_->log("cpu_map: entry {} unpublished from slot {}", i, slot);
    return true;
  }
  return kernel_->skip("no cpumap entry in that slot");
}

bool Cpumap::enqueue(uint8_t slot, const XdpFrame& frame, std::string_view actor) {
  for (Entry& e : entries_) {
    if (!e.used || !e.published || e.slot != slot) continue;
    if (e.ring.size() == e.ring.capacity()) {  // drop: counted, returned
      kernel_->log("{}: cpumap slot {} ring full [{}/{}]: page {} is dropped", actor, slot,
                   e.ring.size(), kQsize, frame.page.slot);
      return false;
    }
    e.ring.push_back(frame);
    kernel_->count(Cov::cpumap_enqueue);
    kernel_->log("{}: XDP_REDIRECT page {} to cpumap slot {} [ring {}/{}]", actor, frame.page.slot,
                slot, e.ring.size(), kQsize);
    return true;
  }
  kernel_->log("{}: no cpumap entry in slot {}: XDP_REDIRECT fails, page {} is dropped", actor,
               slot, frame.page.slot);
  return false;
}

void Cpumap::convert(const XdpFrame& frame) {
  if (skbs_->full()) {  // no skb to build: the frame goes back (cpu_map_kthread_run's drop)
    xdp_->return_frame(frame.page, frame.mem, false, "cpu_map_kthread_run");
    return;
  }
  kernel_->count(Cov::cpumap_skb);
  if (kernel_->topology().cpumap_release_era && !kernel_->bug(Bug::cpumap_no_release_frame)) {
    // 2019-2023 (6bf071bf09d4 .. 9c94bbf9a87b): xdp_release_frame() before the scrub
    // (the release needs the frame's mem info); the page becomes an ordinary page of the
    // skb, which frees it with put_page.
    xdp_->release_frame(frame.page, frame.mem, "cpu_map_build_skb");
    skbs_->build_and_deliver(frame.page, /*recycle=*/false, "cpu_map_build_skb");
    return;
  }
  if (kernel_->bug(Bug::cpumap_no_release_frame)) {
    // BUG VARIANT cpumap_no_release_frame: before 6bf071bf09d4 the page was handed to the
    // skb with neither xdp_release_frame() nor skb_mark_for_recycle(); freeing the skb
    // gives a page the pool still counts to the page allocator.
    skbs_->build_and_deliver(frame.page, /*recycle=*/false, "cpu_map_kthread_run");
  } else {
    // __xdp_build_skb_from_frame(): skb_mark_for_recycle() for MEM_TYPE_PAGE_POOL only (a
    // MEM_TYPE_PAGE_SHARED frame's page is an ordinary page).
    skbs_->build_and_deliver(frame.page, frame.mem.type == XdpMemType::page_pool,
                             "cpu_map_kthread_run");
  }
}

bool Cpumap::kthread_has_frames(uint8_t slot) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return has_frames(e, slot); });
}

void Cpumap::kthread_run(uint8_t slot) {
  for (Entry& e : entries_) {
    if (!has_frames(e, slot)) continue;
    for (size_t n = 0; n < kBatch && !e.ring.empty(); n++) {
      const XdpFrame frame = e.ring.front();
      e.ring.erase(e.ring.begin());
      convert(frame);
    }
    return;
  }
  MODEL_ASSERT(false);  // the caller asks kthread_has_frames first
}

void Cpumap::entry_free(size_t index) {
  Entry& e = entries_[index];
  MODEL_ASSERT(e.used && !e.published);
  // kthread_stop(): the kthread sees the stop, drains the ring and exits.
  e.kthread = KthreadState::stopping;
  while (!e.ring.empty()) {
    const XdpFrame frame = e.ring.front();
    e.ring.erase(e.ring.begin());
    convert(frame);
  }
  e.kthread = KthreadState::exited;
  // __cpu_map_ring_cleanup(): the ring must be empty; anything left is returned, with a
  // warning (P10).
  if (!e.ring.empty()) {
    kernel_->report(Violation::cpumap_ring_not_empty, "__cpu_map_ring_cleanup", "",
                    "__cpu_map_ring_cleanup: entry {} still holds {} frames after its "
                    "kthread exited",
                    index, e.ring.size());
    for (const XdpFrame& frame : e.ring)
      xdp_->return_frame(frame.page, frame.mem, false, "__cpu_map_ring_cleanup");
  }
  kernel_->log("__cpu_map_entry_free: entry {} freed (kthread exited)", index);
  e = Entry{};
}

void Cpumap::free_all() {
  for (uint8_t slot = 0; slot < kEntries; slot++) remove(slot);
}

}  // namespace inflight
