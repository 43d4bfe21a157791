// cli/review.cc
//
// `inflight review NAME`: one driver model under every front end, one report. libFuzzer's
// page_pool target runs as a child process on one core for the whole budget while, on the
// other, RapidCheck's driver-world generators and then the explorer run here; traces given
// are replayed first. Every finding comes with a minimal trace (RapidCheck's shrink, the
// explorer's shortest, the fuzzer's crash reduced one event at a time) and the kernel log
// of its replay. A clean report says exactly what was covered: cases and executions, the
// explorer's depth or "complete", and each driver entry point and page_pool transition
// taken or never taken. A canary declares the finding it must produce (DriverModel::expect)
// and the report says which front ends caught it; a driver under review declares nothing.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "cli/cli_support.h"
#include "explore/explorer.h"
#include "model/drivers/driver.h"
#include "properties/search.h"

namespace inflight::cli {
namespace {

namespace fs = std::filesystem;

constexpr Option kReviewOptions[] = {
    {"--budget", "S",
     "wall seconds, 1..86400 (default 60): the fuzzer runs all of it on one\n"
     "core; on the other, the properties take 40% and the explorer 60%"},
    {"--out", "DIR",
     "where the report goes (default out/review/NAME): review.md, review.json,\n"
     "the fuzzer's corpus and log, each finding's .trace"},
    {"--fuzzer", "PATH",
     "the page_pool_fuzzer binary (default: the one built beside this\n"
     "inflight, ../fuzzers/page_pool_fuzzer; a GCC build has none)"},
    {"--no-fuzzer", "", "review without libFuzzer; the report says the fuzzer did not run"},
    {"--seed", "N", "the seed of RapidCheck and libFuzzer, 1..4294967295 (default 1)"},
};
constexpr Command kReview{
    "review", "NAME [TRACE...]",
    "Reviews driver model NAME (inflight list drivers: a driver under review, a canary or a\n"
    "production model) with every front end: the libFuzzer page_pool target from its seeds,\n"
    "the RapidCheck driver-world generators, the explorer over the page_pool family's wide\n"
    "alphabet, and a replay of each TRACE given (.trace files or page_pool fuzzer inputs).\n"
    "Each front end stops at its first finding (a canary's: the finding it declares).\n"
    "Writes DIR/review.md and DIR/review.json: every finding with its minimal trace (a .trace\n"
    "naming the driver) and the kernel log of its replay; for a clean result, what was\n"
    "covered: executions and cases, the explorer's depth or \"complete\", and each driver\n"
    "entry point (open, poll per XDP verdict, TX clean, reconfigure, stop, unbind) and\n"
    "page_pool transition, taken or never taken.\n\n",
    kReviewOptions,
    "A canary must produce the finding it declares: the report says which front ends caught it.\n"
    "exit: 0 no finding, 1 a finding (for a canary: caught), 2 bad input or usage\n"};

// ---- coverage of the driver ----

// The driver's entry points, as the events that call them (napi_poll per XDP verdict).
struct Entry {
  std::string name;
  uint64_t applied = 0, skipped = 0;
};
std::vector<Entry> entry_points(const ModelCoverage& c) {
  const auto kind = [&c]<class E>(E) {
    const size_t k = Event(E{}).index();
    return Entry{std::string(E::kName), c.applied[k], c.skipped[k]};
  };
  std::vector<Entry> out{kind(DriverOpen{})};
  for (size_t a = 0; a < names::kRxAction.size(); a++)
    out.push_back(Entry{fmt::format("napi_poll action={}", names::kRxAction[a]), c.poll_applied[a],
                        c.poll_skipped[a]});
  for (const Entry& e :
       {kind(DriverTxClean{}), kind(DriverReconfigure{}), kind(DriverStop{}), kind(DeviceUnbind{})})
    out.push_back(e);
  return out;
}

// The page_pool, pool and XDP transitions: the ones a driver's use of page_pool reaches.
bool driver_lifecycle(const CoverageInfo& c) {
  return c.lifecycle == "page_pool" || c.lifecycle == "pool" || c.lifecycle == "xdp" ||
         c.lifecycle == "page";
}

// ---- findings ----

struct Found {
  std::string front;  // "replay FILE", "properties", "explorer", "fuzzer"
  std::string how;    // how it was reached and reduced
  Scenario minimal;
  std::vector<std::string> keys;  // finding keys of the minimal trace's replay
  std::vector<std::string> log;   // its kernel log
  std::string trace_file;         // DIR/<front>.trace
  bool expected = false;          // a canary's declared finding is among them
};

struct Review {
  const DriverModel* model;
  std::optional<FindingPattern> expect;
  fs::path out;
  std::vector<Found> found;
  std::vector<std::string> covered;  // one line per front end that ran
  std::vector<std::string> not_run;  // front ends that did not run, and why
  ModelCoverage coverage;
};

// Replays `s` with the driver and records it as a finding of `front`.
void record(Review& r, std::string front, std::string how, const Scenario& s) {
  World world(s.topology, BugSet{}, true, false, r.model->name);
  run_scenario(world, s);
  Found f{std::move(front), std::move(how), s, {}, world.trace(), {}, false};
  for (const Finding& x : world.violations().findings()) {
    f.keys.push_back(x.key.str());
    f.expected = f.expected || (r.expect && r.expect->matches(x.key));
  }
  std::string file = f.front;
  std::replace_if(
      file.begin(), file.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
      '_');
  f.trace_file = (r.out / (file + ".trace")).string();
  std::ofstream(f.trace_file) << encode_text(s, r.model->name);
  r.found.push_back(std::move(f));
}

// The scenario with events removed one at a time while its finding kinds stay the same
// (1-minimal: no single event can go).
Scenario reduce(Scenario s, std::string_view driver) {
  const auto kinds = [&](const Scenario& x) {
    World w(x.topology, BugSet{}, false, false, driver);
    run_scenario(w, x);
    return kinds_of(w);
  };
  const std::set<Violation> wanted = kinds(s);
  for (bool shorter = true; shorter;) {
    shorter = false;
    for (size_t i = 0; i < s.events.size();) {
      Scenario t = s;
      t.events.erase(t.events.begin() + static_cast<std::ptrdiff_t>(i));
      if (kinds(t) == wanted) {
        s = std::move(t);
        shorter = true;
      } else {
        i++;
      }
    }
  }
  return s;
}

double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// ---- the fuzzer, a child process ----

pid_t fuzzer_pid = 0;
extern "C" void stop_fuzzer(int sig) {
  if (fuzzer_pid > 0) kill(-fuzzer_pid, SIGTERM);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Starts the fuzzer in its own process group, its output into DIR/fuzz/fuzzer.log.
pid_t start_fuzzer(const std::string& binary, const Review& r, uint32_t seconds, uint64_t seed) {
  const fs::path dir = r.out / "fuzz";
  fs::remove_all(dir);
  fs::create_directories(dir / "corpus");
  fs::create_directories(dir / "seeds");
  // Seeds: the page_pool target's checked-in binary inputs, never a text file.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(INFLIGHT_SOURCE_DIR "/corpus/page_pool", ec))
    if (e.path().extension() == ".bin")
      fs::copy_file(e.path(), dir / "seeds" / e.path().filename(), ec);
  std::vector<std::string> args = {binary,
                                   fmt::format("-max_total_time={}", seconds),
                                   fmt::format("-seed={}", seed),
                                   "-print_final_stats=1",
                                   "-timeout=30",
                                   fmt::format("-artifact_prefix={}/", dir.string()),
                                   (dir / "corpus").string(),
                                   (dir / "seeds").string()};
  const std::string log = (dir / "fuzzer.log").string();
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    setenv("INFLIGHT_DRIVER", std::string(r.model->name).c_str(), 1);
    unsetenv("INFLIGHT_BUGS");
    // A canary's fuzzer hunts its declared finding (hunt mode); anything else stops it at
    // its first finding.
    if (r.expect)
      setenv("INFLIGHT_EXPECT", std::string(r.model->expect).c_str(), 1);
    else
      unsetenv("INFLIGHT_EXPECT");
    unsetenv("INFLIGHT_DRIVER_FAULTS");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    std::fprintf(stderr, "inflight review: cannot run %s: %s\n", binary.c_str(),
                 std::strerror(errno));
    _exit(127);
  }
  if (pid > 0) setpgid(pid, pid);
  return pid;
}

// Waits at most `seconds` more, then stops the fuzzer's process group. Returns its status.
int wait_fuzzer(pid_t pid, double seconds) {
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (since(start) > seconds) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    usleep(100'000);
  }
  fuzzer_pid = 0;
  return status;
}

void fuzzer_result(Review& r, const std::string& binary, uint32_t budget, int status) {
  const fs::path dir = r.out / "fuzz";
  std::ifstream log_in(dir / "fuzzer.log");
  const std::string log((std::istreambuf_iterator<char>(log_in)), {});
  std::smatch m;
  uint64_t executions = 0, events = 0;
  if (std::regex_search(log, m, std::regex("inflight stats: executions=(\\d+) events=(\\d+)")))
    executions = std::stoull(m[1]), events = std::stoull(m[2]);
  size_t corpus = 0;
  const TargetFamily& family = *target_family("page_pool");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "corpus", ec)) {
    const std::optional<Loaded> input = load(e.path().string(), "binary", family);
    if (!input) continue;
    World world(input->scenario.topology, BugSet{}, false, false, r.model->name);
    r.coverage.run(world, input->scenario);
    corpus++;
  }
  std::optional<fs::path> crash;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().starts_with("crash-")) crash = e.path();
  r.covered.push_back(fmt::format(
      "fuzzer ({}): {} executions, {} events, {}, from {} seeds; corpus {} inputs (log: {})",
      binary, executions, events,
      crash ? "stopped at its first finding"
      : WIFEXITED(status) && WEXITSTATUS(status) == 0
          ? fmt::format("its whole budget of {} s", budget)
          : fmt::format("ended abnormally (status {:#x}: see the log)", status),
      std::distance(fs::directory_iterator(dir / "seeds", ec), fs::directory_iterator()), corpus,
      (dir / "fuzzer.log").string()));
  if (!crash) return;
  const std::optional<Loaded> input = load(crash->string(), "binary", family);
  if (!input) return;
  const Scenario minimal = reduce(input->scenario, r.model->name);
  record(r, "fuzzer",
         fmt::format("after {} executions; the crash input ({} events, {}) reduced to {} events "
                     "by removing events while the same finding kinds remain",
                     executions, input->scenario.events.size(), crash->filename().string(),
                     minimal.events.size()),
         minimal);
}

