// fuzzers/fuzz_support.h
//
// What every libFuzzer target shares: the run configuration from the environment, the
// failure decision, the crash report, and the structure-aware mutator.
//
// Environment (printed on one line when the target starts):
//   INFLIGHT_BUGS=a,b          bug variants to re-introduce (model/core/bugs.def)
//   INFLIGHT_EXPECT=pattern    hunt mode: crash only on a finding the key pattern matches
//                              ("kind[@site][ (detail)]", model/core/violation.h)
//   INFLIGHT_KNOWN=file        key patterns (one per line, # comments) of findings that are
//                              known and documented; they do not crash. Default: the
//                              target's corpus/<target>/known_findings.txt, built in
//   INFLIGHT_DRIVER_FAULTS=1   enable driver fault events (a driver breaking its contract)
//   INFLIGHT_DRIVER=name       run this driver model instead of the topology's (a canary or
//                              a driver under review)
// An unknown bug name, a bad pattern or an unreadable file is a usage error: message, exit 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/core/bugs.h"
#include "model/core/codec.h"
#include "model/world.h"

namespace inflight::fuzz {

struct Config {
  std::string target;
  const TargetFamily* family;
  BugSet bugs;
  bool driver_faults = false;
  std::string driver;               // driver model override, empty for the topology's
  std::optional<FindingPattern> expect;  // hunt mode when set
  std::vector<FindingPattern> known;     // findings that do not crash
  ViolationGroup group;             // which findings this target fails on
  // Verdicts already reached, by key: runs report the same few keys again and again
  // (dma-debug's known false positives, many per run), and a key is fixed words, so a
  // process meets few of them. At most kJudgedKeys.
  mutable std::unordered_map<FindingKey, bool, FindingKeyHash, FindingKeyEqual> judged;
};
inline constexpr size_t kJudgedKeys = 4096;

// The target's corpus/<target>/known_findings.txt, compiled into each fuzzer (empty when
// it has none; fuzzers/CMakeLists.txt generates the definition).
extern const char kBuiltinKnown[];

// Reads the environment once; exits 2 on bad configuration.
const Config& config(const char* target, ViolationGroup group);

// The first finding that should crash this run, or nullptr.
const Finding* crashing_finding(const Config& config, const World& world);

// Runs the scenario; if a finding should crash, re-runs it with the trace on, prints the
// configuration, the trace and the findings, then crashes (libFuzzer saves the input).
void run_and_check(const Config& config, const Scenario& scenario);

// Prints the finding and aborts from a frame of its violation kind's own.
[[noreturn]] void crash(const Finding& finding);

// What this process ran through run_and_check: executions and decoded events. Printed at
// exit and before a crash's abort as "inflight stats: executions=N events=M".
struct Stats {
  uint64_t executions = 0;
  uint64_t events = 0;
};
const Stats& stats();

// Structure-aware mutation on whole events (insert, delete, duplicate, swap two, change
// one field to an edge value or a random one); the other half of the time libFuzzer's
// own byte mutations. `family` decodes the records as the target does.
size_t mutate(const TargetFamily& family, uint8_t* data, size_t size, size_t max_size,
              unsigned int seed);

// Crossover on whole events: the first input's topology and events with a run of the
// second's events spliced in (libFuzzer's own crossover cuts records apart).
size_t crossover(const uint8_t* data1, size_t size1, const uint8_t* data2, size_t size2,
                 uint8_t* out, size_t max_out_size, unsigned int seed);

}  // namespace inflight::fuzz

// Defines a target's libFuzzer entry points: decode with the target's event family, run,
// fail on findings of `group`; the structure-aware mutator next to libFuzzer's, and the
// whole-event crossover.
#define INFLIGHT_FUZZ_TARGET(target, group)                                                 \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {                \
    const auto& config = inflight::fuzz::config(target, group);                            \
    const inflight::Scenario scenario{inflight::decode_binary({data, size}, *config.family)}; \
    inflight::fuzz::run_and_check(config, scenario);                                        \
    return 0;                                                                               \
  }                                                                                         \
  extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,   \
                                            unsigned int seed) {                            \
    return inflight::fuzz::mutate(*inflight::fuzz::config(target, group).family, data, size, \
                                  max_size, seed);                                          \
  }                                                                                         \
  extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1,          \
                                              const uint8_t* data2, size_t size2,          \
                                              uint8_t* out, size_t max_out_size,           \
                                              unsigned int seed) {                         \
    return inflight::fuzz::crossover(data1, size1, data2, size2, out, max_out_size, seed); \
  }
