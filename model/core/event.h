// model/core/event.h
//
// The one event vocabulary of every front end (fuzzers, properties, explorer, replay).
// An event is a small struct of raw choices; arguments ending in a pick (`buf`, `map`,
// `pick`) are resolved modulo the live set when the event is applied, so every event is
// meaningful in every state. An event whose guard is false is skipped and marked in the
// trace (World::apply).
//
// Each struct lists its fields once in `visit`; the binary codec, the text codec and the
// trace printer are all generated from that list, so they cannot drift apart.
// Field widths are bytes in the binary record; enumerations carry their value names and
// are stored normalized (value < number of names).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "model/core/config.h"

namespace inflight {

namespace names {
inline constexpr std::array<std::string_view, 4> kTick = {"1ms", "10ms", "100ms", "1s"};
inline constexpr std::array<std::string_view, 4> kOrder = {"0", "1", "2", "3"};
// Values as in enum dma_data_direction (DMA_NONE is never mapped).
inline constexpr std::array<std::string_view, 3> kDir = {"bidirectional", "to_device",
                                                          "from_device"};
inline constexpr std::array<std::string_view, 2> kAttrs = {"none", "skip_cpu_sync"};
inline constexpr std::array<std::string_view, 2> kMapApi = {"single", "page"};
inline constexpr std::array<std::string_view, 4> kUnmapSize = {"exact", "zero", "half",
                                                               "plus_cacheline"};
inline constexpr std::array<std::string_view, 2> kSameOther = {"same", "other"};
inline constexpr std::array<std::string_view, 2> kUnmapApi = {"matching", "other"};
inline constexpr std::array<std::string_view, 2> kSyncFor = {"cpu", "device"};
inline constexpr std::array<std::string_view, 8> kRxAction = {
    "pass", "drop", "cache", "cache_release", "redirect", "redirect_cpu", "tx", "pass_frag"};
// Where the stack frees an skb: softirq or process context on a CPU, or inside the NAPI
// poll of the driver queue on that CPU (napi_consume_skb, GRO, deferred skb frees).
inline constexpr std::array<std::string_view, 3> kFreeCtx = {"softirq", "process", "napi_poll"};
inline constexpr std::array<std::string_view, 2> kCompleteMode = {"one", "bulk"};
inline constexpr std::array<std::string_view, 4> kIdle = {"1s", "10s", "1min", "3min"};
// How the TAP writer writes: O_NONBLOCK or io_uring (IOCB_NOWAIT), or a blocking write().
inline constexpr std::array<std::string_view, 2> kTunMode = {"nonblock", "blocking"};
// The verdict of the TAP device's XDP program (xdp-bench redirect returns XDP_REDIRECT).
inline constexpr std::array<std::string_view, 3> kTunVerdict = {"redirect", "pass", "drop"};
}  // namespace names

// The driver models the topology can name (model/drivers/registry.cc keeps the same
// order; a test checks it).
inline constexpr uint8_t kDriverModels = 4;
inline constexpr std::array<std::string_view, kDriverModels> kDriverNames = {"pp_rx", "mvneta",
                                                                             "bnxt_en", "veth"};

// Each event says what it models in kWhat (`inflight help events` prints it).
// A field visitor has:
//   void u8(std::string_view name, uint8_t& v);
//   void u16(std::string_view name, uint16_t& v);
//   void enumeration(std::string_view name, uint8_t& v, std::span<const std::string_view> names);

struct Tick {
  static constexpr std::string_view kName = "tick";
  static constexpr std::string_view kWhat =
      "Time advances: delayed work, timers and callouts become runnable when due.";
  uint8_t by = 0;
  template <class V> void visit(V&& v) { v.enumeration("by", by, names::kTick); }
  friend bool operator==(const Tick&, const Tick&) = default;
};

struct RcuQs {
  static constexpr std::string_view kName = "rcu_qs";
  static constexpr std::string_view kWhat =
      "A CPU passes a quiescent state (context switch, idle, user mode).";
  uint8_t cpu = 0;
  template <class V> void visit(V&& v) { v.u8("cpu", cpu); }
  friend bool operator==(const RcuQs&, const RcuQs&) = default;
};

struct RunDeferred {
  static constexpr std::string_view kName = "run_deferred";
  static constexpr std::string_view kWhat =
      "The scheduler runs one runnable deferred context (work item, timer, RCU "
      "callback).";
  uint8_t pick = 0;
  template <class V> void visit(V&& v) { v.u8("pick", pick); }
  friend bool operator==(const RunDeferred&, const RunDeferred&) = default;
};

struct PageAlloc {
  static constexpr std::string_view kName = "page_alloc";
  static constexpr std::string_view kWhat =
      "The raw DMA client allocates a buffer: alloc_pages(order).";
  uint8_t cpu = 0;
  uint8_t order = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.enumeration("order", order, names::kOrder);
  }
  friend bool operator==(const PageAlloc&, const PageAlloc&) = default;
};

