#include "cli/cli_support.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "model/drivers/driver.h"

namespace inflight::cli {

int usage_error(std::string_view message, std::string_view usage) {
  std::cerr << "inflight: " << message << "\n\n" << usage;
  return kExitUsage;
}

std::string usage(const Command& c) {
  // The synopsis: each option as [--name ARG], wrapped under the command.
  const std::string head = fmt::format("usage: inflight {}", c.name);
  std::string out = head, line = head;
  const auto add = [&](const std::string& word) {
    if (line.size() + 1 + word.size() > 92) {
      out += "\n" + std::string(head.size(), ' ');
      line = std::string(head.size(), ' ');
    }
    out += " " + word;
    line += " " + word;
  };
  if (!c.operands.empty()) add(std::string(c.operands));
  for (const Option& o : c.options)
    add(o.arg.empty() ? fmt::format("[{}]", o.name) : fmt::format("[{} {}]", o.name, o.arg));
  out += "\n\n" + std::string(c.about);
  for (const Option& o : c.options) {
    const std::string left =
        o.arg.empty() ? std::string(o.name) : fmt::format("{} {}", o.name, o.arg);
    std::string_view help = o.help;
    bool first = true;
    while (!help.empty() || first) {
      const size_t nl = help.find('\n');
      const std::string_view text = help.substr(0, nl);
      help = nl == std::string_view::npos ? std::string_view{} : help.substr(nl + 1);
      if (first && left.size() <= 18)
        out += fmt::format("  {:<18} {}\n", left, text);
      else if (first)
        out += fmt::format("  {}\n  {:<18} {}\n", left, "", text);
      else
        out += fmt::format("  {:<18} {}\n", "", text);
      first = false;
    }
  }
  return out + "\n" + std::string(c.after);
}

bool Args::has(std::string_view option) const {
  for (const auto& [name, value] : options)
    if (name == option) return true;
  return false;
}

std::optional<std::string> Args::value(std::string_view option) const {
  std::optional<std::string> v;
  for (const auto& [name, value] : options)
    if (name == option) v = value;
  return v;
}

std::optional<Args> parse_args(const std::vector<std::string>& args, const Command& c) {
  Args out;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage(c);
      out.help = true;
      return out;
    }
    if (a.size() < 2 || a[0] != '-') {
      if (c.operands.empty()) {
        usage_error(fmt::format("{} takes no operand, got '{}'", c.name, printable(a)), usage(c));
        return std::nullopt;
      }
      out.operands.push_back(a);
      continue;
    }
    const Option* o = nullptr;
    for (const Option& row : c.options)
      if (row.name == a) o = &row;
    if (!o) {
      usage_error(fmt::format("{}: unknown option '{}'", c.name, printable(a)), usage(c));
      return std::nullopt;
    }
    if (o->arg.empty()) {
      out.options.emplace_back(o->name, "");
    } else if (i + 1 >= args.size()) {
      usage_error(fmt::format("{} needs a value ({})", o->name, o->arg), usage(c));
      return std::nullopt;
    } else {
      out.options.emplace_back(o->name, args[++i]);
    }
  }
  return out;
}

bool parse_format(const Command& c, const Args& args, std::string& format,
                  const TargetFamily*& family) {
  format = args.value("--format").value_or("auto");
  if (format != "auto" && format != "text" && format != "binary") {
    usage_error(fmt::format("--format takes auto, text or binary, got '{}'", printable(format)),
                usage(c));
    return false;
  }
  family = &all_family();
  if (const auto t = args.value("--target"); t && !(family = target_family(*t))) {
    usage_error(fmt::format("--target takes one of: {}", target_names()), usage(c));
    return false;
  }
  return true;
}

