#include "model/dma/dma_api.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>

namespace inflight {

namespace {
// Which dma-debug messages count as reporting a ground-truth kind. Kinds not listed here
// are outside what dma-debug claims to check (after-unbind use, IOMMU leaks, pages).
struct Accept {
  Violation kind;
  std::initializer_list<DdMsg> msgs;
};
const Accept kAccept[] = {
    {Violation::dma_unmap_not_mapped, {DdMsg::free_not_allocated, DdMsg::free_invalid}},
    {Violation::dma_double_unmap, {DdMsg::free_not_allocated, DdMsg::free_invalid}},
    {Violation::dma_unmap_wrong_size, {DdMsg::different_size}},
    {Violation::dma_unmap_wrong_direction, {DdMsg::different_direction}},
    {Violation::dma_unmap_wrong_function, {DdMsg::wrong_function}},
    {Violation::dma_map_error_not_checked, {DdMsg::map_error_not_checked}},
    {Violation::dma_sync_not_mapped, {DdMsg::sync_not_allocated}},
    {Violation::dma_sync_out_of_range, {DdMsg::sync_outside_range, DdMsg::sync_not_allocated}},
    {Violation::dma_sync_wrong_direction,
     {DdMsg::sync_different_direction, DdMsg::sync_read_only_for_cpu,
      DdMsg::sync_write_only_to_device}},
    {Violation::dma_mapping_leak, {DdMsg::pending_at_unbind}},
    {Violation::cacheline_overlap, {DdMsg::eexist}},
};

constexpr const char* kOutOfStep = " while dma-debug's entries are out of step with the mappings";
constexpr const char* kAliased = " with another mapping at the same address";

static_assert(kViolationKinds <= 64 && static_cast<size_t>(DdMsg::count) <= 64);
// kAccept as two lookups for compare_call, built once: the kinds it lists, and the
// messages that count as reporting each kind.
struct AcceptTable {
  Verdicts compared;
  DdMsgs accepted_by[kViolationKinds];
};
const AcceptTable& accept_table() {
  static const AcceptTable table = [] {
    AcceptTable t{};
    for (const Accept& a : kAccept) {
      t.compared.set(static_cast<size_t>(a.kind));
      for (DdMsg m : a.msgs) t.accepted_by[static_cast<size_t>(a.kind)].set(static_cast<size_t>(m));
    }
    return t;
  }();
  return table;
}

// Fixed words joined on the stack: a finding's detail costs no allocation, and a fuzzer
// judges most findings as reported and drops them (ViolationLog::keep_only). Out of line:
// text, not a decision, so the campaign build leaves it uninstrumented (cmp_ignorelist.txt).
class Words {
 public:
  [[gnu::noinline]] Words(std::initializer_list<std::string_view> parts) {
    for (const std::string_view p : parts) {
      MODEL_ASSERT(size_ + p.size() <= text_.size());
      std::memcpy(text_.data() + size_, p.data(), p.size());
      size_ += p.size();
    }
  }
  std::string_view view() const { return {text_.data(), size_}; }

