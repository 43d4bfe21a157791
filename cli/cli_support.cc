#include "cli/cli_support.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace inflight::cli {

int usage_error(std::string_view message, std::string_view usage) {
  std::cerr << "inflight: " << message << "\n\n" << usage;
  return kExitUsage;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "inflight: cannot read '" << path << "': " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

namespace {
bool looks_like_text(std::string_view content) {
  if (content.empty()) return false;
  for (const char ch : content) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f))) return false;
  }
  TextError ignored;
  return decode_text(content, &ignored).has_value() || content[0] == '#';
}

}  // namespace

std::optional<Loaded> load(const std::string& path, std::string_view format,
                           const TargetFamily& family) {
  const std::optional<std::string> content = read_file(path);
  if (!content) return std::nullopt;
  bool text = format == "text";
  if (format == "auto") text = ends_with(path, ".trace") || looks_like_text(*content);
  if (text) {
    TextError error;
    std::optional<Scenario> scenario = decode_text(*content, &error);
    if (!scenario) {
      std::cerr << path << ":" << error.line << ": " << error.message << "\n";
      return std::nullopt;
    }
    return Loaded{std::move(*scenario), true};
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(content->data());
  return Loaded{decode_binary({bytes, content->size()}, family), false};
}

}  // namespace inflight::cli
