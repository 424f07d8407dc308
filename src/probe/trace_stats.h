#pragma once
// Per-hop statistics of a traceroute (mtr's columns) and the analysis of a finished trace: where the
// latency jumps, and whether loss stays at one hop (a router rate-limiting its ICMP answers while the
// hops after it answer fine) or carries on to the destination. Pure: no clock, no I/O.
#include <optional>
#include <string>
#include <vector>

namespace vs::probe {

struct HopStats {
  int ttl = 0;
  std::vector<std::string> addresses;  // responders, in order of first answer (more than one: ECMP)
  std::vector<std::string> names;      // reverse DNS, same order ("" when none)
  int sent = 0;
  int received = 0;
  std::optional<double> last_ms;
  double best_ms = 0, worst_ms = 0, avg_ms = 0, stdev_ms = 0;  // over received; 0 when none
  bool destination = false;           // the target itself answered at this hop
  std::string unreachable;            // "!H", "!N", "!P", "!X" ... when a router said so
  std::vector<double> samples;        // every RTT received, in order

  double lossPct() const { return sent > 0 ? 100.0 * (sent - received) / sent : 0; }
  void add(std::optional<double> rtt);  // one probe's outcome (nullopt: lost); updates the figures
};

inline constexpr double kDefaultJumpThresholdMs = 30;

struct LatencyJump {
  int ttl = 0;          // the hop where the latency goes up
  int from_ttl = 0;     // the previous hop that answered
  double delta_ms = 0;  // best RTT here - best RTT there (best: queueing noise cancels out)
};

enum class LossKind {
  kSingleHop,           // this hop loses, later hops do not: ICMP rate limiting / a busy control plane
  kCarriesToDestination // loss from this hop on, through the destination: real forwarding loss
};

struct LossFinding {
  LossKind kind = LossKind::kSingleHop;
  int ttl = 0;
  int lost = 0;
  int sent = 0;
  int destination_lost = 0;  // kCarriesToDestination: at the destination (or the last hop)
  int destination_sent = 0;
};

struct TraceAnalysis {
  std::vector<LatencyJump> jumps;
  std::vector<LossFinding> losses;
  std::vector<std::string> notes;  // one line each, for the report ("+41.2 ms at hop 2 (198.18.1.2)")
};

// hops in TTL order; reached: the destination answered.
TraceAnalysis analyzeTrace(const std::vector<HopStats>& hops, bool reached, double jump_threshold_ms);

}  // namespace vs::probe
