// model/core/limits.h
//
// Every table in the model is bounded; these are the bounds. A run that would exceed
// one is a model error (MODEL_ASSERT) unless the operation has a guard that skips it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace inflight {

inline constexpr int kMaxCpus = 4;
inline constexpr int kMaxDevices = 2;
inline constexpr int kMaxEvents = 4096;          // events per scenario (decoder stops there)
inline constexpr int kMaxDeferred = 32;          // pending work items, timers, RCU callbacks
inline constexpr int kMaxPages = 32;             // compound page allocations alive at once
inline constexpr int kMaxPageOrder = 3;          // PAGE_FRAG_CACHE_MAX_ORDER on 4K pages
inline constexpr int kMaxMappings = 64;          // ground-truth DMA mappings (live + recent)
inline constexpr int kMaxClientBuffers = 16;     // buffers the raw DMA client holds
inline constexpr int kMaxClientRecords = 24;     // mappings the raw DMA client remembers
inline constexpr int kIovaPages = 64;            // IOVA space of one IOMMU domain, in pages
inline constexpr int kMaxViolations = 64;        // findings kept in full; the rest counted
inline constexpr uint32_t kPageSize = 4096;
inline constexpr uint32_t kPageShift = 12;

}  // namespace inflight
