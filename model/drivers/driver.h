// model/drivers/driver.h
//
// A driver model: what a NIC driver does in open / poll / stop / remove, against the
// whole world. A reviewer expresses a driver under review as one file implementing this
// interface plus one line in registry.cc; every front end then drives it
// (docs/driver-models.md).
//
// Contexts: open, stop and remove run in process context (rtnl held); poll runs in
// softirq on the CPU its queue's NAPI is steered to; World sets the context before
// calling. Each call returns false when its guard does not hold (the event is skipped).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "model/core/kernel.h"
#include "model/core/state_hash.h"
#include "model/net/napi.h"

namespace inflight {

class Dma;
class Napis;
class Oracle;
class PageAllocator;
class PagePools;
class Skbs;
class XdpMem;
class XdpRedirectTarget;
class Cpumap;

// What a driver may use: the kernel services it calls.
struct DriverEnv {
  Kernel& kernel;
  Oracle& oracle;
  PageAllocator& pages;
  Dma& dma;
  Napis& napis;
  PagePools& pools;
  Skbs& skbs;
  XdpMem& xdp;
  XdpRedirectTarget& redirect;  // where XDP_REDIRECT sends frames (a veth-like peer)
  Cpumap& cpumap;               // or into a cpumap entry (redirect_cpu)
  bool faults;  // driver faults (fuzzer actions that break the driver's contract) enabled
};

// The XDP verdict (or driver path) a poll takes for the frame it receives.
enum class RxAction : uint8_t {
  pass, drop, cache, cache_release, redirect, redirect_cpu, tx, pass_frag, count
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string_view name() const = 0;
  virtual DeviceId dev() const = 0;
  virtual int queues() const = 0;
  virtual uint8_t queue_cpu(int queue) const = 0;
  // The NAPI instance of a queue (the stack frees skbs inside its poll, napi_consume_skb).
  virtual NapiId queue_napi(int queue) const = 0;

  virtual bool open() = 0;                                // ndo_open
  virtual bool poll(int queue, RxAction action) = 0;      // one NAPI poll of a queue
  virtual bool stop() = 0;                                // ndo_stop
  // TX completion of a queue's XDP_TX ring, in its NAPI (softirq on the queue's CPU).
  virtual bool tx_clean(int queue) = 0;
  // ethtool -G/-L style reconfiguration of one queue: a new pool replaces the old one on
  // the same NAPI (process context).
  virtual bool reconfigure(int queue) = 0;
  virtual void remove() = 0;                              // driver remove (unbind)
  // A driver fault: returns a page it already gave back (double put). Only when enabled.
  virtual bool fault_double_put(int queue) = 0;
  // The driver's state, for the explorer (model/core/state_hash.h).
  virtual void hash_state(StateHash& h) const = 0;
  // Takes the state of `other`, the same model in another world of the same configuration
  // (World::operator=): everything hash_state lists, none of the wiring.
  virtual void assign(const Driver& other) = 0;
};

struct DriverModel {
  std::string_view name;
  std::string_view what;
  std::unique_ptr<Driver> (*make)(DriverEnv env);
  // Production models are what the topology's `driver` index picks (nightly runs must stay
  // clean on them). Others (canaries, drivers under review) are chosen by name as run
  // configuration: --driver NAME, INFLIGHT_DRIVER=NAME.
  bool production;
  // A canary declares the finding it must produce (a finding pattern: kind[@site][ (detail)]),
  // and every front end is tested to catch it. A driver under review declares nothing: it
  // is searched and reported on (inflight review), and being correct never fails a test.
  std::string_view expect = {};
  bool canary() const { return !expect.empty(); }
};
std::span<const DriverModel> driver_models();  // registry.cc, production models first
const DriverModel* driver_model(std::string_view name);

}  // namespace inflight
