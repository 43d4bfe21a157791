// model/dma/dma_debug.h
//
// dma-debug as the kernel implements it (spec §4): a model of a checker, which may be
// wrong. Its verdicts are compared with the oracle's ground truth in differential mode
// (dma_api.h), which is how its false positives and negatives are found.
// Models: kernel/dma/debug.c (add_dma_entry, check_unmap, check_sync,
// debug_dma_mapping_error, dma_debug_device_change, active_cacheline_*; err_printk).
//
// What is modelled exactly:
// - The entry multiset and the hash buckets: bucket = (dev_addr >> 13) & (16384 - 1), a
//   bucket's entries in insertion order; __hash_bucket_find's best fit (one point each for
//   size, type, direction, sg_call_ents; a perfect match returns at once; more than one
//   candidate and none perfect returns NULL); bucket_find_contain's walk back through
//   buckets; debug_dma_mapping_error marking the first unchecked entry with the address.
// - check_unmap's checks in order, the entry removed even after a mismatch, and
//   check_sync's messages, with the kernel's texts.
// - err_printk: error_count counts every report; only show_num_errors (1) are printed
//   unless all_errors is set.
// - Active-cacheline tracking: the first cacheline of a mapping only (paddr >>
//   L1_CACHE_SHIFT); DMA_TO_DEVICE never tracked; the overlap count in three radix tags,
//   saturating at 7 with the once-only "exceeded" warning; the radix entry deleted when
//   the count would drop below 0; the EEXIST report through err_printk unless the map
//   has DMA_ATTR_SKIP_CPU_SYNC or dma_get_cache_alignment() < L1_CACHE_BYTES.
// - Running out of entries (dma_entry_alloc() when the pool cannot grow): dma-debug prints
//   "debugging out of memory - disabling" and sets global_disable, after which every hook
//   returns at once. Coarser than the kernel: the kernel grows its pool a page of entries
//   at a time (GFP_ATOMIC) and only disables itself when that allocation fails; here the
//   pool is kMaxMappings entries and never grows. Entries leak in the kernel too (an unmap
//   that finds two imperfect candidates at its address finds neither; an unbind keeps a
//   device's entries), so a long run can fill the pool.
// Not modelled: sg mappings, the driver filter, stack traces, the pool's growth messages,
// map-time checks of stack/rodata/vmalloc memory, the cache-clean attribute
// (MST RFC) and swiotlb bouncing of unaligned kmalloc (Szyprowski).
//
// Bug variants here: dma_debug_eexist_unlimited_report (R7),
// dma_debug_eexist_false_positive_skip_cpu_sync (R8).
#pragma once

#include <boost/container/static_vector.hpp>

#include <bitset>
#include <cstdint>
#include <string_view>

#include "model/core/wired.h"
#include "model/core/kernel.h"
#include "model/oracle/oracle.h"

namespace inflight {

// Every message dma-debug can emit here; a call's messages are collected as a set.
enum class DdMsg : uint8_t {
  free_invalid,            // "device driver tries to free an invalid DMA memory address"
  free_not_allocated,      // "... tries to free DMA memory it has not allocated ..."
  different_size,          // "... frees DMA memory with different size ..."
  wrong_function,          // "... frees DMA memory with wrong function ..."
  different_direction,     // "... frees DMA memory with different direction ..."
  map_error_not_checked,   // "... failed to check map error..."
  sync_not_allocated,      // "... tries to sync DMA memory it has not allocated ..."
  sync_outside_range,      // "... syncs DMA memory outside allocated range ..."
  sync_different_direction,
  sync_read_only_for_cpu,
  sync_write_only_to_device,
  eexist,                  // "cacheline tracking EEXIST, overlapping mappings aren't supported"
  pending_at_unbind,       // "device driver has pending DMA allocations while released ..."
  exceeded_overlap,        // WARN_ONCE "exceeded %d overlapping mappings of cacheline %pa"
  count
};
using DdMsgs = std::bitset<static_cast<size_t>(DdMsg::count)>;
std::string_view dd_msg_name(DdMsg msg);  // a short stable name for titles

class DmaDebug {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    // With pages renamed, the entries and cachelines in pages' ranges come last, by page
    // (hash_by_page): entries of different pages lie in different buckets, and no lookup
    // crosses from one page to another (explore/explorer.h, symmetry_holds), so their
    // order across pages is not state. Within a bucket it is (best fit).
    h.word(entries_.size());  // error_count_ is debugfs and messages only
    for (const Entry& e : entries_)
      if (h.page_of(e.dev_addr) < 0) h(e);
    h.word(active_cachelines_.size());
    for (const Cacheline& c : active_cachelines_)
      if (h.page_of(c.cln << cacheline_shift()) < 0) hash_cacheline(h, c);
    h(show_num_errors_);
    h(disabled_);
    h(printed_);
    h(warned_overlap_);
    h(flood_reported_);
  }

