#include "scan/evaluate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace vs::scan {
namespace {

std::string ms(double v) { return v < 10 ? fmt::format("{:.2f} ms", v) : fmt::format("{:.1f} ms", v); }

// Applies warn/fail thresholds (0 or negative = not set) to a value where larger is worse.
Status grade(double value, double warn, double fail) {
  if (fail > 0 && value > fail) return Status::kFail;
  if (warn > 0 && value > warn) return Status::kWarn;
  return Status::kPass;
}

}  // namespace

CheckResult baseResult(const CheckSpec& spec, std::string target) {
  CheckResult r;
  r.check_id = spec.id;
  r.type = spec.type;
  r.category = spec.category;
  r.target = std::move(target);
  r.status = Status::kError;
  return r;
}

void finish(CheckResult& r, const CheckSpec& spec) {
  if (r.status == Status::kWarn || r.status == Status::kFail || r.status == Status::kError) {
    r.remediation = spec.remediation;
  } else {
    r.remediation.clear();
  }
}

void evaluateDns(CheckResult& r, const CheckSpec& spec, const Result<io::ResolveAnswer>& answer) {
  if (!answer) {
    r.status = Status::kFail;
    r.message = answer.error().message;
    finish(r, spec);
    return;
  }
  const auto& a = *answer;
  std::vector<std::string> addrs;
  for (const auto& ip : a.addresses) addrs.push_back(ip.to_string());
  std::string joined = fmt::format("{}", fmt::join(addrs, ", "));
  r.measurements.push_back({"resolve_time", a.elapsed_ms, "ms"});
  r.measurements.push_back({"addresses", static_cast<double>(addrs.size()), "count"});
  r.evidence["addresses"] = joined;

  std::vector<std::string> missing;
  for (const auto& want : spec.getStringList("expect_addresses")) {
    if (std::find(addrs.begin(), addrs.end(), want) == addrs.end()) missing.push_back(want);
  }
  if (addrs.empty()) {
    r.status = Status::kFail;
    r.message = "no addresses in the answer";
  } else if (!missing.empty()) {
    r.status = Status::kFail;
    r.message = fmt::format("resolved to {} but not to expected {}", joined, fmt::join(missing, ", "));
  } else {
    r.status = grade(a.elapsed_ms, spec.getNumber("warn_ms", defaults::kDnsWarnMs), spec.getNumber("fail_ms", 0));
    r.message = fmt::format("resolved to {} in {}", joined, ms(a.elapsed_ms));
    if (r.status != Status::kPass) r.message += " (slow resolver)";
  }
  finish(r, spec);
}

void evaluateTcp(CheckResult& r, const CheckSpec& spec, const probe::TcpConnectResult& tcp) {
  using probe::TcpOutcome;
  std::int64_t timeout = spec.getInt("timeout_ms", defaults::kTimeoutMs);
  if (!tcp.address.empty()) r.evidence["address"] = tcp.address;
  if (!tcp.detail.empty()) r.evidence["detail"] = tcp.detail;
  r.evidence["outcome"] = std::string(toString(tcp.outcome));
  switch (tcp.outcome) {
    case TcpOutcome::kConnected:
      r.measurements.push_back({"connect_time", tcp.connect_ms, "ms"});
      r.status = grade(tcp.connect_ms, spec.getNumber("warn_ms", defaults::kTcpWarnMs), 0);
      r.message = fmt::format("connected to {} in {}", tcp.address, ms(tcp.connect_ms));
      break;
    case TcpOutcome::kRefused:
      r.status = Status::kFail;
      r.message = fmt::format("connection refused by {}: the host answers but nothing accepts on that port", tcp.address);
      break;
    case TcpOutcome::kTimeout:
      r.status = Status::kFail;
      r.message = fmt::format("no answer from {} within {} ms: filtered by a firewall, or the host is down",
                              tcp.address, timeout);
      break;
    case TcpOutcome::kUnreachable:
      r.status = Status::kFail;
      r.message = fmt::format("{} unreachable: {}", tcp.address.empty() ? r.target : tcp.address,
                              tcp.detail.empty() ? "no route" : tcp.detail);
      break;
    case TcpOutcome::kResolveFailed:
      r.status = Status::kFail;
      r.message = "cannot resolve: " + tcp.detail;
      break;
    case TcpOutcome::kError:
      r.status = Status::kError;
      r.message = "connect failed: " + tcp.detail;
      break;
  }
  finish(r, spec);
}

