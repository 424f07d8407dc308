#pragma once
// ICMP echo ("ping"), IPv4 and IPv6, on a raw socket when permitted or the unprivileged ICMP datagram
// socket otherwise. Replies are matched by (identifier, sequence), never by arrival order: a second
// reply to one sequence is a duplicate, a reply after that probe's timeout is late (the probe stays lost).
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/dns.h"

namespace vs::probe {

// Bounded by default, and never a flood: see docs/ping-trace.md.
inline constexpr int kPingDefaultCount = 5;
inline constexpr int kPingMaxCount = 65535;  // one 16-bit sequence space: no wrap-around ambiguity
inline constexpr std::chrono::milliseconds kPingMinInterval{10};
inline constexpr std::size_t kPingDefaultPayload = 56;
inline constexpr std::size_t kPingMaxPayload = 65507;

struct IcmpPingParams {
  std::string host;
  io::AddressFamily family = io::AddressFamily::kAny;
  int count = kPingDefaultCount;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{2000};  // per probe (-W)
  std::size_t payload_bytes = kPingDefaultPayload;
  std::optional<int> dscp;
  std::optional<int> ttl;
};

// kStarted: once, before the first request (from: the address pinged, detail: "raw" | "datagram").
enum class PingEventKind { kStarted, kReply, kDuplicate, kLate, kError, kTimeout };

struct PingEvent {
  PingEventKind kind = PingEventKind::kReply;
  std::uint16_t seq = 0;       // 1-based, as ping(8) prints it
  std::string from;            // the replying address
  std::optional<int> ttl;
  double rtt_ms = 0;           // reply, duplicate, late
  std::size_t bytes = 0;       // ICMP bytes received (header + payload), as ping(8) prints them
  std::string detail;          // kError: "Time to live exceeded", ...
};

struct PingStatistics {
  int transmitted = 0, received = 0, duplicates = 0, late = 0, errors = 0;
  double loss_pct = 0;
  // Over the received (in-time) replies; 0 when none.
  double min_ms = 0, avg_ms = 0, max_ms = 0;
  double mdev_ms = 0;    // ping(8): sqrt(mean(rtt^2) - mean(rtt)^2)
  double jitter_ms = 0;  // RFC 3550 estimator over consecutive received RTTs: J += (|D| - J) / 16
};

// Pure: from the per-probe RTTs in send order (nullopt = lost) and the counters.
PingStatistics computePingStatistics(const std::vector<std::optional<double>>& rtts, int duplicates, int late, int errors);

struct IcmpPingResult {
  bool ok = false;            // false: could not run (resolve or socket failure); detail says why
  std::string detail;
  std::string target;
  std::string remote_address;
  std::string socket_kind;    // "raw" | "datagram"
  std::size_t payload_bytes = 0;
  std::vector<std::optional<double>> rtt_ms;  // per probe, send order
  PingStatistics stats;
};

// Runs params.count probes; on_event (may be empty) sees every reply, duplicate, late reply, ICMP error
// and timeout as it happens. `stop` (may be null) ends the run early when set.
asio::awaitable<IcmpPingResult> icmpPing(io::Resolver& resolver, IcmpPingParams params,
                                         std::function<void(const PingEvent&)> on_event, const bool* stop = nullptr);

}  // namespace vs::probe
