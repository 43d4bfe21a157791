// cli/inflight.cc
//
// The `inflight` command: list what the harness knows, replay a finding step by step,
// convert between binary fuzzer inputs and editable `.trace` files.
// Exit codes: 0 clean, 1 a finding (replay) or a failed expectation, 2 bad input or usage.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_support.h"
#include "explore/boundary.h"
#include "model/core/bugs.h"
#include "model/core/codec.h"
#include "model/core/rules.h"
#include "model/drivers/driver.h"
#include "model/world.h"

namespace {

using namespace inflight;
using namespace inflight::cli;


// The search front ends, for `inflight list`.
struct Entry {
  std::string_view name;
  std::string_view what;
};
constexpr Entry kProperties[] = {
    {"DmaDebug.DisagreesWithGroundTruthOnlyAsDocumented",
     "dma-debug's false positives and negatives are the documented ones"},
    {"DmaDebug.PrintsNoMoreThanShowNumErrors", "every report goes through err_printk's budget"},
    {"Determinism.SameScenarioSameTrace", "a scenario runs to the same trace every time"},
    {"Codec.BinaryRoundTrip", "decode_binary(encode_binary(s)) == s"},
    {"Codec.TextRoundTrip", "decode_text(encode_text(s)) == s"},
    {"Codec.BytesDecodeToValidScenarios", "every byte string decodes; re-encoding is stable"},
    {"PagePool.ADriverThatKeepsItsContractLeavesNoFinding", "the fixed driver world is clean"},
    {"PagePool.InflightIsRightAcrossCounterWrapAround", "the same with counters near 2^32"},
    {"PagePool.EveryDoublePutIsCaught", "a driver fault never goes unnoticed"},
    {"TapRedirect.TheFixedModelLeavesNoFinding", "TAP writes into the bnxt NIC are clean"},
    {"TapRedirect.TheIommuWarnNeedsAFrameAboveTheBoundary",
     "with R9, no IOMMU WARN from a frame at or below the exhaustive boundary"},
    {"Netmap.SafetyHoldsInEveryVersion",
     "netmap TX: no buffer reused while referenced, no kring touched after unregister, mbufs freed once"},
    {"Netmap.TheCalloutOrTheQdiscKeepsTheRingMoving", "FreeBSD's callout or Linux's qdisc: no stall"},
    {"Netmap.TheLinuxPortWithoutItsQdiscStallsBehindAnSkbTheMemberKeeps",
     "the spec's open question, answered from scratch by the search"},
    {"Hunt.<variant>", "each bug variant is found from scratch by the generators"},
    {"Disagreement.Known<n>", "each documented dma-debug disagreement is found from scratch"},
    {"Canary.<driver>", "each canary driver model is caught from scratch"},
};

constexpr std::string_view kUsage = R"(usage: inflight <command> [options]

commands:
  list [bugs|rules|drivers|targets|properties]
                                   what the harness knows (default: all)
  replay FILE [options]            run a binary fuzzer input or a .trace, print the trace
  convert IN OUT                   binary <-> text; the direction follows OUT's extension
                                   (.trace: text, anything else: binary)
  coverage [options] INPUT...      model coverage of a corpus: transition counts, an SVG
  dict --target T                  a libFuzzer dictionary for a fuzz target
  explore [options]                bounded exhaustive search: the shortest counterexample,
                                   or no violation up to depth k
  boundary [--out DIR]             which TAP frame lengths can trigger R9 at the IOMMU,
                                   over every placement the model allows
  export --kunit OUT INPUT...      scenarios as KUnit tests of the real kernel: the
                                   model's predictions after every step (ci/kernel.sh)
  review NAME [TRACE...]           a driver model under every front end (fuzzer,
                                   properties, explorer): findings with minimal traces,
                                   or what a clean review covered
  new-driver NAME                  a driver model under review to edit: pp_rx with each
                                   stage a patch may change as an override
  help [command]                   this text, or a command's
  help events                      every event kind: what it models, its fields and values
  help topology                    every topology key: what it sets, its values, default

Bug variants restore historical kernel behaviour (model/core/bugs.def); rule mutants
(model/core/mutants.def) break one checked rule each, to prove its check can fail. Choose
either with --bugs a,b or INFLIGHT_BUGS=a,b; --bugs wins.
)";