std::optional<uint64_t> parse_count(const Command& c, std::string_view option,
                                    const std::string& text, uint64_t lo, uint64_t hi) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  if (text.empty() || r.ec != std::errc{} || r.ptr != end || v < lo || v > hi) {
    usage_error(
        fmt::format("{} takes a number in {}..{}, got '{}'", option, lo, hi, printable(text)),
        usage(c));
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> read_file(const std::string& path) {
  // A scenario is a regular file of bounded size (a directory, a FIFO or /dev/zero is not).
  constexpr std::uintmax_t kMaxBytes = 16u << 20;
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
    std::cerr << "inflight: cannot read '" << printable(path) << "': not a regular file\n";
    return std::nullopt;
  }
  if (!ec && std::filesystem::exists(st) && std::filesystem::file_size(path, ec) > kMaxBytes) {
    std::cerr << "inflight: cannot read '" << printable(path)
              << "': larger than 16 MiB, not a scenario\n";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "inflight: cannot read '" << printable(path) << "': " << std::strerror(errno)
              << "\n";
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  return out + '"';
}

std::string printable(std::string_view s, size_t max) {
  std::string out;
  size_t used = 0;
  for (; used < s.size() && out.size() < max; used++) {
    const auto c = static_cast<unsigned char>(s[used]);
    if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else
      out += fmt::format("\\x{:02x}", c);
  }
  if (used < s.size()) out += fmt::format("... ({} more bytes)", s.size() - used);
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string target_names() {
  std::string names;
  for (const TargetFamily& f : target_families()) names += (names.empty() ? "" : ", ") + std::string(f.name);
  return names;
}

std::string driver_names() {
  std::string names;
  for (const DriverModel& m : driver_models()) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

std::string take_driver(std::string& text) {
  std::string found;
  size_t line = 0;
  while (line < text.size()) {
    const size_t end = std::min(text.find('\n', line), text.size());
    const std::string_view l(text.data() + line, end - line);
    const size_t at = l.find("driver=");
    if (l.starts_with("topology ") && at != std::string_view::npos &&
        (at == 0 || l[at - 1] == ' ')) {
      const size_t value = at + 7;
      const size_t stop = std::min(l.find_first_of(" \r", value), l.size());
      const std::string name(l.substr(value, stop - value));
      const DriverModel* model = driver_model(name);
      if (model && !model->production) {
        found = name;
        text.erase(line + at, stop - at);
        continue;  // the same line again, without it
      }
    }
    line = end + 1;
  }
  return found;
}

namespace {
bool all_printable(std::string_view content) {
  if (content.empty()) return false;
  for (const char ch : content) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f))) return false;
  }
  return true;
}

}  // namespace

std::optional<Loaded> load(const std::string& path, std::string_view format,
                           const TargetFamily& family) {
  const std::optional<std::string> content = read_file(path);
  if (!content) return std::nullopt;
  bool text = format == "text";
  std::string why = "--format " + std::string(format);
  if (format == "auto") {
    if (ends_with(path, ".trace")) {
      text = true;
      why = "the name ends in .trace";
    } else {
      text = all_printable(*content);
      why = text ? "guessed: every byte is printable text"
                 : "guessed: not all printable text, so a fuzzer input";
    }
  }
  if (text) {
    std::string body = *content;
    std::string driver = take_driver(body);
    TextError error;
    std::optional<Scenario> scenario = decode_text(body, &error);
    if (!scenario) {
      std::cerr << fmt::format("inflight: {}:{}: {}\n", printable(path), error.line,
                               printable(error.message));
      if (format == "auto" && !ends_with(path, ".trace"))
        std::cerr << fmt::format(
            "inflight: {} was read as a .trace text ({}); if it is a fuzzer "
            "input, give --format binary\n",
            printable(path), why);
      return std::nullopt;
    }
    return Loaded{std::move(*scenario), true, std::move(driver), why};
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(content->data());
  return Loaded{decode_binary({bytes, content->size()}, family), false, {}, why};
}

void ModelCoverage::run(World& world, const Scenario& scenario) {
  for (const Event& e : scenario.events) {
    const bool ok = world.apply(e);
    (ok ? applied : skipped)[e.index()]++;
    if (const auto* poll = std::get_if<NapiPoll>(&e))
      (ok ? poll_applied : poll_skipped)[poll->action % names::kRxAction.size()]++;
  }
  world.finish();
  for (size_t i = 0; i < kCoverageCounters; i++) counters[i] += world.kernel().coverage()[i];
  scenarios++;
  events += scenario.events.size();
}

std::set<Violation> kinds_of(const World& world) {
  std::set<Violation> kinds;
  for (size_t k = 0; k < kViolationKinds; k++)
    if (world.violations().count(static_cast<Violation>(k)) > 0)
      kinds.insert(static_cast<Violation>(k));
  return kinds;
}

double rss_mib() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

}  // namespace inflight::cli
