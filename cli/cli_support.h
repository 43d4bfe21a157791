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
// The target families' and the driver models' names, comma-separated (for errors).
std::string target_names();
std::string driver_names();

struct Loaded {
  Scenario scenario;
  bool text = false;
  std::string driver;  // a topology line's driver=NAME naming a non-production model
};
// The codec's topology names production driver models only; a topology line (in a .trace
// or --topology) may name any registered model (a canary, a driver under review): this
// takes such a driver=NAME out of `text` and returns NAME ("" when there is none).
std::string take_driver(std::string& text);
// A topology line naming `driver` (when not empty) instead of the production model.
std::string format_topology_with(const Topology& topology, std::string_view driver);
// Loads a scenario (format auto, text or binary; binary inputs decode in `family`); prints
// the error and returns nullopt on bad input.
std::optional<Loaded> load(const std::string& path, std::string_view format,
                           const TargetFamily& family);

// `inflight coverage`, `inflight dict`
int cmd_coverage(const std::vector<std::string>& args);
int cmd_dict(const std::vector<std::string>& args);
int cmd_explore(const std::vector<std::string>& args);

}  // namespace inflight::cli
