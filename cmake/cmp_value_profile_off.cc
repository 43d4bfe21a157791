// cmake/cmp_value_profile_off.cc
//
// Empty comparison callbacks for 1- and 2-byte operands, linked in place of libFuzzer's in
// the campaign build (cmp_feedback.cmake, the linker's --wrap). libFuzzer puts such a
// comparison in its value profile only, and the campaign runs without one; 4- and 8-byte
// comparisons keep libFuzzer's callbacks. Built without coverage instrumentation.
#include <cstdint>

extern "C" {
void __wrap___sanitizer_cov_trace_cmp1(uint8_t, uint8_t) {}
void __wrap___sanitizer_cov_trace_cmp2(uint16_t, uint16_t) {}
void __wrap___sanitizer_cov_trace_const_cmp1(uint8_t, uint8_t) {}
void __wrap___sanitizer_cov_trace_const_cmp2(uint16_t, uint16_t) {}
}
