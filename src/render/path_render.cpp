#include "render/path_render.h"

#include <fmt/format.h>

#include <cmath>

namespace vs::render {
namespace {

std::string jstr(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (u < 0x20 || u == 0x7f) out += fmt::format("\\u{:04x}", u);
        else out += c;
    }
  }
  return out + "\"";
}

// Milliseconds as ping(8) prints them: three decimals below 100 ms, fewer above.
std::string ms(double v) {
  if (v >= 100) return fmt::format("{:.1f}", v);
  if (v >= 10) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3f}", v);
}

std::string num(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "null"; }

}  // namespace

std::string renderPingHeader(const std::string& target, const std::string& address, std::size_t payload, bool v6) {
  if (v6) return fmt::format("PING {} ({}) {} data bytes", target, address, payload);
  return fmt::format("PING {} ({}) {}({}) bytes of data.", target, address, payload, payload + 28);
}

std::string renderPingEvent(const probe::PingEvent& e) {
  const std::string ttl = e.ttl ? fmt::format(" ttl={}", *e.ttl) : std::string();
  switch (e.kind) {
    case probe::PingEventKind::kReply:
      return fmt::format("{} bytes from {}: icmp_seq={}{} time={} ms", e.bytes, e.from, e.seq, ttl, ms(e.rtt_ms));
    case probe::PingEventKind::kDuplicate:
      return fmt::format("{} bytes from {}: icmp_seq={}{} time={} ms (DUP!)", e.bytes, e.from, e.seq, ttl, ms(e.rtt_ms));
    case probe::PingEventKind::kLate:
      return fmt::format("{} bytes from {}: icmp_seq={}{} late reply after {} ms (counted as lost)", e.bytes, e.from,
                         e.seq, ttl, ms(e.rtt_ms));
    case probe::PingEventKind::kError:
      if (e.from.empty()) return fmt::format("icmp_seq={} {}", e.seq, e.detail);
      return fmt::format("From {} icmp_seq={} {}", e.from, e.seq, e.detail);
    case probe::PingEventKind::kTimeout: return fmt::format("no answer yet for icmp_seq={}", e.seq);
    case probe::PingEventKind::kStarted: return "";
  }
  return "";
}

std::string renderPingSummary(const probe::IcmpPingResult& r) {
  const auto& s = r.stats;
  std::string out = fmt::format("--- {} ping statistics ---\n", r.target);
  out += fmt::format("{} packets transmitted, {} received", s.transmitted, s.received);
  if (s.duplicates > 0) out += fmt::format(", +{} duplicates", s.duplicates);
  if (s.errors > 0) out += fmt::format(", +{} errors", s.errors);
  if (s.late > 0) out += fmt::format(", {} late", s.late);
  out += fmt::format(", {:g}% packet loss\n", std::round(s.loss_pct * 1000) / 1000);
  if (s.received > 0) {
    out += fmt::format("rtt min/avg/max/mdev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms, jitter {:.3f} ms\n", s.min_ms, s.avg_ms,
                       s.max_ms, s.mdev_ms, s.jitter_ms);
  }
  return out;
}

std::string pingJson(const probe::IcmpPingResult& r) {
  const auto& s = r.stats;
  std::string rtts = "[";
  for (std::size_t i = 0; i < r.rtt_ms.size(); ++i) {
    if (i) rtts += ",";
    rtts += r.rtt_ms[i] ? num(*r.rtt_ms[i]) : "null";
  }
  rtts += "]";
  return fmt::format(
      "{{\"target\":{},\"address\":{},\"socket\":{},\"payload_bytes\":{},\"transmitted\":{},\"received\":{},"
      "\"duplicates\":{},\"late\":{},\"errors\":{},\"loss_pct\":{},\"rtt_min_ms\":{},\"rtt_avg_ms\":{},"
      "\"rtt_max_ms\":{},\"rtt_mdev_ms\":{},\"jitter_ms\":{},\"rtt_ms\":{}}}",
      jstr(r.target), jstr(r.remote_address), jstr(r.socket_kind), r.payload_bytes, s.transmitted, s.received,
      s.duplicates, s.late, s.errors, num(s.loss_pct), num(s.min_ms), num(s.avg_ms), num(s.max_ms), num(s.mdev_ms),
      num(s.jitter_ms), rtts);
}

