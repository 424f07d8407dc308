#pragma once
// Small helpers shared by the socket-based probes and responders (private to probe/).
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/error.hpp>
#include <asio/ip/address.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace vs::probe::detail {

// Completion token that reports errors as values, so no asio exception crosses a probe.
inline constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

inline std::string formatAddress(const asio::ip::address& a, std::uint16_t port) {
  if (a.is_v6()) return fmt::format("[{}]:{}", a.to_string(), port);
  return fmt::format("{}:{}", a.to_string(), port);
}

// Compared against asio's codes: asio's system category does not map to std::errc conditions.
inline bool isRefused(const std::error_code& ec) { return ec == asio::error::connection_refused; }

inline bool isUnreachable(const std::error_code& ec) {
  return ec == asio::error::host_unreachable || ec == asio::error::network_unreachable ||
         ec == asio::error::network_down;
}

inline bool isTimedOut(const std::error_code& ec) { return ec == asio::error::timed_out; }

}  // namespace vs::probe::detail
