// model/core/codec_test.cc
//
// Unit tests of the scenario codecs (codec.h). The binary codec is the fuzzers' input:
// every byte string must decode, strictly front to back, and re-encode to itself once
// normalized. The text codec is the `.trace` format people write by hand: its errors must
// name the line and say what was expected.
#include "model/core/codec.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace inflight {
namespace {

::testing::AssertionResult Contains(std::string_view haystack, std::string_view needle) {
  if (haystack.find(needle) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << haystack << "' does not contain '" << needle << "'";
}

// A scenario that sets every topology field away from its default and has one event of
// every kind, with u16 fields above 255 so that both bytes matter.
Scenario every_kind() {
  Scenario s;
  s.topology.cpus = 3;
  s.topology.devices = 2;
  s.topology.iommu = true;
  s.topology.iommu_pte = IommuPte::large;
  s.topology.arch = Arch::arm64;
  s.topology.cacheline = 128;
  s.topology.coherent_mask = 2;
  s.topology.differential = true;
  s.topology.rx_queues = 2;
  s.topology.pp_ring_size = 4;
  s.topology.pp_counter_wrap = true;
  s.topology.cpumap_release_era = true;
  s.topology.nm_port = NmPort::lnx;
  s.topology.nm_txqdisc = true;
  s.topology.nm_member = NmMember::bridge;
  s.topology.nm_slots = 8;
  s.topology.nm_holds = 3;
  s.topology.pages = 8;
  s.events = {
      Tick{3},
      RcuQs{2},
      RunDeferred{200},
      PageAlloc{1, 3},
      FragAlloc{2, 0x0fed},
      BufFree{1, 9},
      DmaMap{2, 1, 4, 0x0123, 0x4567, 2, 1, 1},
      DmaAllocCoherent{0, 1, 0x2000},
      DmaMappingError{3, 17},
      DmaUnmap{1, 5, 3, 1, 1},
      DmaSync{2, 6, 1, 0x0102, 0xfffe, 1},
      DeviceUnbind{1},
      DriverOpen{},
      NapiPoll{1, 3},
      DriverStop{},
      DriverFault{1},
      SkbFree{3, 7, 1},
      SkbClone{4},
      PpProducerUnlock{2},
      XdpMemInsertFail{},
      XdpTxComplete{5, 1},
      Idle{2},
      CpumapUpdate{1},
      CpumapDelete{1},
      CpumapKthread{0},
      SkbExpandHead{3},
      SkbCoalesce{1, 2},
      DriverTxClean{1},
      DriverReconfigure{0},
      PpReleaseCount{6},
      TunWrite{1, 1500, 0, 2},
      NmTxsync{3},
      NmMemberFree{1},
      NmMemberHold{2},
      NmMemberChain{0},
      NmUnregister{},
  };
  return s;
}

std::vector<uint8_t> header(uint8_t b0 = 0, uint8_t b1 = 0, uint8_t b2 = 0) {
  return {b0, b1, b2, 0, 0, 0, 0, 0};
}

void append_record(std::vector<uint8_t>& bytes, std::vector<uint8_t> record) {
  record.resize(kRecordBytes, 0);
  bytes.insert(bytes.end(), record.begin(), record.end());
}

Scenario parse_ok(std::string_view text) {
  TextError error;
  const std::optional<Scenario> s = decode_text(text, &error);
  EXPECT_TRUE(s.has_value()) << "line " << error.line << ": " << error.message;
  return s.value_or(Scenario{});
}

TextError parse_error(std::string_view text) {
  TextError error;
  const std::optional<Scenario> s = decode_text(text, &error);
  EXPECT_FALSE(s.has_value()) << "expected an error for: " << text;
  return error;
}

// ---- binary ----

TEST(Codec, TheHandBuiltScenarioHasOneEventOfEveryKind) {
  // Guards the tests below: a new event kind must be added to every_kind().
  const Scenario s = every_kind();
  ASSERT_EQ(s.events.size(), kEventKinds);
  for (size_t i = 0; i < kEventKinds; i++) EXPECT_EQ(s.events[i].index(), i);
}

TEST(Codec, BinaryRoundTripsAScenarioWithEveryEventKind) {
  const Scenario s = every_kind();
  const std::vector<uint8_t> bytes = encode_binary(s);
  EXPECT_EQ(bytes.size(), kHeaderBytes + kEventKinds * kRecordBytes);
  EXPECT_EQ(decode_binary(bytes), s);
}

TEST(Codec, BinaryRoundTripsTheDefaultTopologyWithNoEvents) {
  const Scenario s;
  const std::vector<uint8_t> bytes = encode_binary(s);
  EXPECT_EQ(bytes, header());
  EXPECT_EQ(decode_binary(bytes), s);
}

TEST(Codec, BinaryRecordIsTheKindByteThenFieldsLittleEndianThenZeroPadding) {
  Scenario s;
  s.events = {DmaMap{1, 1, 2, 0x0304, 0x0506, 2, 1, 1}};
  const std::vector<uint8_t> bytes = encode_binary(s);
  const std::vector<uint8_t> record(bytes.begin() + kHeaderBytes, bytes.end());
  const std::vector<uint8_t> expected = {6, 1, 1, 2, 0x04, 0x03, 0x06, 0x05, 2, 1, 1, 0};
  EXPECT_EQ(record, expected);
}

TEST(Codec, BinaryHeaderPacksTheTopologyIntoItsFirstSevenBytes) {
  const std::vector<uint8_t> bytes = encode_binary(every_kind());
  // cpus - 1; then devices - 1 | iommu | large | arm64 | 128 | differential; then coherent;
  // then ring-size index (4 is index 1) | counter wrap | queues - 1 | cpumap era; then
  // the driver; then netmap: linux | txqdisc | member << 2 | 8 slots | holds << 5; then
  // the pages limit (0 for kMaxPages, no limit of its own).
  EXPECT_EQ(bytes[0], 2);
  EXPECT_EQ(bytes[1], 0x3f);
  EXPECT_EQ(bytes[2], 2);
  EXPECT_EQ(bytes[3], 0x1d);
  EXPECT_EQ(bytes[4], 0);
  EXPECT_EQ(bytes[5], 0x1 | 0x2 | (2 << 2) | 0x10 | (3 << 5));
  EXPECT_EQ(bytes[6], 8);
  for (size_t i = 7; i < kHeaderBytes; i++) EXPECT_EQ(bytes[i], 0) << "byte " << i;
  EXPECT_EQ(encode_binary(Scenario{})[6], 0);  // pages=32
}

TEST(Codec, AnEmptyInputDecodesToTheDefaultTopologyAndNoEvents) {
  const Scenario s = decode_binary({});
  EXPECT_EQ(s.topology, Topology{});
  EXPECT_TRUE(s.events.empty());
}

TEST(Codec, AShortHeaderReadsItsMissingBytesAsZero) {
  const std::vector<uint8_t> bytes = {0xff, 0xff};
  const Scenario s = decode_binary(bytes);
  EXPECT_EQ(s.topology.cpus, 4);
  EXPECT_EQ(s.topology.devices, 2);
  EXPECT_TRUE(s.topology.iommu);
  EXPECT_EQ(s.topology.iommu_pte, IommuPte::large);
  EXPECT_EQ(s.topology.arch, Arch::arm64);
  EXPECT_EQ(s.topology.cacheline, 128);
  EXPECT_TRUE(s.topology.differential);
  EXPECT_EQ(s.topology.coherent_mask, 0);  // the third byte is missing
  EXPECT_TRUE(s.events.empty());
}

TEST(Codec, HeaderBitsOutsideTheirFieldsAreIgnored) {
  // Byte 3's top three bits are unused; byte 4 picks the driver modulo the models there are;
  // byte 5's top bit is unused and its member field is taken modulo three; byte 6's top
  // three bits are unused (0xe0: pages 0, the default); byte 7 is reserved.
  const std::vector<uint8_t> bytes = {0xfc, 0xc0, 0xfc, 0xe0, kDriverModels, 0x8c, 0xe0, 0xff};
  const Scenario s = decode_binary(bytes);
  EXPECT_EQ(s.topology, Topology{});
}

TEST(Codec, APartialTrailingRecordIsIgnored) {
  std::vector<uint8_t> bytes = header();
  append_record(bytes, {1, 3});  // rcu_qs cpu=3
  bytes.insert(bytes.end(), kRecordBytes - 1, 0x01);
  const Scenario s = decode_binary(bytes);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0], Event{RcuQs{3}});
}

