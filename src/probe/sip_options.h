#pragma once
// One SIP OPTIONS transaction over UDP or TCP. The same code serves the `sip_options` scan check and
// (later) `sip ping`. Knows nothing of thresholds.
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "io/dns.h"

namespace vs::probe {

enum class SipTransport { kUdp, kTcp, kTls };
std::string_view toString(SipTransport t);  // "udp", "tcp", "tls"
// The RFC 3261 default port: 5061 for TLS, else 5060.
inline std::uint16_t defaultPort(SipTransport t) { return t == SipTransport::kTls ? 5061 : 5060; }

struct SipOptionsParams {
  std::string host;
  std::uint16_t port = 5060;
  SipTransport transport = SipTransport::kUdp;
  std::chrono::milliseconds timeout{2000};
  std::string from_user = "voipscope";
  std::string from_domain;  // empty: the local address
  int max_forwards = 70;
  // UDP only: retransmit per RFC 3261 Timer A (500 ms, doubling) until the timeout. RTT is always
  // measured from the first transmission; retransmissions are reported.
  bool retransmit = true;
};

enum class SipOutcome {
  kResponse,       // a final response matched our request (any status code)
  kTimeout,
  kRefused,        // TCP RST, or UDP ICMP port unreachable
  kUnreachable,
  kResolveFailed,
  kBadResponse,    // bytes came back but were not a SIP response matching our transaction
  kError,
};
std::string_view toString(SipOutcome o);

struct SipOptionsResult {
  SipOutcome outcome = SipOutcome::kError;
  int status_code = 0;
  std::string reason;      // "OK"
  std::string status_line; // "SIP/2.0 200 OK"
  double rtt_ms = 0;       // first transmission to the final response
  int retransmissions = 0;
  int provisional = 0;     // 1xx responses seen
  std::string server;      // Server header
  std::string user_agent;  // User-Agent header
  std::string remote_address;  // "198.51.100.7:5060"
  std::string local_address;
  std::string raw_request;
  std::string raw_response;  // exactly as received (final response)
  std::string detail;        // why, when not kResponse
};

asio::awaitable<SipOptionsResult> sipOptions(io::Resolver& resolver, SipOptionsParams params);

}  // namespace vs::probe
