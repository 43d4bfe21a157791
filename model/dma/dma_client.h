// model/dma/dma_client.h
//
// A driver that issues raw DMA API calls as the input dictates, correct or not: the
// actor of the dma-debug differential. It owns buffers (whole pages or page_frag
// fragments) and remembers the mappings it made, including ones it has already
// unmapped, so that the input can unmap twice, with the wrong size, direction or
// function, sync out of range, or forget dma_mapping_error(). Its own misuse is judged
// by the ground truth like any driver's; what the differential looks for is whether
// dma-debug says the same.
//
// Lifecycle: buffers and mappings come and go with events; at teardown (World::finish)
// it behaves like a correct remove(): every mapping it believes live on a bound device
// is unmapped with the recorded arguments and every buffer freed (World then unbinds).
#pragma once

#include <boost/container/static_vector.hpp>

#include "model/core/wired.h"
#include "model/core/event.h"
#include "model/dma/dma_api.h"

namespace inflight {

class DmaClient {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(buffers_);
    h(records_);
  }

  static constexpr std::string_view kActor = "dma_client";

  DmaClient(Kernel& kernel, PageAllocator& pages, Dma& dma)
      : kernel_(kernel), pages_(pages), dma_(dma) {}

  // Each returns false when the event's guard does not hold (the event is skipped).
  bool apply(const PageAlloc& e);
  bool apply(const FragAlloc& e);
  bool apply(const BufFree& e);
  bool apply(const DmaMap& e);
  bool apply(const DmaAllocCoherent& e);
  bool apply(const DmaMappingError& e);
  bool apply(const DmaUnmap& e);
  bool apply(const DmaSync& e);

  void teardown();
  size_t buffers() const { return buffers_.size(); }  // what buf fields pick from
  size_t records() const { return records_.size(); }  // what map fields pick from

 private:
  struct Buffer {
    PageId page;
    uint32_t offset = 0;
    uint32_t size = 0;
    bool frag = false;
  };
  struct Record {
    DmaHandle handle;
    uint32_t size = 0;
    DmaDir dir = DmaDir::bidirectional;
    DmaType type = DmaType::single;
    PageId page;        // the buffer's page, or the coherent allocation
    bool live = true;   // what the client believes
  };
  bool make_room_for_record();
  DeviceId resolve_dev(uint8_t pick) const {
    return static_cast<DeviceId>(pick % kernel_->topology().devices);
  }

  Wired<Kernel> kernel_;
  Wired<PageAllocator> pages_;
  Wired<Dma> dma_;
  boost::container::static_vector<Buffer, kMaxClientBuffers> buffers_;
  boost::container::static_vector<Record, kMaxClientRecords> records_;
};

}  // namespace inflight