void evaluateSipOptions(CheckResult& r, const CheckSpec& spec, const probe::SipOptionsResult& sip) {
  using probe::SipOutcome;
  if (!sip.remote_address.empty()) r.evidence["address"] = sip.remote_address;
  if (!sip.raw_request.empty()) r.evidence["sip_request"] = sip.raw_request;
  if (!sip.raw_response.empty()) r.evidence["sip_response"] = sip.raw_response;
  if (!sip.server.empty()) r.evidence["server"] = sip.server;
  if (!sip.user_agent.empty()) r.evidence["user_agent"] = sip.user_agent;
  if (sip.retransmissions > 0) {
    r.measurements.push_back({"retransmissions", static_cast<double>(sip.retransmissions), "count"});
  }
  std::int64_t timeout = spec.getInt("timeout_ms", defaults::kSipTimeoutMs);
  switch (sip.outcome) {
    case SipOutcome::kResponse: {
      r.measurements.push_back({"rtt", sip.rtt_ms, "ms"});
      r.measurements.push_back({"status_code", static_cast<double>(sip.status_code), "code"});
      std::string who = !sip.server.empty() ? sip.server : sip.user_agent;
      r.message = fmt::format("{} {} in {}{}", sip.status_code, sip.reason, ms(sip.rtt_ms),
                              who.empty() ? "" : " (" + who + ")");
      if (sip.status_code >= 200 && sip.status_code < 300) {
        r.status = grade(sip.rtt_ms, spec.getNumber("warn_ms", defaults::kSipWarnMs),
                         spec.getNumber("fail_ms", defaults::kSipFailMs));
      } else {
        std::string policy = spec.getString("non_2xx", "warn");
        r.status = policy == "pass" ? Status::kPass : policy == "fail" ? Status::kFail : Status::kWarn;
        r.message += ": the peer answers SIP but rejected OPTIONS";
        if (r.status == Status::kPass) {
          r.status = grade(sip.rtt_ms, spec.getNumber("warn_ms", defaults::kSipWarnMs),
                           spec.getNumber("fail_ms", defaults::kSipFailMs));
        }
      }
      break;
    }
    case SipOutcome::kTimeout:
      r.status = Status::kFail;
      r.message = fmt::format("no SIP response within {} ms{}", timeout,
                              sip.retransmissions > 0 ? fmt::format(" ({} retransmissions)", sip.retransmissions) : "");
      if (!sip.detail.empty()) r.message += "; " + sip.detail;
      break;
    case SipOutcome::kRefused:
      r.status = Status::kFail;
      r.message = fmt::format("refused by {}: nothing listens for SIP there", sip.remote_address);
      break;
    case SipOutcome::kUnreachable:
      r.status = Status::kFail;
      r.message = "unreachable: " + sip.detail;
      break;
    case SipOutcome::kResolveFailed:
      r.status = Status::kFail;
      r.message = "cannot resolve: " + sip.detail;
      break;
    case SipOutcome::kBadResponse:
      r.status = Status::kFail;
      r.message = "bad SIP response: " + sip.detail;
      break;
    case SipOutcome::kError:
      r.status = Status::kError;
      r.message = "SIP probe failed: " + sip.detail;
      break;
  }
  finish(r, spec);
}