// ---- the report ----

std::string markdown(const Review& r, uint32_t budget, uint64_t seed) {
  std::string md = fmt::format("# inflight review: {}\n\n", r.model->name);
  md += fmt::format("- driver model: `{}`: {} ({})\n", r.model->name, r.model->what,
                    r.model->production ? "production"
                    : r.model->canary() ? fmt::format("canary, must produce `{}`", r.model->expect)
                                        : "under review");
  md += fmt::format("- budget {} s, seed {}, bugs none (today's kernel behaviour)\n", budget, seed);
  md +=
      fmt::format("- verdict: **{}**\n\n",
                  r.found.empty() ? "no finding"
                                  : fmt::format("{} front end(s) found a finding", r.found.size()));
  if (r.model->canary()) {
    std::string caught;
    for (const Found& f : r.found)
      if (f.expected) caught += (caught.empty() ? "" : ", ") + f.front;
    md += fmt::format("Canary: `{}` caught by: {}\n\n", r.model->expect,
                      caught.empty() ? "NONE (the harness is blind to it)" : caught);
  }
  md += "## Findings\n\n";
  if (r.found.empty()) md += "None.\n\n";
  for (const Found& f : r.found) {
    md += fmt::format("### {}\n\n{}\n\n", f.front, f.how);
    for (const std::string& k : f.keys) md += fmt::format("- `{}`\n", k);
    md += fmt::format("\nMinimal trace (`{}`; `inflight replay {}`):\n\n```\n{}```\n\n",
                      f.trace_file, f.trace_file, encode_text(f.minimal, r.model->name));
    md += "Kernel log of its replay:\n\n```\n";
    for (const std::string& line : f.log) md += line + "\n";
    md += "```\n\n";
  }
  md += "## What was covered\n\n";
  for (const std::string& c : r.covered) md += fmt::format("- {}\n", c);
  for (const std::string& c : r.not_run) md += fmt::format("- NOT RUN: {}\n", c);
  md += fmt::format(
      "\nThe driver's entry points over {} scenarios ({} events) run by the properties, the "
      "fuzzer's corpus and the traces (the explorer's states are not counted here; "
      "device_unbind of any device, the driver's remove when it is its own):\n\n"
      "| entry point | applied | skipped (guard did not hold) |\n|---|---|---|\n",
      r.coverage.scenarios, r.coverage.events);
  std::string never;
  for (const Entry& e : entry_points(r.coverage)) {
    md += fmt::format("| `{}` | {} | {} |\n", e.name, e.applied, e.skipped);
    if (e.applied == 0) never += fmt::format("`{}`, ", e.name);
  }
  md += "\n| page_pool transition | taken | what |\n|---|---|---|\n";
  for (size_t c = 0; c < kCoverageCounters; c++) {
    if (!driver_lifecycle(kCoverage[c])) continue;
    md += fmt::format("| `{}` | {} | {} |\n", kCoverage[c].name, r.coverage.counters[c],
                      kCoverage[c].what);
    if (r.coverage.counters[c] == 0) never += fmt::format("`{}`, ", kCoverage[c].name);
  }
  if (!never.empty()) never.resize(never.size() - 2);
  md += fmt::format("\nNever taken: {}.\n", never.empty() ? "none" : never);
  return md;
}