struct FragAlloc {
  static constexpr std::string_view kName = "frag_alloc";
  static constexpr std::string_view kWhat =
      "The raw DMA client allocates a buffer: page_frag_alloc(&cpu's frag cache, len).";
  uint8_t cpu = 0;
  uint16_t len = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u16("len", len);
  }
  friend bool operator==(const FragAlloc&, const FragAlloc&) = default;
};

struct BufFree {
  static constexpr std::string_view kName = "buf_free";
  static constexpr std::string_view kWhat =
      "The raw DMA client frees a buffer: put_page() or page_frag_free().";
  uint8_t cpu = 0;
  uint8_t buf = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u8("buf", buf);
  }
  friend bool operator==(const BufFree&, const BufFree&) = default;
};

struct DmaMap {
  static constexpr std::string_view kName = "dma_map";
  static constexpr std::string_view kWhat =
      "dma_map_single_attrs() / dma_map_page_attrs() of [offset, offset+len) of a "
      "buffer.";
  uint8_t cpu = 0;
  uint8_t dev = 0;
  uint8_t buf = 0;
  uint16_t offset = 0;
  uint16_t len = 0;
  uint8_t dir = 0;
  uint8_t attrs = 0;
  uint8_t api = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u8("dev", dev);
    v.u8("buf", buf);
    v.u16("offset", offset);
    v.u16("len", len);
    v.enumeration("dir", dir, names::kDir);
    v.enumeration("attrs", attrs, names::kAttrs);
    v.enumeration("api", api, names::kMapApi);
  }
  friend bool operator==(const DmaMap&, const DmaMap&) = default;
};

struct DmaAllocCoherent {
  static constexpr std::string_view kName = "dma_alloc_coherent";
  static constexpr std::string_view kWhat =
      "dma_alloc_coherent(): pages plus a coherent mapping, undone by "
      "dma_free_coherent().";
  uint8_t cpu = 0;
  uint8_t dev = 0;
  uint16_t size = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u8("dev", dev);
    v.u16("size", size);
  }
  friend bool operator==(const DmaAllocCoherent&, const DmaAllocCoherent&) = default;
};

struct DmaMappingError {
  static constexpr std::string_view kName = "dma_mapping_error";
  static constexpr std::string_view kWhat =
      "dma_mapping_error() on one of the client's recorded mappings.";
  uint8_t cpu = 0;
  uint8_t map = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u8("map", map);
  }
  friend bool operator==(const DmaMappingError&, const DmaMappingError&) = default;
};

struct DmaUnmap {
  static constexpr std::string_view kName = "dma_unmap";
  static constexpr std::string_view kWhat =
      "dma_unmap_*() / dma_free_coherent() of a recorded mapping, possibly a stale one, "
      "with the recorded size, direction and function or a wrong one.";
  uint8_t cpu = 0;
  uint8_t map = 0;
  uint8_t size = 0;
  uint8_t dir = 0;
  uint8_t api = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u8("map", map);
    v.enumeration("size", size, names::kUnmapSize);
    v.enumeration("dir", dir, names::kSameOther);
    v.enumeration("api", api, names::kUnmapApi);
  }
  friend bool operator==(const DmaUnmap&, const DmaUnmap&) = default;
};

struct DmaSync {
  static constexpr std::string_view kName = "dma_sync";
  static constexpr std::string_view kWhat =
      "dma_sync_single_for_cpu() / _for_device() of [addr+offset, +size) of a recorded "
      "mapping.";
  uint8_t cpu = 0;
  uint8_t map = 0;
  uint8_t target = 0;
  uint16_t offset = 0;
  uint16_t size = 0;
  uint8_t dir = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u8("map", map);
    v.enumeration("for", target, names::kSyncFor);
    v.u16("offset", offset);
    v.u16("size", size);
    v.enumeration("dir", dir, names::kSameOther);
  }
  friend bool operator==(const DmaSync&, const DmaSync&) = default;
};

