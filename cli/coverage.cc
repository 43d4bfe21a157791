// cli/coverage.cc
//
// `inflight coverage`: model coverage of a corpus. Every input is replayed; the model's
// transition counters (model/core/coverage.def, named after the kernel's statistics) and
// the event kinds applied and skipped are summed, printed, written as JSON, and drawn as
// an SVG of the page, DMA-mapping and netmap-slot lifecycles with how often each
// transition was taken. The picture is plain SVG written here (no dependency).
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/cli_support.h"
#include "model/world.h"

namespace inflight::cli {
namespace {

constexpr Option kCoverageOptions[] = {
    {"--target", "T", "how binary inputs decode (a fuzz target's event family; default all)"},
    {"--format", "F",
     "auto (the default, as for replay), text, or binary (a fuzzer's corpus:\n"
     "its inputs may happen to be printable)"},
    {"--bugs", "LIST", "bug variants to enable (default none)"},
    {"--json", "FILE",
     "write the counters, the transitions taken and never taken, and each\n"
     "event kind's applied and skipped counts as JSON"},
    {"--svg", "FILE",
     "draw the page, DMA-mapping and netmap-slot lifecycles with the count on\n"
     "every transition (transitions never taken are dashed red)"},
};
constexpr Command kCoverageCommand{
    "coverage", "INPUT...",
    "Replays every INPUT (binary fuzzer inputs or .trace files, or directories of them; *.txt\n"
    "files are skipped) and sums the model's coverage: how often each protocol transition was\n"
    "taken (counters named after the kernel's statistics, model/core/coverage.def) and how many\n"
    "events of each kind were applied or skipped. Prints the counters.\n\n",
    kCoverageOptions, "exit: 0 done, 2 bad input or usage\n"};

using Totals = ModelCoverage;

uint64_t get(const Totals& t, Cov c) { return t.counters[static_cast<size_t>(c)]; }

// ---- the picture ----

struct Node {
  double x, y;
  std::string_view label;
};
struct Edge {
  int from, to;
  std::string label;
  uint64_t count;
  double bend = 0;  // perpendicular offset, for edges in both directions
};

void draw_panel(std::string& svg, double top, std::string_view title,
                const std::vector<Node>& nodes, const std::vector<Edge>& edges) {
  constexpr double kW = 190, kH = 44;
  svg += fmt::format(R"~(<text x="20" y="{}" font-size="16" font-weight="bold">{}</text>)~"
                     "\n",
                     top + 18, title);
  for (const Edge& e : edges) {
    const Node& a = nodes[static_cast<size_t>(e.from)];
    const Node& b = nodes[static_cast<size_t>(e.to)];
    const double width = e.count == 0 ? 1.0 : 1.0 + 1.5 * std::log10(1.0 + static_cast<double>(e.count));
    const std::string style = e.count == 0 ? R"~(stroke="#c0392b" stroke-dasharray="5,4")~"
                                           : R"~(stroke="#2c3e50")~";
    if (e.from == e.to) {  // a self-loop above the node
      svg += fmt::format(
          R"~(<path d="M {0} {1} C {2} {3}, {4} {3}, {5} {1}" fill="none" {6} stroke-width="{7:.1f}" marker-end="url(#arrow)"/>)~"
          "\n",
          a.x - 30, top + a.y - kH / 2, a.x - 40, top + a.y - kH / 2 - 45, a.x + 40, a.x + 30, style, width);
      svg += fmt::format(R"~(<text x="{}" y="{}" font-size="12" text-anchor="middle">{} {}</text>)~"
                         "\n",
                         a.x, top + a.y - kH / 2 - 38, e.label, e.count);
      continue;
    }
    const double dx = b.x - a.x, dy = b.y - a.y, len = std::hypot(dx, dy);
    const double nx = -dy / len, ny = dx / len;  // unit normal
    // From box edge to box edge along the centre line (shortened by the box half-size).
    const double shrink_a = std::min(kW / 2 / (std::abs(dx) / len + 1e-9), kH / 2 / (std::abs(dy) / len + 1e-9));
    const double x1 = a.x + dx / len * shrink_a + nx * e.bend, y1 = top + a.y + dy / len * shrink_a + ny * e.bend;
    const double x2 = b.x - dx / len * (shrink_a + 4) + nx * e.bend, y2 = top + b.y - dy / len * (shrink_a + 4) + ny * e.bend;
    svg += fmt::format(
        R"~(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" {} stroke-width="{:.1f}" marker-end="url(#arrow)"/>)~"
        "\n",
        x1, y1, x2, y2, style, width);
    svg += fmt::format(
        R"~(<text x="{:.1f}" y="{:.1f}" font-size="12" text-anchor="middle" fill="{}">{} {}</text>)~"
        "\n",
        (x1 + x2) / 2 + nx * 12, (y1 + y2) / 2 + ny * 12 + 4, e.count == 0 ? "#c0392b" : "#000",
        e.label, e.count);
  }
  for (const Node& n : nodes)
    svg += fmt::format(
        R"~(<rect x="{:.1f}" y="{:.1f}" width="{}" height="{}" rx="8" fill="#ecf0f1" stroke="#7f8c8d"/>)~"
        "\n"
        R"~(<text x="{:.1f}" y="{:.1f}" font-size="13" text-anchor="middle">{}</text>)~"
        "\n",
        n.x - kW / 2, top + n.y - kH / 2, kW, kH, n.x, top + n.y + 5, n.label);
}

std::string lifecycle_svg(const Totals& t) {
  std::string svg = fmt::format(
      R"~(<svg xmlns="http://www.w3.org/2000/svg" width="980" height="900" font-family="sans-serif">)~"
      "\n"
      R"~(<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#2c3e50"/></marker></defs>)~"
      "\n"
      R"~(<text x="20" y="24" font-size="18">inflight model coverage: {} inputs; every arrow is a transition with how often it was taken</text>)~"
      "\n",
      t.scenarios);
  const auto c = [&](Cov cov) { return get(t, cov); };
  // Pages: the page allocator, the pool's cache and ring, out in flight, released.
  draw_panel(svg, 40, "page lifecycle (page_pool pages)",
             {{130, 150, "page allocator"}, {490, 150, "in flight (driver, skb, frame)"},
              {850, 80, "alloc cache"}, {850, 230, "ptr_ring"}, {490, 270, "released (unmapped)"}},
             {{0, 1, "slow", c(Cov::slow)}, {2, 1, "fast", c(Cov::fast), 12},
              {1, 2, "cached", c(Cov::cached), 12}, {3, 2, "refill", c(Cov::refill)},
              {1, 3, "ring", c(Cov::ring)}, {1, 4, "ring_full", c(Cov::ring_full), 70},
              {1, 4, "released_refcnt", c(Cov::released_refcnt), -70},
              {4, 0, "return_page", c(Cov::return_page)}});
  draw_panel(svg, 360, "DMA mapping lifecycle",
             {{130, 120, "not mapped"}, {490, 120, "mapped"}, {130, 230, "map error"},
              {850, 120, "device unbound"}},
             {{0, 1, "dma_map", c(Cov::dma_map), 12}, {1, 0, "dma_unmap", c(Cov::dma_unmap), 12},
              {1, 1, "dma_sync", c(Cov::dma_sync)}, {0, 2, "dma_map_error", c(Cov::dma_map_error)},
              {1, 3, "dma_unbind", c(Cov::dma_unbind)}});
  // A slot whose event fired (driver free or callout) is NULL and reclaimable.
  draw_panel(svg, 630, "netmap TX slot lifecycle",
             {{130, 110, "userspace's slot"}, {490, 110, "in the member"}, {850, 110, "event armed"},
              {850, 230, "consumed: reclaimable"}},
             {{0, 1, "nm_xmit", c(Cov::nm_xmit), 12}, {1, 0, "nm_reclaim", c(Cov::nm_reclaim), 12},
              {1, 1, "nm_xmit_refused", c(Cov::nm_xmit_refused)},
              {1, 2, "nm_event_armed", c(Cov::nm_event_armed)},
              {2, 3, "nm_event_dtor", c(Cov::nm_event_dtor), 60},
              {2, 3, "nm_event_callout", c(Cov::nm_event_callout), -60}});
  svg += "</svg>\n";
  return svg;
}

std::string to_json(const Totals& t) {
  std::string out = fmt::format("{{\n  \"inputs\": {},\n  \"coverage\": {{", t.scenarios);
  for (size_t i = 0; i < kCoverageCounters; i++)
    out +=
        fmt::format("{}\n    {}: {}", i ? "," : "", json_string(kCoverage[i].name), t.counters[i]);
  // Gaps: transitions never taken in a lifecycle the inputs did exercise.
  const auto active = [&](std::string_view lifecycle) {
    for (size_t i = 0; i < kCoverageCounters; i++)
      if (kCoverage[i].lifecycle == lifecycle && t.counters[i] > 0) return true;
    return false;
  };
  size_t taken = 0, reachable = 0;
  for (size_t i = 0; i < kCoverageCounters; i++) {
    taken += t.counters[i] > 0;
    reachable += active(kCoverage[i].lifecycle);
  }
  out += fmt::format("\n  }},\n  \"taken\": {},\n  \"in_active_lifecycles\": {},\n  \"never_taken\": [", taken, reachable);
  bool first = true;
  for (size_t i = 0; i < kCoverageCounters; i++)
    if (t.counters[i] == 0 && active(kCoverage[i].lifecycle)) {
      out += fmt::format("{}{}", first ? "" : ", ", json_string(kCoverage[i].name));
      first = false;
    }
  out += "],\n  \"events\": {";
  for (size_t k = 0; k < kEventKinds; k++)
    out += fmt::format("{}\n    {}: {{\"applied\": {}, \"skipped\": {}}}", k ? "," : "",
                       json_string(event_name(make_event_of_kind(k))), t.applied[k], t.skipped[k]);
  out += "\n  }\n}\n";
  return out;
}

bool write_file(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
  if (f) return true;
  std::cerr << fmt::format("inflight coverage: cannot write '{}'\n", path);
  return false;
}

}  // namespace

