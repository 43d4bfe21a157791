// model/net/napi.h
//
// NAPI instances, as far as page_pool's napi-local test reads them.
// Models: struct napi_struct (state NAPI_STATE_SCHED, list_owner), napi_enable(),
// napi_disable(), and one poll: napi_schedule -> poll on the owning CPU -> napi_complete.
//
// list_owner is the CPU whose poll list holds the instance, -1 on none. A poll is one
// step in the model, so list_owner equals the polling CPU only inside that step; a
// disabled instance has NAPI_STATE_SCHED set and list_owner -1 (what napi_disable()
// establishes and page_pool_disable_direct_recycling() checks).
// Not modelled: busy polling, threaded NAPI, GRO.
#pragma once

#include <array>
#include <cstdint>

#include "model/core/assert.h"
#include "model/core/limits.h"

namespace inflight {

using NapiId = uint8_t;
inline constexpr NapiId kNoNapi = 0xFF;
inline constexpr int kMaxNapis = 4;

struct Napi {
  bool alive = false;
  bool sched = true;        // NAPI_STATE_SCHED: set while disabled (or being polled)
  int8_t list_owner = -1;   // kernel: napi->list_owner
  uint8_t cpu = 0;          // the CPU its interrupts are steered to
};

class Napis {
 public:
  // The state the explorer hashes (model/core/state_hash.h).
  template <class H>
  void hash_state(H& h) const {
    h(napis_);
  }

  // Models: netif_napi_add(): a new instance starts disabled.
  NapiId add(uint8_t cpu) {
    for (NapiId i = 0; i < kMaxNapis; i++) {
      if (napis_[i].alive) continue;
      napis_[i] = Napi{true, true, -1, cpu};
      return i;
    }
    MODEL_ASSERT(false);
    return kNoNapi;
  }
  void enable(NapiId id) { at(id).sched = false; }  // napi_enable()
  void disable(NapiId id) {  // napi_disable(): waits for a running poll, then owns SCHED
    at(id).sched = true;
    at(id).list_owner = -1;
  }
  bool enabled(NapiId id) const { return get(id).alive && !get(id).sched; }
  // A poll step: on the poll list of `cpu` for its duration.
  void begin_poll(NapiId id, uint8_t cpu) { at(id).list_owner = static_cast<int8_t>(cpu); }
  void end_poll(NapiId id) { at(id).list_owner = -1; }
  const Napi& get(NapiId id) const {
    MODEL_ASSERT(id < kMaxNapis);
    return napis_[id];
  }

 private:
  Napi& at(NapiId id) {
    MODEL_ASSERT(id < kMaxNapis && napis_[id].alive);
    return napis_[id];
  }
  std::array<Napi, kMaxNapis> napis_{};
};

}  // namespace inflight
