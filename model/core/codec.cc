#include "model/core/codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>

#include "model/core/assert.h"

namespace inflight {
namespace {

// ---- binary ----

struct ByteReader {
  std::span<const uint8_t> bytes;
  size_t pos = 0;
  uint8_t next() { return pos < bytes.size() ? bytes[pos++] : uint8_t{0}; }
  // The next byte as an index below `n` (at most 256 choices), by a 32-bit division: a
  // 64-bit one takes several times as long.
  size_t next_below(size_t n) { return static_cast<uint32_t>(next()) % static_cast<uint32_t>(n); }
};

// byte % n for 1 <= n <= 256 without a division: (byte * m) >> 16, with m = 65536 / n
// rounded up, is byte / n for every byte and every such n (checked below). The event
// kind takes one per record, and a division's latency headed each record's decoding.
struct ByteModulo {
  uint32_t n, m;
  explicit constexpr ByteModulo(size_t divisor)
      : n(static_cast<uint32_t>(divisor)), m(65535 / static_cast<uint32_t>(divisor) + 1) {}
  constexpr uint32_t operator()(uint8_t b) const { return b - ((b * m) >> 16) * n; }
};
constexpr bool byte_modulo_exact() {
  for (uint32_t n = 1; n <= 256; n++)
    for (uint32_t b = 0; b < 256; b++)
      if (ByteModulo(n)(static_cast<uint8_t>(b)) != b % n) return false;
  return true;
}
static_assert(byte_modulo_exact());

struct BinaryDecoder {
  ByteReader* reader;
  void u8(std::string_view, uint8_t& v) { v = reader->next(); }
  void u16(std::string_view, uint16_t& v) {
    const uint8_t lo = reader->next();
    const uint8_t hi = reader->next();
    v = static_cast<uint16_t>(lo | (hi << 8));
  }
  void enumeration(std::string_view, uint8_t& v, std::span<const std::string_view> n) {
    v = static_cast<uint8_t>(reader->next_below(n.size()));
  }
};

struct BinaryEncoder {
  std::vector<uint8_t>* out;
  void u8(std::string_view, uint8_t& v) { out->push_back(v); }
  void u16(std::string_view, uint16_t& v) {
    out->push_back(static_cast<uint8_t>(v & 0xFF));
    out->push_back(static_cast<uint8_t>(v >> 8));
  }
  void enumeration(std::string_view, uint8_t& v, std::span<const std::string_view>) {
    out->push_back(v);
  }
};

// One function per kind, indexed by the kind: it makes `event` that kind in place and
// reads its fields from `reader` (none when null). Decoding a record costs a table lookup,
// not a compare per kind before it, and no copy of the event: a copy returned in two
// registers and reloaded in other widths stalled store-to-load forwarding on every record.
using EventMaker = void (*)(Event& event, ByteReader* reader);
template <size_t... I>
constexpr auto event_makers(std::index_sequence<I...>) {
  return std::array<EventMaker, sizeof...(I)>{+[](Event& event, ByteReader* reader) {
    auto& e = event.emplace<I>();
    if (reader != nullptr) e.visit(BinaryDecoder{reader});
  }...};
}
constexpr auto kEventMakers = event_makers(std::make_index_sequence<kEventKinds>{});

// ---- topology: one table drives the binary header, the text line, parsing and help ----

template <uint16_t Lo, uint16_t Hi>
constexpr std::array<TopologyChoice, Hi - Lo + 1> numbers() {
  std::array<TopologyChoice, Hi - Lo + 1> a{};
  for (uint16_t v = Lo; v <= Hi; v++) a[v - Lo] = TopologyChoice{"", v};
  return a;
}
constexpr auto kCpus = numbers<1, kMaxCpus>();
constexpr auto kDevices = numbers<1, kMaxDevices>();
constexpr auto kQueues = numbers<1, 2>();
constexpr auto kMask2 = numbers<0, 3>();
constexpr TopologyChoice kOnOff[] = {{"off", 0}, {"on", 1}};
constexpr TopologyChoice kIommu[] = {{"off", 0}, {"strict", 1}};
constexpr TopologyChoice kPte[] = {{"4k", static_cast<uint16_t>(IommuPte::pte_4k)},
                                   {"large", static_cast<uint16_t>(IommuPte::large)}};
constexpr TopologyChoice kArch[] = {{"x86", static_cast<uint16_t>(Arch::x86)},
                                    {"arm64", static_cast<uint16_t>(Arch::arm64)}};
constexpr TopologyChoice kCacheline[] = {{"", 64}, {"", 128}};
// Code 0 is the default, so an all-zero header is the default topology.
constexpr TopologyChoice kRing[] = {{"", 16}, {"", 4}, {"", 8}, {"", 64}};
constexpr TopologyChoice kEra[] = {{"2023", 0}, {"2019", 1}};
constexpr TopologyChoice kPort[] = {{"freebsd", static_cast<uint16_t>(NmPort::freebsd)},
                                    {"linux", static_cast<uint16_t>(NmPort::lnx)}};
constexpr TopologyChoice kMember[] = {{"nic", static_cast<uint16_t>(NmMember::nic)},
                                      {"lazy", static_cast<uint16_t>(NmMember::lazy_nic)},
                                      {"bridge", static_cast<uint16_t>(NmMember::bridge)}};
constexpr TopologyChoice kSlots[] = {{"", 4}, {"", 8}};
constexpr auto kPages = [] {  // code 0 is 32 (no limit of its own), 1..31 themselves
  static_assert(kMaxPages == 32, "pages: 5 bits, 0 for 32");
  std::array<TopologyChoice, kMaxPages> a{};
  a[0] = TopologyChoice{"", kMaxPages};
  for (uint16_t v = 1; v < kMaxPages; v++) a[v] = TopologyChoice{"", v};
  return a;
}();
constexpr auto kDrivers = [] {
  std::array<TopologyChoice, kDriverModels> a{};
  for (uint16_t i = 0; i < kDriverModels; i++) a[i] = TopologyChoice{kDriverNames[i], i};
  return a;
}();

#define INFLIGHT_MEMBER(m)                                      \
  [](const Topology& t) { return static_cast<uint16_t>(t.m); }, \
      [](Topology& t, uint16_t v) { t.m = static_cast<decltype(Topology::m)>(v); }

// In the text line's order. byte/shift/bits: where the choice's code sits in the header.
constexpr TopologyKey kTopologyKeys[] = {
    {"cpus", "CPUs", 0, 0, 2, kCpus, INFLIGHT_MEMBER(cpus)},
    {"devices", "DMA devices", 1, 0, 1, kDevices, INFLIGHT_MEMBER(devices)},
    {"iommu", "strict-mode IOMMU (dma-iommu), or direct mapping", 1, 1, 1, kIommu,
     INFLIGHT_MEMBER(iommu)},
    {"pte", "the IOMMU's page-table entries: 4K only, or large blocks unmapped whole", 1, 2, 1,
     kPte, INFLIGHT_MEMBER(iommu_pte)},
    {"arch",
     "x86 (every device coherent) or arm64 (per-device coherence, cacheline sharing "
     "matters)",
     1, 3, 1, kArch, INFLIGHT_MEMBER(arch)},
    {"cacheline", "L1_CACHE_BYTES", 1, 4, 1, kCacheline, INFLIGHT_MEMBER(cacheline)},
    {"coherent", "bit d: device d is DMA-coherent (arm64)", 2, 0, 2, kMask2,
     INFLIGHT_MEMBER(coherent_mask)},
    {"differential", "compare dma-debug's verdicts with the ground truth", 1, 5, 1, kOnOff,
     INFLIGHT_MEMBER(differential)},
    {"driver", "the production driver model (inflight list drivers)", 4, 0, 8, kDrivers,
     INFLIGHT_MEMBER(driver)},
    {"queues", "RX queues, each with its page_pool and NAPI", 3, 3, 1, kQueues,
     INFLIGHT_MEMBER(rx_queues)},
    {"pp_ring", "each page_pool's ptr_ring capacity", 3, 0, 2, kRing,
     INFLIGHT_MEMBER(pp_ring_size)},
    {"pp_wrap", "page_pool hold/release counters start at 2^32 - 2", 3, 2, 1, kOnOff,
     INFLIGHT_MEMBER(pp_counter_wrap)},
    {"cpumap_era", "cpumap converts frames as in 2019-2023 (release, scrub) or since", 3, 4, 1,
     kEra, INFLIGHT_MEMBER(cpumap_release_era)},
    {"nm_port", "netmap: FreeBSD's emulated adapter, or the Linux port", 5, 0, 1, kPort,
     INFLIGHT_MEMBER(nm_port)},
    {"nm_qdisc", "netmap (Linux): netmap_generic_txqdisc, the netmapemu qdisc", 5, 1, 1, kOnOff,
     INFLIGHT_MEMBER(nm_txqdisc)},
    {"nm_member",
     "netmap: the interface transmitting: a prompt NIC, a NIC freeing on its next "
     "transmit, or a bridge/lagg freeing in batches",
     5, 2, 2, kMember, INFLIGHT_MEMBER(nm_member)},
    {"nm_slots", "netmap TX ring slots", 5, 4, 1, kSlots, INFLIGHT_MEMBER(nm_slots)},
    {"nm_holds", "netmap: mbufs a bridge/lagg member may keep indefinitely", 5, 5, 2, kMask2,
     INFLIGHT_MEMBER(nm_holds)},
    {"pages", "page allocations alive at once (beyond: alloc_pages fails)", 6, 0, 5, kPages,
     INFLIGHT_MEMBER(pages)},
};
#undef INFLIGHT_MEMBER
static_assert(std::size(kTopologyKeys) > 0 && 6 < kHeaderBytes, "bytes 7.. are reserved");

size_t choice_of(const TopologyKey& k, const Topology& t) {
  const uint16_t v = k.get(t);
  for (size_t i = 0; i < k.choices.size(); i++)
    if (k.choices[i].value == v) return i;
  MODEL_ASSERT(false);  // a topology value outside its key's choices
  return 0;
}

Topology decode_topology(ByteReader& r) {
  uint8_t header[kHeaderBytes];
  for (uint8_t& b : header) b = r.next();  // strictly front to back, bytes 7.. reserved
  Topology t;
  for (const TopologyKey& k : kTopologyKeys) {
    const uint32_t code = (header[k.byte] >> k.shift) & ((1u << k.bits) - 1);
    k.set(t, k.choices[code % static_cast<uint32_t>(k.choices.size())].value);
  }
  return t;
}

void encode_topology(const Topology& t, std::vector<uint8_t>& out) {
  uint8_t header[kHeaderBytes] = {};
  for (const TopologyKey& k : kTopologyKeys)
    header[k.byte] = static_cast<uint8_t>(header[k.byte] | (choice_of(k, t) << k.shift));
  out.insert(out.end(), std::begin(header), std::end(header));
}

// ---- text ----

struct TextPrinter {
  std::string* out;
  void u8(std::string_view name, uint8_t& v) { *out += fmt::format(" {}={}", name, v); }
  void u16(std::string_view name, uint16_t& v) { *out += fmt::format(" {}={}", name, v); }
  void enumeration(std::string_view name, uint8_t& v, std::span<const std::string_view> n) {
    MODEL_ASSERT(v < n.size());
    *out += fmt::format(" {}={}", name, n[v]);
  }
};

std::optional<uint32_t> parse_number(std::string_view s) {
  uint32_t value = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string join_names(std::span<const std::string_view> n) {
  std::string out;
  for (std::string_view name : n) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

// Assigns `key=value` pairs to the fields of one event; remembers the first error.
struct TextAssigner {
  std::string_view key;
  std::string_view value;
  bool matched = false;
  std::string error;

  void number(std::string_view name, uint32_t max, auto store) {
    if (name != key) return;
    matched = true;
    const std::optional<uint32_t> n = parse_number(value);
    if (!n || *n > max) {
      error = fmt::format("field '{}' expects a number 0..{}, got '{}'", name, max, value);
      return;
    }
    store(*n);
  }
  void u8(std::string_view name, uint8_t& v) {
    number(name, 0xFF, [&](uint32_t n) { v = static_cast<uint8_t>(n); });
  }
  void u16(std::string_view name, uint16_t& v) {
    number(name, 0xFFFF, [&](uint32_t n) { v = static_cast<uint16_t>(n); });
  }
  void enumeration(std::string_view name, uint8_t& v, std::span<const std::string_view> n) {
    if (name != key) return;
    matched = true;
    for (size_t i = 0; i < n.size(); i++) {
      if (n[i] == value) {
        v = static_cast<uint8_t>(i);
        return;
      }
    }
    const std::optional<uint32_t> index = parse_number(value);
    if (index && *index < n.size()) {
      v = static_cast<uint8_t>(*index);
      return;
    }
    error = fmt::format("field '{}' expects one of {}, got '{}'", name, join_names(n), value);
  }
};

struct FieldLister {
  std::string* out;
  void add(std::string_view name) { *out += (out->empty() ? "" : ", ") + std::string(name); }
  void u8(std::string_view name, uint8_t&) { add(name); }
  void u16(std::string_view name, uint16_t&) { add(name); }
  void enumeration(std::string_view name, uint8_t&, std::span<const std::string_view>) {
    add(name);
  }
};

template <size_t I = 0>
std::optional<Event> event_by_name(std::string_view name) {
  if constexpr (I < kEventKinds) {
    if (std::variant_alternative_t<I, Event>::kName == name) return Event{std::in_place_index<I>};
    return event_by_name<I + 1>(name);
  } else {
    return std::nullopt;
  }
}

template <size_t I = 0>
void list_event_names(std::string& out) {
  if constexpr (I < kEventKinds) {
    out += (out.empty() ? "" : ", ") + std::string(std::variant_alternative_t<I, Event>::kName);
    list_event_names<I + 1>(out);
  }
}

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') i++;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// Parses "key=value" words of the topology line.
bool parse_topology(std::span<const std::string_view> words, Topology& t, std::string& error) {
  for (std::string_view word : words) {
    const size_t eq = word.find('=');
    if (eq == std::string_view::npos) {
      error = fmt::format("expected key=value, got '{}'", word);
      return false;
    }
    const std::string_view key = word.substr(0, eq);
    const std::string_view value = word.substr(eq + 1);
    const TopologyKey* k = nullptr;
    for (const TopologyKey& row : kTopologyKeys)
      if (row.key == key) k = &row;
    if (!k) {
      std::string keys;
      for (const TopologyKey& row : kTopologyKeys)
        keys += fmt::format("{}{}", keys.empty() ? "" : ", ", row.key);
      error = fmt::format("unknown topology key '{}' (expected {})", key, keys);
      return false;
    }
    const std::optional<uint32_t> n = parse_number(value);
    const TopologyChoice* hit = nullptr;
    for (const TopologyChoice& c : k->choices)
      if (c.text.empty() ? n && *n == c.value : c.text == value) hit = &c;
    if (!hit) {
      error = fmt::format("topology '{}' expects {}, got '{}'", key, topology_values(*k), value);
      return false;
    }
    k->set(t, hit->value);
  }
  return true;
}

}  // namespace

namespace {
constexpr auto kAllKinds = [] {
  std::array<uint8_t, kEventKinds> a{};
  for (size_t i = 0; i < kEventKinds; i++) a[i] = static_cast<uint8_t>(i);
  return a;
}();
// Raw DMA API use: the first twelve kinds, so that their binary indices never change.
constexpr auto kDmaKinds =
    kinds_of<Tick, RcuQs, RunDeferred, PageAlloc, FragAlloc, BufFree, DmaMap, DmaAllocCoherent,
             DmaMappingError, DmaUnmap, DmaSync, DeviceUnbind>;
// page_pool and its holders: the driver, skbs, producers, XDP_TX, reconfiguration, faults.
constexpr auto kPagePoolKinds =
    kinds_of<Tick, RcuQs, RunDeferred, DeviceUnbind, DriverOpen, NapiPoll, DriverStop, DriverFault,
             SkbFree, SkbClone, PpProducerUnlock, Idle, SkbExpandHead, SkbCoalesce, DriverTxClean,
             DriverReconfigure, PpReleaseCount>;
// The XDP memory model, the return paths and cpumap.
constexpr auto kXdpKinds =
    kinds_of<Tick, RcuQs, RunDeferred, DeviceUnbind, DriverOpen, NapiPoll, DriverStop, SkbFree,
             PpProducerUnlock, XdpMemInsertFail, XdpTxComplete, Idle, CpumapUpdate, CpumapDelete,
             CpumapKthread, PpReleaseCount>;
// Everything the driver world has (all but the raw DMA client's misuse).
constexpr auto kWorldKinds =
    kinds_of<Tick, RcuQs, RunDeferred, DeviceUnbind, DriverOpen, NapiPoll, DriverStop, DriverFault,
             SkbFree, SkbClone, PpProducerUnlock, XdpMemInsertFail, XdpTxComplete, Idle,
             CpumapUpdate, CpumapDelete, CpumapKthread, SkbExpandHead, SkbCoalesce, DriverTxClean,
             DriverReconfigure, PpReleaseCount, TunWrite>;
// TAP writes redirected to the bnxt NIC's ndo_xdp_xmit, TX completion and teardown, with
// the page_pool driver's XDP_TX and redirects sharing the NIC.
constexpr auto kTapKinds =
    kinds_of<Tick, RcuQs, RunDeferred, DeviceUnbind, DriverOpen, NapiPoll, DriverStop, SkbFree,
             XdpTxComplete, Idle, DriverTxClean, TunWrite>;
// netmap's emulated adapter: userspace txsync, the member's frees, holds and chains,
// unregister, and time for the callout.
constexpr auto kNetmapKinds = kinds_of<Tick, RunDeferred, Idle, NmTxsync, NmMemberFree,
                                       NmMemberHold, NmMemberChain, NmUnregister>;
constexpr TargetFamily kFamilies[] = {
    {"all", kAllKinds, "every event kind (replay's default; no fuzz target)"},
    {"dma_debug", kDmaKinds,
     "differential: dma-debug's verdicts against the ground truth on raw DMA API use"},
    {"page_pool", kPagePoolKinds,
     "page_pool and its holders: polls, skbs on any CPU, XDP_TX, reconfigure, stop"},
    {"xdp", kXdpKinds, "the XDP memory model, xdp_return paths, XDP_REDIRECT and cpumap"},
    {"world", kWorldKinds, "the whole driver world: every driver-side event together"},
    {"tap_redirect", kTapKinds,
     "TAP writes redirected by XDP to the bnxt NIC: task_frag placement, DMA map and unmap"},
    {"netmap_tx", kNetmapKinds,
     "netmap's emulated adapter TX: txsync, in-order reclaim, the completion event, members"},
};
}  // namespace

std::span<const TargetFamily> target_families() { return kFamilies; }
namespace {
// Visits an event's fields and acts on the index-th (or counts them).
struct FieldAt {
  size_t target;
  std::optional<uint32_t> set;  // the value to store, or none to only look
  size_t index = 0;
  FieldInfo info{};
  uint32_t value = 0;  // before any store
  bool found = false;
  void at(FieldInfo i, auto& v) {
    if (index++ != target) return;
    found = true;
    info = i;
    value = static_cast<uint32_t>(v);
    if (set) {
      MODEL_ASSERT(*set < i.values);
      v = static_cast<std::remove_reference_t<decltype(v)>>(*set);
    }
  }
  void u8(std::string_view name, uint8_t& v) { at({FieldType::u8, 256, name}, v); }
  void u16(std::string_view name, uint16_t& v) { at({FieldType::u16, 65536, name}, v); }
  void enumeration(std::string_view name, uint8_t& v, std::span<const std::string_view> n) {
    at({FieldType::enumeration, static_cast<uint32_t>(n.size()), name}, v);
  }
};
FieldAt visit_field(Event& event, size_t index, std::optional<uint32_t> set) {
  FieldAt f{index, set};
  std::visit([&](auto& e) { e.visit(f); }, event);
  return f;
}
}  // namespace

size_t event_field_count(const Event& event) {
  Event copy = event;
  return visit_field(copy, SIZE_MAX, std::nullopt).index;
}
FieldInfo event_field(const Event& event, size_t index) {
  Event copy = event;
  const FieldAt f = visit_field(copy, index, std::nullopt);
  MODEL_ASSERT(f.found);
  return f.info;
}
uint32_t event_field_value(const Event& event, size_t index) {
  Event copy = event;
  const FieldAt f = visit_field(copy, index, std::nullopt);
  MODEL_ASSERT(f.found);
  return f.value;
}
void set_event_field(Event& event, size_t index, uint32_t value) {
  MODEL_ASSERT(visit_field(event, index, value).found);
}

Event make_event_of_kind(size_t kind) {
  MODEL_ASSERT(kind < kEventKinds);
  Event event;
  kEventMakers[kind](event, nullptr);
  return event;
}
const TargetFamily& all_family() { return kFamilies[0]; }
const TargetFamily* target_family(std::string_view name) {
  for (const TargetFamily& f : kFamilies)
    if (f.name == name) return &f;
  return nullptr;
}

std::string_view event_name(const Event& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kName; }, event);
}

std::string_view event_what(const Event& event) {
  return std::visit([](const auto& e) { return std::decay_t<decltype(e)>::kWhat; }, event);
}

Scenario decode_binary(std::span<const uint8_t> bytes, const TargetFamily& family) {
  ByteReader reader{bytes};
  Scenario scenario;
  scenario.topology = decode_topology(reader);
  const size_t records = bytes.size() > kHeaderBytes ? (bytes.size() - kHeaderBytes) / kRecordBytes : 0;
  scenario.events.reserve(std::min(records, static_cast<size_t>(kMaxEvents)));
  MODEL_ASSERT(!family.kinds.empty() && family.kinds.size() <= 256);
  const ByteModulo kind_of(family.kinds.size());
  for (size_t i = 0; i < records && i < static_cast<size_t>(kMaxEvents); i++) {
    const size_t start = reader.pos;
    const size_t kind = family.kinds[kind_of(reader.next())];
    kEventMakers[kind](scenario.events.emplace_back(), &reader);
    reader.pos = start + kRecordBytes;  // skip the padding
  }
  return scenario;
}

std::vector<uint8_t> encode_binary(const Scenario& scenario, const TargetFamily& family) {
  std::vector<uint8_t> out;
  out.reserve(kHeaderBytes + scenario.events.size() * kRecordBytes);
  encode_topology(scenario.topology, out);
  for (Event event : scenario.events) {
    const size_t start = out.size();
    size_t index = family.kinds.size();
    for (size_t i = 0; i < family.kinds.size(); i++)
      if (family.kinds[i] == event.index()) index = i;
    MODEL_ASSERT(index < family.kinds.size());
    out.push_back(static_cast<uint8_t>(index));
    std::visit([&](auto& e) { e.visit(BinaryEncoder{&out}); }, event);
    MODEL_ASSERT(out.size() - start <= kRecordBytes);
    out.resize(start + kRecordBytes, 0);
  }
  return out;
}

std::string format_event(const Event& event) {
  std::string out(event_name(event));
  Event copy = event;
  std::visit([&](auto& e) { e.visit(TextPrinter{&out}); }, copy);
  return out;
}

std::string format_topology(const Topology& t, std::string_view driver) {
  std::string out = "topology";
  for (const TopologyKey& k : kTopologyKeys) {
    const TopologyChoice& c = k.choices[choice_of(k, t)];
    if (k.key == "driver" && !driver.empty())
      out += fmt::format(" driver={}", driver);
    else
      out += c.text.empty() ? fmt::format(" {}={}", k.key, c.value)
                            : fmt::format(" {}={}", k.key, c.text);
  }
  return out;
}

std::span<const TopologyKey> topology_keys() { return kTopologyKeys; }

std::string topology_values(const TopologyKey& k) {
  // Numbers that run without a gap read as a range; anything else as a list.
  std::vector<uint16_t> numbers;
  for (const TopologyChoice& c : k.choices)
    if (c.text.empty()) numbers.push_back(c.value);
  std::sort(numbers.begin(), numbers.end());
  if (numbers.size() == k.choices.size() && numbers.size() > 2 &&
      numbers.back() - numbers.front() + 1u == numbers.size())
    return fmt::format("{}..{}", numbers.front(), numbers.back());
  std::string out;
  for (size_t i = 0; i < k.choices.size(); i++) {
    const TopologyChoice& c = k.choices[i];
    const std::string text = c.text.empty() ? std::to_string(c.value) : std::string(c.text);
    out += (i == 0 ? "" : i + 1 == k.choices.size() ? " or " : ", ") + text;
  }
  return out;
}

std::string encode_text(const Scenario& scenario, std::string_view driver) {
  std::string out = "# inflight trace\n" + format_topology(scenario.topology, driver) + "\n";
  for (const Event& event : scenario.events) out += format_event(event) + "\n";
  return out;
}

std::optional<Scenario> decode_text(std::string_view text, TextError* error) {
  Scenario scenario;
  int line_no = 0;
  bool seen_event = false;
  auto fail = [&](std::string message) -> std::optional<Scenario> {
    if (error) *error = TextError{line_no, std::move(message)};
    return std::nullopt;
  };
  while (!text.empty()) {
    line_no++;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (const size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    const std::vector<std::string_view> words = split_words(line);
    if (words.empty()) continue;
    if (words[0] == "topology") {
      if (seen_event) return fail("the topology line must come before the first event");
      std::string message;
      if (!parse_topology(std::span(words).subspan(1), scenario.topology, message))
        return fail(message);
      continue;
    }
    std::optional<Event> event = event_by_name(words[0]);
    if (!event) {
      std::string known;
      list_event_names(known);
      return fail(fmt::format("unknown event '{}' (expected topology or one of: {})", words[0], known));
    }
    for (size_t i = 1; i < words.size(); i++) {
      const size_t eq = words[i].find('=');
      if (eq == std::string_view::npos)
        return fail(fmt::format("{}: expected field=value, got '{}'", words[0], words[i]));
      TextAssigner assign{words[i].substr(0, eq), words[i].substr(eq + 1), false, {}};
      std::visit([&](auto& e) { e.visit(assign); }, *event);
      if (!assign.matched) {
        std::string fields;
        std::visit([&](auto& e) { e.visit(FieldLister{&fields}); }, *event);
        return fail(fmt::format("{}: unknown field '{}' (fields: {})", words[0], assign.key, fields));
      }
      if (!assign.error.empty()) return fail(fmt::format("{}: {}", words[0], assign.error));
    }
    if (scenario.events.size() >= static_cast<size_t>(kMaxEvents))
      return fail(fmt::format("more than {} events", kMaxEvents));
    seen_event = true;
    scenario.events.push_back(*event);
  }
  return scenario;
}

}  // namespace inflight
