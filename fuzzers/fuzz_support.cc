#include "fuzzers/fuzz_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string_view>

#include "model/drivers/driver.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace inflight::fuzz {

namespace {
[[noreturn]] void usage_exit(const std::string& message) {
  std::cerr << "inflight: " << message << "\n";
  std::exit(2);
}

// libFuzzer counts executions but not the events inside them; the nightly report reads
// this line (at exit, and before a crash's abort) for its events per second.
Stats run_stats;
void print_stats() {
  if (run_stats.executions == 0) return;
  std::fprintf(stderr, "inflight stats: executions=%llu events=%llu\n",
               static_cast<unsigned long long>(run_stats.executions),
               static_cast<unsigned long long>(run_stats.events));
}
}  // namespace

const Stats& stats() { return run_stats; }

#if defined(INFLIGHT_NO_VALUE_PROFILE)
// The campaign build has no value-profile callbacks (cmake/cmp_feedback.cmake): a value
// profile there would see only some comparisons. Refused rather than run short.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; i++) {
    const std::string_view arg = (*argv)[i];
    if (arg.starts_with("-use_value_profile=") && arg != "-use_value_profile=0")
      usage_exit(
          fmt::format("{}: this is the campaign build, which has no value-profile "
                      "callbacks; use the fuzz or bench build for a value profile",
                      arg));
  }
  return 0;
}
#endif

const Config& config(const char* target, ViolationGroup group) {
  static Config* cached = nullptr;
  if (cached) return *cached;
  auto* c = new Config{target, target_family(target), {}, false, {}, {}, {}, group, {}};
  MODEL_ASSERT(c->family != nullptr);
  if (const char* f = std::getenv("INFLIGHT_DRIVER_FAULTS")) c->driver_faults = *f && *f != '0';
  if (const char* d = std::getenv("INFLIGHT_DRIVER"); d && *d) {
    if (!driver_model(d)) usage_exit(fmt::format("INFLIGHT_DRIVER: unknown driver model '{}'", d));
    c->driver = d;
  }
  std::string error;
  const char* bugs = std::getenv("INFLIGHT_BUGS");
  const std::optional<BugSet> set = BugSet::parse(bugs ? bugs : "", &error);
  if (!set) usage_exit(error);
  c->bugs = *set;
  if (const char* expect = std::getenv("INFLIGHT_EXPECT"); expect && *expect) {
    c->expect = FindingPattern::parse(expect, &error);
    if (!c->expect) usage_exit(fmt::format("INFLIGHT_EXPECT: {}", error));
  }
  // The known findings: INFLIGHT_KNOWN names a file, else the target's own list,
  // corpus/<target>/known_findings.txt as built in (so ClusterFuzzLite runs need no env).
  std::string known = kBuiltinKnown, known_name = "the built-in known findings";
  if (const char* path = std::getenv("INFLIGHT_KNOWN"); path && *path) {
    std::ifstream file(path);
    if (!file) usage_exit(fmt::format("cannot read INFLIGHT_KNOWN file '{}'", path));
    known.assign(std::istreambuf_iterator<char>(file), {});
    known_name = path;
  }
  auto patterns = parse_patterns(known, &error);
  if (!patterns) usage_exit(fmt::format("{}: {}", known_name, error));
  c->known = std::move(*patterns);
  std::cerr << fmt::format(
      "inflight {}_fuzzer: bugs={} driver-faults={} driver='{}' expect='{}' known={} fails-on={}\n",
      target, c->bugs.to_string(), c->driver_faults ? "on" : "off", c->driver,
      c->expect ? c->expect->str() : "", c->known.size(),
      group == ViolationGroup::truth ? "truth" : "dma_debug");
  std::atexit(print_stats);
  cached = c;
  return *c;
}

namespace {
// Whether a finding with this key crashes: in hunt mode when the expected pattern matches
// it, otherwise when no known pattern does. Judged once per key and remembered.
bool crashes(const Config& c, FindingKeyView key) {
  if (const auto it = c.judged.find(key); it != c.judged.end()) return it->second;
  const bool crash = c.expect
                         ? c.expect->matches(key)
                         : std::none_of(c.known.begin(), c.known.end(),
                                        [&](const FindingPattern& k) { return k.matches(key); });
  if (c.judged.size() < kJudgedKeys)  // beyond: judged each time
    c.judged.emplace(FindingKey{key.kind, std::string(key.site), std::string(key.detail)}, crash);
  return crash;
}
// ViolationLog::keep_only's filter: a finding is kept only when it crashes.
bool keep_crashing(const void* config, FindingKeyView key) {
  return crashes(*static_cast<const Config*>(config), key);
}
}  // namespace

