// cli/explore.cc
//
// `inflight explore`: the bounded exhaustive explorer (explore/explorer.h) from the command
// line: the shortest counterexample as a .trace that `inflight replay` accepts, or "no
// violation up to depth k" with what was covered; and --check-minimal, which asks whether
// a trace (a regression trace) is as short as any scenario with the same findings.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "cli/cli_support.h"
#include "explore/explorer.h"

namespace inflight::cli {
namespace {

constexpr Option kExploreOptions[] = {
    {"--target", "T",
     "the alphabet's event kinds: fuzz target T's family (default: the\n"
     "hunt target of the one variant in --bugs, else world)"},
    {"--wide", "", "each kind with default fields, and each field also varied alone"},
    {"--full", "",
     "each kind with every field varied together over its domain: every\n"
     "CPU, device and queue of the topology, picks 0..7, lengths 0/64/1500,\n"
     "every enumeration value (the default with --bugs and no --trace or\n"
     "--clean-of: a variant's family, fully varied)\n"
     "(neither: each kind with default fields)"},
    {"--driver", "NAME",
     "explore driver model NAME (inflight list drivers), a canary or a\n"
     "driver under review, instead of the topology's; also INFLIGHT_DRIVER,\n"
     "or driver=NAME on the topology"},
    {"--topology", "\"...\"",
     "the configuration, as on a .trace topology line (inflight help\n"
     "topology; default: the mutant's own configuration when --bugs names\n"
     "one rule mutant, else the defaults; pages=N bounds the pages alive)"},
    {"--at-most", "KIND=N,...",
     "an environment bound: events of KIND (inflight help events) happen at\n"
     "most N times (0..255) on any path, up to 4 kinds, e.g.\n"
     "driver_open=1,cpumap_update=1: the device brought up once, one cpumap\n"
     "entry created; a small configuration then completes (the verdict\n"
     "names the bound)"},
    {"--no-symmetry", "",
     "count states that differ only in which slots hold which pages, DMA\n"
     "mappings and skb shared infos as distinct (by default they are one\n"
     "state wherever the alphabet allows it: no raw DMA map, unmap or sync)"},
    {"--topology-of", "FILE",
     "take only the topology from FILE (a variant's regression trace:\n"
     "its configuration, none of its events)"},
    {"--trace", "FILE", "take the topology from FILE and add its events to the alphabet"},
    {"--bugs", "LIST",
     "bug variants to enable; the goal is then any of their findings\n"
     "(without variants: any finding at all)"},
    {"--clean-of", "NAME",
     "the goal is variant NAME's finding, whatever --bugs says (with the\n"
     "fix: \"no NAME finding up to depth K\", as bug.NAME.fixed for one trace)"},
    {"--goal", "PATTERN",
     "the goal is a finding whose key matches PATTERN: kind[@site][ (detail)],\n"
     "'*' for any run of characters (inflight replay --help)"},
    {"--driver-faults", "", "enable driver fault events (on when a chosen variant needs them)"},
    {"--alphabet-only", "", "with --trace: FILE's events are the whole alphabet"},
    {"--same-findings", "",
     "the goal is exactly the set of finding kinds FILE shows (with --trace)"},
    {"--check-minimal", "",
     "with --trace: is FILE as short as any scenario with its findings?\n"
     "(implies --same-findings and --depth = FILE's length)"},
    {"--depth", "K", "the depth bound, 0..1000 (default 6)"},
    {"--max-states", "N", "the states bound (default 2000000)"},
    {"--seconds", "S", "the time bound in whole seconds (default 60)"},
    {"--threads", "N",
     "expand each depth with N threads, 1..64 (default 1); the same states,\n"
     "verdict and counterexample for any N (a search that ends within a\n"
     "depth counts the transitions of every node handed out by then)"},
    {"--out", "FILE", "write the shortest counterexample there as a .trace"},
    {"--json", "",
     "print one JSON object instead of the text below: configuration,\n"
     "driver, alphabet size, verdict (found, complete or bounded), states,\n"
     "transitions, depth, seconds, what stopped it, the fingerprint bound,\n"
     "and the counterexample's trace and finding keys"},
};
constexpr Command kExplore{
    "explore", "",
    "Breadth-first search over the events of a small configuration, on the same model as the\n"
    "fuzzers: every enabled event from every distinct world state, up to depth K. States are\n"
    "canonical (time as clock regions, handles without their history, pages, mappings and\n"
    "skb shared infos interchangeable where the alphabet allows), so a small enough\n"
    "configuration has finitely many: when no new state is left the verdict is \"complete\",\n"
    "a proof for that configuration and alphabet, not just \"no violation up to depth K\".\n\n",
    kExploreOptions,
    "Output: the configuration, driver and alphabet searched; then the shortest counterexample\n"
    "with its findings, or \"complete: no violation in N states\" (the whole space), or \"no\n"
    "violation up to depth K\" with what stopped it; states are told apart by 128-bit\n"
    "fingerprints, and a clean verdict bounds the chance that two states were confused.\n"
    "Progress lines on stderr (depth, states, transitions, memory) while it runs.\n"
    "exit: 0 no violation (or --check-minimal holds), 1 a counterexample (or --check-minimal\n"
    "fails), 2 bad input or usage\n"};

}  // namespace

int cmd_explore(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kExplore);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  const std::optional<std::string> target = args->value("--target"),
                                   trace_file = args->value("--trace"),
                                   topology_of = args->value("--topology-of"),
                                   bugs_flag = args->value("--bugs"), out = args->value("--out"),
                                   clean_of = args->value("--clean-of");
  std::optional<std::string> topology_text = args->value("--topology"),
                             driver_flag = args->value("--driver");
  bool wide = args->has("--wide"), full = args->has("--full"), same = args->has("--same-findings"),
       faults = args->has("--driver-faults"), alphabet_only = args->has("--alphabet-only");
  const bool check_minimal = args->has("--check-minimal"), json = args->has("--json"),
             symmetry = !args->has("--no-symmetry");
  same = same || check_minimal;
  std::optional<FindingPattern> goal;
  if (const auto g = args->value("--goal")) {
    std::string error;
    if (!(goal = FindingPattern::parse(*g, &error)))
      return usage_error(fmt::format("--goal: {}", error), usage(kExplore));
  }
  int depth = 6;
  uint64_t max_states = 2'000'000;
  double seconds = 60;
  if (const auto v = args->value("--depth")) {
    const auto n = parse_count(kExplore, "--depth", *v, 0, 1000);
    if (!n) return kExitUsage;
    depth = static_cast<int>(*n);
  }
  if (const auto v = args->value("--max-states")) {
    const auto n = parse_count(kExplore, "--max-states", *v, 1, uint64_t{1} << 40);
    if (!n) return kExitUsage;
    max_states = *n;
  }
  if (const auto v = args->value("--seconds")) {
    const auto n = parse_count(kExplore, "--seconds", *v, 0, 30 * 24 * 3600);
    if (!n) return kExitUsage;
    seconds = static_cast<double>(*n);
  }
  unsigned threads = 1;
  if (const auto v = args->value("--threads")) {
    const auto n = parse_count(kExplore, "--threads", *v, 1, 64);
    if (!n) return kExitUsage;
    threads = static_cast<unsigned>(*n);
  }
  if ((same || alphabet_only) && !trace_file)
    return usage_error("--same-findings, --check-minimal and --alphabet-only need --trace",
                       usage(kExplore));
  if (check_minimal && args->has("--at-most"))
    return usage_error("--check-minimal compares with every scenario: --at-most would narrow it",
                       usage(kExplore));
  if (wide && full)
    return usage_error("--wide and --full are two alphabets: choose one", usage(kExplore));
  if (!driver_flag)
    if (const char* d = std::getenv("INFLIGHT_DRIVER"); d && *d) driver_flag = d;
  std::string error;
  const std::optional<BugSet> bugs = BugSet::parse(bugs_flag.value_or(""), &error);
  if (!bugs) return usage_error(error, usage(kExplore));
  std::vector<const BugInfo*> variants;
  for (const BugInfo& b : all_bugs())
    if (clean_of ? b.name == *clean_of : bugs->has(b.bug)) {
      variants.push_back(&b);
      faults = faults || b.faults;
    }
  if (clean_of && variants.empty())
    return usage_error(fmt::format("--clean-of: unknown bug variant '{}'", *clean_of),
                       usage(kExplore));
  const std::string family_name =
      target ? *target : variants.size() == 1 ? std::string(hunt_target(*variants[0])) : "world";
  const TargetFamily* family = target_family(family_name);
  if (!family)
    return usage_error(fmt::format("unknown target '{}' (one of: {})", family_name, target_names()),
                       usage(kExplore));

