// cli/cli_support.h
//
// What the `inflight` subcommands share: exit codes, usage errors, loading a scenario
// from a binary fuzzer input or a .trace file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/codec.h"

namespace inflight::cli {

inline constexpr int kExitClean = 0;
inline constexpr int kExitFinding = 1;
inline constexpr int kExitUsage = 2;

int usage_error(std::string_view message, std::string_view usage);
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
// A topology line naming `driver` (when not empty) instead of the production model.
std::string format_topology_with(const Topology& topology, std::string_view driver);
// Loads a scenario (format auto, text or binary; binary inputs decode in `family`); prints
// the error (file, line, the problem) and returns nullopt on bad input.
// The auto rule: a name ending in .trace is text; otherwise a file whose every byte is
// printable text (ASCII, tab, newline) is text, anything else binary. A fuzzer input that
// happens to be all printable is read as text and refused with a hint (--format binary);
// a mistyped text trace is never run as a binary scenario.
std::optional<Loaded> load(const std::string& path, std::string_view format,
                           const TargetFamily& family);

// `inflight coverage`, `inflight dict`
int cmd_coverage(const std::vector<std::string>& args);
int cmd_dict(const std::vector<std::string>& args);
int cmd_explore(const std::vector<std::string>& args);

}  // namespace inflight::cli
