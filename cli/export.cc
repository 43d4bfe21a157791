// cli/export.cc
//
// `inflight export --kunit OUT INPUT...`: scenarios as KUnit tests of the real kernel
// (export/kunit.h), one test per scenario the exporter accepts, in one C file for a
// kernel tree's net/core/ (ci/kernel.sh builds and runs it).
#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <set>

#include "cli/cli_support.h"
#include "export/kunit.h"

namespace inflight::cli {
namespace {

constexpr Option kExportOptions[] = {
    {"--kunit", "OUT", "write the KUnit test file OUT (C, for net/core/ of a kernel tree)"},
    {"--format", "F",
     "how each INPUT is read: auto (as for replay, except that a file in a\n"
     "fuzz target's corpus directory, not named .trace, is binary), text or\n"
     "binary"},
    {"--target", "T",
     "the event family of binary inputs (inflight list targets). Default:\n"
     "the target a file's directory is named after (corpus/<target>/F or\n"
     "<target>/corpus/F, as the campaign keeps them), else all"},
    {"--json", "",
     "print one JSON object per INPUT, one per line: file, test, exported,\n"
     "steps, expectations, refusal"},
};
constexpr Command kExport{
    "export", "INPUT...",
    "Runs each scenario (binary fuzzer input or .trace) in the model with no bug variant and\n"
    "writes it as a KUnit test of the kernel's page_pool, XDP memory model and skb code: the\n"
    "steps as calls of the real API on a copy of the pp_rx driver, and after each step the\n"
    "state the model predicts (pages in flight, ring, user count, destroy, page refcounts and\n"
    "pp_ref_count, which page an allocation returns, the mem model). A scenario whose steps\n"
    "the kernel test cannot reproduce is refused with the reason and left out. Tests are\n"
    "named after their files. ci/kernel.sh builds and runs the file under UML.\n\n",
    kExportOptions,
    "output: a line per INPUT: 'exported TEST: FILE (N steps, M expectations)' or\n"
    "'refused FILE: why'\n"
    "exit: 0 OUT written, 2 bad input or usage (nothing written)\n"};

// The fuzz target whose corpus holds `path` (corpus/<target>/F, <target>/corpus/F).
const TargetFamily* family_of_dir(const std::string& path) {
  std::string dir =
      path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  for (int up = 0; up < 2 && !dir.empty(); up++) {
    const size_t slash = dir.find_last_of('/');
    const std::string name = dir.substr(slash == std::string::npos ? 0 : slash + 1);
    if (const TargetFamily* f = target_family(name)) return f;
    dir = slash == std::string::npos ? "" : dir.substr(0, slash);
  }
  return &all_family();
}

std::string stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  const size_t dot = name.find('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

int cmd_export(const std::vector<std::string>& argv) {
  const std::optional<Args> args = parse_args(argv, kExport);
  if (!args) return kExitUsage;
  if (args->help) return kExitClean;
  std::string format;
  const TargetFamily* family = nullptr;
  if (!parse_format(kExport, *args, format, family)) return kExitUsage;
  const std::optional<std::string> out = args->value("--kunit");
  if (!out) return usage_error("export takes --kunit OUT", usage(kExport));
  if (args->operands.empty()) return usage_error("export takes at least one INPUT", usage(kExport));
  const bool json = args->has("--json");
  std::vector<KunitCase> cases;
  std::set<std::string> names;
  for (const std::string& path : args->operands) {
    // A fuzz target's corpus holds binary inputs by construction, however printable.
    const TargetFamily* dir_family = family_of_dir(path);
    const bool corpus_input = dir_family->name != "all" && !ends_with(path, ".trace");
    const std::optional<Loaded> loaded =
        load(path, format == "auto" && corpus_input ? "binary" : format,
             args->has("--target") ? *family : *dir_family);
    if (!loaded) return kExitUsage;
    // Named after the file, and its target when its directory names one (seeds of the same
    // name live in several targets' corpora).
    const std::string base = kunit_identifier(
        (dir_family->name == "all" ? "" : std::string(dir_family->name) + "_") + stem(path));
    std::string name = base;
    for (int n = 2; names.count(name) > 0; n++) name = base + fmt::format("_{}", n);
    names.insert(name);
    KunitCase c = loaded->driver.empty() ? export_kunit_case(loaded->scenario, name, path)
                                         : KunitCase{name, path, "",
                                                     fmt::format("the driver is {}; only the "
                                                                 "production pp_rx is exported",
                                                                 loaded->driver)};
    if (json)
      std::cout << fmt::format(
          "{{\"file\": {}, \"test\": {}, \"exported\": {}, \"steps\": {}, \"expectations\": {}, "
          "\"refusal\": {}}}\n",
          json_string(path), json_string("inflight_" + c.name), c.refusal.empty(), c.steps,
          c.expectations, json_string(c.refusal));
    else if (c.refusal.empty())
      std::cout << fmt::format("exported inflight_{}: {} ({} steps, {} expectations)\n", c.name,
                               path, c.steps, c.expectations);
    else
      std::cout << fmt::format("refused {}: {}\n", path, c.refusal);
    cases.push_back(std::move(c));
  }
  const std::string text = kunit_file(cases);
  std::ofstream file(*out, std::ios::binary | std::ios::trunc);
  if (!file || !file.write(text.data(), static_cast<std::streamsize>(text.size()))) {
    std::cerr << "inflight: cannot write '" << *out << "': " << std::strerror(errno) << "\n";
    return kExitUsage;
  }
  return kExitClean;
}

}  // namespace inflight::cli
