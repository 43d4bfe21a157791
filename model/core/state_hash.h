// model/core/state_hash.h
//
// A hash of a world's state, for the explorer (explore/explorer.h): equal states are
// visited once. It hashes the canonical state: what decides the world's future, not how it
// got there, so that a bounded configuration has finitely many states and the explorer
// can finish ("complete"). History is left out in four ways, and symmetry in a fifth:
// - Time: virtual time itself is not state; pending work is hashed by the clock region
//   its time left lies in (Kernel::hash_state). Times kept only for messages are not hashed.
// - Generations: a table hashes which slots are used, not their generations; a handle
//   hashes its slot and how many generations its table's slot has moved on since
//   (0: current), capped at kStaleCap. (So two handles to the same slot, both more than
//   kStaleCap generations stale, hash alike; the model only asks a stale handle whether it
//   is alive, which it is not, either way.)
// - Cyclic ids: ids an IDA hands out cyclically (XDP mem ids) are hashed by their distance
//   from the next one it will hand out (cyclic_ids), so the same ids in use, shifted round
//   the cycle, hash alike.
// - Symmetry (on request, rename): objects of a kind that nothing tells apart but their
//   identity (pages, DMA mappings, skb shared infos) are hashed by names given in the
//   order the walk meets them, so states that differ only in which slots hold which
//   objects hash alike.
// - Counters: a component hashes the difference that decides behaviour (a page_pool's
//   hold - release, not both), and saturates a count whose exact value only a message
//   shows. Each component lists the members that make up its state in
//   template <class H> void hash_state(H& h) const { h(member_a); h(member_b); ... }
// (references to other components, traces and message texts are not state). The hasher
// walks containers by their live elements, hashes by their bytes only values whose bytes
// are all value (no padding: std::has_unique_object_representations) and that hold no
// handle (a handle is hashed by its name and age, never by its slot and generation), and
// walks any other plain struct field by field. So equal states hash equal, in every run.
//
// The walk only collects 64-bit words into a block; a full block is absorbed in one pass
// (wyhash's multiply-fold mix, two 64-bit halves of four independent lanes each, so a word
// costs a store and a share of a multiplication instead of a serial mix). The two halves
// make a 128-bit fingerprint (the explorer's visited set): for n distinct states the
// chance that any two share a fingerprint is at most n(n-1)/2 / 2^128, if the mix behaves
// as a uniform hash (it is not a cryptographic one).
#pragma once

#include <boost/container/static_vector.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

#include "model/core/ids.h"

