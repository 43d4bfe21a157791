#include "model/dma/dma_debug.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace inflight {

std::string_view dd_msg_name(DdMsg msg) {
  static constexpr std::array<std::string_view, static_cast<size_t>(DdMsg::count)> kNames = {
      "free invalid DMA memory address",
      "free DMA memory it has not allocated",
      "frees DMA memory with different size",
      "frees DMA memory with wrong function",
      "frees DMA memory with different direction",
      "failed to check map error",
      "sync DMA memory it has not allocated",
      "syncs DMA memory outside allocated range",
      "syncs DMA memory with different direction",
      "syncs device read-only DMA memory for cpu",
      "syncs device write-only DMA memory to device",
      "cacheline tracking EEXIST",
      "pending DMA allocations while released from device",
      "exceeded overlapping mappings of cacheline",
  };
  return kNames[static_cast<size_t>(msg)];
}

int DmaDebug::entries(DeviceId dev) const {
  int n = 0;
  for (const Entry& e : entries_) n += e.dev == dev ? 1 : 0;
  return n;
}

void DmaDebug::print(DeviceId dev, std::string_view driver, DdMsg msg, std::string_view text,
                     bool plain) {
  printed_++;
  if (plain)
    kernel_->log("DMA-API: {}", text);  // pr_err(): pr_fmt's prefix, no WARN, no device
  else
    kernel_->log("WARNING: DMA-API: {} dev{}: {}", driver, dev, text);
  if (printed_ > static_cast<uint32_t>(kShowNumErrors) && !flood_reported_) {
    // P13: every report goes through err_printk's show_num_errors budget.
    flood_reported_ = true;
    kernel_->report(Violation::dma_debug_flood, "", fmt::format("'{}'", dd_msg_name(msg)),
                    "dma-debug printed report {} while show_num_errors allows {} [message={}]",
                    printed_, kShowNumErrors, dd_msg_name(msg));
  }
}

int DmaDebug::match_level(const Ref& ref, const Entry& e) {
  return (e.size == ref.size) + (e.type == ref.type) + (e.dir == ref.dir) +
         1 /* sg_call_ents: 0 == 0 for non-sg mappings */;
}

int DmaDebug::bucket_find_exact(const Ref& ref) const {
  // The entries at exactly this address, all in its bucket, in the bucket's order: the
  // first perfect match, else the only match.
  int only = -1, matches = 0;
  for (size_t i = 0; i < entries_.size(); i++) {
    const Entry& e = entries_[i];
    if (e.dev_addr != ref.dev_addr || e.dev != ref.dev) continue;
    if (match_level(ref, e) == kPerfectMatch) return static_cast<int>(i);
    if (matches++ == 0) only = static_cast<int>(i);
  }
  return matches == 1 ? only : -1;  // several imperfect candidates: ambiguous, "not found"
}

int DmaDebug::bucket_find_contain(const Ref& ref) const {
  // The kernel walks back one bucket at a time, up to `limit` buckets, and stops at the
  // first bucket where __hash_bucket_find answers. Only buckets that hold an entry
  // containing the range can answer: one pass over the entries gathers each such bucket's
  // answer (its first perfect match, else its only match), by distance from the first.
  struct Bucket {
    uint64_t distance;
    int perfect, only, matches;
  };
  Bucket buckets[kMaxMappings];
  int n = 0;
  const uint64_t limit = std::min<uint64_t>(kHashSize, (ref.dev_addr >> kHashFnShift) + 1);
  const uint64_t b0 = bucket_of(ref.dev_addr);
  for (size_t i = 0; i < entries_.size(); i++) {
    const Entry& e = entries_[i];
    if (e.dev != ref.dev || e.dev_addr > ref.dev_addr ||
        e.dev_addr + e.size < ref.dev_addr + ref.size)
      continue;
    const uint64_t distance = (b0 - bucket_of(e.dev_addr)) & (kHashSize - 1);
    if (distance >= limit) continue;
    int b = 0;
    while (b < n && buckets[b].distance != distance) b++;
    if (b == n) buckets[n++] = Bucket{distance, -1, static_cast<int>(i), 0};
    buckets[b].matches++;
    if (buckets[b].perfect < 0 && match_level(ref, e) == kPerfectMatch)
      buckets[b].perfect = static_cast<int>(i);
  }
  int found = -1;
  uint64_t nearest = limit;
  for (int b = 0; b < n; b++) {
    const int answer = buckets[b].perfect >= 0   ? buckets[b].perfect
                       : buckets[b].matches == 1 ? buckets[b].only
                                                 : -1;  // ambiguous: the walk goes on
    if (answer >= 0 && buckets[b].distance < nearest) {
      nearest = buckets[b].distance;
      found = answer;
    }
  }
  return found;
}