std::string renderTraceTable(const probe::TraceReport& r) {
  std::string out = fmt::format("{:>3}  {:<44} {:>6} {:>4} {:>7} {:>7} {:>7} {:>7} {:>7}\n", "Hop", "Host", "Loss%",
                                "Snt", "Last", "Avg", "Best", "Wrst", "StDev");
  for (const auto& h : r.hops) {
    std::string host = "???";
    if (!h.addresses.empty()) {
      const auto& name = h.names.empty() ? std::string() : h.names.front();
      host = name.empty() ? h.addresses.front() : fmt::format("{} ({})", name, h.addresses.front());
      if (!h.unreachable.empty()) host += " " + h.unreachable;
    }
    auto f = [&](double v) { return h.received > 0 ? fmt::format("{:.1f}", v) : std::string("-"); };
    out += fmt::format("{:>3}. {:<44} {:>5.1f}% {:>4} {:>7} {:>7} {:>7} {:>7} {:>7}\n", h.ttl, host, h.lossPct(), h.sent,
                       h.last_ms ? fmt::format("{:.1f}", *h.last_ms) : std::string("-"), f(h.avg_ms), f(h.best_ms),
                       f(h.worst_ms), f(h.stdev_ms));
    // More responders at one TTL: a load balancer sent some probes elsewhere (should not happen with a
    // fixed flow, so it is worth showing).
    for (std::size_t i = 1; i < h.addresses.size(); ++i) {
      const auto& name = i < h.names.size() ? h.names[i] : std::string();
      out += fmt::format("     {}\n", name.empty() ? h.addresses[i] : fmt::format("{} ({})", name, h.addresses[i]));
    }
  }
  return out;
}

std::string renderTraceAnalysis(const probe::TraceReport& r, const probe::TraceAnalysis& a) {
  std::string out;
  if (r.reached) {
    out += fmt::format("destination {} reached at hop {}\n", r.remote_address, r.hops.empty() ? 0 : r.hops.back().ttl);
  } else {
    out += fmt::format("destination {} not reached\n", r.remote_address);
  }
  for (const auto& n : a.notes) out += n + "\n";
  return out;
}

std::string traceJson(const probe::TraceReport& r, const probe::TraceAnalysis& a, double jump_threshold_ms) {
  std::string hops = "[";
  for (std::size_t i = 0; i < r.hops.size(); ++i) {
    const auto& h = r.hops[i];
    std::string addrs = "[", names = "[", samples = "[";
    for (std::size_t k = 0; k < h.addresses.size(); ++k) {
      addrs += (k ? "," : "") + jstr(h.addresses[k]);
      names += (k ? "," : "") + jstr(k < h.names.size() ? h.names[k] : "");
    }
    for (std::size_t k = 0; k < h.samples.size(); ++k) samples += (k ? "," : "") + num(h.samples[k]);
    hops += fmt::format(
        "{}{{\"hop\":{},\"addresses\":{}],\"names\":{}],\"sent\":{},\"received\":{},\"loss_pct\":{},\"last_ms\":{},"
        "\"avg_ms\":{},\"best_ms\":{},\"worst_ms\":{},\"stdev_ms\":{},\"destination\":{},\"unreachable\":{},\"rtt_ms\":{}]}}",
        i ? "," : "", h.ttl, addrs, names, h.sent, h.received, num(h.lossPct()),
        h.last_ms ? num(*h.last_ms) : "null", h.received ? num(h.avg_ms) : "null", h.received ? num(h.best_ms) : "null",
        h.received ? num(h.worst_ms) : "null", h.received ? num(h.stdev_ms) : "null", h.destination ? "true" : "false",
        jstr(h.unreachable), samples);
  }
  hops += "]";
  std::string jumps = "[";
  for (std::size_t i = 0; i < a.jumps.size(); ++i) {
    jumps += fmt::format("{}{{\"hop\":{},\"from_hop\":{},\"delta_ms\":{}}}", i ? "," : "", a.jumps[i].ttl,
                         a.jumps[i].from_ttl, num(a.jumps[i].delta_ms));
  }
  jumps += "]";
  std::string losses = "[";
  for (std::size_t i = 0; i < a.losses.size(); ++i) {
    const auto& l = a.losses[i];
    losses += fmt::format("{}{{\"hop\":{},\"kind\":{},\"lost\":{},\"sent\":{},\"destination_lost\":{},"
                          "\"destination_sent\":{}}}",
                          i ? "," : "", l.ttl,
                          jstr(l.kind == probe::LossKind::kSingleHop ? "single_hop" : "carries_to_destination"), l.lost,
                          l.sent, l.destination_lost, l.destination_sent);
  }
  losses += "]";
  std::string notes = "[";
  for (std::size_t i = 0; i < a.notes.size(); ++i) notes += (i ? "," : "") + jstr(a.notes[i]);
  notes += "]";
  return fmt::format(
      "{{\"target\":{},\"address\":{},\"mode\":{},\"flow\":{{\"src_address\":{},\"src_port\":{},\"dst_port\":{},"
      "\"icmp_id\":{},\"icmp_checksum\":{}}},\"cycles\":{},\"reached\":{},\"hop_count\":{},\"jump_threshold_ms\":{},"
      "\"hops\":{},\"latency_jumps\":{},\"losses\":{},\"notes\":{}}}",
      jstr(r.target), jstr(r.remote_address), jstr(probe::traceModeName(r.mode)), jstr(r.flow.src_address),
      r.flow.src_port, r.flow.dst_port, r.flow.icmp_id, r.flow.icmp_checksum, r.cycles_done,
      r.reached ? "true" : "false", r.hops.empty() ? 0 : r.hops.back().ttl, num(jump_threshold_ms), hops, jumps, losses,
      notes);
}

}  // namespace vs::render
