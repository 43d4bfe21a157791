#include "explore/boundary.h"

#include <algorithm>
#include <array>
#include <deque>
#include <utility>

#include "model/dma/iommu.h"
#include "model/net/tun.h"
#include "model/world.h"

namespace inflight {
namespace {

constexpr uint32_t kStep = TunLayout::kCacheBytes;  // every offset stays a multiple of this
constexpr uint32_t kStates = TunLayout::kFragSize / kStep + 1;
// The failing frame must reach bnxt_xdp_xmit: built by tun_build_skb and within the MTU.
constexpr uint32_t kMaxSent = XdpRedirectTarget::kMaxFrameLen;

// Whether a frame of `len` bytes at `data` in its page shows `s` when unmapped with 0.
bool fails(BoundarySymptom s, uint32_t data, uint32_t len) {
  const uint32_t mapped = Iommu::span_pages(data, len);
  const uint32_t asked = Iommu::span_pages(data, 0);
  // Large PTEs: the page tables unmap the whole block (`mapped` granules) once asked for
  // anything; nothing is asked when the data starts on a page.
  if (s == BoundarySymptom::warn) return asked > 0 && mapped != asked;
  return asked < mapped;
}

uint32_t data_of(uint32_t frag_offset, uint32_t len) {
  return TunLayout::buffer_offset(frag_offset, false, len) + TunLayout::kPad;
}

// One length per distinct buffer size (the smallest): what a write can do to the offset.
std::vector<std::pair<uint16_t, uint32_t>> write_classes() {
  std::vector<std::pair<uint16_t, uint32_t>> classes;
  for (uint32_t len = TunLayout::kMinLen; len <= TunLayout::kMaxBuildLen; len++)
    if (classes.empty() || classes.back().second != TunLayout::buflen(len))
      classes.emplace_back(static_cast<uint16_t>(len), TunLayout::buflen(len));
  return classes;
}

// The witness in the World: the earlier writes go up the stack (XDP_PASS: they keep their
// buffers without any DMA; the first skb is held to the end so the frag never restarts),
// then the failing frame is redirected to bnxt and completed.
Scenario witness_scenario(BoundarySymptom s, const std::vector<uint16_t>& before, uint16_t len) {
  Scenario sc;
  sc.topology.devices = 2;
  sc.topology.iommu = true;
  sc.topology.iommu_pte = s == BoundarySymptom::warn ? IommuPte::large : IommuPte::pte_4k;
  constexpr uint8_t kPass = 1, kRedirect = 0, kProcess = 1;
  for (size_t i = 0; i < before.size(); i++) {
    sc.events.push_back(TunWrite{0, before[i], 0, kPass});
    if (i > 0) sc.events.push_back(SkbFree{0, 1, kProcess});
  }
  sc.events.push_back(TunWrite{0, len, 0, kRedirect});
  sc.events.push_back(XdpTxComplete{0, 0});
  return sc;
}

void confirm(BoundaryResult& r) {
  const Violation kind = r.symptom == BoundarySymptom::warn ? Violation::iommu_unmap_mismatch
                                                            : Violation::iova_leak;
  World buggy(r.scenario.topology, BugSet::of(Bug::bnxt_xdp_redirect_unmap_len_zero));
  run_scenario(buggy, r.scenario);
  World fixed(r.scenario.topology, BugSet{});
  run_scenario(fixed, r.scenario);
  const uint32_t found = buggy.violations().count(kind);
  r.confirmed = found > 0 && fixed.violations().empty() && buggy.skipped() == 0;
  r.confirmation = fmt::format("with R9: {} {}; fixed: {} findings; skipped events: {}", found,
                               violation_name(kind), fixed.violations().total(), buggy.skipped());
}

}  // namespace

std::string_view symptom_name(BoundarySymptom s) {
  return s == BoundarySymptom::warn ? "warn" : "leak";
}

BoundarySearch search_bnxt_boundary() {
  BoundarySearch out;
  const auto classes = write_classes();
  // Breadth-first over task_frag offsets: dist, and the write that first reached each.
  std::array<int, kStates> dist;
  std::array<uint32_t, kStates> parent{};
  std::array<uint16_t, kStates> parent_len{};
  dist.fill(-1);
  dist[0] = 0;
  std::deque<uint32_t> queue{0};
  std::vector<uint32_t> order;  // offsets in BFS order (nondecreasing distance)
  while (!queue.empty()) {
    const uint32_t o = queue.front();
    queue.pop_front();
    order.push_back(o);
    for (const auto& [len, buflen] : classes) {
      const uint32_t next = TunLayout::buffer_offset(o, false, len) + buflen;
      out.transitions++;
      MODEL_ASSERT(next % kStep == 0 && next <= TunLayout::kFragSize);
      if (dist[next / kStep] >= 0) continue;
      dist[next / kStep] = dist[o / kStep] + 1;
      parent[next / kStep] = o;
      parent_len[next / kStep] = len;
      queue.push_back(next);
    }
  }
  out.states = static_cast<uint32_t>(order.size());

  for (const BoundarySymptom s : {BoundarySymptom::warn, BoundarySymptom::leak}) {
    BoundaryResult r;
    r.symptom = s;
    uint32_t at = 0;
    for (uint32_t len = TunLayout::kMinLen; len <= kMaxSent && r.smallest_any == 0; len++)
      for (const uint32_t o : order)
        if (fails(s, data_of(o, len), len)) {
          r.smallest_any = len;
          at = o;
          break;
        }
    // Streams of one length: the offsets repeat once the frag restarts at 0.
    for (uint32_t len = TunLayout::kMinLen; len <= kMaxSent && r.smallest_uniform == 0; len++) {
      uint32_t o = 0;
      for (uint32_t k = 0;; k++) {
        const uint32_t b = TunLayout::buffer_offset(o, false, len);
        if (k > 0 && b == 0) break;
        if (fails(s, b + TunLayout::kPad, len)) {
          r.smallest_uniform = len;
          r.uniform_frame = k;
          break;
        }
        o = b + TunLayout::buflen(len);
      }
    }
    if (r.smallest_any != 0) {
      for (uint32_t o = at; o != 0; o = parent[o / kStep]) r.witness.push_back(parent_len[o / kStep]);
      std::reverse(r.witness.begin(), r.witness.end());
      r.scenario = witness_scenario(s, r.witness, static_cast<uint16_t>(r.smallest_any));
      confirm(r);
    }
    out.results.push_back(std::move(r));
  }
  return out;
}

}  // namespace inflight