constexpr Option kReplayOptions[] = {
    {"--bugs", "LIST", "bug variants to enable (comma-separated; default $INFLIGHT_BUGS)"},
    {"--format", "F",
     "auto (the default: a name ending in .trace, or a file of printable text,\n"
     "is text), text or binary"},
    {"--target", "T",
     "how a binary input decodes: the fuzz target that wrote it\n"
     "(inflight list targets) or all (every event kind; the default)"},
    {"--driver", "NAME",
     "run driver model NAME instead of the topology's (a driver under\n"
     "review or a canary; `inflight list drivers`); a trace's topology line\n"
     "may name it too (driver=NAME)"},
    {"--quiet", "", "print only the configuration line and the findings"},
    {"--json", "",
     "print one JSON object instead: the configuration, the trace (not with\n"
     "--quiet), and each finding's key, kind, site, detail, title, step, message"},
    {"--known", "FILE",
     "key patterns of known findings, one per line (# comments; as\n"
     "corpus/<target>/known_findings.txt): each finding is marked known or new"},
    {"--expect", "PATTERN",
     "exit 0 if a finding's key matches PATTERN, 1 if not. A key is\n"
     "kind@site (detail); a pattern may leave out the site or the detail\n"
     "and use '*' (\"use_after_free\", \"pp_freed_with_inflight@mem_id_disconnect\",\n"
     "\"netmap_tx_stall (Linux, no txqdisc)\", \"dma_unmap_wrong_size@bnxt_*\")"},
    {"--expect-bugs", "",
     "exit 0 if every enabled variant's finding (its key pattern, bugs.def)\n"
     "appears, 1 if not"},
    {"--expect-clean-of", "NAME",
     "exit 0 if variant NAME's finding does not appear (run with --bugs\n"
     "none: the fixed model on the variant's scenario), 1 if it does"},
    {"--driver-faults", "",
     "enable driver fault events (a driver breaking its own contract). Also\n"
     "on when a variant named in --bugs or --expect-clean-of needs them."},
};
constexpr Command kReplay{
    "replay", "FILE",
    "Runs the scenario in FILE (a binary fuzzer input or a .trace text file) and prints one\n"
    "line per step: time, CPU, context, the event and what it did, dma-debug's and the\n"
    "IOMMU's messages in the kernel's words, then the findings.\n\n",
    kReplayOptions,
    "exit: 0 clean, 1 finding (or --expect not met), 2 bad input or usage. A failed model\n"
    "assertion (a defect of inflight, not a finding) prints the trace up to the event that\n"
    "failed it (not with --json) and aborts.\n"};

constexpr Option kConvertOptions[] = {
    {"--format", "F", "how IN is read: auto (as for replay), text or binary"},
    {"--target", "T",
     "the event family of binary inputs and outputs (inflight list targets;\n"
     "default all)"},
};
constexpr Command kConvert{
    "convert", "IN OUT",
    "Reads IN (binary or .trace, detected as for replay) and writes OUT: a .trace file gets the\n"
    "text form, any other name the binary form. The conversion is exact both ways.\n\n",
    kConvertOptions, "exit: 0 done, 2 bad input or usage\n"};

constexpr std::string_view kListUsage =
    R"(usage: inflight list [bugs|rules|drivers|targets|properties]
       inflight list rules [--json|--markdown]
                                 the rule table: every rule checked, where, its finding
                                 kinds, its status and the variant or mutant proving it
       inflight list bug NAME    one variant or mutant as name, violation, finding pattern,
                                 driver-faults|-, fuzz target, explorer topology,
                                 tab-separated (for scripts)
       inflight list --json      everything as one JSON object: bugs (variants and mutants
                                 with their finding patterns), drivers, targets, rules
)";