  // Renamed pages: the entries, then the cachelines, in pages' ranges, in the order of the
  // pages' names, each page's in list order.
  template <class H>
  void hash_by_page(H& h) const {
    hash_sorted_by_page(
        h, entries_, [&](const Entry& e) { return e.dev_addr; }, [&](const Entry& e) { h(e); });
    hash_sorted_by_page(
        h, active_cachelines_, [&](const Cacheline& c) { return c.cln << cacheline_shift(); },
        [&](const Cacheline& c) { hash_cacheline(h, c); });
  }

  static constexpr int kShowNumErrors = 1;     // show_num_errors default
  static constexpr int kMaxOverlap = 7;        // ACTIVE_CACHELINE_MAX_OVERLAP
  static constexpr int kHashFnShift = 13;      // HASH_FN_SHIFT
  static constexpr uint64_t kHashSize = 16384; // HASH_SIZE

  explicit DmaDebug(Kernel& kernel) : kernel_(kernel) {}

  // Models: debug_dma_map_phys()/debug_dma_map_page() -> add_dma_entry(entry, attrs).
  // `driver` is dev_driver_string(dev) in the messages.
  void map(DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir, DmaType type,
           uint32_t attrs, uint64_t phys, std::string_view driver, DdMsgs& out);
  // Models: debug_dma_mapping_error().
  void mapping_error(DeviceId dev, uint64_t dma_addr);
  // Models: check_unmap() via debug_dma_unmap_phys() / debug_dma_free_coherent().
  void unmap(DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir, DmaType type,
             std::string_view driver, DdMsgs& out);
  // Models: check_sync() via debug_dma_sync_single_for_cpu/_for_device().
  void sync(DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir, bool to_cpu,
            std::string_view driver, DdMsgs& out);
  // Models: dma_debug_device_change(BUS_NOTIFY_UNBOUND_DRIVER). Entries stay.
  void unbind(DeviceId dev, std::string_view driver, DdMsgs& out);
  // Models: dma_debug_disabled(). Once out of entries, dma-debug checks nothing more (and
  // has dropped its entries: nothing looks at them again).
  bool disabled() const { return disabled_; }

  uint32_t error_count() const { return error_count_; }  // debugfs dma-api/error_count
  uint32_t printed() const { return printed_; }          // reports that reached the log
  int entries(DeviceId dev) const;                       // one device's
  int entries() const { return static_cast<int>(entries_.size()); }  // every device's
  // Every device's entries as a multiset (oracle.h), kept as they come and go; and the
  // same counted from scratch (debug builds check the one against the other).
  const MappingSum& entry_sum() const { return entry_sum_; }
  MappingSum recount_entries() const {
    MappingSum s;
    for (const Entry& e : entries_) s.add(e.mix());
    return s;
  }