TEST(Codec, TheKindByteIsTakenModuloTheNumberOfKinds) {
  std::vector<uint8_t> bytes = header();
  append_record(bytes, {static_cast<uint8_t>(kEventKinds + 1), 9});  // rcu_qs
  append_record(bytes, {255, 2, 1});  // 255 % 30 == 15: driver_fault_double_put
  const Scenario s = decode_binary(bytes);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0], Event{RcuQs{9}});
  EXPECT_EQ(s.events[1].index(), 255 % kEventKinds);
}

TEST(Codec, EnumerationBytesAreTakenModuloTheirNumberOfNames) {
  std::vector<uint8_t> bytes = header();
  append_record(bytes, {0, 6});                               // tick by=6 % 4
  append_record(bytes, {6, 0, 0, 0, 0, 0, 0, 0, 5, 3, 255});  // dma_map dir, attrs, api
  const Scenario s = decode_binary(bytes);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(std::get<Tick>(s.events[0]).by, 2);
  const DmaMap& map = std::get<DmaMap>(s.events[1]);
  EXPECT_EQ(map.dir, 2);    // 5 % 3
  EXPECT_EQ(map.attrs, 1);  // 3 % 2
  EXPECT_EQ(map.api, 1);    // 255 % 2
}

TEST(Codec, PaddingBytesOfARecordAreSkipped) {
  std::vector<uint8_t> bytes = header();
  std::vector<uint8_t> record(kRecordBytes, 0xee);
  record[0] = 1;  // rcu_qs: one field, then ten padding bytes
  record[1] = 2;
  append_record(bytes, record);
  append_record(bytes, {11, 1});  // device_unbind dev=1
  const Scenario s = decode_binary(bytes);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0], Event{RcuQs{2}});
  EXPECT_EQ(s.events[1], Event{DeviceUnbind{1}});
}