int list_rules(std::string_view format) {
  const auto proof_kind = [](const RuleInfo& r) -> std::string_view {
    const std::optional<Bug> bug = bug_from_name(r.proof);
    if (!bug) return "";
    return bug_info(*bug).mutant ? "mutant" : "variant";
  };
  if (format == "--json") {
    std::cout << "[\n";
    for (size_t i = 0; i < all_rules().size(); i++) {
      const RuleInfo& r = all_rules()[i];
      std::cout << fmt::format(
          "  {{\"id\": {}, \"statement\": {}, \"where\": {}, \"violations\": {}, \"status\": {}, "
          "\"note\": {}, \"proof\": {}, \"proof_kind\": {}}}{}\n",
          json_string(r.id), json_string(r.statement), json_string(r.where),
          json_string(r.violations), json_string(rule_status_name(r.status)), json_string(r.note),
          json_string(r.proof), json_string(proof_kind(r)), i + 1 < all_rules().size() ? "," : "");
    }
    std::cout << "]\n";
    return kExitClean;
  }
  if (format == "--markdown") {
    std::cout << "# The rules inflight checks\n\n"
                 "Generated by `inflight list rules --markdown` from `model/core/rules.def`; a "
                 "test keeps it equal.\n\n"
                 "Each rule is checked where the table says, reports the finding kinds it names, "
                 "and is proven by a bug variant (`model/core/bugs.def`) or a rule mutant "
                 "(`model/core/mutants.def`) that breaks exactly that rule: CTest requires "
                 "libFuzzer, the RapidCheck generators and the explorer to find it from scratch "
                 "(`bug.<name>.hunt.*` and `bug.<name>.explore`, `mutant.<name>.*`). Status: "
                 "*checked*; *simplified* "
                 "(checked, coarser than the kernel, the note says how and why); *structural* "
                 "(the model cannot express a breach, the note says why); *not modelled*.\n\n"
                 "| rule | statement | checked in | findings | status | proof |\n"
                 "|---|---|---|---|---|---|\n";
    for (const RuleInfo& r : all_rules()) {
      std::string status(rule_status_name(r.status));
      if (!r.note.empty()) status += ": " + std::string(r.note);
      std::cout << fmt::format("| {} | {} | {} | {} | {} | {} |\n", r.id, r.statement, r.where,
                               r.violations, status,
                               r.proof.empty() ? "-"
                                               : fmt::format("`{}` ({})", r.proof, proof_kind(r)));
    }
    return kExitClean;
  }
  std::cout << "rules (model/core/rules.def; proof: the variant or mutant every search must "
               "find):\n";
  for (const RuleInfo& r : all_rules()) {
    std::cout << fmt::format("  {:<16} {:<12} {}\n", r.id, rule_status_name(r.status), r.statement);
    std::cout << fmt::format("  {:<16} {:<12} findings: {}; checked in {}\n", "", "", r.violations,
                             r.where);
    if (!r.note.empty()) std::cout << fmt::format("  {:<16} {:<12} note: {}\n", "", "", r.note);
    if (!r.proof.empty())
      std::cout << fmt::format("  {:<16} {:<12} proof: {} ({})\n", "", "", r.proof, proof_kind(r));
  }
  return kExitClean;
}


std::optional<BugSet> bugs_from(std::optional<std::string> flag) {
  std::string list;
  if (flag) list = *flag;
  else if (const char* env = std::getenv("INFLIGHT_BUGS")) list = env;
  std::string error;
  std::optional<BugSet> bugs = BugSet::parse(list, &error);
  if (!bugs) std::cerr << "inflight: " << error << "\n";
  return bugs;
}

int list_json() {
  std::string out = "{\n  \"bugs\": [";
  for (size_t i = 0; i < all_bugs().size(); i++) {
    const BugInfo& b = all_bugs()[i];
    out += fmt::format(
        "{}\n    {{\"name\": \"{}\", \"mutant\": {}, \"r\": {}, \"subsystem\": {}, \"fix\": {}, "
        "\"violation\": \"{}\", \"pattern\": {}, \"driver_faults\": {}, \"target\": \"{}\", "
        "\"topology\": {}}}",
        i ? "," : "", b.name, b.mutant, b.r_number, json_string(b.subsystem), json_string(b.fix),
        violation_name(b.violation), json_string(b.pattern().str()), b.faults, hunt_target(b),
        json_string(b.topology));
  }
  out += "\n  ],\n  \"drivers\": [";
  for (size_t i = 0; i < driver_models().size(); i++) {
    const DriverModel& d = driver_models()[i];
    out += fmt::format(
        "{}\n    {{\"name\": \"{}\", \"production\": {}, \"expect\": {}, \"what\": {}}}",
        i ? "," : "", d.name, d.production, json_string(d.expect), json_string(d.what));
  }
  out += "\n  ],\n  \"targets\": [";
  bool first = true;
  for (const TargetFamily& t : target_families()) {
    if (t.name == "all") continue;
    out += fmt::format("{}\n    {{\"name\": \"{}\", \"what\": {}, \"event_kinds\": {}}}", first ? "" : ",",
                       t.name, json_string(t.what), t.kinds.size());
    first = false;
  }
  out += "\n  ],\n  \"violations\": [";
  for (size_t k = 0; k < kViolationKinds; k++) {
    const auto v = static_cast<Violation>(k);
    out += fmt::format("{}\n    {{\"kind\": \"{}\", \"group\": \"{}\", \"summary\": {}}}", k ? "," : "",
                       violation_name(v), violation_group(v) == ViolationGroup::truth ? "truth" : "dma_debug",
                       json_string(violation_summary(v)));
  }
  std::cout << out << "\n  ]\n}\n";
  return kExitClean;
}

