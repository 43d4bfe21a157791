// model/core/codec.h
//
// Binary and text codecs of a Scenario. Both are generated from the field lists in
// event.h and are exact inverses on normalized scenarios: decode(encode(s)) == s.
//
// Binary (fuzzer inputs): an 8-byte topology header, then 12-byte event records
// (kind byte, then the event's fields in `visit` order, little-endian, zero padded).
// Every byte string decodes: missing header bytes read as 0, the kind byte is taken
// modulo the number of kinds, enumerations modulo their number of names, and a trailing
// partial record is ignored. Decoding is strictly front to back.
//
// Text (`.trace`): one line per item, `#` starts a comment, blank lines are ignored.
//   topology cpus=2 devices=2 iommu=strict pte=4k arch=arm64 cacheline=64 coherent=0 differential=on
//   dma_map cpu=0 dev=1 buf=0 offset=64 len=256 dir=from_device attrs=skip_cpu_sync api=single
// A field left out takes its zero value; numbers may be decimal or 0x hex; enumerations
// take their name or their index. The topology line is optional and must come first.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/core/event.h"

namespace inflight {

inline constexpr size_t kHeaderBytes = 8;
inline constexpr size_t kRecordBytes = 12;

// A fuzz target's event family: its kind byte indexes this list (modulo its size), so
// the target's inputs only ever hold events it exercises. Binary inputs belong to a
// target; `.trace` text is target-free. "all" is every kind (the default for replay).
struct TargetFamily {
  std::string_view name;
  std::span<const uint8_t> kinds;  // event kind indices (Event::index())
  std::string_view what;           // for `inflight list targets`
};
std::span<const TargetFamily> target_families();
// A default-initialized event of variant index `kind` (< kEventKinds).
Event make_event_of_kind(size_t kind);
const TargetFamily* target_family(std::string_view name);
const TargetFamily& all_family();

Scenario decode_binary(std::span<const uint8_t> bytes, const TargetFamily& family = all_family());
// MODEL_ASSERTs that every event's kind is in the family.
std::vector<uint8_t> encode_binary(const Scenario& scenario,
                                   const TargetFamily& family = all_family());

// An event's fields by position (the order of its `visit`), for the tools that vary one
// field at a time: the fuzz mutator, `inflight dict`, the explorer's alphabets.
enum class FieldType : uint8_t { u8, u16, enumeration };
struct FieldInfo {
  FieldType type;
  uint32_t values;  // how many values it takes: 256, 65536, or the enumeration's names
  std::string_view name;  // as in the text format: "cpu", "pick", "len", ...
};
size_t event_field_count(const Event& event);
FieldInfo event_field(const Event& event, size_t index);
uint32_t event_field_value(const Event& event, size_t index);
// Sets field `index` to `value` (< its values).
void set_event_field(Event& event, size_t index, uint32_t value);

// One event as a text line, without the newline: "dma_unmap cpu=0 map=1 size=zero ...".
std::string format_event(const Event& event);
// `driver`, when not empty, names the driver model in place of the topology's production
// one (a canary or a driver under review, chosen by name as run configuration): the name
// travels in every printed topology line and trace, and replay takes it from there.
std::string format_topology(const Topology& topology, std::string_view driver = {});

// The topology's keys, one table for the binary header, the text line, parsing and
// `inflight help topology`. A key's choices are listed by their binary code; a value
// that is a number has no text.
struct TopologyChoice {
  std::string_view text;  // "" : the value itself, as a number
  uint16_t value;         // the Topology member's value (enumerations by their underlying value)
};
struct TopologyKey {
  std::string_view key;
  std::string_view help;
  uint8_t byte, shift, bits;                // the code's place in the binary header
  std::span<const TopologyChoice> choices;  // by code; a code past the end wraps around
  uint16_t (*get)(const Topology&);
  void (*set)(Topology&, uint16_t);
};
std::span<const TopologyKey> topology_keys();
// "1..4", "off or strict", "16, 4, 8 or 64".
std::string topology_values(const TopologyKey& key);
std::string encode_text(const Scenario& scenario, std::string_view driver = {});

struct TextError {
  int line = 0;          // 1-based
  std::string message;   // what was found and what was expected
};
// Parses a `.trace`; on the first malformed line returns nullopt and fills `error`.
std::optional<Scenario> decode_text(std::string_view text, TextError* error);

}  // namespace inflight