void evaluateHttp(CheckResult& r, const CheckSpec& spec, const Result<io::HttpResponse>& response,
                  std::int64_t now_unix_ms) {
  if (!response) {
    r.status = Status::kFail;
    r.message = response.error().message;
    finish(r, spec);
    return;
  }
  const auto& h = *response;
  r.measurements.push_back({"total_time", h.total_ms, "ms"});
  r.measurements.push_back({"connect_time", h.connect_ms, "ms"});
  r.measurements.push_back({"status_code", static_cast<double>(h.status), "code"});
  if (!h.remote_address.empty()) r.evidence["address"] = h.remote_address;

  auto expected = spec.getIntList("expect_status");
  bool status_ok = expected.empty() ? (h.status >= 200 && h.status < 400)
                                    : std::find(expected.begin(), expected.end(), h.status) != expected.end();
  std::vector<std::string> problems;
  Status st = Status::kPass;
  if (!status_ok) {
    st = Status::kFail;
    problems.push_back(fmt::format("unexpected HTTP status {}", h.status));
  }
  std::string tls_note;
  if (h.tls) {
    const auto& t = *h.tls;
    r.evidence["tls_version"] = t.version;
    r.evidence["tls_subject"] = t.subject;
    r.evidence["tls_issuer"] = t.issuer;
    double days = static_cast<double>(t.not_after_ms - now_unix_ms) / 86'400'000.0;
    r.measurements.push_back({"cert_days_left", std::floor(days * 10) / 10, "days"});
    if (!t.verified) {
      r.evidence["tls_verify_error"] = t.verify_error;
      if (!spec.getBool("insecure", false)) {
        st = Status::kFail;
        problems.push_back("certificate not trusted: " + t.verify_error);
      }
    }
    if (days < static_cast<double>(spec.getInt("cert_fail_days", defaults::kCertFailDays))) {
      st = Status::kFail;
      problems.push_back(days < 0 ? fmt::format("certificate expired {:.0f} days ago", -days)
                                  : fmt::format("certificate expires in {:.0f} days", days));
    } else if (days < static_cast<double>(spec.getInt("cert_warn_days", defaults::kCertWarnDays))) {
      st = std::max(st, Status::kWarn);
      problems.push_back(fmt::format("certificate expires in {:.0f} days", days));
    }
    tls_note = fmt::format(", {} cert {} valid {:.0f} more days", t.version, t.subject, std::max(0.0, days));
  }
  Status time_st = grade(h.total_ms, spec.getNumber("warn_ms", defaults::kHttpWarnMs), 0);
  if (time_st != Status::kPass) {
    problems.push_back(fmt::format("slow: {} > {} ms", ms(h.total_ms), spec.getNumber("warn_ms", defaults::kHttpWarnMs)));
    st = std::max(st, time_st);
  }
  r.status = st;
  r.message = fmt::format("HTTP {} {} in {}{}", h.status, h.reason, ms(h.total_ms), tls_note);
  if (!problems.empty()) r.message += fmt::format(": {}", fmt::join(problems, "; "));
  finish(r, spec);
}

namespace {
// Latency (average RTT), jitter and loss against the template's thresholds, shared by the latency and
// icmp checks: the worst of the three, and the message names the ones over their threshold.
void gradePathQuality(CheckResult& r, const CheckSpec& spec, double avg_ms, double jitter_ms, double loss_pct) {
  Status s_lat = grade(avg_ms, spec.getNumber("latency_warn_ms", defaults::kLatencyWarnMs),
                       spec.getNumber("latency_fail_ms", defaults::kLatencyFailMs));
  Status s_jit = grade(jitter_ms, spec.getNumber("jitter_warn_ms", defaults::kJitterWarnMs),
                       spec.getNumber("jitter_fail_ms", defaults::kJitterFailMs));
  Status s_loss = grade(loss_pct, spec.getNumber("loss_warn_pct", defaults::kLossWarnPct),
                        spec.getNumber("loss_fail_pct", defaults::kLossFailPct));
  r.status = std::max({s_lat, s_jit, s_loss});
  std::vector<std::string> over;
  if (s_lat != Status::kPass) over.push_back("latency");
  if (s_jit != Status::kPass) over.push_back("jitter");
  if (s_loss != Status::kPass) over.push_back("loss");
  if (!over.empty()) r.message += fmt::format(": {} over threshold", fmt::join(over, ", "));
}
}  // namespace

