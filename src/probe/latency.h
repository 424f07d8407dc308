#pragma once
// A burst of N UDP probes at a fixed interval to a UDP echo responder or a SIP responder (OPTIONS),
// measuring RTT per probe. Probes are matched by sequence (echo) or Call-ID (SIP), never by arrival order;
// a reply after the per-probe timeout counts as lost (and is reported as late).
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/dns.h"

namespace vs::probe {

enum class LatencyMode { kUdpEcho, kSip };

struct LatencyParams {
  std::string host;
  std::uint16_t port = 0;
  LatencyMode mode = LatencyMode::kUdpEcho;
  int count = 20;
  std::chrono::milliseconds interval{50};
  std::chrono::milliseconds timeout{1000};  // per probe
  std::size_t payload_bytes = 172;          // echo mode: RTP-sized (12-byte header + 160 bytes G.711)
};

struct LatencyResult {
  bool ok = false;        // false: could not run at all (resolve/socket failure); detail says why
  std::string detail;
  std::string remote_address;
  int sent = 0;
  int received = 0;
  int late = 0;           // replies that arrived after their timeout (counted as lost)
  int duplicates = 0;
  std::vector<std::optional<double>> rtt_ms;  // per probe in send order; nullopt = lost
  // Derived from rtt_ms (see stats below); 0 when nothing was received.
  double min_ms = 0, avg_ms = 0, max_ms = 0;
  double jitter_ms = 0;  // mean |RTT(i) - RTT(i-1)| over consecutive received probes (IPDV, RFC 3393 style)
  double loss_pct = 0;   // (sent - received) / sent * 100
};

// Fills min/avg/max/jitter/loss from sent and rtt_ms: pure, tested on its own.
void computeLatencyStats(LatencyResult& r);

asio::awaitable<LatencyResult> measureLatency(io::Resolver& resolver, LatencyParams params);

}  // namespace vs::probe