namespace inflight {

template <class T>
struct IsStaticVector : std::false_type {};
template <class T, std::size_t N>
struct IsStaticVector<boost::container::static_vector<T, N>> : std::true_type {};
template <class T>
struct IsHandle : std::false_type {};
template <class Tag>
struct IsHandle<Handle<Tag>> : std::true_type {};
template <class T>
struct IsStdArray : std::false_type {};
template <class T, std::size_t N>
struct IsStdArray<std::array<T, N>> : std::true_type {};

// Field-wise access to plain aggregates (no reflection in C++20): count the fields by
// brace-initializing with stand-ins, then bind them with a structured binding.
namespace state_hash_detail {
struct AnyField {
  template <class T>
  operator T() const;
};
template <class T, class... A>
consteval std::size_t field_count() {
  if constexpr (requires { T{A{}..., AnyField{}}; })
    return field_count<T, A..., AnyField>();
  else
    return sizeof...(A);
}
template <class T, class F>
constexpr void for_each_field(const T& v, F&& f) {
  constexpr std::size_t N = field_count<T>();
  static_assert(N >= 1 && N <= 32, "an aggregate of 1..32 fields");
  if constexpr (false) {
  } else if constexpr (N == 1) {
    const auto& [f0] = v;
    f(f0);
  } else if constexpr (N == 2) {
    const auto& [f0, f1] = v;
    f(f0); f(f1);
  } else if constexpr (N == 3) {
    const auto& [f0, f1, f2] = v;
    f(f0); f(f1); f(f2);
  } else if constexpr (N == 4) {
    const auto& [f0, f1, f2, f3] = v;
    f(f0); f(f1); f(f2); f(f3);
  } else if constexpr (N == 5) {
    const auto& [f0, f1, f2, f3, f4] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4);
  } else if constexpr (N == 6) {
    const auto& [f0, f1, f2, f3, f4, f5] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5);
  } else if constexpr (N == 7) {
    const auto& [f0, f1, f2, f3, f4, f5, f6] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6);
  } else if constexpr (N == 8) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7);
  } else if constexpr (N == 9) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8);
  } else if constexpr (N == 10) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9);
  } else if constexpr (N == 11) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10);
  } else if constexpr (N == 12) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11);
  } else if constexpr (N == 13) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12);
  } else if constexpr (N == 14) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13);
  } else if constexpr (N == 15) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14);
  } else if constexpr (N == 16) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15);
  } else if constexpr (N == 17) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16);
  } else if constexpr (N == 18) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17);
  } else if constexpr (N == 19) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18);
  } else if constexpr (N == 20) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19);
  } else if constexpr (N == 21) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20);
  } else if constexpr (N == 22) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21);
  } else if constexpr (N == 23) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22);
  } else if constexpr (N == 24) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23);
  } else if constexpr (N == 25) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24);
  } else if constexpr (N == 26) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24); f(f25);
  } else if constexpr (N == 27) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24); f(f25); f(f26);
  } else if constexpr (N == 28) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24); f(f25); f(f26); f(f27);
  } else if constexpr (N == 29) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24); f(f25); f(f26); f(f27); f(f28);
  } else if constexpr (N == 30) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24); f(f25); f(f26); f(f27); f(f28); f(f29);
  } else if constexpr (N == 31) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24); f(f25); f(f26); f(f27); f(f28); f(f29); f(f30);
  } else if constexpr (N == 32) {
    const auto& [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31] = v;
    f(f0); f(f1); f(f2); f(f3); f(f4); f(f5); f(f6); f(f7); f(f8); f(f9); f(f10); f(f11); f(f12); f(f13); f(f14); f(f15); f(f16); f(f17); f(f18); f(f19); f(f20); f(f21); f(f22); f(f23); f(f24); f(f25); f(f26); f(f27); f(f28); f(f29); f(f30); f(f31);
  }
}
// Whether a T holds a handle anywhere in it. Such a value is never hashed by its bytes, even
// when every byte is value: a handle is hashed by its slot's name and its age (handle()).
template <class T>
consteval bool contains_handle() {
  if constexpr (IsHandle<T>::value) {
    return true;
  } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    return false;
  } else if constexpr (IsStdArray<T>::value) {
    return contains_handle<typename T::value_type>();
  } else if constexpr (std::is_array_v<T>) {
    return contains_handle<std::remove_all_extents_t<T>>();
  } else if constexpr (std::is_aggregate_v<T> && std::is_trivially_copyable_v<T> &&
                       std::is_default_constructible_v<T>) {  // (others are walked anyway)
    bool any = false;
    for_each_field(T{}, [&](const auto& field) {
      any = any || contains_handle<std::remove_cvref_t<decltype(field)>>();
    });
    return any;
  } else {
    return false;
  }
}
}  // namespace state_hash_detail

struct Fingerprint {
  uint64_t a = 0, b = 0;
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

class StateHash {
 public:
  static constexpr uint16_t kStaleCap = 7;