std::string json(const Review& r, uint32_t budget, uint64_t seed) {
  std::string j = fmt::format(
      "{{\n  \"driver\": {},\n  \"role\": \"{}\",\n  \"expect\": {},\n  \"budget_s\": {},\n  "
      "\"seed\": {},\n  \"findings\": [",
      json_string(r.model->name),
      r.model->production ? "production"
      : r.model->canary() ? "canary"
                          : "review",
      json_string(r.model->expect), budget, seed);
  for (size_t i = 0; i < r.found.size(); i++) {
    const Found& f = r.found[i];
    std::string keys;
    for (const std::string& k : f.keys) keys += (keys.empty() ? "" : ", ") + json_string(k);
    j += fmt::format(
        "{}\n    {{\"front_end\": {}, \"how\": {}, \"events\": {}, \"keys\": [{}], "
        "\"expected\": {}, \"trace_file\": {}}}",
        i ? "," : "", json_string(f.front), json_string(f.how), f.minimal.events.size(), keys,
        f.expected, json_string(f.trace_file));
  }
  j += "\n  ],\n  \"covered\": [";
  for (size_t i = 0; i < r.covered.size(); i++)
    j += fmt::format("{}\n    {}", i ? "," : "", json_string(r.covered[i]));
  j += "\n  ],\n  \"not_run\": [";
  for (size_t i = 0; i < r.not_run.size(); i++)
    j += fmt::format("{}{}", i ? ", " : "", json_string(r.not_run[i]));
  j += "],\n  \"entry_points\": {";
  const std::vector<Entry> entries = entry_points(r.coverage);
  for (size_t i = 0; i < entries.size(); i++) {
    const Entry& e = entries[i];
    j += fmt::format("{}\n    {}: {{\"applied\": {}, \"skipped\": {}}}", i ? "," : "",
                     json_string(e.name), e.applied, e.skipped);
  }
  j += "\n  },\n  \"transitions\": {";
  bool first = true;
  for (size_t c = 0; c < kCoverageCounters; c++) {
    if (!driver_lifecycle(kCoverage[c])) continue;
    j += fmt::format("{}\n    \"{}\": {}", first ? "" : ",", kCoverage[c].name,
                     r.coverage.counters[c]);
    first = false;
  }
  j += "\n  }\n}\n";
  return j;
}

}  // namespace

