#include "export/kunit.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "export/kunit_preamble.h"
#include "model/core/codec.h"
#include "model/drivers/pp_rx.h"
#include "model/world.h"

namespace inflight {

namespace {

// The C side's enum ifl_rx (kunit_preamble.h), in its order.
enum class Rx : uint8_t {
  pass,
  drop,
  cache_keep,
  cache_release,
  xdp_tx,
  nothing,
  redirect,
  redirect_back,
  pass_frag
};
constexpr std::string_view kRxNames[] = {"IFL_PASS",          "IFL_DROP",          "IFL_CACHE_KEEP",
                                         "IFL_CACHE_RELEASE", "IFL_XDP_TX",        "IFL_NOTHING",
                                         "IFL_REDIRECT",      "IFL_REDIRECT_BACK", "IFL_PASS_FRAG"};

// Why an event cannot be exported; empty when it can.
std::string unsupported(const Event& event) {
  // The kinds the exporter reproduces (emit_event); NapiPoll only for some actions.
  constexpr auto kExported =
      kinds_of<Tick, RcuQs, RunDeferred, Idle, DriverOpen, DriverStop, DriverTxClean,
               DriverReconfigure, NapiPoll, SkbFree, SkbClone, SkbExpandHead, SkbCoalesce,
               PpProducerUnlock, PpReleaseCount, XdpTxComplete>;
  if (const auto* poll = std::get_if<NapiPoll>(&event)) {
    const auto action = static_cast<RxAction>(poll->action);
    if (action == RxAction::redirect_cpu)
      return fmt::format("napi_poll action={}: cpumap is not exported yet",
                         names::kRxAction[poll->action]);
    return {};
  }
  if (std::find(kExported.begin(), kExported.end(), event.index()) != kExported.end()) return {};
  if (std::holds_alternative<DeviceUnbind>(event))
    return "device_unbind: the kernel test has no device to unbind (UML has no DMA)";
  return fmt::format(
      "{} is not exported yet (page_pool, the XDP mem model, skbs and the pp_rx driver are)",
      event_name(event));
}

// A trace line fit for a C comment.
std::string comment_text(std::string_view line) {
  std::string out(line);
  for (size_t at = out.find("*/"); at != std::string::npos; at = out.find("*/", at))
    out.replace(at, 2, "* /");
  return out;
}

// A C string literal of model text (event lines: printable ASCII).
std::string c_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct WorkRun {
  Work work;
  uint32_t arg;
  bool skbs_held;      // the stack still held skbs when it ran (finish's order)
  bool driver_open;    // the driver was still open
  bool frees = false;  // a release retry that freed its pool (set after the step)
};

class Exporter {
 public:
  explicit Exporter(const Scenario& scenario)
      : scenario_(scenario), world_(scenario.topology, BugSet{}, /*record_trace=*/true) {
    world_.observe_work(&Exporter::on_work, this);
  }

  KunitCase run(std::string_view name, std::string_view source);

 private:
  static void on_work(void* ctx, Work work, uint32_t arg) {
    auto* self = static_cast<Exporter*>(ctx);
    self->works_.push_back(
        WorkRun{work, arg, self->world_.skbs().held() > 0, self->driver().is_open()});
  }
  const PpRxDriver& driver() { return static_cast<const PpRxDriver&>(world_.driver()); }

  // One applied event as C; false (refusal_ set) when it cannot be reproduced.
  bool emit_event(const Event& event);
  bool emit_works(std::span<const WorkRun> works);
  void mark_freeing_retries();
  void emit_teardown_check(int queue, PoolId pool);
  void emit_expectations();
  void emit_trace_since(size_t first);
  void bind_pools();
  template <class... Args>
  void line(fmt::format_string<Args...> f, Args&&... args) {
    body_ += '\t';
    body_ += fmt::format(f, std::forward<Args>(args)...);
    body_ += '\n';
  }

