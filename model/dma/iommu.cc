#include "model/dma/iommu.h"

#include "model/oracle/oracle.h"

namespace inflight {

int Iommu::iova_page_of(uint64_t dma_addr) {
  if (dma_addr < kIovaBase) return -1;
  const uint64_t page = (dma_addr - kIovaBase) >> kPageShift;
  return page < static_cast<uint64_t>(kIovaPages) ? static_cast<int>(page) : -1;
}

uint64_t Iommu::map(DeviceId dev, uint64_t phys, uint32_t size) {
  MODEL_ASSERT(dev < kMaxDevices && size > 0);
  const uint64_t offset = phys & (kPageSize - 1);
  const int pages = static_cast<int>(span_pages(phys, size));
  auto& domain = domains_[dev];
  for (int first = 0; first + pages <= kIovaPages; first++) {
    bool free = true;
    for (int i = first; i < first + pages && free; i++) free = !at(domain, i).allocated;
    if (!free) continue;
    for (int i = first; i < first + pages; i++)
      at(domain, i) = IovaPage{true, true, static_cast<uint8_t>(first), static_cast<uint8_t>(pages)};
    return iova_page_addr(first) + offset;
  }
  kernel_->log("iommu: IOVA space exhausted [dev={}] [pages={}]", dev, pages);
  return kDmaMappingError;
}

Iommu::UnmapResult Iommu::unmap(DeviceId dev, uint64_t dma_addr, uint32_t size) {
  const uint64_t offset = dma_addr & (kPageSize - 1);
  UnmapResult result;
  result.size = uint64_t{span_pages(dma_addr, size)} << kPageShift;
  const int first = iova_page_of(dma_addr - offset);
  if (first < 0 || result.size == 0) return result;
  auto& domain = domains_[dev];
  const int pages = static_cast<int>(result.size >> kPageShift);
  // iommu_unmap(): walk the range; a large PTE goes as a whole; stop at a hole.
  for (int i = first; i < first + pages && i < kIovaPages && result.unmapped < result.size;) {
    if (!at(domain, i).mapped) break;
    if (kernel_->topology().iommu_pte == IommuPte::large) {
      const int b = at(domain, i).block_first, n = at(domain, i).block_pages;
      for (int j = b; j < b + n; j++) at(domain, j).mapped = false;
      result.unmapped += uint64_t{kPageSize} * static_cast<uint64_t>(n);
      i = b + n;
    } else {
      at(domain, i).mapped = false;
      result.unmapped += kPageSize;
      i++;
    }
  }
  // iommu_dma_free_iova(): the IOVA of the size asked for goes back, no more.
  for (int i = first; i < first + pages && i < kIovaPages; i++) at(domain, i).allocated = false;
  return result;
}

void Iommu::domain_free(DeviceId dev) { domains_[dev] = {}; }

}  // namespace inflight