void evaluateLatency(CheckResult& r, const CheckSpec& spec, const probe::LatencyResult& lat) {
  if (!lat.remote_address.empty()) r.evidence["address"] = lat.remote_address;
  if (!lat.ok) {
    r.status = Status::kFail;
    r.message = lat.detail;
    finish(r, spec);
    return;
  }
  r.measurements.push_back({"sent", static_cast<double>(lat.sent), "count"});
  r.measurements.push_back({"received", static_cast<double>(lat.received), "count"});
  r.measurements.push_back({"loss", lat.loss_pct, "%"});
  if (lat.late > 0) r.measurements.push_back({"late", static_cast<double>(lat.late), "count"});
  if (lat.duplicates > 0) r.measurements.push_back({"duplicates", static_cast<double>(lat.duplicates), "count"});
  if (lat.received == 0) {
    r.status = Status::kFail;
    r.message = fmt::format("no replies to {} probes{}", lat.sent, lat.detail.empty() ? "" : ": " + lat.detail);
    finish(r, spec);
    return;
  }
  r.measurements.push_back({"rtt_min", lat.min_ms, "ms"});
  r.measurements.push_back({"rtt_avg", lat.avg_ms, "ms"});
  r.measurements.push_back({"rtt_max", lat.max_ms, "ms"});
  r.measurements.push_back({"jitter", lat.jitter_ms, "ms"});

  r.message = fmt::format("RTT avg {} (min {}, max {}), jitter {}, loss {:.1f}% ({}/{} answered)", ms(lat.avg_ms),
                          ms(lat.min_ms), ms(lat.max_ms), ms(lat.jitter_ms), lat.loss_pct, lat.received, lat.sent);
  gradePathQuality(r, spec, lat.avg_ms, lat.jitter_ms, lat.loss_pct);
  finish(r, spec);
}

void evaluateIcmp(CheckResult& r, const CheckSpec& spec, const probe::IcmpPingResult& ping) {
  if (!ping.remote_address.empty()) r.evidence["address"] = ping.remote_address;
  if (!ping.socket_kind.empty()) r.evidence["socket"] = ping.socket_kind;
  if (!ping.ok) {
    // Not allowed to open an ICMP socket is the environment's problem, not the target's.
    r.status = ping.detail.find("cannot open an ICMP socket") != std::string::npos ? Status::kError : Status::kFail;
    r.message = ping.detail;
    finish(r, spec);
    return;
  }
  const auto& st = ping.stats;
  r.measurements.push_back({"sent", static_cast<double>(st.transmitted), "count"});
  r.measurements.push_back({"received", static_cast<double>(st.received), "count"});
  r.measurements.push_back({"loss", st.loss_pct, "%"});
  if (st.late > 0) r.measurements.push_back({"late", static_cast<double>(st.late), "count"});
  if (st.duplicates > 0) r.measurements.push_back({"duplicates", static_cast<double>(st.duplicates), "count"});
  if (st.received == 0) {
    r.status = Status::kFail;
    r.message = fmt::format("no echo replies to {} requests", st.transmitted);
    finish(r, spec);
    return;
  }
  r.measurements.push_back({"rtt_min", st.min_ms, "ms"});
  r.measurements.push_back({"rtt_avg", st.avg_ms, "ms"});
  r.measurements.push_back({"rtt_max", st.max_ms, "ms"});
  r.measurements.push_back({"rtt_mdev", st.mdev_ms, "ms"});
  r.measurements.push_back({"jitter", st.jitter_ms, "ms"});
  r.message = fmt::format("RTT avg {} (min {}, max {}, mdev {}), jitter {}, loss {:.1f}% ({}/{} answered)",
                          ms(st.avg_ms), ms(st.min_ms), ms(st.max_ms), ms(st.mdev_ms), ms(st.jitter_ms), st.loss_pct,
                          st.received, st.transmitted);
  gradePathQuality(r, spec, st.avg_ms, st.jitter_ms, st.loss_pct);
  finish(r, spec);
}