  // Before hashing: the table of each handle kind.
  template <class T, int N, class Tag>
  void table(const Table<T, N, Tag>& t) {
    tables_[static_cast<std::size_t>(Tag::kKind)] = t.generations();
  }
  // Before hashing: a cyclic id space [min, max) whose next allocation scans up from `next`
  // and wraps to min (an IDA used cyclically, as XDP mem ids are). Ids are then hashed by
  // their distance from `next` round the cycle: allocation, equality and order of scan
  // are all that depend on an id's value, and they look the same from any starting point.
  void cyclic_ids(uint32_t min, uint32_t max, uint32_t next) {
    cyclic_ = {min, max, next >= max ? min : next};
  }
  // An id of that space (0, or any value outside it, as it is).
  void cyclic_id(uint32_t id) {
    if (id < cyclic_.min || id >= cyclic_.max) return word(id);
    const uint32_t n = cyclic_.max - cyclic_.min;
    word(uint64_t{1} << 32 | ((id - cyclic_.next + n) % n));
  }
  // The ids of the space in scan order from `next`.
  template <class F>
  void for_each_cyclic_id(F&& f) const {
    const uint32_t n = cyclic_.max - cyclic_.min;
    for (uint32_t k = 0; k < n; k++) f(cyclic_.min + (cyclic_.next - cyclic_.min + k) % n);
  }
  // Before hashing: objects of a kind are interchangeable (symmetry reduction). A handle of a
  // renamed kind is hashed by its object's name, not its slot: objects are named 0, 1, 2... in the
  // order the walk first meets them, so two states that differ only in which slots hold which
  // objects hash alike. The walk must then leave those tables out and hash their objects last, in
  // the order of their names (named_slot), naming the live ones nothing referred to after that.
  // Sound only where nothing depends on an object's slot but its identity (the explorer decides,
  // explore/explorer.cc).
  void rename(HandleKind kind) {
    Names& n = names_[static_cast<std::size_t>(kind)];
    n.on = true, n.count = 0;
    n.name.fill(kUnnamed);
  }
  bool renames(HandleKind kind) const { return names_[static_cast<std::size_t>(kind)].on; }
  uint16_t name(HandleKind kind, uint16_t slot) {
    Names& n = names_[static_cast<std::size_t>(kind)];
    if (n.name[slot] == kUnnamed) n.slot[n.count] = slot, n.name[slot] = n.count++;
    return n.name[slot];
  }
  bool named(HandleKind kind, uint16_t slot) const {
    return names_[static_cast<std::size_t>(kind)].name[slot] != kUnnamed;
  }
  uint16_t named_count(HandleKind kind) const {
    return names_[static_cast<std::size_t>(kind)].count;
  }
  uint16_t named_slot(HandleKind kind, uint16_t name) const {
    return names_[static_cast<std::size_t>(kind)].slot[name];
  }
  // With pages renamed: physical (and direct DMA) addresses in [base, base + slots x
  // 2^slot_shift), page slot i's range starting at base + i x 2^slot_shift, are hashed as
  // their page's name and the offset in it.
  void page_addresses(uint64_t base, int slot_shift, uint16_t slots) {
    phys_base_ = base, slot_shift_ = slot_shift;
    phys_end_ = base + (uint64_t{slots} << slot_shift);
  }
  // The page slot whose range holds address a, or -1 (also when pages are not renamed).
  int page_of(uint64_t a) const {
    if (!renames(HandleKind::page) || a < phys_base_ || a >= phys_end_) return -1;
    return static_cast<int>((a - phys_base_) >> slot_shift_);
  }
  // The elements of a list that lie in pages' ranges (address(element) in one), hashed in
  // the order of their pages' names, and in list order within a page: for lists whose order
  // across pages is not state. Elements of unnamed pages name them.
  template <class List, class Address, class Hash>
  friend void hash_sorted_by_page(StateHash& h, const List& list, Address&& address, Hash&& hash) {
    boost::container::static_vector<uint32_t, 64> keys;  // name << 16 | position
    for (std::size_t i = 0; i < list.size(); i++)
      if (const int slot = h.page_of(address(list[i])); slot >= 0)
        keys.push_back(uint32_t{h.name(HandleKind::page, static_cast<uint16_t>(slot))} << 16 |
                       static_cast<uint32_t>(i));
    std::sort(keys.begin(), keys.end());
    h.word(keys.size());
    for (const uint32_t k : keys) hash(list[k & 0xFFFF]);
  }
  // A physical or DMA address.
  void address(uint64_t a) {
    const int slot = page_of(a);
    if (slot < 0) return word(a);
    word(uint64_t{2} << 60 | uint64_t{name(HandleKind::page, static_cast<uint16_t>(slot))} << 32 |
         ((a - phys_base_) & ((uint64_t{1} << slot_shift_) - 1)));
  }
  // A handle packed in 32 bits (pack_handle; 0 is none).
  template <class Tag>
  void packed(uint32_t v) {
    if (v == 0) word(Handle<Tag>::kNoSlot);
    else (*this)(unpack_handle<Tag>(v));
  }

