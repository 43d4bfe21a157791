// bench/inmemory.cc
//
// The in-memory baseline of bench/campaign.sh. Reads every input once, then runs them all
// from memory, in one process, through the fuzz target's entry point and through an empty
// function: neither side re-reads files or pays for libFuzzer's mutations, so the
// difference is what the target itself costs. Linked once per target (<target>_inmemory,
// same instrumentation as its fuzzer).
//
// usage: <target>_inmemory [--seconds S] FILE|DIR...
// Repeats whole passes over the inputs for at least S seconds (default 1) on each side and
// prints one line: inputs, events per input, ns per execution of the target and of the
// empty function, and the target's ns per event.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzzers/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// The custom mutator in the target refers to libFuzzer's; nothing here mutates. Weak: in
// the fuzzing presets libFuzzer is linked (for its comparison callbacks) and defines it.
extern "C" [[gnu::weak]] size_t LLVMFuzzerMutate(uint8_t*, size_t size, size_t) { return size; }

namespace {
using Input = std::vector<uint8_t>;
using Entry = int (*)(const uint8_t*, size_t);

extern "C" int empty_test_one_input(const uint8_t*, size_t) { return 0; }

// Whole passes until `seconds` have gone by; ns per execution.
double ns_per_exec(Entry entry_arg, const std::vector<Input>& inputs, double seconds) {
  Entry volatile entry = entry_arg;  // called through memory: the empty side is not inlined away
  const auto start = std::chrono::steady_clock::now();
  uint64_t runs = 0;
  std::chrono::duration<double> took{};
  do {
    for (const Input& in : inputs) entry(in.data(), in.size());
    runs += inputs.size();
    took = std::chrono::steady_clock::now() - start;
  } while (took.count() < seconds);
  return took.count() * 1e9 / static_cast<double>(runs);
}

[[noreturn]] void usage_exit(const char* message) {
  std::fprintf(stderr, "inmemory: %s\nusage: <target>_inmemory [--seconds S] FILE|DIR...\n", message);
  std::exit(2);
}
}  // namespace

int main(int argc, char** argv) {
  double seconds = 1;
  std::vector<Input> inputs;
  auto load = [&](const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  };
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") usage_exit("in-memory baseline of a fuzz target");
    if (a == "--seconds") {
      if (i + 1 == argc || (seconds = std::atof(argv[++i])) <= 0) usage_exit("--seconds takes a number > 0");
    } else if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::directory_iterator(a))
        if (e.is_regular_file()) load(e.path());
    } else if (std::filesystem::is_regular_file(a)) {
      load(a);
    } else {
      usage_exit("not a file or directory");
    }
  }
  if (inputs.empty()) usage_exit("no inputs");
  LLVMFuzzerTestOneInput(inputs[0].data(), inputs[0].size());  // reads the configuration once
  const double target = ns_per_exec(LLVMFuzzerTestOneInput, inputs, seconds);
  const double empty = ns_per_exec(empty_test_one_input, inputs, seconds);
  const auto& s = inflight::fuzz::stats();
  const double events = static_cast<double>(s.events) / static_cast<double>(s.executions);
  std::printf("inmemory: inputs=%zu events_per_input=%.1f target_ns_per_exec=%.0f "
              "empty_ns_per_exec=%.1f model_ns_per_event=%.1f\n",
              inputs.size(), events, target, empty, (target - empty) / events);
  return 0;
}
