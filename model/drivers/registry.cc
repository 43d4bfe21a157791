// model/drivers/registry.cc
//
// Every driver model, one line each (production models first, in the order of
// kDriverNames in model/core/event.h; Topology::driver picks among those by index).
#include "model/drivers/canary_pp_rx.h"
#include "model/drivers/pp_rx.h"

namespace inflight {

namespace {
template <class D>
std::unique_ptr<Driver> make(DriverEnv env) {
  return std::make_unique<D>(env);
}
const DriverModel kModels[] = {
    {PpRxDriver::kName, "page_pool RX driver with XDP PASS/DROP and a driver page cache",
     make<PpRxDriver>, true},
    {CanaryPpRxDriver::kName, "canary: pp_rx that also recycles the pages it passes up",
     make<CanaryPpRxDriver>, false, "pp_double_release"},
};
}  // namespace

std::span<const DriverModel> driver_models() { return kModels; }

const DriverModel* driver_model(std::string_view name) {
  for (const DriverModel& m : kModels)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace inflight