  template <class T>
  void operator()(const T& v) {
    if constexpr (IsHandle<T>::value) {
      handle(v.slot, v.gen, v.valid(), tag_kind(v));
    } else if constexpr (requires { v.hash_state(*this); }) {
      v.hash_state(*this);
    } else if constexpr (IsStaticVector<T>::value) {
      word(v.size());
      for (const auto& e : v) (*this)(e);
    } else if constexpr (IsStdArray<T>::value && (!std::is_trivially_copyable_v<T> ||
                                                  state_hash_detail::contains_handle<T>())) {
      for (const auto& e : v) (*this)(e);
    } else if constexpr (requires { v.has_value(); *v; }) {
      word(v.has_value());
      if (v) (*this)(*v);
    } else if constexpr (std::is_trivially_copyable_v<T> &&
                         std::has_unique_object_representations_v<T> &&
                         !state_hash_detail::contains_handle<T>()) {
      bytes(v);  // every byte is value
    } else if constexpr (std::is_aggregate_v<T>) {
      // Field by field: padding would make equal states differ (and differ from run to
      // run).
      state_hash_detail::for_each_field(v, [&](const auto& field) { (*this)(field); });
    } else {
      static_assert(std::is_enum_v<T> || std::is_arithmetic_v<T>, "give the type a hash_state()");
      bytes(v);
    }
  }
  // Small values (integers, enums, bools; 8 bytes at most together) as one word, each in
  // bytes of its own: what a word per value would say, in fewer words.
  template <class... T>
  void small(const T&... v) {
    static_assert((sizeof(T) + ...) <= 8, "at most 8 bytes together");
    static_assert(((std::is_integral_v<T> || std::is_enum_v<T>) && ...), "integers and enums");
    uint64_t w = 0;
    unsigned shift = 0;
    ((w |= bits(v) << shift, shift += 8 * sizeof v), ...);
    word(w);
  }
  void word(uint64_t w) {
    if (n_ == kBlock) [[unlikely]]
      absorb_block();
    block_[n_++] = w;
  }
  // A value's bytes as words, a last partial one padded with zeros and tagged with the
  // size. The size is a constant, so the copies are plain loads. (The walk's order of types
  // is fixed by the words before, containers' sizes and optionals' flags, so a word needs
  // no tag to be read back.)
  template <class T>
  void bytes(const T& v) {
    constexpr std::size_t n = sizeof v;
    const auto* b = reinterpret_cast<const unsigned char*>(&v);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, b + i, 8);
      word(w);
    }
    if constexpr (n % 8 != 0) {
      uint64_t tail = 0;
      std::memcpy(&tail, b + i, n % 8);
      word(tail ^ (uint64_t{n} << 56));
    }
  }
  uint64_t value() const { return fingerprint().a; }
  Fingerprint fingerprint() const {
    Lanes a = a_, b = b_;
    const uint32_t pairs = n_ / 2;
    absorb(a, b, block_.data(), pairs);
    // The odd word left, if any, paired with the count of words.
    const uint64_t last[2] = {n_ % 2 ? block_[n_ - 1] : 0, words_ + n_};
    absorb(a, b, last, 1, pairs % 4);
    const uint64_t fa = mix(a[0] ^ a[2], a[1] ^ a[3] ^ kSecret[4]);
    const uint64_t fb = mix(b[0] ^ b[2], b[1] ^ b[3] ^ kSecret[5]);
    return {mix(fa ^ kSecret[6], fa ^ kSecret[7]), mix(fb ^ kSecret[7], fb ^ kSecret[6])};
  }

 private:
  // A small value's bits, zero-extended.
  template <class T>
  static uint64_t bits(T x) {
    if constexpr (std::is_enum_v<T>)
      return bits(static_cast<std::underlying_type_t<T>>(x));
    else if constexpr (std::is_same_v<T, bool>)
      return x;
    else
      return static_cast<std::make_unsigned_t<T>>(x);
  }
  template <class Tag>
  static constexpr HandleKind tag_kind(Handle<Tag>) {
    return Tag::kKind;
  }
  void handle(uint16_t slot, uint16_t gen, bool valid, HandleKind kind) {
    if (!valid) return word(Handle<PageTag>::kNoSlot);
    const std::span<const uint16_t> gens = tables_[static_cast<std::size_t>(kind)];
    // Without its table (a component hashed alone), the generation as it is.
    const bool table = !gens.empty();
    const uint16_t age =
        table ? static_cast<uint16_t>((slot < gens.size() ? gens[slot] : 0) - gen) : gen;
    word((renames(kind) ? uint64_t{1} << 60 | uint64_t{name(kind, slot)} << 16
                        : uint64_t{slot} << 16) |
         (table && age > kStaleCap ? kStaleCap : age));
  }
  // The 128-bit product of x and y, its halves folded (wyhash's mum).
  static uint64_t mix(uint64_t x, uint64_t y) {
    const unsigned __int128 r = static_cast<unsigned __int128>(x) * y;
    return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
  }
  using Lanes = std::array<uint64_t, 4>;
  // Absorbs `pairs` pairs of words, pair i into lane (first_lane + i) % 4 of each half.
  static void absorb(Lanes& a, Lanes& b, const uint64_t* w, uint32_t pairs,
                     uint32_t first_lane = 0) {
    uint32_t i = 0;
    if (first_lane == 0) {  // four pairs at a time, one to each lane: the lanes stay in registers
      Lanes x = a, y = b;
      for (; i + 4 <= pairs; i += 4)
        for (uint32_t k = 0; k < 4; k++) {
          const uint64_t* p = w + 2 * (i + k);
          x[k] = mix(p[0] ^ kSecret[k], p[1] ^ x[k]);
          y[k] = mix(p[0] ^ kSecret[k + 4], p[1] ^ y[k]);
        }
      a = x, b = y;
    }
    for (; i < pairs; i++) {
      const uint32_t lane = (first_lane + i) % 4;
      a[lane] = mix(w[2 * i] ^ kSecret[lane], w[2 * i + 1] ^ a[lane]);
      b[lane] = mix(w[2 * i] ^ kSecret[lane + 4], w[2 * i + 1] ^ b[lane]);
    }
  }
  [[gnu::noinline]] void absorb_block() {
    absorb(a_, b_, block_.data(), kBlock / 2);
    words_ += kBlock;
    n_ = 0;
  }
  static constexpr uint32_t kBlock = 256;  // a multiple of 8: each block starts at lane 0
  // Odd constants: wyhash's secret, then digits of pi.
  static constexpr uint64_t kSecret[8] = {
      0xa0761d6478bd642full, 0xe7037ed1a0b428dbull, 0x8ebc6af09c88c6e3ull, 0x589965cc75374cc3ull,
      0x243f6a8885a308d3ull, 0x13198a2e03707345ull, 0xa4093822299f31d1ull, 0x082efa98ec4e6c89ull};
  Lanes a_ = {kSecret[1], kSecret[2], kSecret[3], kSecret[0]};
  Lanes b_ = {kSecret[5], kSecret[6], kSecret[7], kSecret[4]};
  struct CyclicIds {
    uint32_t min = 0, max = 0, next = 0;
  } cyclic_;
  static constexpr uint16_t kUnnamed = 0xFFFF;
  struct Names {
    bool on = false;
    uint16_t count = 0;
    std::array<uint16_t, 64> name;  // by slot (a table has at most 64)
    std::array<uint16_t, 64> slot;  // by name
  };
  std::array<Names, static_cast<std::size_t>(HandleKind::count)> names_;
  uint64_t phys_base_ = 0, phys_end_ = 0;
  int slot_shift_ = 0;
  uint64_t words_ = 0;  // absorbed so far
  uint32_t n_ = 0;      // in block_
  // Each handle kind's table's generations (table()); empty: none given.
  std::array<std::span<const uint16_t>, static_cast<std::size_t>(HandleKind::count)> tables_{};
  std::array<uint64_t, kBlock> block_;
};

}  // namespace inflight
