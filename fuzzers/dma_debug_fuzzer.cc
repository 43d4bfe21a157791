// fuzzers/dma_debug_fuzzer.cc
//
// The dma-debug differential. Drives raw DMA API use, correct and incorrect, of one or
// two devices (map, dma_mapping_error, sync, unmap with right or wrong arguments, twice,
// after unbind; page and page_frag buffers; direct mapping or a strict IOMMU) and
// compares dma-debug's verdict on every call with the ground truth (the topology's
// `differential` bit turns the comparison on). Fails on dma-debug's own findings: a false
// positive, a false negative, or a report beyond show_num_errors. The client's misuse is
// the input, not a finding. Every byte string is a valid scenario.
//
// Hunts: INFLIGHT_BUGS=dma_debug_eexist_unlimited_report INFLIGHT_EXPECT='cacheline
// tracking EEXIST' must crash from an empty corpus; see fuzzers/hunt.sh.
#include "fuzzers/fuzz_support.h"

INFLIGHT_FUZZ_TARGET("dma_debug", inflight::ViolationGroup::dma_debug)
