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
// TAP frame lengths: every bucket of tun_build_skb's buffer sizes near the 64- and
// 128-byte steps, MTU-sized frames, and anything.
rc::Gen<uint16_t> frame_len() {
  return rc::gen::weightedOneOf<uint16_t>({{3, rc::gen::inRange<uint16_t>(14, 65)},
                                           {3, rc::gen::inRange<uint16_t>(65, 129)},
                                           {2, rc::gen::inRange<uint16_t>(129, 257)},
                                           {2, rc::gen::inRange<uint16_t>(257, 1519)},
                                           {1, rc::gen::arbitrary<uint16_t>()}});
}
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
    t.driver = *rc::gen::inRange<uint8_t>(0, kDriverModels);
    t.rx_queues = *rc::gen::inRange<uint8_t>(1, 3);
    t.pp_ring_size = *rc::gen::element<uint16_t>(4, 8, 16, 64);
    t.pp_counter_wrap = *rc::gen::arbitrary<bool>();
    t.cpumap_release_era = *rc::gen::arbitrary<bool>();
    t.nm_port = *rc::gen::element(NmPort::freebsd, NmPort::lnx);
    t.nm_txqdisc = *rc::gen::arbitrary<bool>();
    t.nm_member = *rc::gen::element(NmMember::nic, NmMember::lazy_nic, NmMember::bridge);
    t.nm_slots = *rc::gen::element<uint8_t>(4, 8);
    t.nm_holds = *rc::gen::inRange<uint8_t>(0, 4);
    return t;
  });
}