TEST(Codec, DecodingStopsAtTheEventLimit) {
  std::vector<uint8_t> bytes = header();
  bytes.resize(kHeaderBytes + (kMaxEvents + 3) * kRecordBytes, 1);
  EXPECT_EQ(decode_binary(bytes).events.size(), static_cast<size_t>(kMaxEvents));
}

TEST(Codec, EveryByteStringDecodesAndReencodesToANormalFixedPoint) {
  // Deterministic pseudo-random inputs of every length up to 8 records and a half.
  uint32_t state = 0x1234567u;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<uint8_t>(state >> 24);
  };
  for (size_t length = 0; length <= kHeaderBytes + 8 * kRecordBytes + 6; length++) {
    for (int trial = 0; trial < 20; trial++) {
      std::vector<uint8_t> bytes(length);
      for (uint8_t& b : bytes) b = next();
      const Scenario s = decode_binary(bytes);
      const size_t records = length > kHeaderBytes ? (length - kHeaderBytes) / kRecordBytes : 0;
      ASSERT_EQ(s.events.size(), records) << "length " << length;
      const Scenario again = decode_binary(encode_binary(s));
      ASSERT_EQ(again, s) << "length " << length << " trial " << trial;
      const std::optional<Scenario> text = decode_text(encode_text(s), nullptr);
      ASSERT_TRUE(text.has_value()) << "length " << length << " trial " << trial;
      ASSERT_EQ(*text, s) << "length " << length << " trial " << trial;
    }
  }
}

