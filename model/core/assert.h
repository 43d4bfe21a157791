// model/core/assert.h
//
// MODEL_ASSERT: the model itself is wrong (an impossible state, a bound exceeded). It is
// on in every build, release included, and aborts with file:line. Protocol violations
// are never asserted: they are findings (violation.h) and the run continues.
#pragma once

#include <cstdio>
#include <cstdlib>

// INFLIGHT_QUIET marks a small helper whose comparisons say nothing about the input: a
// model assertion, or a flag that is the same for the whole run (tracing, the bug set).
// In the campaign build (INFLIGHT_CMP_FEEDBACK=decisions defines INFLIGHT_QUIET_CHECKS)
// such a helper stays out of line and gets no coverage instrumentation, so libFuzzer's
// comparison callbacks and edge counters are spent on the model's decisions only; it
// returns a bool that the caller branches on without a comparison of its own. In every
// other build it is an ordinary inline function.
#if defined(INFLIGHT_QUIET_CHECKS)
#define INFLIGHT_QUIET [[gnu::noinline]] __attribute__((no_sanitize("coverage")))
#else
#define INFLIGHT_QUIET
#endif

namespace inflight {
// Debug builds (NDEBUG unset) also confirm, by the slow way, what a fast path relies on:
// the dma-debug and ground-truth sums, check()'s skips, the explorer's skipped events.
#ifdef NDEBUG
inline constexpr bool kDebugChecks = false;
#else
inline constexpr bool kDebugChecks = true;
#endif
}  // namespace inflight

namespace inflight::detail {
// What a front end has to say before a failed assertion aborts the process (the CLI's
// replay: the trace up to the failing event, which it would otherwise print at the end).
// Called once; null by default.
inline void (*model_assert_last_words)() = nullptr;

[[noreturn]] inline void model_assert_failed(const char* cond, const char* file, int line) {
  if (void (*last_words)() = model_assert_last_words) {
    model_assert_last_words = nullptr;  // an assertion inside it aborts at once
    last_words();
  }
  std::fprintf(stderr, "inflight: MODEL_ASSERT(%s) failed at %s:%d\n", cond, file, line);
  std::abort();
}
// The condition is evaluated inside the helper, so a quiet build does not instrument it.
template <class Cond>
INFLIGHT_QUIET inline void model_assert(const Cond& cond, const char* text, const char* file,
                                        int line) {
  if (!cond()) model_assert_failed(text, file, line);
}
}  // namespace inflight::detail

#define MODEL_ASSERT(cond)                                                                   \
  ::inflight::detail::model_assert([&] { return static_cast<bool>(cond); }, #cond, __FILE__, \
                                   __LINE__)
