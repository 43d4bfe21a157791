// model/testing.h
//
// Helpers shared by the model's hand-written tests.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "model/world.h"

namespace inflight::testing {

// Whether some trace line contains `text` (the world must record its trace).
inline bool traced(const World& w, std::string_view text) {
  return std::any_of(w.trace().begin(), w.trace().end(),
                     [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

}  // namespace inflight::testing