void evaluateTrace(CheckResult& r, const CheckSpec& spec, const probe::TraceReport& trace) {
  if (!trace.remote_address.empty()) r.evidence["address"] = trace.remote_address;
  if (!trace.ok) {
    r.status = trace.detail.find("raw sockets") != std::string::npos ? Status::kError : Status::kFail;
    r.message = trace.detail;
    finish(r, spec);
    return;
  }
  std::vector<std::string> path;
  for (const auto& h : trace.hops) path.push_back(h.addresses.empty() ? "*" : h.addresses.front());
  r.evidence["path"] = fmt::format("{}", fmt::join(path, " > "));
  r.evidence["mode"] = probe::traceModeName(trace.mode);
  const double jump_warn = spec.getNumber("jump_warn_ms", defaults::kTraceJumpWarnMs);
  const double jump_fail = spec.getNumber("jump_fail_ms", defaults::kTraceJumpFailMs);
  // The analysis threshold is the lowest level that matters for the grade.
  double threshold = jump_warn > 0 ? jump_warn : jump_fail;
  if (jump_fail > 0 && jump_fail < threshold) threshold = jump_fail;
  if (!(threshold > 0)) threshold = probe::kDefaultJumpThresholdMs;
  const auto analysis = probe::analyzeTrace(trace.hops, trace.reached, threshold);
  for (std::size_t i = 0; i < analysis.notes.size(); ++i) r.evidence[fmt::format("note_{}", i + 1)] = analysis.notes[i];
  const int hops = trace.hops.empty() ? 0 : trace.hops.back().ttl;
  r.measurements.push_back({"hops", static_cast<double>(hops), "count"});
  if (!trace.reached) {
    r.status = Status::kFail;
    r.message = fmt::format("destination not reached within {} hops (last answer at hop {})",
                            spec.getInt("max_hops", defaults::kTraceMaxHops), hops);
    finish(r, spec);
    return;
  }
  const auto& dest = trace.hops.back();
  r.measurements.push_back({"loss", dest.lossPct(), "%"});
  if (dest.received > 0) r.measurements.push_back({"rtt_avg", dest.avg_ms, "ms"});
  double max_jump = 0;
  int jump_hop = 0;
  for (const auto& j : analysis.jumps) {
    if (j.delta_ms > max_jump) {
      max_jump = j.delta_ms;
      jump_hop = j.ttl;
    }
  }
  r.measurements.push_back({"max_jump", max_jump, "ms"});
  auto gradeInt = [](std::int64_t v, std::int64_t warn, std::int64_t fail) {
    if (fail > 0 && v > fail) return Status::kFail;
    if (warn > 0 && v > warn) return Status::kWarn;
    return Status::kPass;
  };
  Status s_hops = gradeInt(hops, spec.getInt("hops_warn", defaults::kTraceHopsWarn),
                           spec.getInt("hops_fail", defaults::kTraceHopsFail));
  Status s_lat = grade(dest.avg_ms, spec.getNumber("latency_warn_ms", defaults::kLatencyWarnMs),
                       spec.getNumber("latency_fail_ms", defaults::kLatencyFailMs));
  Status s_loss = grade(dest.lossPct(), spec.getNumber("loss_warn_pct", defaults::kLossWarnPct),
                        spec.getNumber("loss_fail_pct", defaults::kLossFailPct));
  Status s_jump = Status::kPass;
  if (jump_fail > 0 && max_jump > jump_fail) s_jump = Status::kFail;
  else if (jump_warn > 0 && max_jump > jump_warn) s_jump = Status::kWarn;
  r.status = std::max({s_hops, s_lat, s_loss, s_jump});
  r.message = fmt::format("{} hops, destination RTT avg {}, loss {:.1f}% ({}/{})", hops, ms(dest.avg_ms),
                          dest.lossPct(), dest.received, dest.sent);
  if (max_jump > 0) r.message += fmt::format(", +{} at hop {}", ms(max_jump), jump_hop);
  for (const auto& l : analysis.losses) {
    if (l.kind == probe::LossKind::kSingleHop && l.lost < l.sent) {
      r.message += fmt::format(", loss at hop {} only (ICMP rate limiting)", l.ttl);
    } else if (l.kind == probe::LossKind::kCarriesToDestination) {
      r.message += fmt::format(", loss from hop {} carries to the destination", l.ttl);
    }
  }
  std::vector<std::string> over;
  if (s_hops != Status::kPass) over.push_back("hops");
  if (s_lat != Status::kPass) over.push_back("latency");
  if (s_loss != Status::kPass) over.push_back("loss");
  if (s_jump != Status::kPass) over.push_back("latency jump");
  if (!over.empty()) r.message += fmt::format(": {} over threshold", fmt::join(over, ", "));
  finish(r, spec);
}

}  // namespace vs::scan
