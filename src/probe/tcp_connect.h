#pragma once
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "io/dns.h"

namespace vs::probe {

enum class TcpOutcome {
  kConnected,
  kRefused,       // RST: host up, nothing listening
  kTimeout,       // no answer: filtered (firewall drops) or host down
  kUnreachable,   // ICMP unreachable / no route (EHOSTUNREACH, ENETUNREACH)
  kResolveFailed,
  kError,         // anything else (detail says what)
};
std::string_view toString(TcpOutcome o);  // "connected", "refused", ...

struct TcpConnectParams {
  std::string host;  // name or IP literal
  std::uint16_t port = 0;
  std::chrono::milliseconds timeout{3000};
  io::AddressFamily family = io::AddressFamily::kAny;
};

struct TcpConnectResult {
  TcpOutcome outcome = TcpOutcome::kError;
  std::string address;  // the address tried, "192.0.2.10:5061"
  double connect_ms = 0;
  std::string detail;  // OS error text or resolver error
};

// Tries the first resolved address (the one a phone would use).
asio::awaitable<TcpConnectResult> tcpConnect(io::Resolver& resolver, TcpConnectParams params);

}  // namespace vs::probe