struct DeviceUnbind {
  static constexpr std::string_view kName = "device_unbind";
  static constexpr std::string_view kWhat =
      "The driver is unbound from the device (BUS_NOTIFY_UNBOUND_DRIVER); the IOMMU "
      "domain goes with it.";
  uint8_t dev = 0;
  template <class V> void visit(V&& v) { v.u8("dev", dev); }
  friend bool operator==(const DeviceUnbind&, const DeviceUnbind&) = default;
};

struct DriverOpen {
  static constexpr std::string_view kName = "driver_open";
  static constexpr std::string_view kWhat =
      "ndo_open of the topology's driver model (process context).";
  template <class V> void visit(V&&) {}
  friend bool operator==(const DriverOpen&, const DriverOpen&) = default;
};

struct NapiPoll {
  static constexpr std::string_view kName = "napi_poll";
  static constexpr std::string_view kWhat =
      "One NAPI poll of an RX queue, in softirq on the queue's CPU: a frame arrives in "
      "a pool page and takes an XDP verdict or driver path.";
  uint8_t queue = 0;
  uint8_t action = 0;
  template <class V> void visit(V&& v) {
    v.u8("queue", queue);
    v.enumeration("action", action, names::kRxAction);
  }
  friend bool operator==(const NapiPoll&, const NapiPoll&) = default;
};

struct DriverStop {
  static constexpr std::string_view kName = "driver_stop";
  static constexpr std::string_view kWhat =
      "ndo_stop of the driver (process context): its own teardown order.";
  template <class V> void visit(V&&) {}
  friend bool operator==(const DriverStop&, const DriverStop&) = default;
};

struct DriverFault {
  static constexpr std::string_view kName = "driver_fault_double_put";
  static constexpr std::string_view kWhat =
      "A driver fault (only with driver faults enabled): the driver puts a page it "
      "already gave back to its pool.";
  uint8_t queue = 0;
  template <class V> void visit(V&& v) { v.u8("queue", queue); }
  friend bool operator==(const DriverFault&, const DriverFault&) = default;
};

inline constexpr uint8_t kSkbFreeInNapi = 2;
struct SkbFree {
  static constexpr std::string_view kName = "skb_free";
  static constexpr std::string_view kWhat =
      "The stack frees an skb it holds: kfree_skb() on a CPU, in softirq or process context, "
      "or inside the NAPI poll of the driver queue steered to that CPU (ctx napi_poll: "
      "skipped when no such NAPI can poll).";
  uint8_t cpu = 0;
  uint8_t skb = 0;
  uint8_t ctx = 0;
  template <class V> void visit(V&& v) {
    v.u8("cpu", cpu);
    v.u8("skb", skb);
    v.enumeration("ctx", ctx, names::kFreeCtx);
  }
  friend bool operator==(const SkbFree&, const SkbFree&) = default;
};

struct SkbClone {
  static constexpr std::string_view kName = "skb_clone";
  static constexpr std::string_view kWhat = "skb_clone() of an skb the stack holds.";
  uint8_t skb = 0;
  template <class V> void visit(V&& v) { v.u8("skb", skb); }
  friend bool operator==(const SkbClone&, const SkbClone&) = default;
};

struct PpProducerUnlock {
  static constexpr std::string_view kName = "pp_producer_unlock";
  static constexpr std::string_view kWhat =
      "A page_pool ring producer inside producer_lock finishes: the `ring` statistic "
      "and page_pool_producer_unlock().";
  uint8_t pick = 0;
  template <class V> void visit(V&& v) { v.u8("pick", pick); }
  friend bool operator==(const PpProducerUnlock&, const PpProducerUnlock&) = default;
};

struct XdpMemInsertFail {
  static constexpr std::string_view kName = "xdp_mem_insert_fail";
  static constexpr std::string_view kWhat =
      "Environment: the next rhashtable_insert_slow() into mem_id_ht fails (-ENOMEM).";
  template <class V> void visit(V&&) {}
  friend bool operator==(const XdpMemInsertFail&, const XdpMemInsertFail&) = default;
};

struct XdpTxComplete {
  static constexpr std::string_view kName = "xdp_tx_complete";
  static constexpr std::string_view kWhat =
      "The redirect target completes frames it holds, in softirq on its CPU. A "
      "veth-like peer: the pick-th frame with xdp_return_frame(), or all with "
      "xdp_return_frame_bulk() and a flush. The bnxt NIC (two devices, one XDP TX ring "
      "per CPU): bnxt_tx_int_xdp() on the (pick % busy rings)-th ring holding frames, in "
      "its NAPI on that ring's CPU, completes 1 + (pick / busy rings) % held slots in "
      "ring order (mode one), or every slot of every ring (bulk).";
  uint8_t pick = 0;
  uint8_t mode = 0;
  template <class V> void visit(V&& v) {
    v.u8("pick", pick);
    v.enumeration("mode", mode, names::kCompleteMode);
  }
  friend bool operator==(const XdpTxComplete&, const XdpTxComplete&) = default;
};