bool DmaDebug::active_cacheline_insert(const Entry& entry, DdMsgs& out) {
  if (entry.dir == DmaDir::to_device) return false;  // the device only reads
  const uint64_t cln = cacheline_of(entry);
  for (Cacheline& c : active_cachelines_) {
    if (c.cln != cln) continue;
    // active_cacheline_inc_overlap(): the tags cannot hold more than 7.
    if (c.overlap + 1 > kMaxOverlap) {
      if (!warned_overlap_) {
        warned_overlap_ = true;
        out.set(static_cast<size_t>(DdMsg::exceeded_overlap));
        kernel_->log("WARNING: DMA-API: exceeded {} overlapping mappings of cacheline 0x{:x}",
                    kMaxOverlap, cln);
      }
    } else {
      c.overlap++;
    }
    return true;
  }
  MODEL_ASSERT(active_cachelines_.size() < active_cachelines_.capacity());
  active_cachelines_.push_back(Cacheline{cln, 0});
  return false;
}

void DmaDebug::active_cacheline_remove(const Entry& entry) {
  if (entry.dir == DmaDir::to_device) return;
  const uint64_t cln = cacheline_of(entry);
  for (auto it = active_cachelines_.begin(); it != active_cachelines_.end(); ++it) {
    if (it->cln != cln) continue;
    if (--it->overlap < 0) active_cachelines_.erase(it);  // the final put of the line
    return;
  }
}

void DmaDebug::map(DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir, DmaType type,
                   uint32_t attrs, uint64_t phys, std::string_view driver, DdMsgs& out) {
  if (disabled_ || dma_addr == kDmaMappingError) return;  // failed maps are not tracked
  if (entries_.size() == entries_.capacity()) {
    // dma_entry_alloc() with no free entry and no memory to grow the pool.
    disabled_ = true;
    entries_.clear();
    entry_sum_ = MappingSum{};
    active_cachelines_.clear();
    kernel_->log("DMA-API: debugging out of memory - disabling");
    kernel_->count(Cov::dma_debug_disabled);
    return;
  }
  // Coherent entries have no map error to check (MAP_ERR_CHECK_NOT_APPLICABLE).
  const Entry entry{dev, dma_addr, size, type, dir, type == DmaType::coherent, phys};
  entries_.push_back(entry);  // hash_bucket_add(): the tail of its bucket
  entry_sum_.add(entry.mix());
  const bool eexist = active_cacheline_insert(entry, out);
  if (!eexist) return;
  const bool skip_cpu_sync = (attrs & kAttrSkipCpuSync) != 0;
  bool exempt = skip_cpu_sync;
  if (kernel_->bug(Bug::dma_debug_eexist_false_positive_skip_cpu_sync)) {
    // BUG VARIANT dma_debug_eexist_false_positive_skip_cpu_sync: add_dma_entry() does not
    // look at attrs (before c2bbf9d1e9ac), so a legitimate second mapping with
    // DMA_ATTR_SKIP_CPU_SYNC is reported.
    exempt = false;
  }
  // dma_get_cache_alignment() < L1_CACHE_BYTES: sharing cannot corrupt (3d48c9fd78dd).
  if (!kernel_->topology().cacheline_sharing_matters()) exempt = true;
  if (exempt) return;
  constexpr std::string_view text =
      "cacheline tracking EEXIST, overlapping mappings aren't supported";
  if (kernel_->bug(Bug::dma_debug_eexist_unlimited_report)) {
    // BUG VARIANT dma_debug_eexist_unlimited_report: a plain pr_err() on every EEXIST
    // (2b4bbc6231d7, v5.14): no show_num_errors limit and no error_count.
    out.set(static_cast<size_t>(DdMsg::eexist));
    print(dev, driver, DdMsg::eexist, text, /*plain=*/true);
  } else {
    err_printk(dev, driver, DdMsg::eexist, out, text);
  }
}

void DmaDebug::mapping_error(DeviceId dev, uint64_t dma_addr) {
  if (disabled_) return;
  for (Entry& e : entries_) {
    if (e.dev != dev || e.dev_addr != dma_addr) continue;
    // The first entry with the address that is still unchecked gets marked; with the
    // same address mapped twice this may be the other mapping's entry.
    if (!e.map_err_checked) {
      entry_sum_.remove(e.mix());
      e.map_err_checked = true;
      entry_sum_.add(e.mix());
      break;
    }
  }
}

