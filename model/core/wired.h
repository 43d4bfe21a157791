// model/core/wired.h
//
// Wired<T>: a component's link to another component of the same world (the kernel, the
// oracle, the page allocator, ...). Links are where a component sits, not its state: a
// world copied from another (World::operator=, the explorer's expansion from a parent)
// takes every value of the other world's components and keeps its own wiring. So
// assigning a Wired keeps its target, and a Wired cannot be copy-constructed (a component
// is only ever built by its world, wired to that world).
#pragma once

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
  // No check per access (this is on every event's path): a world binds every link when it
  // is built, and the one bound later (bind) is tested with operator bool where it may be
  // missing.
  T* operator->() const { return target_; }
  T& operator*() const { return *target_; }
  operator T&() const { return *target_; }  // NOLINT: passed on as the reference it is

 private:
  T* target_ = nullptr;
};

}  // namespace inflight