TEST(Codec, EveryKindByteWithAllOnesFieldsDecodes) {
  for (int kind = 0; kind < 256; kind++) {
    std::vector<uint8_t> bytes = header();
    std::vector<uint8_t> record(kRecordBytes, 0xff);
    record[0] = static_cast<uint8_t>(kind);
    append_record(bytes, record);
    const Scenario s = decode_binary(bytes);
    ASSERT_EQ(s.events.size(), 1u);
    EXPECT_EQ(s.events[0].index(), static_cast<size_t>(kind) % kEventKinds);
    EXPECT_EQ(decode_binary(encode_binary(s)), s) << "kind byte " << kind;
  }
}

// ---- text ----

TEST(Codec, TextRoundTripsAScenarioWithEveryEventKind) {
  const Scenario s = every_kind();
  EXPECT_EQ(parse_ok(encode_text(s)), s);
}

TEST(Codec, FormatEventPrintsEveryFieldWithEnumerationNames) {
  EXPECT_EQ(format_event(DmaUnmap{0, 1, 1, 0, 0}),
            "dma_unmap cpu=0 map=1 size=zero dir=same api=matching");
  EXPECT_EQ(format_event(DmaMap{0, 1, 0, 64, 256, 2, 1, 0}),
            "dma_map cpu=0 dev=1 buf=0 offset=64 len=256 dir=from_device attrs=skip_cpu_sync "
            "api=single");
  EXPECT_EQ(format_event(DmaSync{0, 0, 1, 0, 0, 0}),
            "dma_sync cpu=0 map=0 for=device offset=0 size=0 dir=same");
}

TEST(Codec, FormatTopologyNamesEveryField) {
  EXPECT_EQ(format_topology(every_kind().topology),
            "topology cpus=3 devices=2 iommu=strict pte=large arch=arm64 cacheline=128 "
            "coherent=2 differential=on driver=pp_rx queues=2 pp_ring=4 pp_wrap=on "
            "cpumap_era=2019 nm_port=linux nm_qdisc=on nm_member=bridge nm_slots=8 nm_holds=3 "
            "pages=8");
  EXPECT_EQ(format_topology(Topology{}),
            "topology cpus=1 devices=1 iommu=off pte=4k arch=x86 cacheline=64 coherent=0 "
            "differential=off driver=pp_rx queues=1 pp_ring=16 pp_wrap=off cpumap_era=2023 "
            "nm_port=freebsd nm_qdisc=off nm_member=nic nm_slots=4 nm_holds=0 pages=32");
}

TEST(Codec, CommentsBlankLinesAndCarriageReturnsAreIgnored) {
  const Scenario s = parse_ok(
      "# a comment\n"
      "\n"
      "   \t \n"
      "topology cpus=2  # two CPUs\n"
      "  tick by=1s   # trailing comment\r\n"
      "# rcu_qs cpu=3\n"
      "rcu_qs cpu=1");  // no newline at the end
  EXPECT_EQ(s.topology.cpus, 2);
  ASSERT_EQ(s.events.size(), 2u);
  EXPECT_EQ(s.events[0], Event{Tick{3}});
  EXPECT_EQ(s.events[1], Event{RcuQs{1}});
}

TEST(Codec, TheTopologyLineIsOptional) {
  const Scenario s = parse_ok("page_alloc cpu=0 order=2\n");
  EXPECT_EQ(s.topology, Topology{});
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0], (Event{PageAlloc{0, 2}}));
}

TEST(Codec, AnEmptyTextIsAnEmptyScenario) {
  EXPECT_EQ(parse_ok(""), Scenario{});
  EXPECT_EQ(parse_ok("# only a comment\n\n"), Scenario{});
}

