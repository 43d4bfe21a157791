// model/drivers/registry.cc
//
// Every driver model, one line each. Topology::driver picks one by index.
#include "model/drivers/pp_rx.h"

namespace inflight {

namespace {
template <class D>
std::unique_ptr<Driver> make(DriverEnv env) {
  return std::make_unique<D>(env);
}
const DriverModel kModels[] = {
    {PpRxDriver::kName, "page_pool RX driver with XDP PASS/DROP and a driver page cache",
     make<PpRxDriver>},
};
}  // namespace

std::span<const DriverModel> driver_models() { return kModels; }

}  // namespace inflight