struct Idle {
  static constexpr std::string_view kName = "idle";
  static constexpr std::string_view kWhat =
      "A quiet period: time passes and every work item, timer and RCU callback that "
      "falls due runs (idle CPUs pass quiescent states); no other event interleaves.";
  uint8_t by = 0;
  template <class V> void visit(V&& v) { v.enumeration("by", by, names::kIdle); }
  friend bool operator==(const Idle&, const Idle&) = default;
};

struct CpumapUpdate {
  static constexpr std::string_view kName = "cpumap_update";
  static constexpr std::string_view kWhat =
      "cpu_map_update_elem() of a slot (process context): a new entry and its kthread.";
  uint8_t slot = 0;
  template <class V> void visit(V&& v) { v.u8("slot", slot); }
  friend bool operator==(const CpumapUpdate&, const CpumapUpdate&) = default;
};

struct CpumapDelete {
  static constexpr std::string_view kName = "cpumap_delete";
  static constexpr std::string_view kWhat = "cpu_map_delete_elem() of a slot (process context).";
  uint8_t slot = 0;
  template <class V> void visit(V&& v) { v.u8("slot", slot); }
  friend bool operator==(const CpumapDelete&, const CpumapDelete&) = default;
};

struct CpumapKthread {
  static constexpr std::string_view kName = "cpumap_kthread";
  static constexpr std::string_view kWhat =
      "One pass of a cpumap entry's kthread on its CPU: a batch of frames becomes skbs.";
  uint8_t slot = 0;
  template <class V> void visit(V&& v) { v.u8("slot", slot); }
  friend bool operator==(const CpumapKthread&, const CpumapKthread&) = default;
};

struct SkbExpandHead {
  static constexpr std::string_view kName = "skb_expand_head";
  static constexpr std::string_view kWhat = "pskb_expand_head() of an skb the stack holds.";
  uint8_t skb = 0;
  template <class V> void visit(V&& v) { v.u8("skb", skb); }
  friend bool operator==(const SkbExpandHead&, const SkbExpandHead&) = default;
};

struct SkbCoalesce {
  static constexpr std::string_view kName = "skb_coalesce";
  static constexpr std::string_view kWhat =
      "skb_try_coalesce(to, from) of two skbs the stack holds (GRO, TCP receive queue).";
  uint8_t to = 0;
  uint8_t from = 0;
  template <class V> void visit(V&& v) {
    v.u8("to", to);
    v.u8("from", from);
  }
  friend bool operator==(const SkbCoalesce&, const SkbCoalesce&) = default;
};

struct DriverTxClean {
  static constexpr std::string_view kName = "driver_tx_clean";
  static constexpr std::string_view kWhat = "TX completion of a queue's XDP_TX ring, in its NAPI.";
  uint8_t queue = 0;
  template <class V> void visit(V&& v) { v.u8("queue", queue); }
  friend bool operator==(const DriverTxClean&, const DriverTxClean&) = default;
};

struct DriverReconfigure {
  static constexpr std::string_view kName = "driver_reconfigure";
  static constexpr std::string_view kWhat =
      "ethtool-style reconfiguration of a queue: its page_pool is swapped (process "
      "context).";
  uint8_t queue = 0;
  template <class V> void visit(V&& v) { v.u8("queue", queue); }
  friend bool operator==(const DriverReconfigure&, const DriverReconfigure&) = default;
};

struct PpReleaseCount {
  static constexpr std::string_view kName = "pp_release_count";
  static constexpr std::string_view kWhat =
      "A late page_pool release finishes: release_count++, pp info cleared, put_page.";
  uint8_t pick = 0;
  template <class V> void visit(V&& v) { v.u8("pick", pick); }
  friend bool operator==(const PpReleaseCount&, const PpReleaseCount&) = default;
};

struct TunWrite {
  static constexpr std::string_view kName = "tun_write";
  static constexpr std::string_view kWhat =
      "Userspace writes a frame of `len` bytes into the TAP device with a writer task "
      "(its current->task_frag); the TAP's XDP program returns `verdict` "
      "(tun_get_user).";
  uint8_t writer = 0;
  uint16_t len = 0;
  uint8_t mode = 0;
  uint8_t verdict = 0;
  template <class V> void visit(V&& v) {
    v.u8("writer", writer);
    v.u16("len", len);
    v.enumeration("mode", mode, names::kTunMode);
    v.enumeration("verdict", verdict, names::kTunVerdict);
  }
  friend bool operator==(const TunWrite&, const TunWrite&) = default;
};