  ExploreSpec spec;
  spec.bugs = *bugs;
  spec.driver_faults = faults;
  std::string driver_from_topology;
  std::optional<Scenario> trace;
  if (trace_file) {
    const std::optional<Loaded> loaded = load(*trace_file, "auto", *family);
    if (!loaded) return kExitUsage;
    trace = loaded->scenario;
    spec.topology = trace->topology;
    driver_from_topology = loaded->driver;
  }
  if (topology_of) {
    const std::optional<Loaded> loaded = load(*topology_of, "auto", *family);
    if (!loaded) return kExitUsage;
    spec.topology = loaded->scenario.topology;
    driver_from_topology = loaded->driver;
  }
  if (!topology_text && !trace_file && !topology_of && variants.size() == 1 && variants[0]->mutant)
    topology_text = std::string(variants[0]->topology);
  if (topology_text) {
    std::string line = "topology " + *topology_text + "\n";
    if (std::string d = take_driver(line); !d.empty()) driver_from_topology = d;
    TextError terr;
    const std::optional<Scenario> t = decode_text(line, &terr);
    if (!t) return usage_error(fmt::format("--topology: {}", terr.message), usage(kExplore));
    spec.topology = t->topology;
  }
  const std::string driver = driver_flag ? *driver_flag : driver_from_topology;
  const DriverModel* model =
      driver.empty() ? &driver_models()[spec.topology.driver] : driver_model(driver);
  if (!model)
    return usage_error(
        fmt::format("--driver: unknown driver model '{}' (known: {})", driver, driver_names()),
        usage(kExplore));
  spec.driver = driver.empty() ? std::string_view{} : model->name;
  // The alphabet: a variant searched for from scratch gets its family fully varied.
  if (!wide && !full && !trace_file && !clean_of && !variants.empty()) full = true;
  std::string alphabet_what;
  if (full) {
    spec.alphabet = full_alphabet(*family, spec.topology);
    alphabet_what = fmt::format("full ({})", full_alphabet_domains(spec.topology));
  } else {
    spec.alphabet = family_alphabet(*family, wide);
    alphabet_what = wide ? "wide (each kind with default fields, and each field varied alone: "
                           "u8 fields 0/1, lengths 0/64/1500, every enumeration value)"
                         : "each kind with default fields (cpu 0, queue 0, pick 0, ...)";
  }
  if (trace) {
    if (alphabet_only) {
      spec.alphabet.clear();
      alphabet_what = fmt::format("only the events of {}", *trace_file);
    } else {
      alphabet_what += fmt::format(", plus the events of {}", *trace_file);
    }
    add_events(spec.alphabet, trace->events);
  }
  if (const auto v = args->value("--at-most")) {
    std::string budget_error;
    const auto budgets = parse_budgets(*v, spec.alphabet, &budget_error);
    if (!budgets) return usage_error(fmt::format("--at-most: {}", budget_error), usage(kExplore));
    spec.budgets = *budgets;
    alphabet_what += fmt::format("; at most: {} on any path", format_budgets(spec.budgets));
  }
  std::set<Violation> wanted;
  if (goal) {
    spec.goal = [&](const World& world) { return world.violations().has(*goal); };
  } else if (same) {
    World w(trace->topology, *bugs, false, faults, spec.driver);
    run_scenario(w, *trace);
    wanted = kinds_of(w);
    if (wanted.empty()) {
      std::cerr << fmt::format("inflight explore: {} shows no finding with bugs {}\n", *trace_file,
                               bugs->to_string());
      return kExitUsage;
    }
    spec.goal = [&](const World& world) { return kinds_of(world) == wanted; };
  } else if (!variants.empty()) {
    // Parsed once here: the goal is judged on every state the search reaches.
    std::vector<FindingPattern> patterns;
    for (const BugInfo* b : variants) patterns.push_back(b->pattern());
    spec.goal = [patterns = std::move(patterns)](const World& world) {
      return std::any_of(patterns.begin(), patterns.end(),
                         [&](const FindingPattern& p) { return world.violations().has(p); });
    };
  } else {
    spec.goal = [](const World& world) { return !world.violations().empty(); };
  }
  if (check_minimal) depth = static_cast<int>(trace->events.size());
  spec.symmetry = symmetry;
  const std::string symmetry_what =
      !symmetry ? "none (--no-symmetry)"
      : symmetry_holds(spec.alphabet)
          ? "pages, DMA mappings and skb shared infos interchangeable (states that differ "
            "only in which slots hold which of them are one)"
          : "none (the alphabet's raw DMA map, unmap or sync can address past a page)";
  spec.max_depth = depth;
  spec.max_states = max_states;
  spec.max_seconds = seconds;
  spec.threads = threads;
  spec.progress = [](int d, uint64_t states, uint64_t transitions, double s) {
    std::cerr << fmt::format("[explore] depth {}: {} states, {} transitions, {:.1f} s, {:.0f} MiB\n",
                             d, states, transitions, s, rss_mib());
  };
  const std::string topology_line = format_topology(spec.topology, spec.driver);
  const std::string driver_what = fmt::format(
      "{} ({})", model->name, model->production ? "the topology's production model" : model->what);
  if (!json)
    std::cout << fmt::format("inflight explore: target {}, bugs {}, depth {}\n{}\n", family->name,
                             bugs->to_string(), depth, topology_line)
              << fmt::format("driver: {}\n", driver_what)
              << fmt::format("alphabet: {} events: {}\n", spec.alphabet.size(), alphabet_what)
              << fmt::format("symmetry: {}\n", symmetry_what);
  const ExploreResult r = explore(spec);