int cmd_review(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kReview);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  if (args->operands.empty())
    return usage_error("review needs a driver model NAME", usage(kReview));
  Review r;
  r.model = driver_model(args->operands[0]);
  if (!r.model)
    return usage_error(
        fmt::format("unknown driver model '{}' (known: {})", args->operands[0], driver_names()),
        usage(kReview));
  if (r.model->canary()) {
    std::string error;
    r.expect = FindingPattern::parse(r.model->expect, &error);
    if (!r.expect)
      return usage_error(fmt::format("{}: its declared finding: {}", r.model->name, error),
                         usage(kReview));
  }
  uint32_t budget = 60;
  uint64_t seed = 1;
  if (const auto v = args->value("--budget")) {
    const auto n = parse_count(kReview, "--budget", *v, 1, 86400);
    if (!n) return kExitUsage;
    budget = static_cast<uint32_t>(*n);
  }
  if (const auto v = args->value("--seed")) {
    const auto n = parse_count(kReview, "--seed", *v, 1, 4294967295u);
    if (!n) return kExitUsage;
    seed = *n;
  }
  // Every input is checked before anything runs.
  const TargetFamily& family = *target_family("page_pool");
  std::vector<std::pair<std::string, Scenario>> traces;
  for (size_t i = 1; i < args->operands.size(); i++) {
    const std::optional<Loaded> loaded = load(args->operands[i], "auto", family);
    if (!loaded) return kExitUsage;
    traces.emplace_back(args->operands[i], loaded->scenario);
  }
  std::string fuzzer;
  const bool no_fuzzer = args->has("--no-fuzzer");
  if (no_fuzzer && args->has("--fuzzer"))
    return usage_error("--fuzzer and --no-fuzzer: choose one", usage(kReview));
  if (!no_fuzzer) {
    std::error_code ec;
    fuzzer = args->value("--fuzzer")
                 .value_or((fs::read_symlink("/proc/self/exe", ec).parent_path() /
                            "../fuzzers/page_pool_fuzzer")
                               .lexically_normal()
                               .string());
    if (access(fuzzer.c_str(), X_OK) != 0)
      return usage_error(
          fmt::format("no page_pool_fuzzer at {} (libFuzzer targets are built by the clang "
                      "presets: cmake --workflow --preset ci-fuzz, then "
                      "build/fuzz/cli/inflight review); give --fuzzer PATH, or --no-fuzzer to "
                      "review without it",
                      fuzzer),
          usage(kReview));
  }
  r.out = args->value("--out").value_or("out/review/" + std::string(r.model->name));
  std::error_code ec;
  fs::create_directories(r.out, ec);
  if (ec || access(r.out.c_str(), W_OK) != 0)
    return usage_error(fmt::format("--out: cannot write to {}", r.out.string()), usage(kReview));
  for (const auto& e : fs::directory_iterator(r.out, ec))
    if (e.path().extension() == ".trace") fs::remove(e.path(), ec);

  const auto start = std::chrono::steady_clock::now();
  std::cerr << fmt::format("inflight review {}: budget {} s, seed {}, report in {}\n",
                           r.model->name, budget, seed, r.out.string());
  if (!no_fuzzer) {
    signal(SIGINT, stop_fuzzer);
    signal(SIGTERM, stop_fuzzer);
    fuzzer_pid = start_fuzzer(fuzzer, r, budget, seed);
    if (fuzzer_pid < 0) {
      std::cerr << "inflight review: fork failed\n";
      return kExitUsage;
    }
    std::cerr << fmt::format("[review] fuzzer: {} s in the background (pid {})\n", budget,
                             fuzzer_pid);
  } else {
    r.not_run.push_back("fuzzer (--no-fuzzer)");
  }

  for (const auto& [path, s] : traces) {
    World w(s.topology, BugSet{}, false, false, r.model->name);
    r.coverage.run(w, s);
    r.covered.push_back(fmt::format("replay {}: {} events, {}", path, s.events.size(),
                                    w.violations().empty() ? "no finding" : "a finding"));
    if (!w.violations().empty()) record(r, "replay " + path, "the trace as given", s);
  }

  // What each search looks for: a canary's declared finding, else any finding at all.
  const std::function<bool(const World&)> goal = [&r](const World& w) {
    return r.expect ? w.violations().has(*r.expect) : !w.violations().empty();
  };

  // The properties: RapidCheck's driver-world generator, with the budget's share as a bound.
  const double prop_s = budget * 0.4;
  std::cerr << fmt::format("[review] properties: {:.0f} s\n", prop_s);
  setenv("RC_PARAMS",
         fmt::format("seed={} max_success={} verbose_progress=0 verbose_shrinking=0", seed,
                     budget * 20000)
             .c_str(),
         1);
  SearchSpec prop{"review",   BugSet{},
                  Family::pp, false,
                  false,      r.model->name,
                  prop_s,     [&](World& w, const Scenario& s) { r.coverage.run(w, s); }};
  SearchResult pr;
  {
    // RapidCheck reports to the standard streams; its words go to the log file instead.
    std::ofstream rc_log(r.out / "properties.log");
    auto* out = std::cout.rdbuf(rc_log.rdbuf());
    auto* err = std::cerr.rdbuf(rc_log.rdbuf());
    pr = search(prop, goal);
    std::cout.rdbuf(out);
    std::cerr.rdbuf(err);
  }
  r.covered.push_back(
      fmt::format("properties (RapidCheck, the driver-world generator, seed {}): "
                  "{} cases{}",
                  seed, pr.cases,
                  pr.found         ? ", then shrunk"
                  : pr.out_of_time ? fmt::format(" in {:.0f} s", prop_s)
                                   : " (RapidCheck's case count)"));
  if (pr.found && pr.minimal)
    record(r, "properties",
           fmt::format("after {} cases; shrunk by RapidCheck to {} events", pr.cases_to_first,
                       pr.minimal->events.size()),
           *pr.minimal);

  // The explorer: the page_pool family's wide alphabet, the default configuration.
  ExploreSpec spec;
  spec.driver = r.model->name;
  spec.alphabet = family_alphabet(family, true);
  spec.max_depth = 1000;
  spec.max_states = 20'000'000;
  spec.max_seconds = std::max(1.0, budget - since(start));
  spec.goal = goal;
  spec.progress = [](int d, uint64_t states, uint64_t transitions, double s) {
    std::cerr << fmt::format(
        "[review] explorer depth {}: {} states, {} transitions, {:.0f} s, "
        "{:.0f} MiB\n",
        d, states, transitions, s, rss_mib());
  };
  std::cerr << fmt::format("[review] explorer: {:.0f} s\n", spec.max_seconds);
  const ExploreResult er = explore(spec);
  const std::string config = format_topology(spec.topology, r.model->name);
  r.covered.push_back(fmt::format(
      "explorer ({} events: the page_pool family, each field varied alone; {}): {}, {} states, "
      "{} transitions in {:.0f} s",
      spec.alphabet.size(), config,
      er.found ? fmt::format("shortest counterexample {} events", er.shortest.size())
      : er.stopped_by == "exhausted"
          ? "complete: every reachable state judged"
          : fmt::format("no finding up to depth {} (stopped by {})", er.depth_cleared,
                        er.stopped_by.empty() ? "depth" : er.stopped_by),
      er.states, er.transitions, er.seconds));
  if (er.found)
    record(
        r, "explorer",
        fmt::format("breadth-first: no shorter scenario in its alphabet has a finding ({} states)",
                    er.states),
        Scenario{spec.topology, er.shortest});

  if (!no_fuzzer) {
    std::cerr << "[review] waiting for the fuzzer\n";
    const int status = wait_fuzzer(fuzzer_pid, std::max(0.0, budget - since(start)) + 60);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    fuzzer_result(r, fuzzer, budget, status);
  }

  const std::string md = markdown(r, budget, seed), js = json(r, budget, seed);
  std::ofstream(r.out / "review.md") << md;
  std::ofstream(r.out / "review.json") << js;
  for (const std::string& c : r.covered) std::cout << "covered: " << c << "\n";
  for (const std::string& c : r.not_run) std::cout << "not run: " << c << "\n";
  for (const Found& f : r.found) {
    std::string keys;
    for (const std::string& k : f.keys) keys += (keys.empty() ? "" : ", ") + k;
    std::cout << fmt::format("FINDING ({}): {}: {} events, {}\n", f.front, keys,
                             f.minimal.events.size(), f.trace_file);
  }
  if (r.model->canary()) {
    const auto caught =
        std::count_if(r.found.begin(), r.found.end(), [](const Found& f) { return f.expected; });
    std::cout << fmt::format("canary {}: {} caught by {} front end(s)\n", r.model->name,
                             r.model->expect, caught);
  }
  std::cout << fmt::format("inflight review {}: {} ({:.0f} s); report: {}\n", r.model->name,
                           r.found.empty() ? "no finding" : "FINDINGS", since(start),
                           (r.out / "review.md").string());
  // RapidCheck prints how to reproduce a failed property at exit, in terms of the
  // properties binary; the reproduction here is the .trace above.
  std::cerr.flush();
  std::cerr.setstate(std::ios::badbit);
  return r.found.empty() ? kExitClean : kExitFinding;
}

