#include "model/oracle/oracle.h"

#include <fmt/format.h>

#include <array>

namespace inflight {

namespace {

// A ground-truth verdict on the call, and its finding: `message` starts with the actor.
template <class... Args>
void flag(Kernel& k, Verdicts& out, Violation kind, std::string_view actor,
          fmt::format_string<Args...> message, Args&&... args) {
  out.set(static_cast<size_t>(kind));
  k.report(kind, actor, "", message, std::forward<Args>(args)...);
}
}  // namespace

std::string_view dir_name(DmaDir dir) {
  static constexpr std::array<std::string_view, 3> kNames = {"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE",
                                                             "DMA_FROM_DEVICE"};
  return kNames[static_cast<size_t>(dir)];
}

std::string_view type_name(DmaType type) { return type == DmaType::single ? "single" : "coherent"; }

// P2: nothing reaches a device's mappings after the driver was unbound from it.
void Oracle::check_bound(DeviceId dev, uint64_t dma_addr, std::string_view verb,
                         std::string_view actor, Verdicts& out) {
  if (bound_[dev]) return;
  flag(kernel_, out, Violation::dma_after_unbind, actor,
       "{} {} DMA memory after its device was unbound [dev={}] [device address=0x{:016x}]", actor,
       verb, dev, dma_addr);
}

Oracle::Oracle(Kernel& kernel) : kernel_(kernel) { bound_.fill(true); }

PageId Oracle::page_alloc(uint8_t order) {
  MODEL_ASSERT(order <= kMaxPageOrder);
  if (pages_.live() >= kernel_->topology().pages) return PageId{};  // the topology's memory
  const PageId id = pages_.alloc();
  pages_[id] = PageState{order, 1, 0, {}, 0};
  kernel_->count(Cov::page_alloc);
  return id;
}

void Oracle::page_get(PageId page, std::string_view actor) {
  if (!pages_.alive(page)) {
    kernel_->report(Violation::use_after_free, actor, "get_page() of a freed page",
                    "{} takes a reference on a freed page [page={}]", actor, page.slot);
    return;
  }
  pages_[page].refcount++;
  hand(page, actor);
}

std::string Oracle::last_holder(PageId page) const {
  if (!pages_.alive(page) || pages_[page].last_holder.empty()) return {};
  return fmt::format(" [last: {} at step {}]", pages_[page].last_holder, pages_[page].last_step);
}

bool Oracle::page_put(PageId page, std::string_view actor) {
  if (!pages_.alive(page)) {
    kernel_->report(Violation::double_free, actor, "put_page() of a freed page",
                    "{} drops a reference on a freed page [page={}]", actor, page.slot);
    return false;
  }
  PageState& p = pages_[page];
  MODEL_ASSERT(p.refcount > 0);
  if (--p.refcount > 0) {
    hand(page, actor);
    return false;
  }
  if (p.pp_owner != 0) {
    pp_owner_epoch_++;  // leaves its pool's pages below
    kernel_->report(Violation::pp_page_freed_in_flight, actor, "",
                    "{} frees a page to the page allocator while it is in flight for "
                    "page_pool {} [page={}]{}",
                    actor, p.pp_owner & 0xFFFF, page.slot, last_holder(page));
  }
  const uint64_t start = page_phys(page), end = start + (uint64_t{kPageSize} << p.order);
  mappings_.for_each([&](MappingId, const MappingState& m) {
    if (m.phys < end && start < m.phys + m.size)
      kernel_->report(Violation::page_freed_while_mapped, actor, "",
                      "{} frees a page that is still DMA-mapped [page={}] [device "
                      "address=0x{:016x}] [size={} bytes]",
                      actor, page.slot, m.dma_addr, m.size);
  });
  pages_.free(page);
  kernel_->count(Cov::page_free);
  return true;
}

bool Oracle::syncs_cpu_cache(const MappingState& m) const {
  return !kernel_->topology().device_coherent(m.dev) && (m.attrs & kAttrSkipCpuSync) == 0;
}

MappingId Oracle::mapping_created(const MappingState& state, std::string_view actor,
                                  Verdicts& out) {
  MODEL_ASSERT(!mappings_.full());
  MODEL_ASSERT(bound_[state.dev]);
  const MappingId id = mappings_.alloc();
  mappings_[id] = state;
  mappings_[id].seq = map_seq_++;
  mapping_sum_.add(mappings_[id].mix());
  if (!kernel_->topology().cacheline_sharing_matters()) return id;
  const MappingState& m = mappings_[id];
  bool hazard = false;
  uint64_t other_addr = 0;
  for_each_overlap(m.phys, m.size, id, [&](MappingId, const MappingState& n) {
    const bool writes = m.dir != DmaDir::to_device || n.dir != DmaDir::to_device;
    if (!hazard && writes && syncs_cpu_cache(m) && syncs_cpu_cache(n)) {
      hazard = true;
      other_addr = n.dma_addr;
    }
  });
  if (hazard)
    flag(kernel_, out, Violation::cacheline_overlap, actor,
         "{} maps memory sharing a cacheline with an active mapping, both syncing the "
         "CPU cache [device address=0x{:016x}] [other device address=0x{:016x}] "
         "[cacheline size={}]",
         actor, m.dma_addr, other_addr, kernel_->topology().cacheline);
  return id;
}

void Oracle::mapping_error_checked(MappingId id) {
  if (!mappings_.alive(id)) return;
  MappingState& m = mappings_[id];
  mapping_sum_.remove(m.mix());
  m.checked = true;
  mapping_sum_.add(m.mix());
}

void Oracle::unmap(MappingId intended, DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir,
                   DmaType type, std::string_view actor, Verdicts& out) {
  check_bound(dev, dma_addr, "unmaps", actor, out);
  if (!intended.valid()) {
    flag(kernel_, out, Violation::dma_unmap_not_mapped, actor,
         "{} unmaps an address that was never mapped [device address=0x{:016x}] [size={} bytes]",
         actor, dma_addr, size);
    return;
  }
  if (!mappings_.alive(intended)) {
    flag(kernel_, out, Violation::dma_double_unmap, actor,
         "{} unmaps a mapping it already unmapped [device address=0x{:016x}] [size={} bytes]",
         actor, dma_addr, size);
    return;
  }
  const MappingState m = mappings_[intended];
  MODEL_ASSERT(m.dev == dev && m.dma_addr == dma_addr);
  if (size != m.size)
    flag(kernel_, out, Violation::dma_unmap_wrong_size, actor,
         "{} unmaps with a different size [device address=0x{:016x}] [map size={} bytes] [unmap "
         "size={} bytes]",
         actor, dma_addr, m.size, size);
  if (type != m.type)
    flag(kernel_, out, Violation::dma_unmap_wrong_function, actor,
         "{} unmaps with the wrong function [device address=0x{:016x}] [mapped as {}] [unmapped as "
         "{}]",
         actor, dma_addr, type_name(m.type), type_name(type));
  if (dir != m.dir)
    flag(kernel_, out, Violation::dma_unmap_wrong_direction, actor,
         "{} unmaps with a different direction [device address=0x{:016x}] [mapped with {}] "
         "[unmapped with {}]",
         actor, dma_addr, dir_name(m.dir), dir_name(dir));
  if (!m.checked)
    flag(kernel_, out, Violation::dma_map_error_not_checked, actor,
         "{} never called dma_mapping_error() on the mapping [device address=0x{:016x}] [size={} "
         "bytes]",
         actor, dma_addr, m.size);
  mapping_sum_.remove(m.mix());
  mappings_.free(intended);
}

void Oracle::sync(MappingId intended, DeviceId dev, uint64_t dma_addr, uint32_t size, DmaDir dir,
                  bool for_cpu, std::string_view actor, Verdicts& out) {
  check_bound(dev, dma_addr, "syncs", actor, out);
  if (!intended.valid() || !mappings_.alive(intended)) {
    flag(kernel_, out, Violation::dma_sync_not_mapped, actor,
         "{} syncs memory that is not mapped [device address=0x{:016x}] [size={} bytes]", actor,
         dma_addr, size);
    return;
  }
  const MappingState& m = mappings_[intended];
  if (dma_addr < m.dma_addr || dma_addr + size > m.dma_addr + m.size)
    flag(kernel_, out, Violation::dma_sync_out_of_range, actor,
         "{} syncs outside the mapping [device address=0x{:016x}] [size={} bytes] [sync "
         "address=0x{:016x}] [sync size={}]",
         actor, m.dma_addr, m.size, dma_addr, size);
  if (m.dir != DmaDir::bidirectional && dir != m.dir)
    flag(kernel_, out, Violation::dma_sync_wrong_direction, actor,
         "{} syncs for the {} with a direction the mapping does not allow [device "
         "address=0x{:016x}] [mapped with {}] [synced with {}]",
         actor, for_cpu ? "cpu" : "device", m.dma_addr, dir_name(m.dir), dir_name(dir));
}

void Oracle::device_unbound(DeviceId dev, std::string_view actor, Verdicts& out) {
  int count = 0;
  uint64_t example = 0;
  mappings_.for_each([&](MappingId, const MappingState& m) {
    if (m.dev != dev) return;
    if (count++ == 0) example = m.dma_addr;
  });
  bound_[dev] = false;
  if (count > 0)
    flag(kernel_, out, Violation::dma_mapping_leak, actor,
         "{} leaves DMA mappings at unbind [dev={}] [count={}] [device address=0x{:016x}]", actor,
         dev, count, example);
}

void Oracle::final_check(std::string_view actor) {
  Verdicts ignored;
  mappings_.for_each([&](MappingId, const MappingState& m) {
    flag(kernel_, ignored, Violation::dma_mapping_leak, actor,
         "{} leaves a DMA mapping at the end [dev={}] [device address=0x{:016x}] [size={} bytes] "
         "[mapped with {}]",
         actor, m.dev, m.dma_addr, m.size, dir_name(m.dir));
  });
  pages_.for_each([&](PageId id, const PageState& p) {
    kernel_->report(
        Violation::page_leak, actor, "",

        "{} leaves a page outside the page allocator [page={}] [order={}] [refcount={}]{}", actor,
        id.slot, p.order, p.refcount, last_holder(id));
  });
}

}  // namespace inflight
