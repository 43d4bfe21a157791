// model/core/assert.h
//
// MODEL_ASSERT: the model itself is wrong (an impossible state, a bound exceeded). It is
// on in every build, release included, and aborts with file:line. Protocol violations
// are never asserted: they are findings (violation.h) and the run continues.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace inflight::detail {
[[noreturn]] inline void model_assert_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "inflight: MODEL_ASSERT(%s) failed at %s:%d\n", cond, file, line);
  std::abort();
}
}  // namespace inflight::detail

#define MODEL_ASSERT(cond)                                                  \
  do {                                                                      \
    if (!(cond)) ::inflight::detail::model_assert_failed(#cond, __FILE__, __LINE__); \
  } while (0)
