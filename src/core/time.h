#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vs {

using SteadyClock = std::chrono::steady_clock;

std::int64_t nowUnixMs();
// "2026-11-22T08:21:06.123Z"
std::string formatIso8601(std::int64_t unix_ms);
std::optional<std::int64_t> parseIso8601(std::string_view text);

inline double elapsedMs(SteadyClock::time_point since, SteadyClock::time_point until = SteadyClock::now()) {
  return std::chrono::duration<double, std::milli>(until - since).count();
}

}  // namespace vs
