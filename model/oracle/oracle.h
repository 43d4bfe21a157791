// model/oracle/oracle.h
//
// Ground truth: what really happened to memory. The oracle knows every page allocation
// (order, reference count, physical range) and every DMA mapping (device, DMA address,
// size, direction, function, attributes, the CPU range it covers, whether its map error
// was checked), and the lifetime of each: freed handles stay detectable through their
// generation (ids.h), so a later access is a use-after-free finding.
//
// The model's subsystems do not decide whether a rule was broken; they tell the oracle
// what they do and the oracle judges (spec §8.2 P1, P2, P11). Its findings are the
// harness's verdicts. It is kept apart from dma-debug (model/dma/dma_debug.h), which is a
// model of a checker and may be wrong; comparing the two is the differential.
//
// The cacheline rule is inferred (spec §4.7, the DPAA2 thread): two mappings active at
// once whose CPU ranges share a cacheline are a hazard when cacheline sharing matters on
// the architecture, at least one lets its device write, and both do CPU cache
// maintenance (a non-coherent device without DMA_ATTR_SKIP_CPU_SYNC). "Only the first
// mapping may sync; later mappings must use DMA_ATTR_SKIP_CPU_SYNC."
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/core/ids.h"
#include "model/core/kernel.h"
#include "model/core/wired.h"

namespace inflight {

// enum dma_data_direction, as the kernel numbers it.
enum class DmaDir : uint8_t { bidirectional = 0, to_device = 1, from_device = 2 };
std::string_view dir_name(DmaDir dir);  // "DMA_BIDIRECTIONAL", ...

// dma-debug's mapping types; single and page share one type since 2e05ea5cdc1a.
enum class DmaType : uint8_t { single = 0, coherent = 1 };
std::string_view type_name(DmaType type);  // "single", "coherent"

inline constexpr uint32_t kAttrSkipCpuSync = 1u << 5;  // DMA_ATTR_SKIP_CPU_SYNC
inline constexpr uint64_t kDmaMappingError = ~0ull;    // DMA_MAPPING_ERROR

using Verdicts = std::bitset<64>;  // Violation kinds one call produced

struct PageState {
  uint8_t order = 0;
  uint32_t refcount = 0;
  // The page_pool the page is in flight for (page->pp with PP_SIGNATURE set), as a
  // packed pool handle; 0 when the page belongs to no pool.
  uint32_t pp_owner = 0;
  // Who last took, dropped or was handed the page, and at which step: what a leak or a
  // stall names. History only, never state (not hashed).
  std::string_view last_holder;
  uint32_t last_step = 0;
  template <class H>
  void hash_state(H& h) const {
    h.small(order, refcount), h.template packed<PoolTag>(pp_owner);
  }
};

// A multiset of DMA mappings, each as both dma-debug and the ground truth record it
// (device, address, size, direction, type, whether dma_mapping_error() was called, and the
// physical address: dma-debug tracks cachelines by it, so an entry kept for a mapping that
// is gone, at an address a live mapping of another page now has, is out of step too),
// summarized by its count and the sum of a 64-bit mix of each. Each side keeps one as its
// mappings come and go, so Dma::out_of_step compares the two in O(1): a difference is
// always seen; two different multisets pass for equal with probability about 2^-64, and
// then only a disagreement's wording ("while ... out of step") would be missing, never a
// verdict.
struct MappingSum {
  uint64_t n = 0;
  uint64_t sum = 0;
  static uint64_t mix(DeviceId dev, uint64_t dev_addr, uint32_t size, DmaDir dir, DmaType type,
                      bool checked, uint64_t phys) {
    // phys times an odd constant: without an IOMMU it equals dev_addr, and must not cancel it.
    uint64_t x = (dev_addr ^ (uint64_t{size} << 20) ^ (uint64_t{dev} << 52) ^
                  (uint64_t{static_cast<uint8_t>(dir)} << 56) ^
                  (uint64_t{static_cast<uint8_t>(type)} << 60) ^ (uint64_t{checked} << 63)) +
                 phys * 0x9e3779b97f4a7c15ull;
    x ^= x >> 30, x *= 0xbf58476d1ce4e5b9ull, x ^= x >> 27, x *= 0x94d049bb133111ebull,
        x ^= x >> 31;
    return x;
  }
  void add(uint64_t m) { n++, sum += m; }
  void remove(uint64_t m) { n--, sum -= m; }
  friend bool operator==(const MappingSum&, const MappingSum&) = default;
};

struct MappingState {
  DeviceId dev = 0;
  uint64_t dma_addr = 0;
  uint32_t size = 0;
  DmaDir dir = DmaDir::bidirectional;
  DmaType type = DmaType::single;
  uint32_t attrs = 0;
  uint64_t phys = 0;  // CPU physical address of the first byte
  PageId page;        // the allocation the CPU range lies in
  bool checked = false;  // dma_mapping_error() was called on it
  uint32_t seq = 0;      // map order, for messages
  uint64_t mix() const { return MappingSum::mix(dev, dma_addr, size, dir, type, checked, phys); }
  template <class H>
  void hash_state(H& h) const {  // seq is history: messages only
    h.small(dev, size, dir, type, checked), h(attrs), h.address(dma_addr), h.address(phys);
    h(page);
  }
};

class Oracle {
 public:
  explicit Oracle(Kernel& kernel);

  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    // Renamed, the pages and mappings come last, one by one (hash_page, hash_mapping).
    if (!h.renames(HandleKind::page)) h(pages_);
    if (!h.renames(HandleKind::mapping)) h(mappings_);
    h(bound_);
  }
  template <class H>
  void hash_tables(H& h) const {
    h.table(pages_), h.table(mappings_);
  }
  // Renamed (StateHash::rename), a page or mapping slot's state: whether it is used, and
  // by what.
  template <class H>
  void hash_page(H& h, uint16_t slot) const {
    pages_.hash_slot(h, slot);
  }
  template <class H>
  void hash_mapping(H& h, uint16_t slot) const {
    mappings_.hash_slot(h, slot);
  }
  // Where the modelled page allocator's memory lies: slot i's allocation starts at
  // kPhysBase + i x kSlotBytes (page_phys), room for the largest order.
  static constexpr uint64_t kPhysBase = 0x100000;
  static constexpr int kSlotShift = kPageShift + kMaxPageOrder;
  static constexpr uint64_t kSlotBytes = uint64_t{1} << kSlotShift;

