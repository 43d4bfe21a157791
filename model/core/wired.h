// model/core/wired.h
//
// Wired<T>: a component's link to another component of the same world (the kernel, the
// oracle, the page allocator, ...). Links are where a component sits, not its state: a
// world copied from another (World::operator=, the explorer's expansion from a parent)
// takes every value of the other world's components and keeps its own wiring. So
// assigning a Wired keeps its target, and a Wired cannot be copy-constructed (a component
// is only ever built by its world, wired to that world).
#pragma once

#include "model/core/assert.h"

namespace inflight {

template <class T>
class Wired {
 public:
  Wired() = default;  // bound later (bind): links that would otherwise form a cycle
  Wired(T& target) : target_(&target) {}  // NOLINT: wired from a reference, as it reads
  Wired(const Wired&) = delete;
  Wired& operator=(const Wired&) { return *this; }  // the wiring stays
  void bind(T& target) { target_ = &target; }
  explicit operator bool() const { return target_ != nullptr; }
  T* operator->() const {
    MODEL_ASSERT(target_ != nullptr);
    return target_;
  }
  T& operator*() const { return *operator->(); }
  operator T&() const { return *operator->(); }  // NOLINT: passed on as the reference it is

 private:
  T* target_ = nullptr;
};

}  // namespace inflight
