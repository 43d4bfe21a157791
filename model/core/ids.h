// model/core/ids.h
//
// Handles, not pointers. An object lives in a slot of a bounded Table; its handle is the
// slot plus the slot's generation. When the slot is freed and reused the generation
// moves on, so a stale handle is detected (a use-after-free finding for the caller),
// never a harness crash and never a silent alias of the new object.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

#include "model/core/assert.h"

namespace inflight {

template <class Tag>
struct Handle {
  static constexpr uint16_t kNoSlot = 0xFFFF;
  uint16_t slot = kNoSlot;
  uint16_t gen = 0;

  constexpr bool valid() const { return slot != kNoSlot; }
  friend constexpr bool operator==(Handle a, Handle b) { return a.slot == b.slot && a.gen == b.gen; }
  friend constexpr bool operator!=(Handle a, Handle b) { return !(a == b); }
};

// Each kind of handle, so that a world's state can name handles independently of history
// (model/core/state_hash.h: generations are hashed relative to their table's).
enum class HandleKind : uint8_t { page, mapping, pool, shinfo, mbuf, count };
struct PageTag {
  static constexpr HandleKind kKind = HandleKind::page;
};
struct MappingTag {
  static constexpr HandleKind kKind = HandleKind::mapping;
};
struct PoolTag {  // model/net/page_pool.h
  static constexpr HandleKind kKind = HandleKind::pool;
};
struct SkbShinfoTag {  // model/net/skb.h
  static constexpr HandleKind kKind = HandleKind::shinfo;
};
struct MbufTag {  // model/netmap/generic_tx.h
  static constexpr HandleKind kKind = HandleKind::mbuf;
};

// A handle in 32 bits (a deferred work's argument, page->pp): 0 is no handle, since a live
// slot's generation is at least 1.
template <class Tag>
constexpr uint32_t pack_handle(Handle<Tag> id) {
  return (uint32_t{id.gen} << 16) | id.slot;
}
template <class Tag>
constexpr Handle<Tag> unpack_handle(uint32_t v) {
  return Handle<Tag>{static_cast<uint16_t>(v & 0xFFFF), static_cast<uint16_t>(v >> 16)};
}

using PageId = Handle<PageTag>;        // a compound page allocation (order 0..3)
using MappingId = Handle<MappingTag>;  // a ground-truth DMA mapping

using CpuId = uint8_t;
using DeviceId = uint8_t;

// A bounded table of T with generation-checked handles. Allocation takes the lowest free
// slot so that runs are deterministic and traces stay small.
template <class T, int N, class Tag>
class Table {
 public:
  using Id = Handle<Tag>;
  static constexpr size_t kSlots = static_cast<size_t>(N);
  static_assert(N >= 1 && N <= 64, "the used slots are one word");
  static constexpr uint64_t kAllUsed = N == 64 ? ~uint64_t{0} : (uint64_t{1} << N) - 1;

  // A slot's value is made when the slot is allocated, and nothing reads a free slot's
  // value. So a new table makes none (a world is built per input, and zeroing every slot of
  // its tables was most of that), and a copy has the same live objects and every slot's
  // generation, free slots left as they were: most slots are free, so the explorer's copy
  // of a world per transition moves only what is alive.
  Table() = default;
  Table(const Table& other) : used_(other.used_), live_(other.live_) { copy_slots(other); }
  Table& operator=(const Table& other) {
    if (this != &other) used_ = other.used_, live_ = other.live_, copy_slots(other);
    return *this;
  }
  ~Table() {
    if constexpr (!std::is_trivially_destructible_v<T>)
      for (uint64_t left = made_; left != 0; left &= left - 1)
        std::destroy_at(&slots_[static_cast<size_t>(std::countr_zero(left))].value);
  }

  bool full() const { return used_ == kAllUsed; }  // no popcount: alloc asks every time
  bool empty() const { return used_ == 0; }
  int live() const { return live_; }

