#include "model/core/codec.h"

#include <fmt/format.h>

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
};

struct BinaryDecoder {
  ByteReader* reader;
  void u8(std::string_view, uint8_t& v) { v = reader->next(); }
  void u16(std::string_view, uint16_t& v) {
    const uint8_t lo = reader->next();
    const uint8_t hi = reader->next();
    v = static_cast<uint16_t>(lo | (hi << 8));
  }
  void enumeration(std::string_view, uint8_t& v, std::span<const std::string_view> n) {
    v = static_cast<uint8_t>(reader->next() % n.size());
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

template <size_t I = 0>
Event make_event(size_t kind) {
  if constexpr (I < kEventKinds) {
    if (kind == I) return Event{std::in_place_index<I>};
    return make_event<I + 1>(kind);
  } else {
    MODEL_ASSERT(false);
    return Event{};
  }
}

// Index 0 is the default, so an all-zero header is the default topology.
constexpr uint16_t kRingSizes[4] = {16, 4, 8, 64};

Topology decode_topology(ByteReader& r) {
  // The bytes are read in order into named locals before anything is derived from them.
  const uint8_t b0 = r.next();
  const uint8_t b1 = r.next();
  const uint8_t b2 = r.next();
  const uint8_t b3 = r.next();
  const uint8_t b4 = r.next();
  const uint8_t b5 = r.next();
  const uint8_t b6 = r.next();
  for (size_t i = 7; i < kHeaderBytes; i++) r.next();  // reserved for later subsystems
  Topology t;
  t.cpus = static_cast<uint8_t>(1 + (b0 & 3));
  t.devices = static_cast<uint8_t>(1 + (b1 & 1));
  t.iommu = ((b1 >> 1) & 1) != 0;
  t.iommu_pte = ((b1 >> 2) & 1) != 0 ? IommuPte::large : IommuPte::pte_4k;
  t.arch = ((b1 >> 3) & 1) != 0 ? Arch::arm64 : Arch::x86;
  t.cacheline = ((b1 >> 4) & 1) != 0 ? 128 : 64;
  t.differential = ((b1 >> 5) & 1) != 0;
  t.coherent_mask = static_cast<uint8_t>(b2 & 3);
  t.pp_ring_size = kRingSizes[b3 & 3];
  t.pp_counter_wrap = ((b3 >> 2) & 1) != 0;
  t.rx_queues = static_cast<uint8_t>(1 + ((b3 >> 3) & 1));
  t.cpumap_release_era = ((b3 >> 4) & 1) != 0;
  t.driver = static_cast<uint8_t>(b4 % kDriverModels);
  t.nm_port = (b5 & 1) != 0 ? NmPort::lnx : NmPort::freebsd;
  t.nm_txqdisc = ((b5 >> 1) & 1) != 0;
  t.nm_member = static_cast<NmMember>(((b5 >> 2) & 3) % 3);
  t.nm_slots = ((b5 >> 4) & 1) != 0 ? 8 : 4;
  t.nm_holds = static_cast<uint8_t>((b5 >> 5) & 3);
  static_assert(kMaxPages == 32, "pages: 5 bits, 0 for 32");
  t.pages = static_cast<uint8_t>((b6 & 31) == 0 ? kMaxPages : (b6 & 31));  // 0: no limit of its own
  return t;
}

void encode_topology(const Topology& t, std::vector<uint8_t>& out) {
  MODEL_ASSERT(t.cpus >= 1 && t.cpus <= kMaxCpus);
  MODEL_ASSERT(t.devices >= 1 && t.devices <= kMaxDevices);
  out.push_back(static_cast<uint8_t>(t.cpus - 1));
  out.push_back(static_cast<uint8_t>((t.devices - 1) | (t.iommu ? 2 : 0) |
                                     (t.iommu_pte == IommuPte::large ? 4 : 0) |
                                     (t.arch == Arch::arm64 ? 8 : 0) |
                                     (t.cacheline == 128 ? 16 : 0) | (t.differential ? 32 : 0)));
  out.push_back(t.coherent_mask);
  uint8_t ring = 0;
  while (kRingSizes[ring] != t.pp_ring_size) ring++;
  out.push_back(static_cast<uint8_t>(ring | (t.pp_counter_wrap ? 4 : 0) | ((t.rx_queues - 1) << 3) |
                                     (t.cpumap_release_era ? 16 : 0)));
  out.push_back(t.driver);
  MODEL_ASSERT((t.nm_slots == 4 || t.nm_slots == 8) && t.nm_holds <= 3);
  out.push_back(static_cast<uint8_t>((t.nm_port == NmPort::lnx ? 1 : 0) | (t.nm_txqdisc ? 2 : 0) |
                                     (static_cast<uint8_t>(t.nm_member) << 2) |
                                     (t.nm_slots == 8 ? 16 : 0) | (t.nm_holds << 5)));
  MODEL_ASSERT(t.pages >= 1 && t.pages <= kMaxPages);
  out.push_back(t.pages == kMaxPages ? 0 : t.pages);
  for (size_t i = 7; i < kHeaderBytes; i++) out.push_back(0);
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
    const std::optional<uint32_t> n = parse_number(value);
    auto flag = [&](std::string_view on, std::string_view off, bool& out) {
      if (value == on) out = true;
      else if (value == off) out = false;
      else error = fmt::format("topology '{}' expects {} or {}, got '{}'", key, on, off, value);
    };
    if (key == "cpus") {
      if (!n || *n < 1 || *n > kMaxCpus)
        error = fmt::format("topology 'cpus' expects 1..{}, got '{}'", kMaxCpus, value);
      else t.cpus = static_cast<uint8_t>(*n);
    } else if (key == "devices") {
      if (!n || *n < 1 || *n > kMaxDevices)
        error = fmt::format("topology 'devices' expects 1..{}, got '{}'", kMaxDevices, value);
      else t.devices = static_cast<uint8_t>(*n);
    } else if (key == "iommu") {
      flag("strict", "off", t.iommu);
    } else if (key == "pte") {
      bool large = false;
      flag("large", "4k", large);
      t.iommu_pte = large ? IommuPte::large : IommuPte::pte_4k;
    } else if (key == "arch") {
      bool arm = false;
      flag("arm64", "x86", arm);
      t.arch = arm ? Arch::arm64 : Arch::x86;
    } else if (key == "cacheline") {
      if (!n || (*n != 64 && *n != 128))
        error = fmt::format("topology 'cacheline' expects 64 or 128, got '{}'", value);
      else t.cacheline = static_cast<uint16_t>(*n);
    } else if (key == "coherent") {
      if (!n || *n > 3) error = fmt::format("topology 'coherent' expects a mask 0..3, got '{}'", value);
      else t.coherent_mask = static_cast<uint8_t>(*n);
    } else if (key == "differential") {
      flag("on", "off", t.differential);
    } else if (key == "queues") {
      if (!n || *n < 1 || *n > 2) error = fmt::format("topology 'queues' expects 1 or 2, got '{}'", value);
      else t.rx_queues = static_cast<uint8_t>(*n);
    } else if (key == "pp_ring") {
      if (!n || (*n != 4 && *n != 8 && *n != 16 && *n != 64))
        error = fmt::format("topology 'pp_ring' expects 4, 8, 16 or 64, got '{}'", value);
      else t.pp_ring_size = static_cast<uint16_t>(*n);
    } else if (key == "pp_wrap") {
      flag("on", "off", t.pp_counter_wrap);
    } else if (key == "cpumap_era") {
      bool release = false;
      flag("2019", "2023", release);
      t.cpumap_release_era = release;
    } else if (key == "nm_port") {
      bool linux_port = false;
      flag("linux", "freebsd", linux_port);
      t.nm_port = linux_port ? NmPort::lnx : NmPort::freebsd;
    } else if (key == "nm_qdisc") {
      flag("on", "off", t.nm_txqdisc);
    } else if (key == "nm_member") {
      if (value == "nic") t.nm_member = NmMember::nic;
      else if (value == "lazy") t.nm_member = NmMember::lazy_nic;
      else if (value == "bridge") t.nm_member = NmMember::bridge;
      else error = fmt::format("topology 'nm_member' expects nic, lazy or bridge, got '{}'", value);
    } else if (key == "nm_slots") {
      if (!n || (*n != 4 && *n != 8)) error = fmt::format("topology 'nm_slots' expects 4 or 8, got '{}'", value);
      else t.nm_slots = static_cast<uint8_t>(*n);
    } else if (key == "nm_holds") {
      if (!n || *n > 3) error = fmt::format("topology 'nm_holds' expects 0..3, got '{}'", value);
      else t.nm_holds = static_cast<uint8_t>(*n);
    } else if (key == "pages") {
      if (!n || *n < 1 || *n > kMaxPages)
        error = fmt::format("topology 'pages' expects 1..{}, got '{}'", kMaxPages, value);
      else t.pages = static_cast<uint8_t>(*n);
    } else if (key == "driver") {
      uint8_t found = kDriverModels;
      for (uint8_t i = 0; i < kDriverModels; i++)
        if (kDriverNames[i] == value) found = i;
      if (found == kDriverModels) error = fmt::format("topology 'driver': unknown driver model '{}'", value);
      else t.driver = found;
    } else {
      error = fmt::format(
          "unknown topology key '{}' (expected cpus, devices, iommu, pte, arch, cacheline, "
          "coherent, differential, driver, queues, pp_ring, pp_wrap, cpumap_era, nm_port, "
          "nm_qdisc, nm_member, nm_slots, nm_holds, pages)",
          key);
    }
    if (!error.empty()) return false;
  }
  return true;
}

}  // namespace