  const Scenario& scenario_;
  World world_;
  std::vector<WorkRun> works_;  // of the step being exported
  std::string body_;
  std::string refusal_;
  int step_ = 0;
  int expectations_ = 0;
  std::array<PoolId, kMaxPools> pools_{};  // the test's t->pool[slot], by model slot
  std::array<PageId, kMaxPages> pages_{};  // the test's t->page[slot]
};

void Exporter::emit_trace_since(size_t first) {
  const std::vector<std::string>& trace = world_.trace();
  for (size_t i = first; i < trace.size(); i++) line("/* {} */", comment_text(trace[i]));
}

void Exporter::bind_pools() {
  for (int q = 0; q < driver().queues(); q++) {
    const PoolId pool = driver().view(q).pool;
    if (!world_.page_pools().alive(pool) || pools_[pool.slot] == pool) continue;
    pools_[pool.slot] = pool;
    line("t->pool[{}] = t->q[{}].pool;", pool.slot, q);
  }
}

void Exporter::emit_teardown_check(int queue, PoolId pool) {
  const PagePools& pools = world_.page_pools();
  const int32_t inflight =
      pools.alive(pool)
          ? static_cast<int32_t>(pools.pool(pool).hold_count - pools.pool(pool).release_count)
          : 0;
  line(
      "IFL_EXPECT(t, \"pages in flight after page_pool_destroy of queue {}'s pool\", "
      "t->q[{}].outside_at_destroy, {});",
      queue, queue, inflight);
  expectations_++;
}

// Only a pass that finds nothing outside frees a destroyed pool: of a step's retries of a
// pool the model freed, the last did (finish() may run one before the skbs are freed and
// another after).
void Exporter::mark_freeing_retries() {
  for (size_t i = works_.size(); i-- > 0;) {
    WorkRun& w = works_[i];
    if (w.work != Work::page_pool_release_retry || world_.page_pools().alive(unpack_pool(w.arg)))
      continue;
    w.frees = std::none_of(works_.begin() + static_cast<std::ptrdiff_t>(i) + 1, works_.end(),
                           [&](const WorkRun& o) { return o.work == w.work && o.arg == w.arg; });
  }
}

bool Exporter::emit_works(std::span<const WorkRun> works) {
  for (size_t i = 0; i < works.size(); i++) {
    const WorkRun& w = works[i];
    switch (w.work) {
      case Work::page_pool_release_retry: {
        // A run of retries of one pool is one flush in the kernel: nothing changes between
        // them. The last of the step may free the pool.
        size_t n = 1;
        while (i + n < works.size() && works[i + n].work == w.work && works[i + n].arg == w.arg)
          n++;
        i += n - 1;
        const PoolId pool = unpack_pool(w.arg);
        const bool frees = works[i].frees;
        if (pools_[pool.slot] != pool) continue;  // freed before: the work had nothing to do
        line("ifl_release_retry(t, {}, {});{}", pool.slot, frees ? "true" : "false",
             n > 1 ? fmt::format("  /* the model ran it {} times */", n) : "");
        if (frees) pools_[pool.slot] = PoolId{}, expectations_++;
        break;
      }
      case Work::xdp_mem_allocator_rcu_free:
        line("rcu_barrier();  /* __xdp_mem_allocator_rcu_free */");
        break;
      default:
        refusal_ = fmt::format("the model runs {}, which is not exported yet", work_name(w.work));
        return false;
    }
  }
  return true;
}

bool Exporter::emit_event(const Event& event) {
  PagePools& pools = world_.page_pools();
  const int queues = driver().queues();
  const size_t held = world_.skbs().held();
  const size_t peer = world_.redirect_target().in_flight();
  std::array<PpRxDriver::QueueView, PpRxDriver::kMaxQueues> before{};
  for (int q = 0; q < queues; q++) before[static_cast<size_t>(q)] = driver().view(q);
  const int poll_queue =
      std::holds_alternative<NapiPoll>(event) ? std::get<NapiPoll>(event).queue % queues : -1;
  const uint64_t refills = world_.kernel().coverage()[static_cast<size_t>(Cov::refill)];
  const size_t trace_at = world_.trace().size();
  works_.clear();
  const bool applied = world_.apply(event);
  // The kernel test runs a step atomically: the windows the model left open close now, in
  // the model too, so that both run the same linearised scenario (its trace is this run's).
  while (applied && (pools.release_count_pending() || pools.producer_unlock_pending())) {
    if (pools.release_count_pending())
      world_.apply(PpReleaseCount{0});
    else
      world_.apply(PpProducerUnlock{0});
  }
  emit_trace_since(trace_at);
  mark_freeing_retries();
  if (!applied) {
    line("/* skipped in the model (the trace above says why): nothing to do */");
    return true;
  }
  step_++;
  line("t->step = {};", step_);
  line("t->event = {};", c_string(format_event(event)));
  const bool ok = std::visit(
      Overloaded{
          [&](const DriverOpen&) {
            if (!driver().is_open()) {
              refusal_ =
                  "the model's ndo_open fails (its mem id space is 7 ids where the "
                  "kernel's is 0xFFFD: a registration the kernel would accept)";
              return false;
            }
            line("ifl_open(t);");
            bind_pools();
            return true;
          },
          [&](const DriverStop&) {
            line("ifl_stop(t);");
            for (int q = 0; q < queues; q++)
              emit_teardown_check(q, before[static_cast<size_t>(q)].pool);
            return true;
          },
          [&](const DriverReconfigure& e) {
            const int q = e.queue % queues;
            if (!driver().is_open()) {
              refusal_ =
                  "the model's reconfiguration fails and closes the driver (its mem id "
                  "space is 7 ids where the kernel's is 0xFFFD: a registration the "
                  "kernel would accept)";
              return false;
            }
            line("ifl_reconfigure(t, {});", q);
            emit_teardown_check(q, before[static_cast<size_t>(q)].pool);
            bind_pools();
            return true;
          },
          [&](const DriverTxClean& e) {
            line("ifl_clean_tx(t, {});", e.queue % queues);
            return true;
          },
          [&](const NapiPoll& e) {
            const auto& b = before[static_cast<size_t>(poll_queue)];
            const PpRxDriver::QueueView a = driver().view(poll_queue);
            Rx rx;
            if (static_cast<RxAction>(e.action) == RxAction::cache_release) {
              rx = b.cache > 0 ? Rx::cache_release : Rx::nothing;
            } else {
              if (world_.kernel().coverage()[static_cast<size_t>(Cov::refill)] > refills) {
                refusal_ = fmt::format(
                    "page_pool {}'s alloc cache refills from its ring at step {}: the model's "
                    "bulk is 4 pages (kSlowBulk) where the kernel's is 64 "
                    "(PP_ALLOC_CACHE_REFILL), so the kernel would still take a page from its "
                    "cache",
                    b.pool.slot, step_);
                return false;
              }
              if (static_cast<RxAction>(e.action) == RxAction::pass_frag &&
                  world_.skbs().held() == held) {
                if (!world_.skbs().full()) {
                  refusal_ = fmt::format("the model runs out of pages at step {} (pages={})", step_,
                                         scenario_.topology.pages);
                  return false;
                }
                line("ifl_poll(t, {}, IFL_NOTHING);  /* the stack holds all it can */", poll_queue);
                return true;
              }
              if (!pools.last_alloc().valid()) {
                refusal_ = fmt::format("the model runs out of pages at step {} (pages={})", step_,
                                       scenario_.topology.pages);
                return false;
              }
              const bool redirect = static_cast<RxAction>(e.action) == RxAction::redirect;
              if (redirect && world_.redirect_target().maps()) {
                refusal_ =
                    "napi_poll action=redirect to the bnxt NIC (devices=2): its DMA "
                    "mapping is not exported (UML has no DMA)";
                return false;
              }
              rx = static_cast<RxAction>(e.action) == RxAction::pass_frag ? Rx::pass_frag
                   : world_.skbs().held() > held                          ? Rx::pass
                   : a.cache > b.cache                                    ? Rx::cache_keep
                   : a.tx_ring > b.tx_ring                                ? Rx::xdp_tx
                   : !redirect                                            ? Rx::drop
                   : world_.redirect_target().in_flight() > peer          ? Rx::redirect
                                                                          : Rx::redirect_back;
            }
            line("ifl_poll(t, {}, {});", poll_queue, kRxNames[static_cast<size_t>(rx)]);
            if (rx == Rx::cache_release || rx == Rx::nothing) return true;
            const PageId page = pools.last_alloc();
            if (pages_[page.slot] == page) {
              line(
                  "KUNIT_EXPECT_PTR_EQ_MSG(test, t->last, t->page[{}], \"step %d (%s): the "
                  "allocation returns page {} again\", t->step, t->event);",
                  page.slot, page.slot);
              expectations_++;
            } else {
              pages_[page.slot] = page;
              line("t->page[{}] = t->last;", page.slot);
            }
            return true;
          },
          [&](const SkbFree& e) {
            if (e.ctx != kSkbFreeInNapi) {
              line("ifl_skb_free(t, {}, {});", e.skb % held, e.ctx == 0 ? "true" : "false");
              return true;
            }
            // Inside the NAPI poll of the first queue steered to the CPU (World::skb_free).
            const CpuId cpu = world_.kernel().resolve_cpu(e.cpu);
            int q = 0;
            while (q + 1 < queues && driver().queue_cpu(q) != cpu) q++;
            line("ifl_skb_free_in_napi(t, {}, {});", q, e.skb % held);
            return true;
          },
          [&](const SkbClone& e) {
            line("ifl_skb_clone(t, {});", e.skb % held);
            return true;
          },
          [&](const SkbExpandHead& e) {
            line("ifl_skb_expand_head(t, {});", e.skb % held);
            return true;
          },
          [&](const SkbCoalesce& e) {
            const size_t to = e.to % held, from = e.from % held;
            const bool merged = world_.skbs().held() < held;
            const Skbs& skbs = world_.skbs();
            if (!merged && to != from &&
                skbs.shinfo(skbs.held_at(to)).frags.size() +
                        skbs.shinfo(skbs.held_at(from)).frags.size() >
                    kMaxFrags) {
              refusal_ = fmt::format(
                  "skb_coalesce at step {} refused for the model's frag limit "
                  "({} frags an skb; the kernel's MAX_SKB_FRAGS is 17)",
                  step_, kMaxFrags);
              return false;
            }
            line("ifl_skb_coalesce(t, {}, {}, {});", to, from, merged ? "true" : "false");
            if (to != from) expectations_++;
            return true;
          },
          [&](const XdpTxComplete& e) {
            if (world_.redirect_target().maps()) {
              refusal_ =
                  "xdp_tx_complete on the bnxt NIC (devices=2): its DMA unmapping is "
                  "not exported (UML has no DMA)";
              return false;
            }
            if (e.mode == 0)
              line("ifl_peer_complete(t, {});", e.pick % peer);
            else
              line("ifl_peer_complete_bulk(t);");
            return true;
          },
          [&](const auto&) { return true; },  // time and RCU: their works below
      },
      event);
  return ok && emit_works(works_);
}

void Exporter::emit_expectations() {
  const PagePools& pools = world_.page_pools();
  const Oracle& oracle = world_.oracle();
  for (PoolId& pool : pools_) {
    if (pool.valid() && !pools.alive(pool)) {
      line("t->pool[{}] = NULL;  /* freed */", pool.slot);
      pool = PoolId{};
    }
  }
  for (PageId& page : pages_) {
    if (page.valid() && !oracle.page_alive(page)) {
      line("t->page[{}] = NULL;  /* back to the page allocator */", page.slot);
      page = PageId{};
    }
  }
  for (const PoolId pool : pools_) {
    if (!pool.valid()) continue;
    const PagePool& p = pools.pool(pool);
    const int64_t outside = static_cast<int32_t>(p.hold_count - p.release_count) -
                            static_cast<int64_t>(p.cache.size()) -
                            static_cast<int64_t>(p.ring.size());
    line("ifl_expect_pool(t, {}, {}, {}, {}, {});", pool.slot, outside, p.ring.size(), p.user_count,
         p.destroying ? "true" : "false");
    expectations_ += 4;
  }
  for (const PageId page : pages_) {
    if (!page.valid()) continue;
    const uint32_t owner = oracle.pp_owner(page);
    if (owner != 0 && pools.holds(unpack_pool(owner), page)) continue;  // in its pool
    line("ifl_expect_page(t, {}, {}, {}, {});", page.slot, owner != 0 ? "true" : "false",
         oracle.page(page).refcount, owner != 0 ? pools.info(page).pp_ref_count : 0);
    expectations_ += owner != 0 ? 3 : 2;
  }
  if (driver().is_open()) {
    for (int q = 0; q < driver().queues(); q++) {
      line("ifl_expect_mem(t, {}, {});", q, driver().view(q).mem.id != 0 ? "true" : "false");
      expectations_ += 2;
    }
  }
}

KunitCase Exporter::run(std::string_view name, std::string_view source) {
  KunitCase out;
  out.name = kunit_identifier(name);
  out.source = source;
  const Topology& topo = scenario_.topology;
  if (world_.driver().name() != PpRxDriver::kName)
    refusal_ = fmt::format("the driver is {}; only the production pp_rx is exported",
                           world_.driver().name());
  for (size_t i = 0; refusal_.empty() && i < scenario_.events.size(); i++) {
    const Event& event = scenario_.events[i];
    refusal_ = unsupported(event);
    if (!refusal_.empty()) break;
    line("");
    const uint32_t skipped = world_.skipped();
    if (!emit_event(event)) break;
    if (world_.skipped() == skipped) emit_expectations();
  }
  if (refusal_.empty()) {
    // The model's finish(): the stack frees its skbs, the driver goes (ndo_stop), deferred
    // work drains. Its works are emitted where they ran in that order.
    const size_t held = world_.skbs().held();
    const size_t peer = world_.redirect_target().in_flight();
    const bool open = driver().is_open();
    std::array<PoolId, PpRxDriver::kMaxQueues> queue_pools{};
    for (int q = 0; q < driver().queues(); q++)
      queue_pools[static_cast<size_t>(q)] = driver().view(q).pool;
    const size_t trace_at = world_.trace().size();
    works_.clear();
    world_.finish();
    mark_freeing_retries();
    line("");
    line("/* the end: the model's finish() */");
    emit_trace_since(trace_at);
    line("t->step = {};", ++step_);
    line("t->event = \"the end (finish)\";");
    const auto phase = [&](auto keep) {
      std::vector<WorkRun> some;
      for (const WorkRun& w : works_)
        if (keep(w)) some.push_back(w);
      return some;
    };
    if (peer > 0) line("ifl_peer_complete_all(t);");  // the peer stops first
    bool ok = emit_works(phase([](const WorkRun& w) { return w.skbs_held; }));
    if (held > 0) line("ifl_skb_free_all(t);");
    ok = ok && emit_works(phase([](const WorkRun& w) { return !w.skbs_held && w.driver_open; }));
    if (open) {
      line("ifl_stop(t);");
      for (int q = 0; q < driver().queues(); q++)
        emit_teardown_check(q, queue_pools[static_cast<size_t>(q)]);
    }
    ok = ok && emit_works(phase([](const WorkRun& w) { return !w.skbs_held && !w.driver_open; }));
    if (ok) emit_expectations();
  }
  if (refusal_.empty() && !world_.violations().empty())
    refusal_ = fmt::format(
        "the model reports a finding ({}); exporting a finding as the "
        "kernel's symptom is not built yet",
        world_.violations().findings().front().key.str());
  if (!refusal_.empty()) {
    out.refusal = refusal_;
    return out;
  }
  out.steps = step_;
  out.expectations = expectations_;
  out.code = fmt::format(
      "/* {}: {} steps, {} expectations.\n"
      " * {}\n"
      " * Model: no bug variant, driver pp_rx; every step runs on this CPU. */\n"
      "static void inflight_{}(struct kunit *test)\n"
      "{{\n"
      "\tstruct ifl *t = ifl_init(test, {}, {}, {});\n"
      "{}}}\n",
      comment_text(source), step_, expectations_, comment_text(format_topology(topo)), out.name,
      topo.rx_queues, topo.pp_ring_size, topo.pp_counter_wrap ? "true" : "false", body_);
  return out;
}

}  // namespace

KunitCase export_kunit_case(const Scenario& scenario, std::string_view name,
                            std::string_view source) {
  return Exporter(scenario).run(name, source);
}

std::string kunit_identifier(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z')
      out += static_cast<char>(c - 'A' + 'a');
    else
      out += alnum ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(0, "s");
  return out;
}

std::string kunit_file(std::span<const KunitCase> cases) {
  std::string out =
      "// SPDX-License-Identifier: GPL-2.0\n"
      "/*\n"
      " * Generated by `inflight export --kunit`: scenarios of the inflight model as KUnit\n"
      " * tests of the kernel's page_pool, XDP memory model and skb code. Each test runs the\n"
      " * scenario's steps through the real API on a copy of the model's pp_rx driver and,\n"
      " * after every step, expects the state the model predicts; a failed expectation is a\n"
      " * disagreement between the model and this kernel, at the step it names. The model's\n"
      " * trace is in the comments, step by step. Regenerate rather than edit.\n"
      " */\n";
  out += kKunitPreamble;
  std::string list;
  for (const KunitCase& c : cases) {
    if (!c.refusal.empty()) continue;
    out += "\n" + c.code;
    list += fmt::format("\tKUNIT_CASE(inflight_{}),\n", c.name);
  }
  out += fmt::format(
      "\nstatic struct kunit_case inflight_cases[] = {{\n{}\t{{}}\n}};\n\n"
      "static struct kunit_suite inflight_suite = {{\n"
      "\t.name = \"inflight\",\n"
      "\t.test_cases = inflight_cases,\n"
      "}};\n"
      "kunit_test_suite(inflight_suite);\n\n"
      "MODULE_DESCRIPTION(\"inflight model scenarios as KUnit tests\");\n"
      "MODULE_LICENSE(\"GPL\");\n",
      list);
  return out;
}

}  // namespace inflight
