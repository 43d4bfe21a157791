// model/drivers/canary_pp_rx.h
//
// The canary: pp_rx with one deliberate, classic mistake. On XDP_PASS it hands the page up
// the stack in an skb and also recycles it into the pool (a "recycle while in use"), so
// the page has two owners. Every front end must catch it (CTest canary.*): if one stops
// seeing it, the harness has gone blind. Not a production model: chosen only by name
// (--driver canary_pp_rx, INFLIGHT_DRIVER=canary_pp_rx).
#pragma once

#include "model/drivers/pp_rx.h"
#include "model/net/skb.h"

namespace inflight {

class CanaryPpRxDriver : public PpRxDriver {
 public:
  static constexpr std::string_view kName = "canary_pp_rx";
  using PpRxDriver::PpRxDriver;
  std::string_view name() const override { return kName; }

 protected:
  void pass_up(int queue, PageId page) override {
    PpRxDriver::pass_up(queue, page);
    env_.pools.recycle_direct(page, kName);  // still in the skb
  }
};

}  // namespace inflight
