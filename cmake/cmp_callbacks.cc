// cmake/cmp_callbacks.cc
//
// Comparison callbacks linked in place of libFuzzer's in the campaign build
// (cmp_feedback.cmake, the linker's --wrap). Built without coverage instrumentation.
// - 1- and 2-byte operands: empty. libFuzzer puts such a comparison in its value profile
//   only, and the campaign runs without one.
// - 4- and 8-byte operands: passed on to libFuzzer, which keeps them in its table of recent
//   comparisons. A mutation from that table replaces one operand's bytes in the input with
//   the other's. So a comparison is passed on only when that can change the input: its
//   operands differ, and a constant operand is not 0 (random byte mutations write zeros
//   anyway). Over a page_pool corpus, 850 of an execution's 1,550 such comparisons
//   compare with 0 or equal operands. (Tail calls: libFuzzer sees the comparison's own
//   return address.)
#include <cstdint>

extern "C" {
void __wrap___sanitizer_cov_trace_cmp1(uint8_t, uint8_t) {}
void __wrap___sanitizer_cov_trace_cmp2(uint16_t, uint16_t) {}
void __wrap___sanitizer_cov_trace_const_cmp1(uint8_t, uint8_t) {}
void __wrap___sanitizer_cov_trace_const_cmp2(uint16_t, uint16_t) {}

void __real___sanitizer_cov_trace_cmp4(uint32_t, uint32_t);
void __real___sanitizer_cov_trace_cmp8(uint64_t, uint64_t);
void __real___sanitizer_cov_trace_const_cmp4(uint32_t, uint32_t);
void __real___sanitizer_cov_trace_const_cmp8(uint64_t, uint64_t);
void __wrap___sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b) {
  if (a != b) __real___sanitizer_cov_trace_cmp4(a, b);
}
void __wrap___sanitizer_cov_trace_cmp8(uint64_t a, uint64_t b) {
  if (a != b) __real___sanitizer_cov_trace_cmp8(a, b);
}
void __wrap___sanitizer_cov_trace_const_cmp4(uint32_t constant, uint32_t value) {
  if (constant != 0 && constant != value) __real___sanitizer_cov_trace_const_cmp4(constant, value);
}
void __wrap___sanitizer_cov_trace_const_cmp8(uint64_t constant, uint64_t value) {
  if (constant != 0 && constant != value) __real___sanitizer_cov_trace_const_cmp8(constant, value);
}
}