TEST(Codec, FieldsLeftOutTakeTheirZeroValue) {
  const Scenario s = parse_ok("dma_map len=256\n");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0], (Event{DmaMap{0, 0, 0, 0, 256, 0, 0, 0}}));
}

TEST(Codec, EnumerationFieldsAcceptNamesAndIndices) {
  const Scenario by_name = parse_ok("dma_map dir=from_device attrs=skip_cpu_sync api=page\n");
  const Scenario by_index = parse_ok("dma_map dir=2 attrs=1 api=0x1\n");
  ASSERT_EQ(by_name.events.size(), 1u);
  const DmaMap& map = std::get<DmaMap>(by_name.events[0]);
  EXPECT_EQ(map.dir, 2);
  EXPECT_EQ(map.attrs, 1);
  EXPECT_EQ(map.api, 1);
  EXPECT_EQ(by_index, by_name);
}

TEST(Codec, NumbersMayBeDecimalOrHex) {
  const Scenario s = parse_ok("dma_map offset=0x40 len=0X1000 buf=255\n");
  const DmaMap& map = std::get<DmaMap>(s.events.at(0));
  EXPECT_EQ(map.offset, 0x40);
  EXPECT_EQ(map.len, 0x1000);
  EXPECT_EQ(map.buf, 255);
}

TEST(Codec, TopologyKeysMayComeInAnyOrderAndAnySubset) {
  const Scenario s = parse_ok("topology differential=on arch=arm64 devices=2\n");
  Topology expected;
  expected.differential = true;
  expected.arch = Arch::arm64;
  expected.devices = 2;
  EXPECT_EQ(s.topology, expected);
}

// ---- text errors: the line, what was found, what was expected ----