namespace {

constexpr Option kNewDriverOptions[] = {
    {"--out", "FILE",
     "where to write it (default: model/drivers/review/NAME.h in the\n"
     "source tree this inflight was built from)"},
};
constexpr Command kNewDriver{
    "new-driver", "NAME",
    "Writes a driver model under review, NAME.h: pp_rx (model/drivers/pp_rx.h) with every\n"
    "stage a patch may change listed as a commented override (open and pool creation, RX\n"
    "refill, XDP_PASS, XDP_DROP, XDP_TX/REDIRECT frames, XDP_TX completion, queue\n"
    "teardown). Every header in model/drivers/review/ is registered by the build, so the\n"
    "next build knows NAME with no other file edited; then `inflight review NAME`. NAME:\n"
    "lower case letters, digits and '_', starting with a letter, not a registered model.\n\n",
    kNewDriverOptions, "exit: 0 written, 2 bad name, file exists, or usage\n"};

constexpr std::string_view kSkeleton = R"(// model/drivers/review/@NAME@.h
//
// @NAME@: a driver under review (written by `inflight new-driver @NAME@`). It starts as
// pp_rx (model/drivers/pp_rx.h): one page_pool, NAPI and xdp_rxq_info per RX queue, XDP
// verdicts, a driver page cache and an XDP_TX ring. Override the stage the patch changes
// (the list below, with pp_rx's behaviour) and say in kWhat what it does differently.
//
// The build registers every header in this directory: no other file changes. Then:
//   inflight review @NAME@                 every front end, one report
//   inflight replay TRACE --driver @NAME@  one scenario, step by step
//   inflight explore --driver @NAME@       the shortest counterexample
// A driver under review declares no expected finding: a correct patch is a clean review.
#pragma once

#include "model/drivers/pp_rx.h"
#include "model/net/skb.h"

namespace inflight::review {

class @NAME@ : public PpRxDriver {
 public:
  static constexpr std::string_view kName = "@NAME@";
  static constexpr std::string_view kWhat = "under review: pp_rx as the patch changes it";
  using PpRxDriver::PpRxDriver;
  std::string_view name() const override { return kName; }