const Finding* crashing_finding(const Config& c, const World& world) {
  if (world.violations().count(c.group) == 0) return nullptr;
  for (const Finding& f : world.violations().findings())
    if (violation_group(f.kind()) == c.group && crashes(c, f.key)) return &f;
  return nullptr;
}

void run_and_check(const Config& c, const Scenario& scenario) {
  run_stats.executions++;
  run_stats.events += scenario.events.size();
  {
    World world(scenario.topology, c.bugs, false, c.driver_faults, c.driver);
    // Only the group's findings are judged, by their keys, as they are reported; only
    // those that crash are kept. A crash runs the input again.
    world.kernel().set_messages(false);
    world.kernel().violations().keep_only(c.group, keep_crashing, &c);
    run_scenario(world, scenario);
    if (!crashing_finding(c, world)) return;
  }
  World world(scenario.topology, c.bugs, /*record_trace=*/true, c.driver_faults, c.driver);
  // As the first run: the same findings kept.
  world.kernel().violations().keep_only(c.group, keep_crashing, &c);
  run_scenario(world, scenario);
  const Finding* f = crashing_finding(c, world);
  std::fprintf(stderr, "inflight %s_fuzzer: bugs=%s %s\n", c.target.c_str(),
               c.bugs.to_string().c_str(), format_topology(scenario.topology, c.driver).c_str());
  for (const std::string& line : world.trace()) std::fprintf(stderr, "%s\n", line.c_str());
  std::fprintf(stderr, "---- scenario (.trace) ----\n%s", encode_text(scenario, c.driver).c_str());
  std::fprintf(stderr, "replay: inflight replay --target %s --bugs %s%s%s%s <crash file>\n",
               c.target.c_str(), c.bugs.to_string().c_str(),
               c.driver_faults ? " --driver-faults" : "", c.driver.empty() ? "" : " --driver ",
               c.driver.c_str());
  print_stats();
  crash(*f);
}

namespace {
// One function per violation kind, each aborting from its own frame: ClusterFuzz groups
// crashes by their top stack frames, so findings of different kinds stay apart. The
// finding's key and title are the last lines before the abort (the crash description).
#define INFLIGHT_VIOLATION(kind, group, summary)                                   \
  [[noreturn, gnu::noinline]] void finding_##kind(const Finding& f) {              \
    std::fprintf(stderr, "INFLIGHT FINDING %s: %s\n    %s\n", f.key.str().c_str(), \
                 f.key.title().c_str(), f.message.c_str());                        \
    std::fflush(stderr);                                                           \
    std::abort();                                                                  \
  }
#include "model/core/violations.def"
#undef INFLIGHT_VIOLATION
}  // namespace

void crash(const Finding& finding) {
  switch (finding.kind()) {
#define INFLIGHT_VIOLATION(kind, group, summary) \
  case Violation::kind:                          \
    finding_##kind(finding);
#include "model/core/violations.def"
#undef INFLIGHT_VIOLATION
  }
  std::abort();
}

namespace {
// A small deterministic generator seeded by libFuzzer's seed.
struct Rng {
  uint64_t state;
  uint64_t next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }
};

// Values that sit on the model's edges: small picks, and for lengths and offsets the steps
// of buffer and page arithmetic (ETH_HLEN, the 64-byte SKB_DATA_ALIGN steps around the
// TAP placement boundaries, the MTU frame, tun_build_skb's largest frame, a page).
constexpr uint16_t kInteresting16[] = {0,   1,   13,   14,   42,   60,   64,   65,   100,  128,
                                       129, 192, 256,  1500, 1514, 1518, 2048, 3456, 4095, 4096};

}  // namespace

