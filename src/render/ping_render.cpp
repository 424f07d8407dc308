#include "render/ping_render.h"

#include <fmt/format.h>

#include "core/time.h"
#include "render/escape.h"

namespace vs::render {
namespace {

std::string unixSeconds(std::int64_t ms) { return fmt::format("{}.{:03}", ms / 1000, ms % 1000); }

// Replaces control characters a peer could put in a status line, so one ping stays one terminal line.
std::string printable(std::string_view v) {
  std::string out;
  for (char c : v) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return out;
}

}  // namespace

std::string renderPingLine(const probe::PingResult& r) {
  auto head = fmt::format("{}  {}  #{}  {}", formatIso8601(r.sent_unix_ms), r.target, r.seq, r.call_id);
  if (!r.received) return fmt::format("{}  {}", head, r.reason.empty() ? "timeout" : r.reason);
  auto line = fmt::format("{}  {:.3f} ms  {}", head, r.rtt_ms, printable(r.status_line));
  if (r.foreign_source) line += fmt::format("  (from {}, not the target)", r.responder);
  return line;
}

std::string renderLateLine(const probe::LateReply& late) {
  return fmt::format("{}  #{}  late reply after {:.3f} ms: {} (ping stays lost)", late.target, late.seq, late.rtt_ms,
                     printable(late.status_line));
}

std::string renderStatsLine(std::string_view target, const probe::PingSnapshot& s) {
  return fmt::format(
      "{}: {} sent, {} received, {} lost ({:.1f}%), {} late | loss runs: longest {}, last {}, current {} | "
      "rtt min/avg/max {:.3f}/{:.3f}/{:.3f} ms",
      target, s.sent, s.received, s.lost, s.lossPercent(), s.late, s.longest_run, s.last_run, s.current_run,
      s.min_ms, s.avg_ms, s.max_ms);
}

std::string renderSummary(std::string_view target, std::string_view remote, const probe::PingSummary& s,
                          const probe::PingCounters& c, const std::vector<probe::HeaderRewrite>& rewrites) {
  std::string out = fmt::format("--- {} ({}) sip ping statistics ---\n", target, remote);
  out += fmt::format("{} sent, {} received, {} lost ({:.1f}%), {} late\n", s.sent, s.received, s.lost,
                     s.lossPercent(), s.late);
  out += fmt::format("loss runs: longest {}, last {}, current {}\n", s.longest_run, s.last_run, s.current_run);
  if (s.received > 0) {
    out += fmt::format("rtt min/avg/max {:.3f}/{:.3f}/{:.3f} ms, p50/p95/p99 {:.3f}/{:.3f}/{:.3f} ms\n", s.min_ms,
                       s.avg_ms, s.max_ms, s.p50_ms, s.p95_ms, s.p99_ms);
    out += fmt::format("jitter {:.3f} ms (RFC 3550 smoothed), stddev {:.3f} ms\n", s.jitter_ms, s.stddev_ms);
  }
  out += fmt::format("outages: {}\n", s.outages.size());
  for (const auto& o : s.outages) {
    out += fmt::format("  {} -> {}  {} lost from #{}\n", formatIso8601(o.start_unix_ms),
                       o.end_unix_ms ? formatIso8601(*o.end_unix_ms) : std::string("(ongoing)"), o.lost, o.first_seq);
  }
  out += fmt::format("ignored: {} unparseable, {} unmatched, {} duplicate; {} provisional; {} from other addresses\n",
                     c.unparseable, c.unmatched, c.duplicates, c.provisional, c.foreign_replies);
  if (c.connects > 0 || c.connect_failures > 0 || c.send_errors > 0) {
    out += fmt::format("connections: {} ({} reconnects, {} failed attempts); {} send errors\n", c.connects,
                       c.reconnects, c.connect_failures, c.send_errors);
  }
  out += fmt::format("header rewrites: {}\n", rewrites.empty() ? "none" : std::to_string(rewrites.size()));
  for (const auto& rw : rewrites) out += renderRewrite(target, rw, true) + "\n";
  return out;
}

std::string renderRewrite(std::string_view target, const probe::HeaderRewrite& rw, bool diff) {
  auto line = fmt::format("header rewrite on {}: {} (ping #{})", target, rw.header, rw.seq);
  if (diff) line += fmt::format("\n  - sent     {}: {}\n  + received {}: {}", rw.header, printable(rw.sent),
                                rw.header, printable(rw.received));
  return line;
}

std::string csvHeader() {
  return "time,unix_timestamp,responding_host,latency_ms,call_id,status_line,transport,target";
}

std::string csvRow(const probe::PingResult& r) {
  return fmt::format("{},{},{},{},{},{},{},{}", formatIso8601(r.sent_unix_ms), unixSeconds(r.sent_unix_ms),
                     csvField(r.received ? r.responder : ""),
                     r.received ? fmt::format("{:.3f}", r.rtt_ms) : std::string("drop"), csvField(r.call_id),
                     csvField(r.received ? r.status_line : r.reason), r.transport, csvField(r.target));
}

std::string registerCsvHeader() {
  return "time,unix_timestamp,registrar,latency_ms,call_id,status_line,transport,target";
}

std::string registerCsvRow(const probe::PingResult& r, std::string_view outcome, std::string_view registrar) {
  return fmt::format("{},{},{},{},{},{},{},{}", formatIso8601(r.sent_unix_ms), unixSeconds(r.sent_unix_ms),
                     csvField(registrar),
                     r.received ? fmt::format("{:.3f}", r.rtt_ms) : std::string(outcome), csvField(r.call_id),
                     csvField(r.status_line), r.transport, csvField(r.target));
}

std::string renderTlsPeer(std::string_view target, const io::TlsInfo& tls) {
  return fmt::format("TLS peer of {}: {} (issuer {}), {}, expires {}, {}", target, printable(tls.subject),
                     printable(tls.issuer), tls.version, formatIso8601(tls.not_after_ms),
                     tls.verified ? std::string("verified")
                                  : fmt::format("NOT verified ({}), --insecure", printable(tls.verify_error)));
}

std::string jsonlRow(const probe::PingResult& r) {
  std::string out = fmt::format("{{\"time\":{},\"unix_ms\":{},\"target\":{},\"transport\":{},\"seq\":{},\"call_id\":{}",
                                jsonString(formatIso8601(r.sent_unix_ms)), r.sent_unix_ms, jsonString(r.target),
                                jsonString(r.transport), r.seq, jsonString(r.call_id));
  if (r.received) {
    out += fmt::format(",\"received\":true,\"rtt_ms\":{:.3f},\"status_code\":{},\"status_line\":{},\"responder\":{}",
                       r.rtt_ms, r.status_code, jsonString(r.status_line), jsonString(r.responder));
    if (r.foreign_source) out += ",\"foreign_source\":true";
  } else {
    out += fmt::format(",\"received\":false,\"reason\":{}", jsonString(r.reason));
  }
  if (r.provisional > 0) out += fmt::format(",\"provisional\":{}", r.provisional);
  out += fmt::format(",\"sched_error_us\":{}", r.sched_error_us);
  if (!r.tls_subject.empty()) {
    out += fmt::format(",\"tls_subject\":{},\"tls_not_after\":{}", jsonString(r.tls_subject),
                       jsonString(formatIso8601(r.tls_not_after_ms)));
  }
  return out + "}";
}

}  // namespace vs::render