 private:
  struct Entry {
    DeviceId dev = 0;
    uint64_t dev_addr = 0;
    uint32_t size = 0;
    DmaType type = DmaType::single;
    DmaDir dir = DmaDir::bidirectional;
    bool map_err_checked = false;  // MAP_ERR_CHECKED vs MAP_ERR_NOT_CHECKED
    uint64_t paddr = 0;
    uint64_t mix() const {
      return MappingSum::mix(dev, dev_addr, size, dir, type, map_err_checked, paddr);
    }
    template <class H>
    void hash_state(H& h) const {
      h.small(dev, size, type, dir, map_err_checked), h.address(dev_addr), h.address(paddr);
    }
  };
  struct Ref {
    DeviceId dev = 0;
    uint64_t dev_addr = 0;
    uint32_t size = 0;
    DmaType type = DmaType::single;
    DmaDir dir = DmaDir::bidirectional;
  };
  struct Cacheline {
    uint64_t cln = 0;
    int overlap = 0;  // the three radix tags
  };
  // A tracked cacheline, by its first byte's address (which names its page when pages
  // are renamed).
  template <class H>
  void hash_cacheline(H& h, const Cacheline& c) const {
    h.address(c.cln << cacheline_shift()), h(c.overlap);
  }
  using Entries = boost::container::static_vector<Entry, kMaxMappings>;

  static uint64_t bucket_of(uint64_t dev_addr) { return (dev_addr >> kHashFnShift) & (kHashSize - 1); }
  // __hash_bucket_find's best fit: one point each for size, type, direction and
  // sg_call_ents; a perfect match ends the search.
  static constexpr int kPerfectMatch = 4;
  static int match_level(const Ref& ref, const Entry& e);
  // Both return the index in entries_, or -1.
  // Models: bucket_find_exact() (__hash_bucket_find with exact_match).
  int bucket_find_exact(const Ref& ref) const;
  // Models: bucket_find_contain() (__hash_bucket_find with containing_match, bucket by
  // bucket back from the address's).
  int bucket_find_contain(const Ref& ref) const;

  // Returns -EEXIST semantics as a bool: true when the cacheline was already tracked.
  bool active_cacheline_insert(const Entry& entry, DdMsgs& out);
  void active_cacheline_remove(const Entry& entry);
  uint64_t cacheline_of(const Entry& entry) const { return entry.paddr >> cacheline_shift(); }
  int cacheline_shift() const { return kernel_->topology().cacheline_shift(); }

  // Models: the err_printk() macro. The text is formatted only for a trace (print() says
  // nothing else with it).
  template <class... Args>
  void err_printk(DeviceId dev, std::string_view driver, DdMsg msg, DdMsgs& out,
                  fmt::format_string<Args...> text, Args&&... args) {
    out.set(static_cast<size_t>(msg));
    error_count_++;
    if (show_num_errors_ > 0) {
      print(dev, driver, msg,
            kernel_->tracing() ? fmt::format(text, std::forward<Args>(args)...) : std::string());
      show_num_errors_--;
    } else {
      kernel_->log("dma-debug: error_count={} (not printed: {})", error_count_, dd_msg_name(msg));
    }
  }
  // A report as printed: err_printk's WARN with the driver and device, or (plain) the bare
  // pr_err() line of the era before 510e1a724ab1. Both count against show_num_errors' P13.
  void print(DeviceId dev, std::string_view driver, DdMsg msg, std::string_view text,
             bool plain = false);

  Wired<Kernel> kernel_;
  Entries entries_;
  MappingSum entry_sum_;  // derived from entries_: kept with it, never hashed
  boost::container::static_vector<Cacheline, kMaxMappings> active_cachelines_;
  uint32_t error_count_ = 0;
  int show_num_errors_ = kShowNumErrors;
  bool disabled_ = false;  // global_disable
  uint32_t printed_ = 0;
  bool warned_overlap_ = false;
  bool flood_reported_ = false;
};

}  // namespace inflight