  // ---- pages ----
  static uint64_t page_phys(PageId page) { return kPhysBase + page.slot * kSlotBytes; }
  PageId page_alloc(uint8_t order);        // kNoPage (invalid) when every slot is used
  bool page_alive(PageId page) const { return pages_.alive(page); }
  PageId current_page(uint16_t slot) const { return pages_.current(slot); }
  const PageState& page(PageId page) const { return pages_[page]; }
  // A reference is taken or dropped by `actor`. A stale handle is a use-after-free; a
  // drop below zero a double free. Returns true when the allocation was freed.
  void page_get(PageId page, std::string_view actor);
  // `holder` now has the page (a driver's poll, the stack's skb, a TX ring): for reports.
  void hand(PageId page, std::string_view holder) {
    if (!pages_.alive(page)) return;
    pages_[page].last_holder = holder;
    pages_[page].last_step = kernel_->step();
  }
  // " [last: <holder> at step N]" for a page's report ("" when nobody was named).
  std::string last_holder(PageId page) const;
  bool page_put(PageId page, std::string_view actor);
  int live_pages() const { return pages_.live(); }
  // page_pool_set_pp_info() / page_pool_clear_pp_info(): the page enters or leaves a
  // pool's ownership. Freeing a page that is still owned is a finding (page_put).
  void set_pp_owner(PageId page, uint32_t owner) {
    if (!pages_.alive(page)) return;  // a freed page owns nothing
    pages_[page].pp_owner = owner;
    pp_owner_epoch_++;
  }
  // Changes whenever a page's pp_owner does, or an owned page is freed: what the pages
  // owned by each pool are. History, not state (never hashed): PagePools::check skips its
  // recount while this and the pools' own counts are what it last saw.
  uint32_t pp_owner_epoch() const { return pp_owner_epoch_; }
  uint32_t pp_owner(PageId page) const { return pages_.alive(page) ? pages_[page].pp_owner : 0; }
  template <class F>
  void for_each_page(F&& f) const {
    pages_.for_each(f);
  }

  // ---- device state ----
  bool device_bound(DeviceId dev) const { return bound_[dev]; }

  // ---- DMA mappings: every call is judged here ----
  MappingId mapping_created(const MappingState& state, std::string_view actor, Verdicts& out);
  bool mapping_alive(MappingId id) const { return mappings_.alive(id); }
  const MappingState& mapping(MappingId id) const { return mappings_[id]; }
  void mapping_error_checked(MappingId id);
  // The driver `actor` undoes mapping `intended` (its own record; kNone when it has no
  // mapping, e.g. a failed map) with these arguments. The mapping is gone afterwards.
  void unmap(MappingId intended, DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir,
             DmaType type, std::string_view actor, Verdicts& out);
  void sync(MappingId intended, DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir,
            bool for_cpu, std::string_view actor, Verdicts& out);
  // BUS_NOTIFY_UNBOUND_DRIVER: live mappings of the device are leaks.
  void device_unbound(DeviceId dev, std::string_view actor, Verdicts& out);

  // Live mappings whose CPU range shares a cacheline with [phys, phys+size).
  template <class F>
  void for_each_overlap(uint64_t phys, uint32_t size, MappingId except, F&& f) const {
    const int shift = kernel_->topology().cacheline_shift();  // not a division per mapping
    const uint64_t first = phys >> shift, last = (phys + size - 1) >> shift;
    mappings_.for_each([&](MappingId id, const MappingState& m) {
      if (id == except) return;
      const uint64_t m_first = m.phys >> shift, m_last = (m.phys + m.size - 1) >> shift;
      if (m_first <= last && first <= m_last) f(id, m);
    });
  }
  template <class F>
  void for_each_mapping(F&& f) const {
    mappings_.for_each(f);
  }
  int live_mappings() const { return mappings_.live(); }
  // The live mappings as a multiset, kept as they come and go; and the same counted from
  // scratch (debug builds check the one against the other).
  const MappingSum& mapping_sum() const { return mapping_sum_; }
  MappingSum recount_mappings() const {
    MappingSum s;
    mappings_.for_each([&](MappingId, const MappingState& m) { s.add(m.mix()); });
    return s;
  }
  bool syncs_cpu_cache(const MappingState& m) const;

  // At the end: whatever is still alive was leaked.
  void final_check(std::string_view actor);

 private:
  void check_bound(DeviceId dev, uint64_t dma_addr, std::string_view verb,
                   std::string_view actor, Verdicts& out);

  Wired<Kernel> kernel_;
  Table<PageState, kMaxPages, PageTag> pages_;
  Table<MappingState, kMaxMappings, MappingTag> mappings_;
  std::array<bool, kMaxDevices> bound_{};
  uint32_t map_seq_ = 0;
  uint32_t pp_owner_epoch_ = 0;
  MappingSum mapping_sum_;  // derived from mappings_: kept with it, never hashed
};

}  // namespace inflight
