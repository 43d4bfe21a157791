// model/dma/dma_api.h
//
// The DMA API as drivers call it, with everything behind it: the direct mapping or the
// strict-mode IOMMU (iommu.h), dma-debug (dma_debug.h), and the ground truth
// (oracle.h), which judges every call. In differential mode (Topology::differential) each
// call's ground-truth verdicts are compared with dma-debug's messages for the same call,
// and every disagreement is a finding: a dma-debug false positive (it reports what the
// ground truth finds legal) or false negative (it misses, or misnames, a real error).
// The comparison stops when dma-debug runs out of entries and disables itself.
// Models: kernel/dma/mapping.c (dma_map_page_attrs, dma_unmap_page_attrs,
// dma_sync_single_for_cpu/_for_device, dma_mapping_error, dma_alloc_attrs,
// dma_free_attrs), kernel/dma/direct.h, drivers/iommu/dma-iommu.c.
//
// Device lifecycle: bound to a driver from the start; device_unbind() runs dma-debug's
// bus notifier and the oracle's leak check, then frees the IOMMU domain. Calls after
// that are still judged (P2) but reach no page tables.
// Simplifications: no swiotlb, no sg lists, no DMA mask (every address is reachable);
// without an IOMMU the DMA address is the physical address.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "model/core/wired.h"
#include "model/dma/dma_debug.h"
#include "model/dma/iommu.h"
#include "model/mm/page_alloc.h"
#include "model/oracle/oracle.h"

namespace inflight {

// What a driver keeps after a map: the DMA address, and (for the ground truth) which
// mapping it meant. `id` is invalid when the map failed.
struct DmaHandle {
  DeviceId dev = 0;
  uint64_t dma_addr = kDmaMappingError;
  MappingId id;
  template <class H>
  void hash_state(H& h) const {
    h(dev), h.address(dma_addr), h(id);
  }
};

class Dma {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(iommu_);
    h(dma_debug_);  // not drivers_: the names are for messages only
  }
  template <class H>
  void hash_by_page(H& h) const {
    dma_debug_.hash_by_page(h);
  }

  Dma(Kernel& kernel, Oracle& oracle, PageAllocator& pages);

  // The driver bound to a device, as dev_driver_string() prints it.
  void set_driver(DeviceId dev, std::string_view driver) { drivers_[dev] = driver; }
  std::string_view driver(DeviceId dev) const { return drivers_[dev]; }
  bool bound(DeviceId dev) const { return oracle_->device_bound(dev); }

  // Models: dma_map_page_attrs() (dma_map_single_attrs() is the same since
  // 2e05ea5cdc1a). The caller must hold a reference on `page`.
  DmaHandle map(DeviceId dev, PageId page, uint32_t offset, uint32_t size, DmaDir dir,
                uint32_t attrs, std::string_view actor);
  // Models: dma_mapping_error().
  bool mapping_error(const DmaHandle& handle);
  // Models: dma_unmap_page_attrs(); `type` says which function the driver called
  // (dma_unmap_single/page for single, dma_free_coherent's unmap for coherent).
  void unmap(const DmaHandle& handle, uint32_t size, DmaDir dir, DmaType type,
             std::string_view actor);
  // Models: dma_alloc_coherent(): pages plus a bidirectional coherent mapping.
  DmaHandle alloc_coherent(DeviceId dev, uint32_t size, PageId* page_out, std::string_view actor);
  // Models: dma_sync_single_for_cpu() / dma_sync_single_for_device().
  void sync(const DmaHandle& handle, uint64_t dma_addr, uint32_t size, DmaDir dir, bool for_cpu,
            std::string_view actor);
  // The driver is unbound: BUS_NOTIFY_UNBOUND_DRIVER, then the IOMMU domain goes.
  void device_unbind(DeviceId dev, std::string_view actor);

  // IOVA pages that are allocated or still mapped in page tables with no live mapping
  // over them: leaked by an unmap shorter than its map (spec §5.4).
  void check_iova_leaks(DeviceId dev, std::string_view actor);

  const DmaDebug& dma_debug() const { return dma_debug_; }

 private:
  void compare(std::string_view call, const Verdicts& truth, const DdMsgs& dd,
               std::string_view context);
  std::string_view eexist_false_positive_reason(const MappingState& m, MappingId id) const;
  std::string_view overlap_false_negative_reason(const MappingState& m, MappingId id) const;
  int mappings_at(DeviceId dev, uint64_t dma_addr) const;
  // dma-debug's entries no longer match the live mappings (an earlier disagreement left
  // them behind or took the wrong one): later disagreements are consequences, and their
  // titles say so.
  bool out_of_step() const;
  // Whether dma-debug's verdicts are compared with the ground truth: in differential mode,
  // while dma-debug is enabled (once it has disabled itself it checks nothing, and says so).
  bool comparing() const { return kernel_->topology().differential && !dma_debug_.disabled(); }

  Wired<Kernel> kernel_;
  Wired<Oracle> oracle_;
  Wired<PageAllocator> pages_;
  Iommu iommu_;
  DmaDebug dma_debug_;
  std::array<std::string_view, kMaxDevices> drivers_{};
};

}  // namespace inflight