 protected:
  // The stages, with what pp_rx does (env_ holds the kernel services: pools, skbs, xdp,
  // dma, napis, kernel; queue_state(queue) the queue's pool, rxq, cache and TX ring).
  //
  // Open and pool creation (process context): page_pool_create, xdp_rxq_info_reg, the
  // mem model.
  //   bool setup_queue(Queue& q) override { return PpRxDriver::setup_queue(q); }
  //
  // RX refill (the queue's NAPI poll): the page a frame arrives in.
  //   PageId rx_page(int queue) override { return PpRxDriver::rx_page(queue); }
  //
  // XDP_PASS: the page goes up the stack in an skb marked for recycling.
  //   void pass_up(int queue, PageId page) override {
  //     env_.skbs.build_and_deliver(page, /*recycle=*/true, name());
  //   }
  //
  // XDP_DROP: page_pool_recycle_direct.
  //   void xdp_drop(int queue, PageId page) override { PpRxDriver::xdp_drop(queue, page); }
  //
  // XDP_TX, XDP_REDIRECT: the page leaves as an xdp_frame; the memory info it carries.
  //   XdpMemInfo to_frame(int queue, PageId page) override {
  //     return queue_state(queue).rxq.mem;
  //   }
  //
  // XDP_TX completion of one page, in the queue's NAPI.
  //   void xdp_tx_complete(int queue, PageId page) override {
  //     env_.pools.recycle_direct(page, name());
  //   }
  //
  // Stop, remove and reconfiguration of one queue (process context, NAPI disabled): the
  // XDP_TX ring, the driver cache, xdp_rxq_info_unreg, page_pool_destroy.
  //   void teardown_queue(Queue& q) override { PpRxDriver::teardown_queue(q); }
};

}  // namespace inflight::review
)";

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 40 || !(n[0] >= 'a' && n[0] <= 'z')) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

