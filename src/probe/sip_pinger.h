#pragma once
// `sip ping`: continuous SIP OPTIONS probing of many targets from one event loop. Each target has a
// fixed schedule (planned send times that never drift), several pings in flight, one socket for the run
// (or a fresh UDP socket per ping), responses matched by Call-ID + CSeq + top Via branch, late replies
// reported separately, and header rewrites (SIP ALG, proxies) detected once per header per run.
// TLS (sips: or --transport tls) keeps one verified connection per target and reconnects on the next ping
// after a failure.
#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "io/dns.h"
#include "io/tls_stream.h"
#include "probe/ping_stats.h"
#include "probe/sip_options.h"

namespace vs::probe {

struct PingTarget {
  std::string text;  // as given
  std::string host;  // without brackets
  std::uint16_t port = 5060;
  SipTransport transport = SipTransport::kUdp;
  bool explicit_port = false;       // given in the target (RFC 3263: then no SRV lookup)
  bool explicit_transport = false;  // sips:, ;transport= or --transport (RFC 3263: then no NAPTR choice)
};

struct SipPingOptions {
  std::vector<std::string> targets;  // host | host:port | sip:/sips:[user@]host[:port][;transport=tcp|tls]
  std::optional<std::uint16_t> default_port;  // unset: 5060, or 5061 for TLS
  SipTransport transport = SipTransport::kUdp;  // a URI's ;transport= (or sips:) wins
  bool transport_given = false;  // the user chose `transport` (else RFC 3263 NAPTR may choose)
  io::AddressFamily family = io::AddressFamily::kAny;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{1000};
  std::uint64_t count = 0;  // pings per target; 0: until stop()
  std::string from_user = "voipscope";
  std::string from_domain;  // empty: the Via host
  std::string via_host;     // empty: the local address of the socket
  int max_forwards = 70;
  std::optional<int> dscp;  // 0..63, written as the TOS / traffic class byte dscp << 2
  bool new_port_per_ping = false;  // UDP: a fresh socket (source port) per ping, like sipping
  bool keep_raw = false;           // fill PingResult::raw_request / raw_response
  io::TlsClientOptions tls;        // certificate checks for TLS targets
  // How long a lost ping's late reply is still recognised. At the end of a counted run the engine waits
  // one more timeout for late replies before it returns.
  std::chrono::milliseconds late_window{32000};
};

// Parses and checks the targets without resolving them: errors are usage errors.
Result<std::vector<PingTarget>> parsePingTargets(const SipPingOptions& options);

struct TargetReport {
  PingTarget target;
  std::string remote_address;  // "127.0.0.1:5060"
  std::string local_address;   // of the run's socket (UDP) or the last connection (TCP)
  PingCounters counters;
  std::vector<HeaderRewrite> rewrites;  // first rewrite of each header
  std::optional<io::TlsInfo> tls;       // the peer certificate of the last TLS handshake
  std::string resolution;               // RFC 3263 path, empty for a numeric IP (see SipDestination::how)
};

struct SipPingCallbacks {
  std::function<void(const PingResult&)> on_result;  // per target in send order
  std::function<void(const LateReply&)> on_late;      // after the ping's on_result
  std::function<void(std::size_t target_index, const HeaderRewrite&)> on_rewrite;  // first per header
  // A TLS peer certificate: on the first handshake, and again only when a reconnect shows another one.
  std::function<void(std::size_t target_index, const io::TlsInfo&)> on_tls;
  // How a host name was resolved (RFC 3263), once per target before the first ping.
  std::function<void(std::size_t target_index, const std::string& how)> on_resolved;
  // Unusable bytes, for -X: target index and what arrived.
  std::function<void(std::size_t target_index, std::string_view what, std::string_view bytes)> on_noise;
};

class SipPinger {
 public:
  SipPinger(asio::any_io_executor executor, io::Resolver& resolver, SipPingOptions options,
            SipPingCallbacks callbacks);
  ~SipPinger();
  SipPinger(const SipPinger&) = delete;
  SipPinger& operator=(const SipPinger&) = delete;

  // Resolves every target and opens its socket, then pings until each target has sent `count` pings
  // (and their fate is known) or stop() is called. Fails before sending anything when a target does not
  // parse, resolve, or its socket cannot be opened.
  asio::awaitable<Result<std::vector<TargetReport>>> run();
  // Ends the run at once; pings still in flight are not reported. Call on the executor's thread.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vs::probe