  // The verdict, said once: as text lines, or as one JSON object.
  std::string verdict, notes, text, findings_json;
  int rc = r.found ? kExitFinding : kExitClean;
  // Distinct states are told apart by 128-bit fingerprints (model/core/state_hash.h).
  const double n = static_cast<double>(r.states);
  const double collision_bound = n * n / 2 / 3.402823669209385e38;
  const std::string stopped_by = r.found                ? ""
                                 : r.stopped_by.empty() ? "depth"
                                                        : r.stopped_by;  // "exhausted": complete
  if (!r.found) {
    verdict = r.stopped_by == "exhausted" ? "complete" : "bounded";
    const bool fine_time =
        std::find(spec.alphabet.begin(), spec.alphabet.end(), Event{Tick{0}}) != spec.alphabet.end();
    if (r.stopped_by == "exhausted" && !fine_time)
      notes +=
          "note: the alphabet cannot advance time by 1 ms; states with pending work were "
          "merged by clock region all the same, so 'complete' is up to that abstraction\n";
    if (r.stopped_by == "exhausted") {
      notes += fmt::format(
          "complete: no violation in {} states ({} transitions, deepest {} "
          "events, {:.2f} seconds): every state of this configuration, "
          "driver and alphabet\n",
          r.states, r.transitions, r.depth_cleared, r.seconds);
    } else {
      const std::string why =
          r.stopped_by.empty() ? fmt::format("the depth bound (--depth {}); states are left beyond it", depth)
                               : fmt::format("the {} bound", r.stopped_by);
      notes += fmt::format(
          "no violation up to depth {}: {} states, {} transitions, {:.2f} "
          "seconds; not complete: stopped by {}\n",
          r.depth_cleared, r.states, r.transitions, r.seconds, why);
    }
    notes += fmt::format(
        "128-bit state fingerprints: the chance that two of the {} states were "
        "taken for one is at most {:.1e}\n",
        r.states, collision_bound);
    if (check_minimal) {
      notes += fmt::format("check-minimal: FAILED: {} was not reached within its own length\n",
                           *trace_file);
      rc = kExitFinding;
    }
  } else {
    verdict = "found";
    const Scenario found{spec.topology, r.shortest};
    text = encode_text(found, spec.driver);
    notes += fmt::format(
                 "shortest counterexample: {} events (every shorter scenario cleared): {} states, "
                 "{} transitions, {:.2f} seconds\n",
                 r.shortest.size(), r.states, r.transitions, r.seconds) +
             text;
    World w(found.topology, *bugs, false, faults, spec.driver);
    run_scenario(w, found);
    for (const Finding& f : w.violations().findings()) {
      notes += fmt::format("FINDING {}: {}\n", f.key.str(), f.key.title());
      findings_json +=
          fmt::format("{}{{\"key\": {}, \"title\": {}}}", findings_json.empty() ? "" : ", ",
                      json_string(f.key.str()), json_string(f.key.title()));
    }
    if (out) {
      std::ofstream f(*out);
      f << fmt::format("# inflight explore: shortest counterexample (bugs {})\n", bugs->to_string())
        << text;
      if (!f) {
        std::cerr << fmt::format("inflight explore: cannot write '{}'\n", *out);
        return kExitUsage;
      }
    }
    if (check_minimal) {
      const bool minimal = r.shortest.size() == trace->events.size();
      notes += fmt::format("check-minimal: {} has {} events, the explorer's shortest {}: {}\n",
                           *trace_file, trace->events.size(), r.shortest.size(),
                           minimal ? "minimal" : "NOT MINIMAL");
      rc = minimal ? kExitClean : kExitFinding;
    }
  }
  if (!json) {
    std::cout << notes;
    return rc;
  }
  std::cout << fmt::format(
      "{{\n  \"target\": \"{}\",\n  \"bugs\": {},\n  \"topology\": {},\n  \"driver\": {},\n"
      "  \"alphabet\": {{\"events\": {}, \"what\": {}}},\n  \"symmetry\": {},\n"
      "  \"max_depth\": {},\n"
      "  \"verdict\": \"{}\",\n  \"states\": {},\n  \"transitions\": {},\n  \"depth_cleared\": "
      "{},\n"
      "  \"seconds\": {:.3f},\n  \"stopped_by\": \"{}\",\n  \"collision_bound\": {:.3e},\n"
      "  \"shortest\": {{\"events\": {}, \"trace\": {}}},\n  \"findings\": [{}],\n"
      "  \"notes\": {},\n  \"exit\": {}\n}}\n",
      family->name, json_string(bugs->to_string()), json_string(topology_line),
      json_string(driver_what), spec.alphabet.size(), json_string(alphabet_what),
      json_string(symmetry_what), depth, verdict, r.states, r.transitions, r.depth_cleared,
      r.seconds, stopped_by, collision_bound, r.shortest.size(), json_string(text), findings_json,
      json_string(notes), rc);
  return rc;
}

}  // namespace inflight::cli
