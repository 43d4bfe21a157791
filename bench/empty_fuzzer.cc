// bench/empty_fuzzer.cc
//
// The baseline of bench/throughput.sh: a libFuzzer target that does nothing with its
// input, so its exec/s is libFuzzer's own cost for inputs of those sizes.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }
