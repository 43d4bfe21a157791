// model/core/config.h
//
// The topology a scenario runs on. It is the first part of every input (the binary
// header, the text `topology` line), chosen within small bounds, so the search explores
// machines as well as orderings. The bug set is not here: it is configuration of the
// run (bugs.h), never part of the input.
#pragma once

#include <bit>
#include <cstdint>

#include "model/core/limits.h"

namespace inflight {

// x86: every device is DMA-coherent and dma_get_cache_alignment() is 1, below
// L1_CACHE_BYTES, so cacheline sharing never matters (3d48c9fd78dd).
// arm64: per-device coherence (`coherent` mask) and dma_get_cache_alignment() equals the
// cacheline size, so dma-debug's EEXIST report is armed.
enum class Arch : uint8_t { x86, arm64 };

// The IOMMU's page tables: 4K PTEs only, or large/contiguous PTEs where unmapping part
// of a block unmaps the whole block (the AMD IOMMU of the bnxt report, spec §5.4).
enum class IommuPte : uint8_t { pte_4k, large };

// netmap's emulated (generic) adapter (spec §6): whose port runs, and the interface the
// adapter transmits through: a NIC that frees each mbuf at TX completion, a NIC that frees
// the previous ones only on its next transmit, or a bridge/lagg whose member ports free in
// batches per queue and may keep a few mbufs indefinitely.
enum class NmPort : uint8_t { freebsd, lnx };  // FreeBSD, or the Linux port (luigirizzo/netmap)
enum class NmMember : uint8_t { nic, lazy_nic, bridge };

struct Topology {
  uint8_t cpus = 1;             // 1..kMaxCpus
  uint8_t devices = 1;          // 1..kMaxDevices
  bool iommu = false;           // strict-mode IOMMU (dma-iommu) or direct mapping
  IommuPte iommu_pte = IommuPte::pte_4k;
  Arch arch = Arch::x86;
  uint16_t cacheline = 64;      // L1_CACHE_BYTES: 64 or 128
  uint8_t coherent_mask = 0;    // bit d: device d is DMA-coherent (arm64 only)
  bool differential = false;    // compare dma-debug's verdicts with the ground truth
  uint8_t driver = 0;           // index into driver_models() (model/drivers/registry.cc)
  uint8_t rx_queues = 1;        // RX queues (and page_pools, NAPIs) of the driver: 1..2
  uint16_t pp_ring_size = 16;   // ptr_ring capacity of each page_pool: 4, 8, 16 or 64
  bool pp_counter_wrap = false; // page_pool hold/release counters start at 2^32 - 2
  bool cpumap_release_era = false;  // cpumap converts frames as in 2019-2023 (release, scrub)
  NmPort nm_port = NmPort::freebsd;
  bool nm_txqdisc = false;      // Linux only: netmap_generic_txqdisc (the netmapemu qdisc)
  NmMember nm_member = NmMember::nic;
  uint8_t nm_slots = 4;         // netmap TX ring size: 4 or 8
  uint8_t nm_holds = 0;         // mbufs a bridge/lagg member may keep indefinitely: 0..3
  // Page allocations alive at once (1..kMaxPages): beyond it alloc_pages() fails, as under
  // memory pressure. Small values bound the explorer's space (a configuration it completes).
  uint8_t pages = kMaxPages;

  bool device_coherent(uint8_t dev) const {
    return arch == Arch::x86 || ((coherent_mask >> dev) & 1) != 0;
  }
  // dma_get_cache_alignment() >= L1_CACHE_BYTES: cacheline sharing with the CPU matters.
  bool cacheline_sharing_matters() const { return arch == Arch::arm64; }
  // L1_CACHE_SHIFT (cacheline is a power of two): an address's cacheline by a shift.
  int cacheline_shift() const { return std::countr_zero(cacheline); }
  friend bool operator==(const Topology&, const Topology&) = default;
};

}  // namespace inflight