struct NmTxsync {
  static constexpr std::string_view kName = "nm_txsync";
  static constexpr std::string_view kWhat =
      "netmap userspace fills up to `fill` more slots of the TX ring (as many as it has "
      "room for) and calls txsync (ioctl NIOCTXSYNC or poll): generic_netmap_txsync.";
  uint8_t fill = 0;
  template <class V> void visit(V&& v) { v.u8("fill", fill); }
  friend bool operator==(const NmTxsync&, const NmTxsync&) = default;
};

struct NmMemberFree {
  static constexpr std::string_view kName = "nm_member_free";
  static constexpr std::string_view kWhat =
      "The member interface's TX completion on a queue: it frees the mbufs it has sent, "
      "except those it keeps (a lazy NIC frees only on its next transmit).";
  uint8_t queue = 0;
  template <class V> void visit(V&& v) { v.u8("queue", queue); }
  friend bool operator==(const NmMemberFree&, const NmMemberFree&) = default;
};

struct NmMemberHold {
  static constexpr std::string_view kName = "nm_member_hold";
  static constexpr std::string_view kWhat =
      "A bridge/lagg member keeps the pick-th mbuf it holds indefinitely (at most "
      "nm_holds).";
  uint8_t pick = 0;
  template <class V> void visit(V&& v) { v.u8("pick", pick); }
  friend bool operator==(const NmMemberHold&, const NmMemberHold&) = default;
};

struct NmMemberChain {
  static constexpr std::string_view kName = "nm_member_chain";
  static constexpr std::string_view kWhat =
      "A bridge/lagg member chains the pick-th mbuf it holds behind the next one "
      "(m_nextpkt, freed together) and demotes it (m_demote clears M_PKTHDR).";
  uint8_t pick = 0;
  template <class V> void visit(V&& v) { v.u8("pick", pick); }
  friend bool operator==(const NmMemberChain&, const NmMemberChain&) = default;
};

struct NmUnregister {
  static constexpr std::string_view kName = "nm_unregister";
  static constexpr std::string_view kWhat =
      "netmap userspace closes its fd: generic_netmap_unregister, then the adapter is "
      "freed.";
  template <class V> void visit(V&&) {}
  friend bool operator==(const NmUnregister&, const NmUnregister&) = default;
};

using Event = std::variant<Tick, RcuQs, RunDeferred, PageAlloc, FragAlloc, BufFree, DmaMap,
                           DmaAllocCoherent, DmaMappingError, DmaUnmap, DmaSync, DeviceUnbind,
                           DriverOpen, NapiPoll, DriverStop, DriverFault, SkbFree, SkbClone,
                           PpProducerUnlock, XdpMemInsertFail, XdpTxComplete, Idle, CpumapUpdate,
                           CpumapDelete, CpumapKthread, SkbExpandHead, SkbCoalesce, DriverTxClean,
                           DriverReconfigure, PpReleaseCount, TunWrite, NmTxsync, NmMemberFree,
                           NmMemberHold, NmMemberChain, NmUnregister>;
inline constexpr size_t kEventKinds = std::variant_size_v<Event>;

// std::visit(Overloaded{[](const Tick&) {...}, ...}, event): one lambda per event type.
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The kind (variant index, the binary record's kind byte in the `all` family) of event
// type E: code names event kinds by type, never by number.
template <class E, class V = Event>
struct EventKind;
template <class E, class... Es>
struct EventKind<E, std::variant<Es...>> {
  static constexpr size_t value = [] {
    size_t i = 0;
    (void)((std::is_same_v<E, Es> ? true : (++i, false)) || ...);
    return i;
  }();
  static_assert(value < sizeof...(Es), "not an event type");
};
template <class E>
inline constexpr uint8_t kind_of = static_cast<uint8_t>(EventKind<E>::value);
template <class... E>
inline constexpr std::array<uint8_t, sizeof...(E)> kinds_of = {kind_of<E>...};

std::string_view event_name(const Event& event);
std::string_view event_what(const Event& event);  // the event's kWhat

// A scenario is a topology and the events to apply, front to back.
struct Scenario {
  Topology topology;
  std::vector<Event> events;
  friend bool operator==(const Scenario&, const Scenario&) = default;
};

}  // namespace inflight