int cmd_coverage(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kCoverageCommand);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  const std::string json = args->value("--json").value_or(""),
                    svg = args->value("--svg").value_or("");
  std::string format;
  const TargetFamily* family = nullptr;
  if (!parse_format(kCoverageCommand, *args, format, family)) return kExitUsage;
  const std::optional<std::string> bugs_flag = args->value("--bugs");
  const std::vector<std::string>& inputs = args->operands;
  if (inputs.empty())
    return usage_error("coverage needs at least one input", usage(kCoverageCommand));
  std::string error;
  const std::optional<BugSet> bugs = BugSet::parse(bugs_flag.value_or(""), &error);
  if (!bugs) return usage_error(error, usage(kCoverageCommand));

  std::vector<std::string> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (std::filesystem::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::directory_iterator(in, ec))
        if (entry.is_regular_file() && entry.path().extension() != ".txt")
          found.push_back(entry.path().string());
      std::sort(found.begin(), found.end());  // a deterministic order
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(in, ec)) {
      files.push_back(in);
    } else {
      std::cerr << fmt::format("inflight coverage: no such file or directory '{}'\n", in);
      return kExitUsage;
    }
  }
  Totals totals;
  for (const std::string& f : files) {
    const std::optional<Loaded> loaded = load(f, format, *family);
    if (!loaded) return kExitUsage;
    World world(loaded->scenario.topology, *bugs);
    totals.run(world, loaded->scenario);
  }
  std::cout << fmt::format("inflight coverage: {} inputs (target {}, bugs {})\n", totals.scenarios,
                           family->name, bugs->to_string());
  for (size_t i = 0; i < kCoverageCounters; i++)
    std::cout << fmt::format("  {:<8} {:<18} {:>10}  {}\n", kCoverage[i].lifecycle, kCoverage[i].name,
                             totals.counters[i], kCoverage[i].what);
  if (!json.empty() && !write_file(json, to_json(totals))) return kExitUsage;
  if (!svg.empty() && !write_file(svg, lifecycle_svg(totals))) return kExitUsage;
  return kExitClean;
}

}  // namespace inflight::cli