int cmd_list(const std::vector<std::string>& args) {
  if (args.size() == 2 && args[0] == "bug") {
    const std::optional<Bug> bug = bug_from_name(args[1]);
    if (!bug) {
      std::string error;
      BugSet::parse(args[1], &error);
      std::cerr << "inflight: " << error << "\n";
      return kExitUsage;
    }
    const BugInfo& b = bug_info(*bug);
    std::cout << b.name << '\t' << violation_name(b.violation) << '\t' << b.pattern().str() << '\t'
              << (b.faults ? "driver-faults" : "-") << '\t' << hunt_target(b) << '\t' << b.topology
              << '\n';
    return kExitClean;
  }
  if (!args.empty() && args[0] == "rules") {
    const std::string format = args.size() > 1 ? args[1] : "";
    if (args.size() > 2 || (!format.empty() && format != "--json" && format != "--markdown"))
      return usage_error("list rules takes --json or --markdown", kListUsage);
    return list_rules(format);
  }
  if (args.size() == 1 && args[0] == "--json") return list_json();
  const std::string what = args.empty() ? "all" : args[0];
  if (args.size() > 1 || (what != "all" && what != "bugs" && what != "targets" && what != "properties" &&
                           what != "drivers"))
    return usage_error("list takes one of bugs, rules, drivers, targets, properties", kListUsage);
  if (what == "all" || what == "bugs") {
    std::cout << "bug variants (enable with --bugs NAME or INFLIGHT_BUGS=NAME; rule mutants: "
                 "list rules):\n";
    for (const BugInfo& b : all_bugs())
      if (!b.mutant)
        std::cout << fmt::format("  {:<48} R{:<2} {:<10} finding: {}\n  {:<48}      Fixes: {}\n",
                                 b.name, b.r_number, b.subsystem, violation_name(b.violation), "",
                                 b.fix);
  }
  if (what == "all") list_rules("");
  if (what == "all" || what == "drivers") {
    std::cout << "driver models (model/drivers/; topology driver=NAME):\n";
    for (const DriverModel& d : driver_models())
      std::cout << fmt::format(
          "  {:<48} {}{}\n", d.name, d.what,
          d.production ? ""
          : d.canary() ? fmt::format(" (canary, must produce {}: --driver NAME)", d.expect)
                       : " (under review: inflight review NAME, --driver NAME)");
  }
  if (what == "all" || what == "targets") {
    std::cout << "fuzz targets (fuzzers/<name>_fuzzer.cc):\n";
    for (const TargetFamily& t : target_families())
      if (t.name != "all") std::cout << fmt::format("  {:<48} {}\n", t.name, t.what);
  }
  if (what == "all" || what == "properties") {
    std::cout << "properties (properties/*_props.cc):\n";
    for (const Entry& p : kProperties) std::cout << fmt::format("  {:<48} {}\n", p.name, p.what);
  }
  return kExitClean;
}

