// cli/cli_support.h
//
// What the `inflight` subcommands share: exit codes, usage errors, loading a scenario
// from a binary fuzzer input or a .trace file.
#pragma once

#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/codec.h"
#include "model/world.h"

namespace inflight::cli {

inline constexpr int kExitClean = 0;
inline constexpr int kExitFinding = 1;
inline constexpr int kExitUsage = 2;

int usage_error(std::string_view message, std::string_view usage);

// A command's options, written once: the table drives parsing, the usage text and the
// errors (an unknown option, a missing value, a number out of its range).
struct Option {
  std::string_view name;  // "--bugs"
  std::string_view arg;   // "LIST"; "" for a flag
  std::string_view help;  // may hold '\n': later lines are indented under the first
};
struct Command {
  std::string_view name;      // "replay"
  std::string_view operands;  // "FILE", "IN OUT", "INPUT..." or ""
  std::string_view about;     // what the command does, before the options
  std::span<const Option> options;
  std::string_view after;  // after the options: output, exit codes
};
std::string usage(const Command& command);
struct Args {
  std::vector<std::pair<std::string_view, std::string>> options;  // in order; "" for a flag
  std::vector<std::string> operands;
  bool help = false;  // --help or -h: the usage was printed
  bool has(std::string_view option) const;
  std::optional<std::string> value(std::string_view option) const;  // the last one given
};
// Parses `args` against the table; on an unknown option, a missing value or an operand to
// a command that takes none, prints the error and the usage and returns nullopt (exit 2).
std::optional<Args> parse_args(const std::vector<std::string>& args, const Command& command);
// --format and --target, shared by the commands that read scenario files: how a file is
// read and how a binary one decodes. False after printing the error.
bool parse_format(const Command& command, const Args& args, std::string& format,
                  const TargetFamily*& family);
// A whole number in lo..hi, else nullopt after printing "OPTION takes a number in lo..hi".
std::optional<uint64_t> parse_count(const Command& command, std::string_view option,
                                    const std::string& text, uint64_t lo, uint64_t hi);
std::optional<std::string> read_file(const std::string& path);
bool ends_with(std::string_view s, std::string_view suffix);
// `s` as a JSON string literal: quotes, backslashes and control characters escaped.
std::string json_string(std::string_view s);
// Input text fit for a message: bytes that are not printable ASCII as \xNN, and cut to
// `max` characters with how much was left out.
std::string printable(std::string_view s, size_t max = 160);
// The target families' and the driver models' names, comma-separated (for errors).
std::string target_names();
std::string driver_names();

struct Loaded {
  Scenario scenario;
  bool text = false;
  std::string driver;  // a topology line's driver=NAME naming a non-production model
  std::string why;     // how the format was chosen ("--format", ".trace", or the guess)
};
// The codec's topology names production driver models only; a topology line (in a .trace
// or --topology) may name any registered model (a canary, a driver under review): this
// takes such a driver=NAME out of `text` and returns NAME ("" when there is none).
std::string take_driver(std::string& text);
// Loads a scenario (format auto, text or binary; binary inputs decode in `family`); prints
// the error (file, line, the problem) and returns nullopt on bad input.
// The auto rule: a name ending in .trace is text; otherwise a file whose every byte is
// printable text (ASCII, tab, newline) is text, anything else binary. A fuzzer input that
// happens to be all printable is read as text and refused with a hint (--format binary);
// a mistyped text trace is never run as a binary scenario.
std::optional<Loaded> load(const std::string& path, std::string_view format,
                           const TargetFamily& family);

// Model coverage summed over scenarios: the transition counters (model/core/coverage.def),
// each event kind applied or skipped, and napi_poll per XDP verdict (a driver's entry
// points). `inflight coverage` and `inflight review` count with it.
struct ModelCoverage {
  uint64_t scenarios = 0, events = 0;
  std::array<uint64_t, kCoverageCounters> counters{};
  std::array<uint64_t, kEventKinds> applied{}, skipped{};
  std::array<uint64_t, names::kRxAction.size()> poll_applied{}, poll_skipped{};
  // Runs `scenario` in `world` (a fresh one) as run_scenario does, counting as it goes.
  void run(World& world, const Scenario& scenario);
};

// The kinds of finding a finished world shows.
std::set<Violation> kinds_of(const World& world);
// Resident memory of this process, in MiB (0 where /proc is missing).
double rss_mib();

// `inflight coverage`, `inflight dict`
int cmd_coverage(const std::vector<std::string>& args);
int cmd_dict(const std::vector<std::string>& args);
int cmd_explore(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_review(const std::vector<std::string>& args);
int cmd_new_driver(const std::vector<std::string>& args);

}  // namespace inflight::cli