namespace {
// One generator per event type, found by overload: nothing names a kind by number.
rc::Gen<Event> gen_for(Tick) {
  return rc::gen::exec([] { return Event{Tick{*enumeration(names::kTick.size())}}; });
}
rc::Gen<Event> gen_for(RcuQs) {
  return rc::gen::exec([] { return Event{RcuQs{*cpu()}}; });
}
rc::Gen<Event> gen_for(RunDeferred) {
  return rc::gen::exec([] { return Event{RunDeferred{*pick()}}; });
}
rc::Gen<Event> gen_for(PageAlloc) {
  return rc::gen::exec([] { return Event{PageAlloc{*cpu(), *enumeration(names::kOrder.size())}}; });
}
rc::Gen<Event> gen_for(FragAlloc) {
  return rc::gen::exec([] { return Event{FragAlloc{*cpu(), *length()}}; });
}
rc::Gen<Event> gen_for(BufFree) {
  return rc::gen::exec([] { return Event{BufFree{*cpu(), *pick()}}; });
}
rc::Gen<Event> gen_for(DmaMap) {
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
}
rc::Gen<Event> gen_for(DmaAllocCoherent) {
  return rc::gen::exec([] { return Event{DmaAllocCoherent{*cpu(), *dev(), *length()}}; });
}
rc::Gen<Event> gen_for(DmaMappingError) {
  return rc::gen::exec([] { return Event{DmaMappingError{*cpu(), *pick()}}; });
}
rc::Gen<Event> gen_for(DmaUnmap) {
  return rc::gen::exec(
      [] {
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
}
rc::Gen<Event> gen_for(DmaSync) {
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
}
rc::Gen<Event> gen_for(DeviceUnbind) {
  return rc::gen::exec([] { return Event{DeviceUnbind{*dev()}}; });
}
rc::Gen<Event> gen_for(DriverOpen) { return rc::gen::just(Event{DriverOpen{}}); }
rc::Gen<Event> gen_for(NapiPoll) {
  return rc::gen::exec([] {
    return Event{NapiPoll{*rc::gen::inRange<uint8_t>(0, 2), *enumeration(names::kRxAction.size())}};
  });
}
rc::Gen<Event> gen_for(DriverStop) { return rc::gen::just(Event{DriverStop{}}); }
rc::Gen<Event> gen_for(DriverFault) {
  return rc::gen::exec([] { return Event{DriverFault{*rc::gen::inRange<uint8_t>(0, 2)}}; });
}
rc::Gen<Event> gen_for(SkbFree) {
  return rc::gen::exec([] {
    return Event{SkbFree{*cpu(), *pick(), *enumeration(names::kFreeCtx.size())}};
  });
}
rc::Gen<Event> gen_for(SkbClone) {
  return rc::gen::exec([] { return Event{SkbClone{*pick()}}; });
}
rc::Gen<Event> gen_for(PpProducerUnlock) {
  return rc::gen::exec([] { return Event{PpProducerUnlock{*pick()}}; });
}
rc::Gen<Event> gen_for(XdpMemInsertFail) { return rc::gen::just(Event{XdpMemInsertFail{}}); }
rc::Gen<Event> gen_for(XdpTxComplete) {
  return rc::gen::exec([] {
    return Event{XdpTxComplete{*pick(), *enumeration(names::kCompleteMode.size())}};
  });
}
rc::Gen<Event> gen_for(Idle) {
  return rc::gen::exec([] { return Event{Idle{*enumeration(names::kIdle.size())}}; });
}
rc::Gen<Event> gen_for(CpumapUpdate) {
  return rc::gen::exec([] { return Event{CpumapUpdate{*pick()}}; });
}
rc::Gen<Event> gen_for(CpumapDelete) {
  return rc::gen::exec([] { return Event{CpumapDelete{*pick()}}; });
}
rc::Gen<Event> gen_for(CpumapKthread) {
  return rc::gen::exec([] { return Event{CpumapKthread{*pick()}}; });
}
rc::Gen<Event> gen_for(SkbExpandHead) {
  return rc::gen::exec([] { return Event{SkbExpandHead{*pick()}}; });
}
rc::Gen<Event> gen_for(SkbCoalesce) {
  return rc::gen::exec([] { return Event{SkbCoalesce{*pick(), *pick()}}; });
}
rc::Gen<Event> gen_for(DriverTxClean) {
  return rc::gen::exec([] { return Event{DriverTxClean{*rc::gen::inRange<uint8_t>(0, 2)}}; });
}
rc::Gen<Event> gen_for(DriverReconfigure) {
  return rc::gen::exec([] { return Event{DriverReconfigure{*rc::gen::inRange<uint8_t>(0, 2)}}; });
}
rc::Gen<Event> gen_for(PpReleaseCount) {
  return rc::gen::exec([] { return Event{PpReleaseCount{*pick()}}; });
}
rc::Gen<Event> gen_for(NmTxsync) {
  return rc::gen::exec([] { return Event{NmTxsync{*small_or_any<uint8_t>({0, 1, 2, 3, 7})}}; });
}
rc::Gen<Event> gen_for(NmMemberFree) {
  return rc::gen::exec([] { return Event{NmMemberFree{*pick()}}; });
}
rc::Gen<Event> gen_for(NmMemberHold) {
  return rc::gen::exec([] { return Event{NmMemberHold{*pick()}}; });
}
rc::Gen<Event> gen_for(NmMemberChain) {
  return rc::gen::exec([] { return Event{NmMemberChain{*pick()}}; });
}
rc::Gen<Event> gen_for(NmUnregister) { return rc::gen::just(Event{NmUnregister{}}); }
rc::Gen<Event> gen_for(TunWrite) {
  return rc::gen::exec(
      [] {
        return Event{TunWrite{*rc::gen::inRange<uint8_t>(0, 2), *frame_len(),
                              *rc::gen::weightedOneOf<uint8_t>({{4, rc::gen::just<uint8_t>(0)},
                                                                {1, rc::gen::just<uint8_t>(1)}}),
                              *rc::gen::weightedOneOf<uint8_t>(
                                  {{4, rc::gen::just<uint8_t>(0)},
                                   {1, enumeration(names::kTunVerdict.size())}})}};
      });
}
}  // namespace

rc::Gen<Event> event_of_kind(size_t kind) {
  return std::visit([](const auto& e) { return gen_for(e); }, make_event_of_kind(kind));
}

namespace {
template <class... E>
std::vector<size_t> kinds() {
  return {kind_of<E>...};
}

// Swarm: a random subset of `pool`, plus the kinds every scenario of the family needs.
rc::Gen<Scenario> swarm(std::vector<size_t> pool, std::vector<size_t> always) {
  return rc::gen::exec([pool, always] {
    const auto mask = *rc::gen::inRange<uint32_t>(1, 1u << pool.size());
    std::vector<size_t> kinds = always;
    for (size_t k = 0; k < pool.size(); k++)
      if ((mask >> k) & 1) kinds.push_back(pool[k]);
    Scenario s;
    s.topology = *topology();
    s.events = *rc::gen::container<std::vector<Event>>(
        rc::gen::mapcat(rc::gen::elementOf(kinds), [](size_t k) { return event_of_kind(k); }));
    return s;
  });
}
}  // namespace

rc::Gen<Scenario> dma_scenario() {
  static_assert(kEventKinds == 36,
                "teach a swarm the new event (gen_for() will not compile without it)");
  // Buffers and maps (weighted up): without them DMA events have nothing to act on.
  return swarm(kinds<Tick, RcuQs, RunDeferred, PageAlloc, FragAlloc, BufFree, DmaAllocCoherent,
                     DmaUnmap, DmaSync, DeviceUnbind>(),
               kinds<PageAlloc, DmaMap, DmaMap, DmaMappingError>());
}

rc::Gen<Scenario> pp_scenario() {
  // The driver must open and poll for anything to happen; time and deferred work let
  // destroy's retries run.
  return swarm(kinds<Tick, RcuQs, RunDeferred, DeviceUnbind, NapiPoll, DriverStop, DriverFault,
                     SkbFree, SkbClone, PpProducerUnlock, XdpMemInsertFail, XdpTxComplete, Idle,
                     CpumapUpdate, CpumapDelete, CpumapKthread, SkbExpandHead, SkbCoalesce,
                     DriverTxClean, DriverReconfigure, PpReleaseCount, TunWrite>(),
               kinds<DriverOpen, NapiPoll, NapiPoll, SkbFree, Tick, RunDeferred, SkbClone,
                     PpReleaseCount>());
}

rc::Gen<Scenario> netmap_scenario() {
  // Userspace txsyncs (weighted up), the member's frees, holds and chains, time.
  return swarm(
      kinds<Tick, RunDeferred, Idle, NmMemberFree, NmMemberHold, NmMemberChain, NmUnregister>(),
      kinds<NmTxsync, NmTxsync, NmMemberFree>());
}

rc::Gen<Scenario> tap_scenario() {
  // TAP writes into the bnxt NIC (two devices), completions, and the page_pool driver's
  // XDP_TX and redirects sharing the NIC.
  return rc::gen::exec([] {
    Scenario s = *swarm(kinds<Tick, RcuQs, RunDeferred, DeviceUnbind, DriverOpen, NapiPoll,
                              DriverStop, SkbFree, XdpTxComplete, Idle, DriverTxClean>(),
                        kinds<TunWrite, TunWrite, TunWrite, XdpTxComplete>());
    s.topology.devices = 2;
    return s;
  });
}

}  // namespace inflight::gen
