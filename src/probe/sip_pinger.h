#pragma once
// `sip ping`: continuous SIP OPTIONS probing of many targets from one event loop. Each target has a
// fixed schedule (planned send times that never drift), several pings in flight, one socket for the run
// (or a fresh UDP socket per ping), responses matched by Call-ID + CSeq + top Via branch, late replies
// reported separately, and header rewrites (SIP ALG, proxies) detected once per header per run.
// TLS and RFC 3263 (NAPTR/SRV) resolution are not implemented yet: PingTransport and resolveTarget() in
// the .cpp are where they go.
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
#include "probe/ping_stats.h"
#include "probe/sip_options.h"

namespace vs::probe {

struct PingTarget {
  std::string text;  // as given
  std::string host;  // without brackets
  std::uint16_t port = 5060;
  SipTransport transport = SipTransport::kUdp;
};

struct SipPingOptions {
  std::vector<std::string> targets;  // host | host:port | sip:[user@]host[:port][;transport=tcp]
  std::uint16_t default_port = 5060;
  SipTransport transport = SipTransport::kUdp;  // a URI's ;transport= wins
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
};

struct SipPingCallbacks {
  std::function<void(const PingResult&)> on_result;  // per target in send order
  std::function<void(const LateReply&)> on_late;      // after the ping's on_result
  std::function<void(std::size_t target_index, const HeaderRewrite&)> on_rewrite;  // first per header
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