TEST(Codec, AnUnknownEventNamesTheLineAndTheKnownEvents) {
  const TextError e = parse_error("tick\n# comment\nfrobnicate cpu=0\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.message, "unknown event 'frobnicate'"));
  EXPECT_TRUE(Contains(e.message, "topology"));
  EXPECT_TRUE(Contains(e.message, "dma_map"));
  EXPECT_TRUE(Contains(e.message, "device_unbind"));
}

TEST(Codec, AnUnknownFieldNamesTheEventAndItsFields) {
  const TextError e = parse_error("dma_map cpu=0 colour=red\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_TRUE(Contains(e.message, "dma_map: unknown field 'colour'"));
  EXPECT_TRUE(Contains(e.message, "cpu, dev, buf, offset, len, dir, attrs, api"));
}

TEST(Codec, ABadNumberNamesTheFieldItsRangeAndTheValue) {
  const TextError e = parse_error("\n\ndma_map len=abc\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.message, "field 'len' expects a number 0..65535, got 'abc'"));
}

TEST(Codec, AnEmptyValueIsABadValue) {
  const TextError e = parse_error("rcu_qs cpu=\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_TRUE(Contains(e.message, "field 'cpu' expects a number 0..255, got ''"));
}

TEST(Codec, AnOutOfRangeU8IsRejected) {
  const TextError e = parse_error("rcu_qs cpu=255\nrcu_qs cpu=256\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_TRUE(Contains(e.message, "rcu_qs: field 'cpu' expects a number 0..255, got '256'"));
}

TEST(Codec, AnOutOfRangeU16IsRejected) {
  const TextError e = parse_error("frag_alloc len=0x10000\n");
  EXPECT_TRUE(Contains(e.message, "field 'len' expects a number 0..65535, got '0x10000'"));
}

TEST(Codec, ANegativeNumberIsRejected) {
  const TextError e = parse_error("rcu_qs cpu=-1\n");
  EXPECT_TRUE(Contains(e.message, "got '-1'"));
}

TEST(Codec, ABadEnumerationValueListsTheNames) {
  const TextError e = parse_error("dma_map dir=sideways\n");
  EXPECT_TRUE(Contains(
      e.message, "field 'dir' expects one of bidirectional|to_device|from_device, got 'sideways'"));
}

TEST(Codec, AnEnumerationIndexPastTheNamesIsRejected) {
  const TextError e = parse_error("dma_map dir=3\n");
  EXPECT_TRUE(Contains(e.message, "field 'dir' expects one of"));
  EXPECT_TRUE(Contains(e.message, "got '3'"));
}

TEST(Codec, AWordWithoutEqualsIsRejected) {
  const TextError e = parse_error("dma_map cpu\n");
  EXPECT_TRUE(Contains(e.message, "dma_map: expected field=value, got 'cpu'"));
}

TEST(Codec, ATopologyLineAfterAnEventIsRejected) {
  const TextError e = parse_error("topology cpus=2\ntick\ntopology cpus=3\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.message, "topology line must come before the first event"));
}

TEST(Codec, AnUnknownTopologyKeyListsTheKnownKeys) {
  const TextError e = parse_error("# header\ntopology cpus=2 wheels=4\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_TRUE(Contains(e.message, "unknown topology key 'wheels'"));
  EXPECT_TRUE(
      Contains(e.message, "cpus, devices, iommu, pte, arch, cacheline, coherent, differential"));
}

TEST(Codec, TopologyValuesOutOfTheirRangeAreRejected) {
  EXPECT_TRUE(Contains(parse_error("topology cpus=0\n").message, "'cpus' expects 1..4, got '0'"));
  EXPECT_TRUE(Contains(parse_error("topology cpus=5\n").message, "'cpus' expects 1..4, got '5'"));
  EXPECT_TRUE(
      Contains(parse_error("topology devices=3\n").message, "'devices' expects 1 or 2, got '3'"));
  EXPECT_TRUE(Contains(parse_error("topology cacheline=32\n").message,
                       "'cacheline' expects 64 or 128, got '32'"));
  EXPECT_TRUE(
      Contains(parse_error("topology coherent=4\n").message, "'coherent' expects 0..3, got '4'"));
  EXPECT_TRUE(Contains(parse_error("topology iommu=on\n").message,
                       "'iommu' expects off or strict, got 'on'"));
  EXPECT_TRUE(
      Contains(parse_error("topology pte=2m\n").message, "'pte' expects 4k or large, got '2m'"));
  EXPECT_TRUE(Contains(parse_error("topology pp_ring=32\n").message,
                       "'pp_ring' expects 16, 4, 8 or 64, got '32'"));
  EXPECT_TRUE(
      Contains(parse_error("topology pages=33\n").message, "'pages' expects 1..32, got '33'"));
  EXPECT_TRUE(Contains(parse_error("topology cpus\n").message, "expected key=value, got 'cpus'"));
}

TEST(Codec, EveryTopologyKeyRoundTripsEveryChoiceThroughTextAndBinary) {
  // The one table drives both forms: each choice of each key, alone, survives both.
  for (const TopologyKey& k : topology_keys()) {
    for (const TopologyChoice& c : k.choices) {
      Scenario s;
      k.set(s.topology, c.value);
      const std::string line = format_topology(s.topology);
      const std::string word = fmt::format(
          " {}={}", k.key, c.text.empty() ? std::to_string(c.value) : std::string(c.text));
      EXPECT_TRUE(Contains(line + " ", word + " ")) << line;
      TextError e;
      const auto text = decode_text(line + "\n", &e);
      ASSERT_TRUE(text) << e.message;
      EXPECT_EQ(text->topology, s.topology) << line;
      EXPECT_EQ(decode_binary(encode_binary(s)).topology, s.topology) << line;
    }
  }
}

TEST(Codec, DecodeTextAcceptsANullErrorPointer) {
  EXPECT_FALSE(decode_text("nonsense\n", nullptr).has_value());
  EXPECT_TRUE(decode_text("tick\n", nullptr).has_value());
}

}  // namespace
}  // namespace inflight