  Id alloc() {
    MODEL_ASSERT(!full());
    const auto i = static_cast<size_t>(std::countr_zero(~used_));  // the lowest free slot
    used_ |= uint64_t{1} << i;
    live_++;
    gens_[i]++;
    // Made afresh in place: a fresh value built aside and copied in was read back in wide
    // loads over its just-stored narrow fields, a failed store-to-load forward per alloc.
    if ((made_ >> i) & 1) std::destroy_at(&slots_[i].value);
    std::construct_at(&slots_[i].value);
    made_ |= uint64_t{1} << i;
    return Id{static_cast<uint16_t>(i), gens_[i]};
  }

  void free(Id id) {
    MODEL_ASSERT(alive(id));
    used_ &= ~(uint64_t{1} << id.slot);
    live_--;
  }

  bool alive(Id id) const {
    return id.valid() && id.slot < N && ((used_ >> id.slot) & 1) != 0 && gens_[id.slot] == id.gen;
  }

  T& operator[](Id id) {
    MODEL_ASSERT(alive(id));
    return slots_[id.slot].value;
  }
  const T& operator[](Id id) const {
    MODEL_ASSERT(alive(id));
    return slots_[id.slot].value;
  }

  // Which slots are in use and their values; generations only through the handles that
  // name them (generation(), relative), so a table's state does not grow with its history.
  template <class H>
  void hash_state(H& h) const {
    h.word(used_);
    for_each([&](Id, const T& value) { h(value); });
  }
  // One slot's state alone (a renamed kind's table, StateHash::rename): used, and its value.
  template <class H>
  void hash_slot(H& h, uint16_t slot) const {
    h.word(used(slot));
    if (used(slot)) h(slots_[slot].value);
  }
  uint16_t generation(uint16_t slot) const { return slot < N ? gens_[slot] : 0; }
  // Every slot's generation, by slot (the state hash reads a handle's there: a load instead
  // of a call per handle). They are kept apart from the values, in one array, so a copy
  // moves them in one block.
  std::span<const uint16_t> generations() const { return gens_; }
  bool used(uint16_t slot) const { return slot < N && ((used_ >> slot) & 1) != 0; }
  Id current(uint16_t slot) const { return Id{slot, generation(slot)}; }  // of a used slot

  // Visit live objects in slot order (the set bits of the used word, lowest first), each
  // slot's use read when the visit reaches it, as a scan of the slots would.
  template <class F>
  void for_each(F&& f) {
    for (uint64_t left = used_; left != 0;) {
      const auto i = static_cast<uint16_t>(std::countr_zero(left));
      f(Id{i, gens_[i]}, slots_[i].value);
      left = used_ & ~((uint64_t{2} << i) - 1);  // re-read: f may free or allocate above i
    }
  }
  template <class F>
  void for_each(F&& f) const {
    for (uint64_t left = used_; left != 0;) {
      const auto i = static_cast<uint16_t>(std::countr_zero(left));
      f(Id{i, gens_[i]}, slots_[i].value);
      left = used_ & ~((uint64_t{2} << i) - 1);  // re-read: f may free or allocate above i
    }
  }

 private:
  void copy_slots(const Table& other) {
    gens_ = other.gens_;
    for (uint64_t left = used_; left != 0; left &= left - 1) {
      const auto i = static_cast<size_t>(std::countr_zero(left));
      if ((made_ >> i) & 1) {
        slots_[i].value = other.slots_[i].value;
      } else {
        std::construct_at(&slots_[i].value, other.slots_[i].value);
        made_ |= uint64_t{1} << i;
      }
    }
  }
  // Storage for a value, made only by alloc or a copy (made_).
  union Slot {
    Slot() {}
    ~Slot() {}
    T value;
  };
  std::array<uint16_t, kSlots> gens_{};  // slot i's generation: its handles' gen while used
  std::array<Slot, kSlots> slots_;
  uint64_t made_ = 0;  // bit i: slot i's value exists (it was used once)
  uint64_t used_ = 0;  // bit i: slot i is in use
  // How many bits of used_ are set, kept as slots come and go: counting them is a call into
  // libgcc on x86-64 builds without POPCNT, and the page and pool counts are asked per page
  // and per event.
  uint8_t live_ = 0;
};

}  // namespace inflight