void DmaDebug::unmap(DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir, DmaType type,
                     std::string_view driver, DdMsgs& out) {
  if (disabled_) return;
  const Ref ref{dev, dma_addr, size, type, dir};
  const int found = bucket_find_exact(ref);
  if (found < 0) {
    if (dma_addr == kDmaMappingError)
      err_printk(dev, driver, DdMsg::free_invalid, out,
                 "device driver tries to free an invalid DMA memory address");
    else
      err_printk(dev, driver, DdMsg::free_not_allocated, out,
                 "device driver tries to free DMA memory it has not allocated "
                 "[device address=0x{:016x}] [size={} bytes]",
                 dma_addr, size);
    return;
  }
  const Entry e = entries_[static_cast<size_t>(found)];
  if (ref.size != e.size)
    err_printk(dev, driver, DdMsg::different_size, out,
               "device driver frees DMA memory with different size [device "
               "address=0x{:016x}] [map size={} bytes] [unmap size={} bytes]",
               dma_addr, e.size, size);
  if (ref.type != e.type)
    err_printk(dev, driver, DdMsg::wrong_function, out,
               "device driver frees DMA memory with wrong function [device "
               "address=0x{:016x}] [size={} bytes] [mapped as {}] [unmapped as {}]",
               dma_addr, size, type_name(e.type), type_name(type));
  if (ref.dir != e.dir)
    err_printk(dev, driver, DdMsg::different_direction, out,
               "device driver frees DMA memory with different direction [device "
               "address=0x{:016x}] [size={} bytes] [mapped with {}] [unmapped with {}]",
               dma_addr, size, dir_name(e.dir), dir_name(dir));
  if (!e.map_err_checked)
    err_printk(dev, driver, DdMsg::map_error_not_checked, out,
               "device driver failed to check map error[device address=0x{:016x}] "
               "[size={} bytes] [mapped as {}]",
               dma_addr, size, type_name(e.type));
  // hash_bucket_del() + dma_entry_free(): removed even after a mismatch.
  entry_sum_.remove(e.mix());
  entries_.erase(entries_.begin() + found);
  active_cacheline_remove(e);
}

void DmaDebug::sync(DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir, bool to_cpu,
                    std::string_view driver, DdMsgs& out) {
  if (disabled_) return;
  const Ref ref{dev, dma_addr, size, DmaType::single, dir};
  const int found = bucket_find_contain(ref);
  if (found < 0) {
    err_printk(dev, driver, DdMsg::sync_not_allocated, out,
               "device driver tries to sync DMA memory it has not allocated [device "
               "address=0x{:016x}] [size={} bytes]",
               dma_addr, size);
    return;
  }
  const Entry& e = entries_[static_cast<size_t>(found)];
  if (ref.size > e.size)
    err_printk(dev, driver, DdMsg::sync_outside_range, out,
               "device driver syncs DMA memory outside allocated range [device "
               "address=0x{:016x}] [allocation size={} bytes] [sync offset+size={}]",
               e.dev_addr, e.size, size);
  if (e.dir == DmaDir::bidirectional) return;
  if (ref.dir != e.dir)
    err_printk(dev, driver, DdMsg::sync_different_direction, out,
               "device driver syncs DMA memory with different direction [device "
               "address=0x{:016x}] [size={} bytes] [mapped with {}] [synced with {}]",
               dma_addr, size, dir_name(e.dir), dir_name(dir));
  if (to_cpu && e.dir != DmaDir::from_device && ref.dir != DmaDir::to_device)
    err_printk(dev, driver, DdMsg::sync_read_only_for_cpu, out,
               "device driver syncs device read-only DMA memory for cpu [device "
               "address=0x{:016x}] [size={} bytes] [mapped with {}] [synced with {}]",
               dma_addr, size, dir_name(e.dir), dir_name(dir));
  if (!to_cpu && e.dir != DmaDir::to_device && ref.dir != DmaDir::from_device)
    err_printk(dev, driver, DdMsg::sync_write_only_to_device, out,
               "device driver syncs device write-only DMA memory to device [device "
               "address=0x{:016x}] [size={} bytes] [mapped with {}] [synced with {}]",
               dma_addr, size, dir_name(e.dir), dir_name(dir));
}

void DmaDebug::unbind(DeviceId dev, std::string_view driver, DdMsgs& out) {
  if (disabled_) return;
  // device_dma_allocations() walks the buckets in index order and keeps the last entry.
  int count = 0;
  const Entry* last = nullptr;
  for (const Entry& e : entries_) {
    if (e.dev != dev) continue;
    count++;
    if (!last || bucket_of(e.dev_addr) >= bucket_of(last->dev_addr)) last = &e;
  }
  if (count == 0) return;
  err_printk(dev, driver, DdMsg::pending_at_unbind, out,
             "device driver has pending DMA allocations while released from device "
             "[count={}] One of leaked entries details: [device address=0x{:016x}] "
             "[size={} bytes] [mapped with {}] [mapped as {}]",
             count, last->dev_addr, last->size, dir_name(last->dir), type_name(last->type));
}

}  // namespace inflight
