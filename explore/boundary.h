// explore/boundary.h
//
// Which TAP frame lengths can trigger R9 (bnxt_xdp_redirect_unmap_len_zero), searched
// exhaustively over every placement the model allows, then confirmed in the World.
//
// What decides whether a frame shows at the IOMMU is where its data lies in a page
// (spec §5.4): bnxt maps [data, data+len) and, with R9, unmaps 0 bytes. The placement of
// a non-blocking TAP write is a function of the writer's task_frag offset alone
// (TunLayout, the same arithmetic model/net/tun.cc runs and asserts on every write). So
// the search is a breadth-first search over task_frag offsets: from an empty frag, every
// write of every length 14..kMaxBuildLen that keeps its buffer (XDP_REDIRECT, XDP_PASS or
// a failed redirect) moves the offset; XDP_DROP does not move it and a frag whose frames
// all came back restarts at 0, which is the start state. The state space is finite (the
// multiples of 64 in a 32 KiB page), so the search is complete: every placement of every
// frame in every write sequence is visited, and each is reached by a shortest sequence.
//
// Two symptoms, each with its own boundary:
// - warn: the seed's WARN_ON(unmapped != size) in __iommu_dma_unmap with large PTEs: the
//   frame's data does not start on a page and crosses into the next one.
// - leak: any IOMMU damage in either PTE mode: the 0-byte unmap asks for fewer IOVA pages
//   than the map took (the crossing frames, and frames whose data starts exactly on a page,
//   whose PTE is left mapped).
// For each: the smallest failing length over all write sequences, the same over streams
// of one length only (the seed's trafgen traffic), and a witness: the shortest write
// sequence, replayed in the World with R9 (the finding appears, and not without the last
// write) and without it (clean).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/core/event.h"

namespace inflight {

enum class BoundarySymptom : uint8_t { warn, leak };

struct BoundaryResult {
  BoundarySymptom symptom;
  uint32_t smallest_any = 0;      // smallest failing length, any write sequence (0: none)
  uint32_t smallest_uniform = 0;  // smallest failing length in a stream of that length only
  uint32_t uniform_frame = 0;     // which frame of that stream (0-based) fails first
  std::vector<uint16_t> witness;  // lengths written before the failing frame, shortest
  Scenario scenario;              // the witness as a scenario (R9's finding at its end)
  bool confirmed = false;         // the World agrees: finding with R9, none without it
  std::string confirmation;       // what the World reported
};

struct BoundarySearch {
  uint32_t states = 0;       // task_frag offsets reached
  uint64_t transitions = 0;  // writes expanded
  std::vector<BoundaryResult> results;  // warn, leak
};

BoundarySearch search_bnxt_boundary();
std::string_view symptom_name(BoundarySymptom s);

}  // namespace inflight
