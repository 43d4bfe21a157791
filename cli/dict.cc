// cli/dict.cc
//
// `inflight dict --target T`: a libFuzzer dictionary for a fuzz target, generated from the
// event vocabulary so that it cannot drift from the codec: one token per event kind of the
// target's family (a whole 12-byte record with default fields), the same record with each
// 16-bit field at the model's edge values (the TAP placement steps, the MTU frame, a page),
// and the 8-byte headers of the topologies the variants need.
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_support.h"
#include "model/core/codec.h"

namespace inflight::cli {
namespace {

constexpr Option kDictOptions[] = {
    {"--target", "T", "the fuzz target (inflight list targets)"},
};
constexpr Command kDict{
    "dict", "",
    "Prints a libFuzzer dictionary (-dict=FILE) for fuzz target T: every event kind of its\n"
    "family as a whole binary record, 16-bit fields at edge values, and the topology headers\n"
    "the bug variants need. fuzzers/dict/<target>.dict is this output (a test keeps it so).\n\n",
    kDictOptions, "exit: 0 done, 2 usage\n"};

constexpr uint16_t kEdges[] = {14, 64, 65, 128, 129, 1500, 1518, 4096};

std::string token(std::span<const uint8_t> bytes) {
  std::string out = "\"";
  for (const uint8_t b : bytes) out += fmt::format("\\x{:02x}", b);
  return out + "\"";
}

}  // namespace

int cmd_dict(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kDict);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  const std::optional<std::string> target = args->value("--target");
  if (!target) return usage_error("dict takes --target T", usage(kDict));
  const TargetFamily* family = target_family(*target);
  if (!family || family->name == "all")
    return usage_error(
        fmt::format("unknown fuzz target '{}' (one of: {})", printable(*target), target_names()),
        usage(kDict));
  std::cout << fmt::format("# libFuzzer dictionary for {}_fuzzer: `inflight dict --target {}`\n",
                           family->name, family->name);
  auto record = [&](const Event& e) {
    const std::vector<uint8_t> bytes = encode_binary(Scenario{Topology{}, {e}}, *family);
    return std::vector<uint8_t>(bytes.begin() + kHeaderBytes, bytes.end());
  };
  for (const uint8_t kind : family->kinds) {
    const Event base = make_event_of_kind(kind);
    std::cout << fmt::format("{}_record={}\n", event_name(base), token(record(base)));
    size_t u16_index = 0;  // the token names count 16-bit fields only
    for (size_t field = 0; field < event_field_count(base); field++) {
      if (event_field(base, field).type != FieldType::u16) continue;
      for (const uint16_t v : kEdges) {
        Event e = base;
        set_event_field(e, field, v);
        std::cout << fmt::format("{}_u16_{}_{}={}\n", event_name(base), u16_index, v, token(record(e)));
      }
      u16_index++;
    }
  }
  Topology bnxt;
  bnxt.devices = 2;
  bnxt.iommu = true;
  bnxt.iommu_pte = IommuPte::large;
  Topology arm;
  arm.devices = 2;
  arm.arch = Arch::arm64;
  arm.differential = true;
  Topology bridge;
  bridge.nm_member = NmMember::bridge;
  bridge.nm_holds = 3;
  bridge.nm_slots = 8;
  Topology linux_port = bridge;
  linux_port.nm_port = NmPort::lnx;
  const std::pair<std::string_view, Topology> headers[] = {
      {"bnxt_iommu_large", bnxt}, {"arm64_differential", arm}, {"netmap_bridge", bridge},
      {"netmap_linux_bridge", linux_port}};
  for (const auto& [name, t] : headers) {
    const std::vector<uint8_t> bytes = encode_binary(Scenario{t, {}}, *family);
    std::cout << fmt::format("header_{}={}\n", name, token(bytes));
  }
  return kExitClean;
}

}  // namespace inflight::cli
