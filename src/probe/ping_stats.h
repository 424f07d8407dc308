#pragma once
// `sip ping` results as plain data (shared by the engine, the statistics and render/ping_render) and the
// statistics over them. No clock, no I/O, no asio: render includes this header for the types alone.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vs::probe {

// A header the far end (or something on the path) echoed differently from what was sent.
struct HeaderRewrite {
  std::string header;    // "Via", "From", "To", "Call-ID", "CSeq"
  std::string sent;      // the compared parts as sent, e.g. "127.0.0.1:5062;branch=z9hG4bK..."
  std::string received;  // the same parts as echoed
  std::uint64_t seq = 0; // the ping whose response showed it first
};

// One ping's fate, reported once, in send order per target.
struct PingResult {
  std::size_t target_index = 0;
  std::string target;        // as the user wrote it
  std::string transport;     // "udp" | "tcp"
  std::uint64_t seq = 0;     // 1-based per target
  std::int64_t sent_unix_ms = 0;
  bool received = false;     // a matching final response within the timeout
  double rtt_ms = 0;         // received only
  int status_code = 0;
  std::string status_line;   // "SIP/2.0 200 OK"
  std::string call_id;
  std::string responder;     // source address of the response, "127.0.0.1:5060"
  bool foreign_source = false;  // the response came from an address other than the target's
  int provisional = 0;       // 1xx responses seen (not used for the RTT)
  std::string reason;        // why not received: "timeout", "connection refused", ...
  // When the engine started this ping minus its planned time (the fixed schedule), µs: how late the
  // scheduler was (taken before any TCP/TLS connection set-up, which is network time).
  std::int64_t sched_error_us = 0;
  // TLS: the peer certificate, on the ping that opened the connection.
  std::string tls_subject;
  std::int64_t tls_not_after_ms = 0;
  std::string raw_request;   // filled when the engine keeps raw messages
  std::string raw_response;
};

// A response that matched a ping after that ping's timeout: the ping stays lost.
struct LateReply {
  std::size_t target_index = 0;
  std::string target;
  std::uint64_t seq = 0;
  double rtt_ms = 0;
  std::string status_line;
};

// What arrived that was not a usable reply, and connection events, per target.
struct PingCounters {
  std::uint64_t unparseable = 0;     // not SIP, truncated, not a response, or without a Call-ID
  std::uint64_t unmatched = 0;       // a response whose Call-ID + CSeq + branch match none of our pings
  std::uint64_t duplicates = 0;      // a second final response to a ping already decided
  std::uint64_t foreign_replies = 0; // replies from another address than the target
  std::uint64_t provisional = 0;     // 1xx responses
  std::uint64_t connects = 0;        // TCP connections established
  std::uint64_t reconnects = 0;      // TCP connections established after the first
  std::uint64_t connect_failures = 0;  // TCP connection attempts that failed (refused, timed out)
  std::uint64_t send_errors = 0;
};

// One run of consecutive lost pings.
struct Outage {
  std::uint64_t first_seq = 0;
  std::uint64_t lost = 0;
  std::int64_t start_unix_ms = 0;            // send time of the first lost ping
  std::optional<std::int64_t> end_unix_ms;   // send time of the next answered ping; nullopt: still going on
};

// Cheap figures for the periodic statistics line. RTT fields are 0 while nothing was received.
struct PingSnapshot {
  std::uint64_t sent = 0;  // pings decided (received + lost)
  std::uint64_t received = 0;
  std::uint64_t lost = 0;
  std::uint64_t late = 0;  // lost pings whose reply came after the timeout
  std::uint64_t longest_run = 0;  // longest run of consecutive losses, the current one included
  std::uint64_t last_run = 0;     // length of the last run that has ended (a reply came after it)
  std::uint64_t current_run = 0;  // losses since the last reply
  double min_ms = 0;
  double max_ms = 0;
  double avg_ms = 0;
  double lossPercent() const { return sent > 0 ? static_cast<double>(lost) * 100.0 / static_cast<double>(sent) : 0; }
};

struct PingSummary : PingSnapshot {
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;  // nearest rank over received RTTs
  double jitter_ms = 0;  // RFC 3550 style: J += (|D| - J) / 16, D = difference of consecutive received RTTs
  double stddev_ms = 0;  // population standard deviation of the received RTTs
  std::vector<Outage> outages;
};

// Fed with ping outcomes in send order.
class PingStats {
 public:
  void add(const PingResult& r);
  void addLate() { ++late_; }
  PingSnapshot snapshot() const;
  PingSummary summary() const;

 private:
  std::uint64_t sent_ = 0;
  std::uint64_t late_ = 0;
  std::uint64_t longest_run_ = 0;
  std::uint64_t last_run_ = 0;
  std::uint64_t current_run_ = 0;
  std::vector<double> rtts_;  // received RTTs in send order (a day at 1/s is 700 kB)
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
  double jitter_ = 0;
  std::vector<Outage> outages_;
};

// Nearest-rank percentile: the smallest value such that at least p % of the values are <= it, i.e.
// sorted[ceil(p / 100 * n) - 1] (the first value for p = 0). 0 for no values.
double nearestRankPercentile(std::vector<double> values, double p);

}  // namespace vs::probe