int cmd_replay(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kReplay);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  std::string format;
  const TargetFamily* family = nullptr;
  if (!parse_format(kReplay, *args, format, family)) return kExitUsage;
  if (args->operands.size() != 1)
    return usage_error(args->operands.empty() ? "replay needs a file" : "replay takes one file",
                       usage(kReplay));
  const std::optional<std::string> file = args->operands[0];
  const std::optional<std::string> bugs_flag = args->value("--bugs");
  const std::optional<std::string> clean_of = args->value("--expect-clean-of");
  std::optional<std::string> driver = args->value("--driver");
  const bool quiet = args->has("--quiet"), json = args->has("--json"),
             expect_bugs = args->has("--expect-bugs");
  bool driver_faults = args->has("--driver-faults");
  std::string error;
  std::optional<FindingPattern> expect;
  if (const auto p = args->value("--expect"); p && !(expect = FindingPattern::parse(*p, &error)))
    return usage_error(fmt::format("--expect: {}", error), usage(kReplay));
  std::vector<FindingPattern> known;
  if (const auto path = args->value("--known")) {
    const std::optional<std::string> text = read_file(*path);
    if (!text) return kExitUsage;
    auto patterns = parse_patterns(*text, &error);
    if (!patterns)
      return usage_error(fmt::format("{}: {}", printable(*path), error), usage(kReplay));
    known = std::move(*patterns);
  }
  if (driver && !driver_model(*driver))
    return usage_error(fmt::format("--driver takes a driver model: {}", driver_names()),
                       usage(kReplay));
  if (clean_of && !bug_from_name(*clean_of))
    return usage_error(fmt::format("unknown bug variant '{}'", printable(*clean_of)),
                       usage(kReplay));
  const std::optional<BugSet> bugs = bugs_from(bugs_flag);
  if (!bugs) return kExitUsage;
  const std::optional<Loaded> loaded = load(*file, format, *family);
  if (!loaded) return kExitUsage;
  if (!driver && !loaded->driver.empty()) driver = loaded->driver;  // the trace names it
  for (const BugInfo& b : all_bugs())
    if (b.faults && (bugs->has(b.bug) || (clean_of && *clean_of == b.name))) driver_faults = true;

  World world(loaded->scenario.topology, *bugs, /*record_trace=*/!quiet, driver_faults,
              driver.value_or(""));
  const std::string topology = format_topology(loaded->scenario.topology, driver.value_or(""));
  if (!json) {
    std::cout << fmt::format(
        "inflight replay: file={} format={} ({}) bugs={} driver-faults={} events={} {}\n", *file,
        loaded->text ? "text" : "binary", loaded->why, bugs->to_string(),
        driver_faults ? "on" : "off", loaded->scenario.events.size(), topology);
    // A model assertion (a defect of the harness, not a finding) aborts the run: the trace
    // up to the event that failed it is printed first.
    static const World* running = nullptr;
    running = &world;
    ::inflight::detail::model_assert_last_words = [] {
      for (const std::string& line : running->trace()) std::cout << line << "\n";
      std::cout << "replay stopped by a model assertion (a defect of inflight itself)" << std::endl;
    };
  }
  run_scenario(world, loaded->scenario);
  ::inflight::detail::model_assert_last_words = nullptr;
  const ViolationLog& log = world.violations();

  // The expectations, each a line "expect <what>: <verdict>" and a pass or fail.
  struct Check {
    std::string what;
    std::string verdict;
    bool met;
  };
  std::vector<Check> checks;
  if (expect_bugs) {
    for (const BugInfo& b : all_bugs())
      if (bugs->has(b.bug)) {
        const bool met = log.has(b.pattern());
        checks.push_back(
            {fmt::format("{} ({})", b.name, b.pattern().str()), met ? "found" : "NOT found", met});
      }
  } else if (clean_of) {
    const BugInfo& b = bug_info(*bug_from_name(*clean_of));
    const bool seen = log.has(b.pattern());
    checks.push_back({fmt::format("no finding of {} ({})", b.name, b.pattern().str()),
                      seen ? "FOUND" : "absent", !seen});
  } else if (expect) {
    const bool met = log.has(*expect);
    checks.push_back({expect->str(), met ? "found" : "NOT found", met});
  }
  int rc = log.empty() ? kExitClean : kExitFinding;
  if (!checks.empty())
    rc = std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.met; })
             ? kExitClean
             : kExitFinding;
  const auto is_known = [&](const Finding& f) {
    return std::any_of(known.begin(), known.end(),
                       [&](const FindingPattern& k) { return k.matches(f.key); });
  };
  if (json) {
    std::string out = fmt::format(
        "{{\n  \"file\": {},\n  \"format\": \"{}\",\n  \"format_why\": {},\n  \"bugs\": {},\n  "
        "\"driver_faults\": {},\n"
        "  \"topology\": {},\n  \"events\": {},\n  \"skipped\": {},\n"
        "  \"dma_debug\": {{\"error_count\": {}, \"printed\": {}}},\n  \"trace\": [",
        json_string(*file), loaded->text ? "text" : "binary", json_string(loaded->why),
        json_string(bugs->to_string()), driver_faults, json_string(topology),
        loaded->scenario.events.size(), world.skipped(), world.dma().dma_debug().error_count(),
        world.dma().dma_debug().printed());
    for (size_t i = 0; i < world.trace().size(); i++)
      out += fmt::format("{}\n    {}", i ? "," : "", json_string(world.trace()[i]));
    out += fmt::format("{}],\n  \"findings_total\": {},\n  \"findings\": [",
                       world.trace().empty() ? "" : "\n  ", log.total());
    for (size_t i = 0; i < log.findings().size(); i++) {
      const Finding& f = log.findings()[i];
      out += fmt::format(
          "{}\n    {{\"key\": {}, \"kind\": \"{}\", \"site\": {}, \"detail\": {}, \"title\": {}, "
          "\"step\": {}, \"known\": {}, \"message\": {}}}",
          i ? "," : "", json_string(f.key.str()), violation_name(f.kind()), json_string(f.key.site),
          json_string(f.key.detail), json_string(f.key.title()), f.step, is_known(f),
          json_string(f.message));
    }
    out += fmt::format("{}],\n  \"expectations\": [", log.findings().empty() ? "" : "\n  ");
    for (size_t i = 0; i < checks.size(); i++)
      out += fmt::format("{}{{\"expect\": {}, \"verdict\": \"{}\", \"met\": {}}}", i ? ", " : "",
                         json_string(checks[i].what), checks[i].verdict, checks[i].met);
    out += fmt::format("],\n  \"exit\": {}\n}}\n", rc);
    std::cout << out;
    return rc;
  }
  for (const std::string& line : world.trace()) std::cout << line << "\n";
  std::cout << fmt::format("findings: {} ({} skipped events; dma-debug error_count={} printed={})\n",
                           log.total(), world.skipped(), world.dma().dma_debug().error_count(),
                           world.dma().dma_debug().printed());
  for (const Finding& f : log.findings())
    std::cout << fmt::format("FINDING {} at step {}{}: {}\n    {}\n", f.key.str(), f.step,
                             is_known(f) ? " (known)" : "", f.key.title(), f.message);
  if (log.total() > log.findings().size())
    std::cout << fmt::format("({} more findings not kept)\n", log.total() - log.findings().size());
  for (const Check& c : checks) std::cout << fmt::format("expect {}: {}\n", c.what, c.verdict);
  return rc;
}