size_t mutate(const TargetFamily& family, uint8_t* data, size_t size, size_t max_size,
              unsigned int seed) {
  Rng rng{seed};
  if (size < kHeaderBytes || rng.below(2) == 0) return LLVMFuzzerMutate(data, size, max_size);
  const size_t records = (size - kHeaderBytes) / kRecordBytes;
  const size_t capacity = (max_size - kHeaderBytes) / kRecordBytes;
  std::vector<uint8_t> bytes(data, data + kHeaderBytes + records * kRecordBytes);
  auto record = [&](size_t i) { return bytes.begin() + static_cast<std::ptrdiff_t>(kHeaderBytes + i * kRecordBytes); };
  switch (rng.below(5)) {
    case 0:  // insert a random record
      if (records < capacity) {
        std::vector<uint8_t> r(kRecordBytes);
        for (uint8_t& b : r) b = static_cast<uint8_t>(rng.next());
        bytes.insert(record(rng.below(records + 1)), r.begin(), r.end());
      }
      break;
    case 1:  // delete one
      if (records > 0) {
        const auto at = record(rng.below(records));
        bytes.erase(at, at + kRecordBytes);
      }
      break;
    case 2:  // duplicate one
      if (records > 0 && records < capacity) {
        const size_t i = rng.below(records);
        std::vector<uint8_t> r(record(i), record(i) + kRecordBytes);
        bytes.insert(record(rng.below(records + 1)), r.begin(), r.end());
      }
      break;
    case 3:  // swap two
      if (records > 1) {
        const size_t a = rng.below(records), b = rng.below(records);
        if (a != b) std::swap_ranges(record(a), record(a) + kRecordBytes, record(b));
      }
      break;
    default: {  // change one field of one event, knowing the event's fields
      if (records == 0) return LLVMFuzzerMutate(data, size, max_size);
      Scenario scenario = decode_binary(bytes, family);
      Event& event = scenario.events[rng.below(scenario.events.size())];
      const size_t fields = event_field_count(event);
      if (fields == 0) return LLVMFuzzerMutate(data, size, max_size);
      const size_t f = rng.below(fields);
      const FieldInfo info = event_field(event, f);
      const bool edge = rng.below(2) == 0;
      uint32_t v = static_cast<uint32_t>(rng.below(info.values));
      if (edge && info.type == FieldType::u8) v = static_cast<uint32_t>(rng.below(4));
      if (edge && info.type == FieldType::u16) v = kInteresting16[rng.below(std::size(kInteresting16))];
      set_event_field(event, f, v);
      bytes = encode_binary(scenario, family);
    }
  }
  if (bytes.size() > max_size) bytes.resize(kHeaderBytes + capacity * kRecordBytes);
  std::copy(bytes.begin(), bytes.end(), data);
  return bytes.size();
}

size_t crossover(const uint8_t* data1, size_t size1, const uint8_t* data2, size_t size2,
                 uint8_t* out, size_t max_out_size, unsigned int seed) {
  Rng rng{seed};
  // libFuzzer picks this as often as the mutator; declining three times in four (it then
  // picks again) keeps most of the search on single-event mutations.
  if (rng.below(4) != 0 || size1 < kHeaderBytes || max_out_size < kHeaderBytes) return 0;
  const size_t records1 = (size1 - kHeaderBytes) / kRecordBytes;
  const size_t records2 = size2 < kHeaderBytes ? 0 : (size2 - kHeaderBytes) / kRecordBytes;
  const size_t capacity = (max_out_size - kHeaderBytes) / kRecordBytes;
  // The first input's topology and a prefix of its events, then a run of the second's
  // events, then the rest of the first's: whole events only, so line-ups that each input
  // reached on its own can meet in one scenario.
  const size_t cut = rng.below(records1 + 1);
  const size_t from = rng.below(records2 + 1);
  const size_t run = rng.below(records2 - from + 1);
  size_t n = 0;
  auto put = [&](const uint8_t* base, size_t index) {
    if (n >= capacity) return;
    std::copy_n(base + kHeaderBytes + index * kRecordBytes, kRecordBytes,
                out + kHeaderBytes + n * kRecordBytes);
    n++;
  };
  std::copy_n(data1, kHeaderBytes, out);
  for (size_t i = 0; i < cut; i++) put(data1, i);
  for (size_t i = from; i < from + run; i++) put(data2, i);
  for (size_t i = cut; i < records1; i++) put(data1, i);
  return kHeaderBytes + n * kRecordBytes;
}

}  // namespace inflight::fuzz
