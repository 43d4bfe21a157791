#include "properties/generators.h"

namespace inflight::gen {

namespace {
template <class T>
rc::Gen<T> small_or_any(std::initializer_list<T> small) {
  return rc::gen::weightedOneOf<T>({{4, rc::gen::elementOf(std::vector<T>(small))},
                                    {1, rc::gen::arbitrary<T>()}});
}
rc::Gen<uint8_t> pick() { return small_or_any<uint8_t>({0, 1, 2, 3}); }
rc::Gen<uint8_t> cpu() { return rc::gen::inRange<uint8_t>(0, kMaxCpus); }
rc::Gen<uint8_t> dev() { return rc::gen::inRange<uint8_t>(0, kMaxDevices); }
rc::Gen<uint8_t> enumeration(size_t n) { return rc::gen::inRange<uint8_t>(0, static_cast<uint8_t>(n)); }
rc::Gen<uint16_t> offset() { return small_or_any<uint16_t>({0, 0, 32, 64, 100, 128, 4032, 4095}); }
rc::Gen<uint16_t> length() { return small_or_any<uint16_t>({0, 1, 64, 128, 256, 4096}); }
}  // namespace

rc::Gen<Topology> topology() {
  return rc::gen::exec([] {
    Topology t;
    t.cpus = *rc::gen::inRange<uint8_t>(1, kMaxCpus + 1);
    t.devices = *rc::gen::inRange<uint8_t>(1, kMaxDevices + 1);
    t.iommu = *rc::gen::arbitrary<bool>();
    t.iommu_pte = *rc::gen::element(IommuPte::pte_4k, IommuPte::large);
    t.arch = *rc::gen::element(Arch::x86, Arch::arm64);
    t.cacheline = *rc::gen::element<uint16_t>(64, 128);
    t.coherent_mask = *rc::gen::inRange<uint8_t>(0, 4);
    t.differential = *rc::gen::arbitrary<bool>();
    return t;
  });
}

rc::Gen<Event> event_of_kind(size_t kind) {
  switch (kind) {
    case 0: return rc::gen::exec([] { return Event{Tick{*enumeration(names::kTick.size())}}; });
    case 1: return rc::gen::exec([] { return Event{RcuQs{*cpu()}}; });
    case 2: return rc::gen::exec([] { return Event{RunDeferred{*pick()}}; });
    case 3: return rc::gen::exec([] { return Event{PageAlloc{*cpu(), *enumeration(names::kOrder.size())}}; });
    case 4: return rc::gen::exec([] { return Event{FragAlloc{*cpu(), *length()}}; });
    case 5: return rc::gen::exec([] { return Event{BufFree{*cpu(), *pick()}}; });
    case 6:
      return rc::gen::exec([] {
        DmaMap e;
        e.cpu = *cpu();
        e.dev = *dev();
        e.buf = *pick();
        e.offset = *offset();
        e.len = *length();
        e.dir = *enumeration(names::kDir.size());
        e.attrs = *enumeration(names::kAttrs.size());
        e.api = *enumeration(names::kMapApi.size());
        return Event{e};
      });
    case 7: return rc::gen::exec([] { return Event{DmaAllocCoherent{*cpu(), *dev(), *length()}}; });
    case 8: return rc::gen::exec([] { return Event{DmaMappingError{*cpu(), *pick()}}; });
    case 9:
      return rc::gen::exec([] {
        DmaUnmap e;
        e.cpu = *cpu();
        e.map = *pick();
        // Mostly correct arguments, so that other errors are not drowned out.
        e.size = *rc::gen::weightedOneOf<uint8_t>({{3, rc::gen::just<uint8_t>(0)},
                                                  {1, enumeration(names::kUnmapSize.size())}});
        e.dir = *rc::gen::weightedOneOf<uint8_t>({{3, rc::gen::just<uint8_t>(0)},
                                                 {1, enumeration(names::kSameOther.size())}});
        e.api = *rc::gen::weightedOneOf<uint8_t>({{3, rc::gen::just<uint8_t>(0)},
                                                 {1, enumeration(names::kUnmapApi.size())}});
        return Event{e};
      });
    case 10:
      return rc::gen::exec([] {
        DmaSync e;
        e.cpu = *cpu();
        e.map = *pick();
        e.target = *enumeration(names::kSyncFor.size());
        e.offset = *small_or_any<uint16_t>({0, 0, 16, 64});
        e.size = *length();
        e.dir = *enumeration(names::kSameOther.size());
        return Event{e};
      });
    default: return rc::gen::exec([] { return Event{DeviceUnbind{*dev()}}; });
  }
}

rc::Gen<Scenario> scenario() {
  static_assert(kEventKinds == 12, "teach event_of_kind() the new event");
  return rc::gen::exec([] {
    // Swarm: a random subset of kinds, DMA maps weighted up when present.
    const auto mask = *rc::gen::inRange<uint32_t>(1, 1u << kEventKinds);
    std::vector<size_t> kinds;
    for (size_t k = 0; k < kEventKinds; k++)
      if ((mask >> k) & 1) kinds.push_back(k);
    // Without buffers and maps there is nothing for DMA events to act on.
    kinds.push_back(3);
    kinds.push_back(6);
    kinds.push_back(6);
    kinds.push_back(8);
    Scenario s;
    s.topology = *topology();
    s.events = *rc::gen::container<std::vector<Event>>(
        rc::gen::mapcat(rc::gen::elementOf(kinds), [](size_t k) { return event_of_kind(k); }));
    return s;
  });
}

}  // namespace inflight::gen
