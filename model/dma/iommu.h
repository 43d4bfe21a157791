// model/dma/iommu.h
//
// An IOMMU in strict mode behind dma-iommu: one domain per device, an IOVA allocator and
// the domain's page tables, at IOVA-page (4 KiB granule) resolution.
// Models: drivers/iommu/dma-iommu.c (iommu_dma_map_page, __iommu_dma_map,
// __iommu_dma_unmap, iommu_dma_free_iova), drivers/iommu/iova.c, iommu_map/iommu_unmap.
//
// Rules (spec §5.4):
// - A map of [phys, phys+size) allocates iova_align(size + offset-in-page) of IOVA and
//   maps every page of it; the DMA address keeps the in-page offset.
// - __iommu_dma_unmap(addr, size) subtracts the offset, rounds size + offset up to the
//   granule, unmaps that much, WARNs when the page tables unmapped a different amount
//   (`WARN_ON(unmapped != size)`), and frees that much IOVA. An unmap shorter than the map
//   leaves the rest mapped (4K PTEs) or unmaps the whole block anyway (large PTEs, where
//   the warning fires); either way the rest of the IOVA stays allocated.
// Simplifications: IOVAs are allocated lowest-first from a 64-page window (the kernel
// allocates top-down below the DMA mask); no rcache, no flush queue (strict mode), one
// granule size (4 KiB), and a "large PTE" is the whole mapping as one block.
#pragma once

#include <array>
#include <cstdint>

#include "model/core/wired.h"
#include "model/core/kernel.h"

namespace inflight {

class Iommu {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    if (kernel_->topology().iommu) h(domains_);  // untouched under direct mapping
  }

  static constexpr uint64_t kIovaBase = 0xfff00000;

  explicit Iommu(Kernel& kernel) : kernel_(kernel) {}

  // Models: iommu_dma_map_page() in strict mode. Returns DMA_MAPPING_ERROR (~0) when the
  // IOVA space is exhausted.
  uint64_t map(DeviceId dev, uint64_t phys, uint32_t size);

  struct UnmapResult {
    uint64_t size = 0;      // the granule-aligned size asked of the page tables
    uint64_t unmapped = 0;  // what the page tables really unmapped
  };
  // Models: __iommu_dma_unmap() (and the IOVA free at its end).
  UnmapResult unmap(DeviceId dev, uint64_t dma_addr, uint32_t size);

  // The domain is torn down with the device (iommu_detach_device + domain free).
  void domain_free(DeviceId dev);

  bool pte_mapped(DeviceId dev, int iova_page) const { return at(dev, iova_page).mapped; }
  bool iova_allocated(DeviceId dev, int iova_page) const {
    return at(dev, iova_page).allocated;
  }
  static uint64_t iova_page_addr(int iova_page) {
    return kIovaBase + uint64_t{kPageSize} * static_cast<uint64_t>(iova_page);
  }
  // IOVA granules that [addr, addr+size) touches once its in-page offset is added and
  // the sum rounded up (iova_align(size + iova_offset)): what a map allocates and an unmap
  // of that size asks the page tables for.
  static uint32_t span_pages(uint64_t addr, uint32_t size) {
    return static_cast<uint32_t>(((addr & (kPageSize - 1)) + size + kPageSize - 1) >> kPageShift);
  }
  // The IOVA page of an address in the window, or -1.
  static int iova_page_of(uint64_t dma_addr);

 private:
  struct IovaPage {
    bool allocated = false;   // owned by the IOVA allocator's caller
    bool mapped = false;      // a PTE maps it
    uint8_t block_first = 0;  // large-PTE mode: the block this PTE belongs to
    uint8_t block_pages = 0;
  };
  using Domain = std::array<IovaPage, kIovaPages>;
  static IovaPage& at(Domain& d, int i) { return d[static_cast<size_t>(i)]; }
  const IovaPage& at(DeviceId dev, int i) const { return domains_[dev][static_cast<size_t>(i)]; }

  Wired<Kernel> kernel_;
  std::array<Domain, kMaxDevices> domains_{};
};

}  // namespace inflight
