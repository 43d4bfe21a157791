#include "model/dma/dma_client.h"

namespace inflight {

namespace {
// A length pick resolved to 1..avail: picks 1..avail mean themselves, 0 means avail.
uint32_t pick_len(uint32_t pick, uint32_t avail) { return (pick + avail - 1) % avail + 1; }
constexpr std::string_view kFull = "the client holds as many buffers as it can";
constexpr std::string_view kNoMemory = "the page allocator has no memory left (pages=N)";
constexpr std::string_view kNoBuffer = "the client holds no buffer";
constexpr std::string_view kUnbound = "the device is unbound";
constexpr std::string_view kNoRecord = "the client remembers as many live mappings as it can";
constexpr std::string_view kNoMapping = "the client has mapped nothing";
}  // namespace

bool DmaClient::apply(const PageAlloc& e) {
  if ((buffers_.size() == buffers_.capacity())) return kernel_->skip(kFull);
  const PageId page = pages_->alloc_pages(e.order);
  if (!page.valid()) return kernel_->skip(kNoMemory);
  pages_->hand(page, kActor);
  buffers_.push_back(Buffer{page, 0, kPageSize << e.order, false});
  kernel_->log("{}: alloc_pages(order={}) -> page {} [phys=0x{:x}] as buf {}", kActor, e.order,
              page.slot, Oracle::page_phys(page), buffers_.size() - 1);
  return true;
}

bool DmaClient::apply(const FragAlloc& e) {
  if ((buffers_.size() == buffers_.capacity())) return kernel_->skip(kFull);
  const uint32_t fragsz = pick_len(e.len, kPageSize);
  const Frag frag = pages_->page_frag_alloc(kernel_->cpu(), fragsz, kActor);
  if (!frag.page.valid()) return kernel_->skip(kNoMemory);
  buffers_.push_back(Buffer{frag.page, frag.offset, frag.size, true});
  kernel_->log("{}: page_frag_alloc({}) -> page {} offset {} [phys=0x{:x}] as buf {}", kActor,
              fragsz, frag.page.slot, frag.offset, Oracle::page_phys(frag.page) + frag.offset,
              buffers_.size() - 1);
  return true;
}

bool DmaClient::apply(const BufFree& e) {
  if (buffers_.empty()) return kernel_->skip(kNoBuffer);
  const size_t i = e.buf % buffers_.size();
  const Buffer b = buffers_[i];
  buffers_.erase(buffers_.begin() + static_cast<std::ptrdiff_t>(i));
  kernel_->log("{}: {} buf {} (page {})", kActor, b.frag ? "page_frag_free" : "put_page", i,
              b.page.slot);
  if (b.frag)
    pages_->page_frag_free(Frag{b.page, b.offset, b.size}, kActor);
  else
    pages_->put_page(b.page, kActor);
  return true;
}

bool DmaClient::make_room_for_record() {
  if (records_.size() < records_.capacity()) return true;
  for (auto it = records_.begin(); it != records_.end(); ++it) {
    if (!it->live) {
      records_.erase(it);  // forget the oldest mapping it already gave up
      return true;
    }
  }
  return false;
}

bool DmaClient::apply(const DmaMap& e) {
  const DeviceId dev = resolve_dev(e.dev);
  if (!dma_->bound(dev)) return kernel_->skip(kUnbound);
  if (buffers_.empty()) return kernel_->skip(kNoBuffer);
  if (!make_room_for_record()) return kernel_->skip(kNoRecord);
  dma_->set_driver(dev, kActor);  // dma-debug names the driver that maps
  const Buffer& b = buffers_[e.buf % buffers_.size()];
  const uint32_t offset = e.offset % b.size;
  const uint32_t len = pick_len(e.len, b.size - offset);
  const DmaDir dir = static_cast<DmaDir>(e.dir);
  const uint32_t attrs = e.attrs != 0 ? kAttrSkipCpuSync : 0;
  const DmaHandle h = dma_->map(dev, b.page, b.offset + offset, len, dir, attrs, kActor);
  records_.push_back(Record{h, len, dir, DmaType::single, b.page, true});
  kernel_->log("{}: recorded as map {}", kActor, records_.size() - 1);
  return true;
}

bool DmaClient::apply(const DmaAllocCoherent& e) {
  const DeviceId dev = resolve_dev(e.dev);
  if (!dma_->bound(dev)) return kernel_->skip(kUnbound);
  if (!make_room_for_record()) return kernel_->skip(kNoRecord);
  dma_->set_driver(dev, kActor);  // dma-debug names the driver that maps
  const uint32_t size = pick_len(e.size, kPageSize << kMaxPageOrder);
  PageId page;
  const DmaHandle h = dma_->alloc_coherent(dev, size, &page, kActor);
  if (!page.valid()) return kernel_->skip(kNoMemory);
  if (!h.id.valid()) {  // no IOVA space: dma_alloc_coherent() returns NULL and frees the pages
    pages_->put_page(page, kActor);
    return true;
  }
  records_.push_back(Record{h, size, DmaDir::bidirectional, DmaType::coherent, page, true});
  kernel_->log("{}: recorded as map {}", kActor, records_.size() - 1);
  return true;
}

bool DmaClient::apply(const DmaMappingError& e) {
  if (records_.empty()) return kernel_->skip(kNoMapping);
  const Record& r = records_[e.map % records_.size()];
  const bool failed = dma_->mapping_error(r.handle);
  kernel_->log("{}: dma_mapping_error(0x{:016x}) = {}", kActor, r.handle.dma_addr, failed);
  return true;
}

bool DmaClient::apply(const DmaUnmap& e) {
  if (records_.empty()) return kernel_->skip(kNoMapping);
  Record& r = records_[e.map % records_.size()];
  static constexpr uint32_t kNoSize = 0;
  const uint32_t size = e.size == 0   ? r.size
                        : e.size == 1 ? kNoSize
                        : e.size == 2 ? r.size / 2
                                      : r.size + kernel_->topology().cacheline;
  const DmaDir dir = e.dir == 0 ? r.dir : static_cast<DmaDir>((static_cast<int>(r.dir) + 1) % 3);
  const DmaType type = e.api == 0 ? r.type
                                  : (r.type == DmaType::single ? DmaType::coherent : DmaType::single);
  dma_->unmap(r.handle, size, dir, type, kActor);
  // dma_free_coherent() also frees the memory it is given, whatever it was.
  if (type == DmaType::coherent) pages_->put_page(r.page, kActor);
  r.live = false;
  return true;
}

bool DmaClient::apply(const DmaSync& e) {
  if (records_.empty()) return kernel_->skip(kNoMapping);
  const Record& r = records_[e.map % records_.size()];
  // Offsets and sizes may run past the mapping by up to one cacheline.
  const uint32_t span = r.size + kernel_->topology().cacheline;
  const uint32_t offset = e.offset % span;
  const uint32_t size = pick_len(e.size, span - offset);
  const DmaDir dir = e.dir == 0 ? r.dir : static_cast<DmaDir>((static_cast<int>(r.dir) + 1) % 3);
  dma_->sync(r.handle, r.handle.dma_addr + offset, size, dir, e.target == 0, kActor);
  return true;
}

void DmaClient::teardown() {
  for (Record& r : records_) {
    if (!r.live || !dma_->bound(r.handle.dev) || !r.handle.id.valid()) continue;
    dma_->unmap(r.handle, r.size, r.dir, r.type, kActor);
    if (r.type == DmaType::coherent) pages_->put_page(r.page, kActor);
    r.live = false;
  }
  while (!buffers_.empty()) apply(BufFree{0, 0});
}

}  // namespace inflight