 private:
  std::array<char, 160> text_;
  size_t size_ = 0;
};
}  // namespace

Dma::Dma(Kernel& kernel, Oracle& oracle, PageAllocator& pages)
    : kernel_(kernel), oracle_(oracle), pages_(pages), iommu_(kernel), dma_debug_(kernel) {
  drivers_.fill("inflight");
}

bool Dma::out_of_step() const {
  // All devices: the active-cacheline tree is shared, so stale entries of one device
  // change what dma-debug says about another. Both sides keep their multiset summed
  // (MappingSum); a debug build also recounts them from scratch.
  if constexpr (kDebugChecks) {
    MODEL_ASSERT(dma_debug_.recount_entries() == dma_debug_.entry_sum() &&
                 oracle_->recount_mappings() == oracle_->mapping_sum());
  }
  return dma_debug_.entry_sum() != oracle_->mapping_sum();
}

int Dma::mappings_at(DeviceId dev, uint64_t dma_addr) const {
  int n = 0;
  oracle_->for_each_mapping([&](MappingId, const MappingState& m) {
    n += (m.dev == dev && m.dma_addr == dma_addr) ? 1 : 0;
  });
  return n;
}

// One call, one verdict each side. The call is judged as a whole, as a developer reads
// the log: when the ground truth sees errors, dma-debug agrees if it reports at least one
// of them (it stops at its first failed lookup, so it cannot name them all); if it reports
// none of them, or only something else, that is a false negative of the first real error.
// When the ground truth sees no error, every dma-debug report is a false positive.
// Its edges stay instrumented in the campaign build: without them R8 (a false positive)
// took more executions to find.
template <class Context>
void compare_call(Kernel& kernel, std::string_view call, const Verdicts& truth, const DdMsgs& dd,
                  Context&& context) {
  if (truth.none() && dd.none()) return;  // most calls: both sides silent
  DdMsgs reports = dd;
  reports.reset(static_cast<size_t>(DdMsg::exceeded_overlap));  // a note, not a verdict
  const AcceptTable& table = accept_table();
  // The ground truth's errors that dma-debug claims to check, lowest kind first.
  uint64_t real = (truth & table.compared).to_ullong();
  if (real != 0) {
    const size_t first_real = static_cast<size_t>(std::countr_zero(real));
    DdMsgs accepted;
    for (; real != 0; real &= real - 1) accepted |= table.accepted_by[std::countr_zero(real)];
    if ((reports & accepted).any()) return;
    const Violation kind = static_cast<Violation>(first_real);
    const uint64_t said = reports.to_ullong();
    const Words how =
        said == 0
            ? Words{"not reported"}
            : Words{"reported as '", dd_msg_name(static_cast<DdMsg>(std::countr_zero(said))), "'"};
    const std::string_view why = context(true, first_real);
    kernel.report(Violation::dma_debug_false_negative, call,
                  Words{violation_name(kind), why}.view(),
                  "{}: the ground truth sees '{}', dma-debug {}{}", call, violation_summary(kind),
                  how.view(), why);
    return;
  }
  for (uint64_t said = reports.to_ullong(); said != 0; said &= said - 1) {
    const size_t m = static_cast<size_t>(std::countr_zero(said));
    const DdMsg msg = static_cast<DdMsg>(m);
    const std::string_view why = context(false, m);
    kernel.report(Violation::dma_debug_false_positive, call,
                  Words{"'", dd_msg_name(msg), "'", why}.view(),
                  "{}: dma-debug reports '{}' but the ground truth sees no error{}", call,
                  dd_msg_name(msg), why);
  }
}

std::string_view Dma::eexist_false_positive_reason(const MappingState& m, MappingId id) const {
  if ((m.attrs & kAttrSkipCpuSync) != 0) return " on a DMA_ATTR_SKIP_CPU_SYNC mapping";
  if (kernel_->topology().device_coherent(m.dev)) return " on a coherent device";
  bool first_line_shared = false;
  oracle_->for_each_overlap(m.phys, 1, id, [&](MappingId, const MappingState&) {
    first_line_shared = true;
  });
  if (!first_line_shared) return " with no active mapping on that cacheline";
  return " where at most one of the overlapping mappings syncs the CPU cache";
}

std::string_view Dma::overlap_false_negative_reason(const MappingState& m, MappingId id) const {
  if (m.dir == DmaDir::to_device) return " (the new mapping is DMA_TO_DEVICE, never tracked)";
  const uint64_t line = kernel_->topology().cacheline;
  std::string_view reason;
  oracle_->for_each_overlap(m.phys, m.size, id, [&](MappingId, const MappingState& n) {
    if (!reason.empty()) return;
    const bool writes = m.dir != DmaDir::to_device || n.dir != DmaDir::to_device;
    if (!writes || !oracle_->syncs_cpu_cache(m) || !oracle_->syncs_cpu_cache(n)) return;
    if (n.dir == DmaDir::to_device)
      reason = " (the other mapping is DMA_TO_DEVICE, never tracked)";
    else if (n.phys / line != m.phys / line)
      reason = " (the shared cacheline is not the first cacheline of both mappings)";
    else
      reason = " (the first cacheline is no longer tracked)";
  });
  return reason;
}

DmaHandle Dma::map(DeviceId dev, PageId page, uint32_t offset, uint32_t size, DmaDir dir,
                   uint32_t attrs, std::string_view actor) {
  MODEL_ASSERT(dev < kernel_->topology().devices);
  MODEL_ASSERT(bound(dev));
  MODEL_ASSERT(size > 0);
  if (!oracle_->page_alive(page))
    kernel_->report(Violation::use_after_free, actor, "DMA map of a freed page",
                    "{} maps memory of a freed page [page={}]", actor, page.slot);
  const uint64_t phys = Oracle::page_phys(page) + offset;
  const uint64_t dma_addr = kernel_->topology().iommu ? iommu_.map(dev, phys, size) : phys;
  kernel_->log("{}: dma_map_page_attrs dev{} [phys=0x{:x}] [size={}] [{}]{} -> 0x{:016x}", actor,
              dev, phys, size, dir_name(dir),
              (attrs & kAttrSkipCpuSync) ? " [DMA_ATTR_SKIP_CPU_SYNC]" : "", dma_addr);
  if (dma_addr == kDmaMappingError) {
    kernel_->count(Cov::dma_map_error);
    return DmaHandle{dev, kDmaMappingError, MappingId{}};
  }
  kernel_->count(Cov::dma_map);
  const MappingState state{dev, dma_addr, size, dir, DmaType::single, attrs, phys, page, false, 0};
  const bool stale = comparing() && out_of_step();
  Verdicts truth;
  const MappingId id = oracle_->mapping_created(state, actor, truth);
  DdMsgs dd;
  dma_debug_.map(dev, dma_addr, size, dir, DmaType::single, attrs, phys, drivers_[dev], dd);
  if (comparing())
    compare_call(kernel_, "dma_map_page_attrs", truth, dd,
                 [&](bool fn, size_t) -> std::string_view {
                   if (stale) return kOutOfStep;
                   return fn ? overlap_false_negative_reason(state, id)
                             : eexist_false_positive_reason(state, id);
                 });
  return DmaHandle{dev, dma_addr, id};
}

bool Dma::mapping_error(const DmaHandle& handle) {
  if (handle.id.valid()) oracle_->mapping_error_checked(handle.id);
  dma_debug_.mapping_error(handle.dev, handle.dma_addr);
  return handle.dma_addr == kDmaMappingError;
}

void Dma::unmap(const DmaHandle& h, uint32_t size, DmaDir dir, DmaType type,
                std::string_view actor) {
  kernel_->count(Cov::dma_unmap);
  const bool stale = comparing() && out_of_step();
  kernel_->log("{}: {} dev{} [device address=0x{:016x}] [size={}] [{}]", actor,
              type == DmaType::coherent ? "dma_free_coherent" : "dma_unmap_page_attrs", h.dev,
              h.dma_addr, size, dir_name(dir));
  if (kernel_->topology().iommu && bound(h.dev) && h.dma_addr != kDmaMappingError) {
    const Iommu::UnmapResult r = iommu_.unmap(h.dev, h.dma_addr, size);
    if (r.unmapped != r.size)
      kernel_->report(Violation::iommu_unmap_mismatch, actor, "",
                      "WARNING: at drivers/iommu/dma-iommu.c __iommu_dma_unmap: "
                      "WARN_ON(unmapped != size) [device address=0x{:016x}] [size=0x{:x}] "
                      "[unmapped=0x{:x}] (called from {})",
                      h.dma_addr, r.size, r.unmapped, actor);
  }
  Verdicts truth;
  oracle_->unmap(h.id, h.dev, h.dma_addr, size, dir, type, actor, truth);
  DdMsgs dd;
  dma_debug_.unmap(h.dev, h.dma_addr, size, dir, type, drivers_[h.dev], dd);
  if (comparing())
    compare_call(kernel_, type == DmaType::coherent ? "dma_free_coherent" : "dma_unmap_page_attrs",
                 truth, dd, [&](bool, size_t) -> std::string_view {
                   if (stale) return kOutOfStep;
                   // The ground truth has just freed h.id if it was alive (and nothing
                   // else), so the mappings left at this address are the others.
                   return mappings_at(h.dev, h.dma_addr) > 0 ? kAliased : "";
                 });
}

DmaHandle Dma::alloc_coherent(DeviceId dev, uint32_t size, PageId* page_out,
                              std::string_view actor) {
  MODEL_ASSERT(size > 0 && size <= (kPageSize << kMaxPageOrder));
  uint8_t order = 0;
  while ((kPageSize << order) < size) order++;
  const PageId page = pages_->alloc_pages(order);
  *page_out = page;
  if (!page.valid()) return DmaHandle{dev, kDmaMappingError, MappingId{}};
  const uint64_t phys = Oracle::page_phys(page);
  const uint64_t dma_addr = kernel_->topology().iommu ? iommu_.map(dev, phys, size) : phys;
  kernel_->log("{}: dma_alloc_coherent dev{} [size={}] -> 0x{:016x}", actor, dev, size, dma_addr);
  if (dma_addr == kDmaMappingError) {
    kernel_->count(Cov::dma_map_error);
    return DmaHandle{dev, kDmaMappingError, MappingId{}};
  }
  kernel_->count(Cov::dma_map);
  // Coherent allocations have no map error to check (MAP_ERR_CHECK_NOT_APPLICABLE).
  MappingState state{dev, dma_addr, size, DmaDir::bidirectional, DmaType::coherent, 0, phys, page,
                     true, 0};
  const bool stale = comparing() && out_of_step();
  Verdicts truth;
  const MappingId id = oracle_->mapping_created(state, actor, truth);
  DdMsgs dd;
  dma_debug_.map(dev, dma_addr, size, DmaDir::bidirectional, DmaType::coherent, 0, phys,
                 drivers_[dev], dd);
  if (comparing())
    compare_call(kernel_, "dma_alloc_coherent", truth, dd,
                 [&](bool fn, size_t) -> std::string_view {
                   if (stale) return kOutOfStep;
                   return fn ? overlap_false_negative_reason(state, id)
                             : eexist_false_positive_reason(state, id);
                 });
  return DmaHandle{dev, dma_addr, id};
}

void Dma::sync(const DmaHandle& h, uint64_t dma_addr, uint32_t size, DmaDir dir, bool for_cpu,
               std::string_view actor) {
  kernel_->count(Cov::dma_sync);
  const bool stale = comparing() && out_of_step();
  kernel_->log("{}: dma_sync_single_for_{} dev{} [device address=0x{:016x}] [size={}] [{}]", actor,
              for_cpu ? "cpu" : "device", h.dev, dma_addr, size, dir_name(dir));
  Verdicts truth;
  oracle_->sync(h.id, h.dev, dma_addr, size, dir, for_cpu, actor, truth);
  DdMsgs dd;
  dma_debug_.sync(h.dev, dma_addr, size, dir, for_cpu, drivers_[h.dev], dd);
  if (comparing())
    compare_call(kernel_, for_cpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device", truth,
                 dd, [&](bool, size_t) -> std::string_view {
                   if (stale) return kOutOfStep;
                   // A sync creates and frees no mapping: the others at this address.
                   if (mappings_at(h.dev, h.dma_addr) - (oracle_->mapping_alive(h.id) ? 1 : 0) > 0)
                     return kAliased;
                   bool inside_other = false;
                   oracle_->for_each_mapping([&](MappingId id, const MappingState& m) {
                     inside_other = inside_other || (id != h.id && m.dev == h.dev &&
                                                     m.dma_addr <= dma_addr &&
                                                     dma_addr + size <= m.dma_addr + m.size);
                   });
                   return inside_other ? " with another mapping containing the range" : "";
                 });
}

void Dma::check_iova_leaks(DeviceId dev, std::string_view actor) {
  if (!kernel_->topology().iommu || !bound(dev)) return;
  int leaked = 0, mapped = 0, first = -1;
  for (int i = 0; i < kIovaPages; i++) {
    if (!iommu_.iova_allocated(dev, i) && !iommu_.pte_mapped(dev, i)) continue;
    const uint64_t start = Iommu::iova_page_addr(i), end = start + kPageSize;
    bool covered = false;
    oracle_->for_each_mapping([&](MappingId, const MappingState& m) {
      covered = covered || (m.dev == dev && m.dma_addr < end && start < m.dma_addr + m.size);
    });
    if (covered) continue;
    leaked++;
    mapped += iommu_.pte_mapped(dev, i) ? 1 : 0;
    if (first < 0) first = i;
  }
  if (leaked == 0) return;
  kernel_->report(Violation::iova_leak, actor, "",
                  "{} leaves IOVA pages with no mapping [dev={}] [pages={}] [still "
                  "mapped={}] [first iova=0x{:016x}]",
                  actor, dev, leaked, mapped, Iommu::iova_page_addr(first));
}

void Dma::device_unbind(DeviceId dev, std::string_view actor) {
  MODEL_ASSERT(bound(dev));
  kernel_->count(Cov::dma_unbind);
  int truth_count = 0;
  oracle_->for_each_mapping([&](MappingId, const MappingState& m) { truth_count += m.dev == dev; });
  const int dd_count = dma_debug_.entries(dev);
  const bool stale = comparing() && out_of_step();
  kernel_->log("{}: driver unbound from dev{} (BUS_NOTIFY_UNBOUND_DRIVER)", actor, dev);
  check_iova_leaks(dev, actor);
  DdMsgs dd;
  dma_debug_.unbind(dev, drivers_[dev], dd);
  Verdicts truth;
  oracle_->device_unbound(dev, actor, truth);
  iommu_.domain_free(dev);
  if (!comparing() || truth_count == dd_count) return;
  const bool fn = dd_count < truth_count;
  std::string detail = fn ? "dma_mapping_leak" : "'pending DMA allocations'";
  if (stale) detail += kOutOfStep;
  kernel_->report(fn ? Violation::dma_debug_false_negative : Violation::dma_debug_false_positive,
                  actor, detail,
                  "device unbind: dma-debug holds {} entries for dev{}, the ground "
                  "truth {} live mappings",
                  dd_count, dev, truth_count);
}

}  // namespace inflight
