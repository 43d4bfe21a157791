// model/drivers/registry.cc
//
// Every driver model, one line each (production models first, in the order of
// kDriverNames in model/core/event.h; Topology::driver picks among those by index), then
// the drivers under review: each header in model/drivers/review/ defines a class named as
// the file, in namespace inflight::review, with kName and kWhat; the build lists them
// (model/CMakeLists.txt), so adding one edits nothing here.
#include "model/drivers/bnxt_rx.h"
#include "model/drivers/canary_pp_rx.h"
#include "model/drivers/mvneta.h"
#include "model/drivers/pp_rx.h"
#include "model/drivers/veth.h"
#include "review_drivers.h"  // generated

namespace inflight {

namespace {
template <class D>
std::unique_ptr<Driver> make(DriverEnv env) {
  return std::make_unique<D>(env);
}
const DriverModel kModels[] = {
    {PpRxDriver::kName, "page_pool RX driver with XDP PASS/DROP and a driver page cache",
     make<PpRxDriver>, true},
    {MvnetaDriver::kName,
     "Marvell mvneta: XDP_TX returned through the mem model; TX reset before RX cleanup at stop",
     make<MvnetaDriver>, true},
    {BnxtRxDriver::kName,
     "Broadcom bnxt_en RX in page mode: XDP_DROP and XDP_TX keep the page on the RX ring",
     make<BnxtRxDriver>, true},
    {VethDriver::kName,
     "veth with XDP: a page_pool outside the mem model; XDP_TX/REDIRECT pages leave it shared",
     make<VethDriver>, true},
    {CanaryPpRxDriver::kName, "canary: pp_rx that also recycles the pages it passes up",
     make<CanaryPpRxDriver>, false, "pp_double_release"},
#define INFLIGHT_REVIEW_DRIVER(D) {review::D::kName, review::D::kWhat, make<review::D>, false},
    INFLIGHT_REVIEW_DRIVERS
#undef INFLIGHT_REVIEW_DRIVER
};
}  // namespace

std::span<const DriverModel> driver_models() { return kModels; }

const DriverModel* driver_model(std::string_view name) {
  for (const DriverModel& m : kModels)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace inflight