int cmd_convert(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kConvert);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  std::string format;
  const TargetFamily* family = nullptr;
  if (!parse_format(kConvert, *args, format, family)) return kExitUsage;
  const std::vector<std::string>& files = args->operands;
  if (files.size() != 2) return usage_error("convert takes IN and OUT", usage(kConvert));
  const std::optional<Loaded> loaded = load(files[0], format, *family);
  if (!loaded) return kExitUsage;
  std::string out;
  if (ends_with(files[1], ".trace")) {
    out = encode_text(loaded->scenario, loaded->driver);
  } else {
    for (const Event& e : loaded->scenario.events) {
      bool in_family = false;
      for (const uint8_t k : family->kinds) in_family = in_family || k == e.index();
      if (!in_family) {
        std::cerr << fmt::format("inflight: event '{}' is not in target {}'s family; use --target all\n",
                                 event_name(e), family->name);
        return kExitUsage;
      }
    }
    const std::vector<uint8_t> bytes = encode_binary(loaded->scenario, *family);
    out.assign(bytes.begin(), bytes.end());
  }
  std::ofstream file(files[1], std::ios::binary | std::ios::trunc);
  if (!file || !file.write(out.data(), static_cast<std::streamsize>(out.size()))) {
    std::cerr << "inflight: cannot write '" << files[1] << "': " << std::strerror(errno) << "\n";
    return kExitUsage;
  }
  std::cout << fmt::format("inflight convert: {} ({}) -> {} ({}), {} events\n", files[0],
                           loaded->text ? "text" : "binary", files[1],
                           ends_with(files[1], ".trace") ? "text" : "binary",
                           loaded->scenario.events.size());
  return kExitClean;
}

