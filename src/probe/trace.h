#pragma once
// Traceroute with a fixed flow identifier (Paris traceroute): every probe of a run has the same
// 5-tuple (UDP, TCP) or the same ICMP type/code/checksum/identifier, so a per-flow ECMP load balancer
// keeps all of them on one path; probes are told apart by a field no load balancer hashes on:
//   UDP:  the UDP checksum (the first two payload bytes are chosen to make it the probe's number)
//   TCP:  the SYN's sequence number (the destination's SYN-ACK / RST acknowledges seq + 1)
//   ICMP: the echo sequence number, with two payload bytes compensating so the checksum stays constant
// A router's time-exceeded quotes the probe's IP header and first transport bytes, which carry that
// field. Every round sends all hops' probes at once (q per hop) and waits for each probe's timeout.
// Needs raw sockets (root or CAP_NET_RAW).
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/dns.h"
#include "probe/trace_stats.h"

namespace vs::probe {

enum class TraceMode { kUdp, kTcp, kIcmp };

inline constexpr int kTraceMaxHops = 64;
inline constexpr int kTraceMaxProbesPerHop = 10;
inline constexpr int kTraceMaxCycles = 10000;
inline constexpr std::uint16_t kTraceDefaultUdpPort = 33434;
inline constexpr std::uint16_t kTraceDefaultTcpPort = 80;

struct TraceParams {
  std::string host;
  io::AddressFamily family = io::AddressFamily::kAny;
  TraceMode mode = TraceMode::kUdp;
  std::uint16_t port = 0;        // 0: 33434 (UDP) or 80 (TCP); unused for ICMP
  std::uint16_t src_port = 0;    // 0: one the kernel picks (and keeps reserved during the run)
  int first_ttl = 1;
  int max_hops = 30;
  int probes_per_hop = 3;        // -q
  int cycles = 1;
  std::chrono::milliseconds timeout{2000};   // per probe
  std::chrono::milliseconds interval{1000};  // between the starts of two rounds
  std::size_t payload_bytes = 12;  // UDP/ICMP payload (two of them are the Paris compensation)
  std::optional<int> dscp;
  bool resolve_names = true;       // reverse DNS of every hop
};

// The flow identifiers a run used (constant by design; shown with -v and in JSON, and checked by tests).
struct TraceFlow {
  std::string src_address;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t icmp_id = 0;
  std::uint16_t icmp_checksum = 0;  // ICMP mode: the constant checksum
};

struct TraceReport {
  bool ok = false;          // false: could not run at all; detail says why
  std::string detail;
  std::string target;
  std::string remote_address;
  TraceMode mode = TraceMode::kUdp;
  TraceFlow flow;
  int cycles_done = 0;
  bool reached = false;
  std::vector<HopStats> hops;  // ttl first_ttl.. up to the destination (or the last hop that answered)
};

struct TraceCallbacks {
  std::function<void(const TraceReport&)> on_round;  // after each round, with the statistics so far
};

asio::awaitable<TraceReport> runTrace(io::Resolver& resolver, TraceParams params, TraceCallbacks callbacks,
                                      const bool* stop = nullptr);

std::string traceModeName(TraceMode m);

}  // namespace vs::probe