int cmd_new_driver(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kNewDriver);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  if (args->operands.size() != 1)
    return usage_error("new-driver takes one NAME", usage(kNewDriver));
  const std::string& name = args->operands[0];
  if (!valid_name(name))
    return usage_error(fmt::format("'{}' is not a driver name (lower case letters, digits and '_', "
                                   "starting with a letter, at most 40)",
                                   printable(name)),
                       usage(kNewDriver));
  if (driver_model(name))
    return usage_error(fmt::format("'{}' is already a driver model", name), usage(kNewDriver));
  const fs::path out = args->value("--out").value_or(
      std::string(INFLIGHT_SOURCE_DIR "/model/drivers/review/") + name + ".h");
  std::error_code ec;
  if (fs::exists(out, ec))
    return usage_error(fmt::format("{} exists: not overwritten", out.string()), usage(kNewDriver));
  std::string text(kSkeleton);
  for (size_t at; (at = text.find("@NAME@")) != std::string::npos;) text.replace(at, 6, name);
  std::ofstream file(out);
  if (!(file << text) || !file.flush())
    return usage_error(fmt::format("cannot write {}", out.string()), usage(kNewDriver));
  std::cout << fmt::format(
      "wrote {}\nnext: override the stage your patch changes, build (cmake --build build/debug),\n"
      "then: inflight review {}\n",
      out.string(), name);
  return kExitClean;
}

}  // namespace inflight::cli