constexpr Option kBoundaryOptions[] = {
    {"--out", "DIR", "write each witness as DIR/bnxt_boundary_<symptom>.trace"},
};
constexpr Command kBoundary{
    "boundary", "",
    "Searches every placement tun_build_skb can give a TAP frame (every task_frag offset any\n"
    "sequence of writes reaches, breadth-first, so complete) for the frame lengths that show\n"
    "bnxt_xdp_redirect_unmap_len_zero (R9) at the IOMMU, and replays each witness in the model:\n"
    "  warn   the seed's WARN_ON(unmapped != size) in __iommu_dma_unmap (large PTEs)\n"
    "  leak   any IOVA page or page-table entry left behind (either PTE mode)\n"
    "For each: the smallest failing length over all write sequences, over streams of a single\n"
    "length, and the shortest write sequence that reaches it. With --out DIR each witness is\n"
    "written as DIR/bnxt_boundary_<symptom>.trace for `inflight replay`.\n"
    "\n",
    kBoundaryOptions,
    "exit: 0 every witness confirmed (finding with R9, none without), 1 not, 2 usage\n"};

int cmd_boundary(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kBoundary);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  const std::optional<std::string> out_dir = args->value("--out");
  const BoundarySearch search = search_bnxt_boundary();
  std::cout << fmt::format(
      "inflight boundary: R9 bnxt_xdp_redirect_unmap_len_zero over every tun_build_skb placement\n"
      "search: {} task_frag offsets reached, {} writes expanded (lengths {}..{}, nonblocking; "
      "failing frames up to the MTU frame {})\n",
      search.states, search.transitions, TunLayout::kMinLen, TunLayout::kMaxBuildLen,
      XdpRedirectTarget::kMaxFrameLen);
  bool all_confirmed = true;
  for (const BoundaryResult& r : search.results) {
    std::string lengths;
    for (const uint16_t len : r.witness) lengths += fmt::format(" {}", len);
    std::cout << fmt::format("symptom {}: {}\n", symptom_name(r.symptom),
                             r.symptom == BoundarySymptom::warn
                                 ? "WARN_ON(unmapped != size) in __iommu_dma_unmap (large PTEs)"
                                 : "IOVA page or PTE left behind (any PTE mode)");
    if (r.smallest_any == 0) {
      std::cout << "  no frame length fails\n";
      continue;
    }
    std::cout << fmt::format("  any write sequence: smallest failing length {} (no length <= {} "
                             "fails); shortest sequence before it: {} writes [{} ]\n",
                             r.smallest_any, r.smallest_any - 1, r.witness.size(), lengths);
    if (r.smallest_uniform != 0)
      std::cout << fmt::format("  one length only:    smallest failing length {} (no length <= {} "
                               "fails), at frame {} of the stream\n",
                               r.smallest_uniform, r.smallest_uniform - 1, r.uniform_frame + 1);
    std::cout << fmt::format("  witness in the model: {} -> {}\n", r.confirmation,
                             r.confirmed ? "confirmed" : "NOT CONFIRMED");
    all_confirmed = all_confirmed && r.confirmed;
    if (out_dir) {
      const std::string path = fmt::format("{}/bnxt_boundary_{}.trace", *out_dir, symptom_name(r.symptom));
      std::ofstream f(path);
      f << fmt::format("# inflight boundary witness ({}): the smallest failing frame, {} bytes, after\n"
                       "# the shortest write sequence that places it; replay with\n"
                       "#   inflight replay {} --bugs bnxt_xdp_redirect_unmap_len_zero\n",
                       symptom_name(r.symptom), r.smallest_any, path)
        << encode_text(r.scenario);
      if (!f) {
        std::cerr << fmt::format("inflight boundary: cannot write {}: {}\n", path, std::strerror(errno));
        return kExitUsage;
      }
      std::cout << fmt::format("  witness written to {}\n", path);
    }
  }
  return all_confirmed ? kExitClean : kExitFinding;
}

// What a field of that name means wherever it appears (the event vocabulary's names are
// shared: `cpu` is always a CPU, `pick` always the Nth of what is live).
constexpr std::pair<std::string_view, std::string_view> kFieldMeaning[] = {
    {"cpu", "the CPU it runs on, modulo the topology's cpus"},
    {"dev", "the device, modulo the topology's devices"},
    {"queue", "the driver's RX queue, modulo the topology's queues"},
    {"pick", "which one of those live or runnable, in order, modulo how many there are"},
    {"buf", "which of the raw DMA client's live buffers, modulo how many"},
    {"map", "which recorded DMA mapping, modulo how many"},
    {"skb", "which skb the stack holds, modulo how many"},
    {"to", "which skb the stack holds, modulo how many"},
    {"from", "which skb the stack holds, modulo how many"},
    {"slot", "the slot (cpumap entry, netmap ring slot), modulo the slots there are"},
    {"writer", "the TAP writer task, modulo the writers"},
    {"offset", "bytes into the buffer"},
    {"len", "bytes"},
    {"size", "bytes"},
    {"fill", "slots userspace fills, at most the room in the ring"},
};