namespace {
constexpr uint8_t kAllKinds[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                 31, 32, 33, 34, 35};
static_assert(std::size(kAllKinds) == kEventKinds, "every kind is in the `all` family");
// Raw DMA API use: the first twelve kinds, so that their binary indices never change.
constexpr uint8_t kDmaKinds[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
// page_pool and its holders: the driver, skbs, producers, XDP_TX, reconfiguration, faults.
constexpr uint8_t kPagePoolKinds[] = {0,  1,  2,  11, 12, 13, 14, 15, 16,
                                      17, 18, 21, 25, 26, 27, 28, 29};
// The XDP memory model, the return paths and cpumap.
constexpr uint8_t kXdpKinds[] = {0, 1, 2, 11, 12, 13, 14, 16, 18, 19, 20, 21, 22, 23, 24, 29};
// Everything the driver world has (all but the raw DMA client's misuse).
constexpr uint8_t kWorldKinds[] = {0,  1,  2,  11, 12, 13, 14, 15, 16, 17, 18, 19,
                                   20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};
// TAP writes redirected to the bnxt NIC's ndo_xdp_xmit, TX completion and teardown, with
// the page_pool driver's XDP_TX and redirects sharing the NIC.
constexpr uint8_t kTapKinds[] = {0, 1, 2, 11, 12, 13, 14, 16, 20, 21, 27, 30};
// netmap's emulated adapter: userspace txsync, the member's frees, holds and chains,
// unregister, and time for the callout.
constexpr uint8_t kNetmapKinds[] = {0, 2, 21, 31, 32, 33, 34, 35};
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
  bool found = false;
  void at(FieldInfo i, auto& v) {
    if (index++ != target) return;
    found = true;
    info = i;
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
void set_event_field(Event& event, size_t index, uint32_t value) {
  MODEL_ASSERT(visit_field(event, index, value).found);
}

Event make_event_of_kind(size_t kind) {
  MODEL_ASSERT(kind < kEventKinds);
  return make_event(kind);
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

Scenario decode_binary(std::span<const uint8_t> bytes, const TargetFamily& family) {
  ByteReader reader{bytes};
  Scenario scenario;
  scenario.topology = decode_topology(reader);
  const size_t records = bytes.size() > kHeaderBytes ? (bytes.size() - kHeaderBytes) / kRecordBytes : 0;
  scenario.events.reserve(std::min(records, static_cast<size_t>(kMaxEvents)));
  for (size_t i = 0; i < records && i < static_cast<size_t>(kMaxEvents); i++) {
    const size_t start = reader.pos;
    const uint8_t kind_byte = reader.next();
    Event event = make_event(family.kinds[kind_byte % family.kinds.size()]);
    std::visit([&](auto& e) { e.visit(BinaryDecoder{&reader}); }, event);
    reader.pos = start + kRecordBytes;  // skip the padding
    scenario.events.push_back(event);
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

std::string format_topology(const Topology& t) {
  return fmt::format(
      "topology cpus={} devices={} iommu={} pte={} arch={} cacheline={} coherent={} "
      "differential={} driver={} queues={} pp_ring={} pp_wrap={} cpumap_era={} nm_port={} "
      "nm_qdisc={} nm_member={} nm_slots={} nm_holds={} pages={}",
      t.cpus, t.devices, t.iommu ? "strict" : "off", t.iommu_pte == IommuPte::large ? "large" : "4k",
      t.arch == Arch::arm64 ? "arm64" : "x86", t.cacheline, t.coherent_mask,
      t.differential ? "on" : "off", kDriverNames[t.driver], t.rx_queues, t.pp_ring_size,
      t.pp_counter_wrap ? "on" : "off", t.cpumap_release_era ? "2019" : "2023",
      t.nm_port == NmPort::lnx ? "linux" : "freebsd", t.nm_txqdisc ? "on" : "off",
      t.nm_member == NmMember::nic ? "nic" : t.nm_member == NmMember::lazy_nic ? "lazy" : "bridge",
      t.nm_slots, t.nm_holds, t.pages);
}

std::string encode_text(const Scenario& scenario) {
  std::string out = "# inflight trace\n" + format_topology(scenario.topology) + "\n";
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