int help_events() {
  std::cout << "Events (a .trace line is the name, then field=value; a field left out is 0;\n"
               "numbers are decimal or 0x hex, enumerations a name or its index):\n";
  for (size_t k = 0; k < kEventKinds; k++) {
    const Event e = make_event_of_kind(k);
    std::cout << fmt::format("\n{}\n  {}\n", event_name(e), event_what(e));
    for (size_t i = 0; i < event_field_count(e); i++) {
      const FieldInfo f = event_field(e, i);
      std::string values;
      if (f.type == FieldType::enumeration) {
        Event probe = e;
        for (uint32_t v = 0; v < f.values; v++) {
          set_event_field(probe, i, v);
          const std::string line = format_event(probe);
          const size_t at = line.find(" " + std::string(f.name) + "=");
          const size_t from = at + f.name.size() + 2;
          values += (v ? ", " : "") + line.substr(from, line.find(' ', from) - from);
        }
      } else {
        values = fmt::format("0..{}", f.values - 1);
      }
      std::string_view meaning;
      for (const auto& [name, what] : kFieldMeaning)
        if (name == f.name) meaning = what;
      std::cout << fmt::format("  {:<8} {}{}{}\n", f.name, values, meaning.empty() ? "" : ": ",
                               meaning);
    }
  }
  return kExitClean;
}

int help_topology() {
  std::cout << "Topology (the first line of a .trace, or --topology \"key=value ...\"; a key\n"
               "left out takes its default):\n\n";
  const std::string defaults = format_topology(Topology{});
  for (const TopologyKey& k : topology_keys()) {
    const size_t at = defaults.find(" " + std::string(k.key) + "=");
    const size_t from = at + k.key.size() + 2;
    const std::string def = defaults.substr(from, defaults.find(' ', from) - from);
    std::cout << fmt::format("  {:<13} {} (default {})\n  {:<13} {}\n", k.key, topology_values(k),
                             def, "", k.help);
  }
  return kExitClean;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("no command", kUsage);
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "--help" || command == "-h" || command == "help") {
    if (!args.empty() && args[0] == "replay")
      std::cout << usage(kReplay);
    else if (!args.empty() && args[0] == "convert")
      std::cout << usage(kConvert);
    else if (!args.empty() && args[0] == "list") std::cout << kListUsage;
    else if (!args.empty() && args[0] == "boundary")
      std::cout << usage(kBoundary);
    else if (!args.empty() && args[0] == "coverage") return cmd_coverage({"--help"});
    else if (!args.empty() && args[0] == "dict") return cmd_dict({"--help"});
    else if (!args.empty() && args[0] == "explore") return cmd_explore({"--help"});
    else if (!args.empty() && args[0] == "export")
      return cmd_export({"--help"});
    else if (!args.empty() && args[0] == "review")
      return cmd_review({"--help"});
    else if (!args.empty() && args[0] == "new-driver")
      return cmd_new_driver({"--help"});
    else if (!args.empty() && args[0] == "events")
      return help_events();
    else if (!args.empty() && args[0] == "topology")
      return help_topology();
    else if (!args.empty()) return usage_error(fmt::format("help: unknown command '{}'", args[0]), kUsage);
    else std::cout << kUsage;
    return kExitClean;
  }
  if (command == "list") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::cout << kListUsage;
      return kExitClean;
    }
    return cmd_list(args);
  }
  if (command == "replay") return cmd_replay(args);
  if (command == "convert") return cmd_convert(args);
  if (command == "boundary") return cmd_boundary(args);
  if (command == "coverage") return cmd_coverage(args);
  if (command == "dict") return cmd_dict(args);
  if (command == "explore") return cmd_explore(args);
  if (command == "export") return cmd_export(args);
  if (command == "review") return cmd_review(args);
  if (command == "new-driver") return cmd_new_driver(args);
  return usage_error(fmt::format("unknown command '{}'", command), kUsage);
}
