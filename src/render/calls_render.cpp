#include "render/calls_render.h"

#include <ctime>
#include <optional>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "render/rtp_render.h"

namespace vs::render {
namespace {

using namespace vs::analysis;

std::string js(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) out += fmt::format("\\u{:04x}", u);
        else out.push_back(c);
    }
  }
  return out + "\"";
}

std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out.push_back(c);
  }
  return out + "\"";
}

std::string isoTime(std::int64_t ns) {
  auto secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z"), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (ns % 1'000'000'000) / 1000);
}

std::string optJson(const std::optional<double>& v, int prec) {
  return v ? fmt::format("{:.{}f}", *v, prec) : "null";
}
std::string stateOf(const Leg& l) {
  return l.state ? std::string(callStateName(*l.state)) : l.kind;
}
// Table cells: two spaces between columns, padded to the width in characters (UTF-8 code points, as the
// header's fmt widths count them for the names seen in SIP From/To users).
std::size_t codePoints(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}
void padLeft(std::string& out, std::string_view s, std::size_t width, bool last = false) {
  auto n = codePoints(s);
  if (n < width) out.append(width - n, ' ');
  out.append(s);
  if (!last) out.append("  ");
}
void padRight(std::string& out, std::string_view s, std::size_t width) {
  out.append(s);
  auto n = codePoints(s);
  if (n < width) out.append(width - n, ' ');
  out.append("  ");
}
std::string clip(std::string_view s, std::size_t n) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n - 1)) + "~";
}

constexpr std::int64_t kPow10[] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000,
                                   1'000'000'000};

}  // namespace

void appendFixedNs(std::string& out, std::int64_t ns, int scale_digits, int decimals) {
  const std::int64_t unit = kPow10[scale_digits - decimals];  // nanoseconds per last printed digit
  const std::int64_t half = unit / 2;
  const std::int64_t r = ns % unit;
  // The double ns / 10^scale is within ns * 2^-53 (in nanoseconds) of the exact quotient, so only a value
  // that close to a rounding tie could round the other way; `slack` bounds that error 8 times over.
  const std::int64_t slack = 1 + (ns >> 50);
  const bool near_tie = r >= half - slack && r <= half + slack;
  if (ns < 0 || ns >= (std::int64_t{1} << 53) || near_tie) {
    fmt::format_to(std::back_inserter(out), "{:.{}f}", static_cast<double>(ns) / static_cast<double>(kPow10[scale_digits]),
                   decimals);
    return;
  }
  const std::int64_t q = ns / unit + (r > half ? 1 : 0);  // in units of the last digit
  fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), q / kPow10[decimals]);
  if (decimals > 0) {
    out += '.';
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:0{}}"), q % kPow10[decimals], decimals);
  }
}

std::string callsTableHeader() {
  return fmt::format("{:>5}  {:<15}  {:>4}  {:<20}  {:<20}  {:<10}  {:>7}  {:>8}  {:>9}  {:<6}  {:>5}  {:>7}  {:>4}\n",
                     "CALL", "START", "LEGS", "FROM", "TO", "STATE", "PDD_MS", "SETUP_MS", "DURATION", "BYE", "MSGS",
                     "STREAMS", "MOS");
}

std::string callsTableRow(const Call& c, std::int64_t start_ns) {
  if (c.legs.empty()) return {};
  const auto& l = c.legs.front();
  std::uint64_t msgs = 0;
  for (const auto& x : c.legs) msgs += x.messages;
  std::string cell;
  cell.reserve(24);
  // One time cell: prefix, the time (appendFixedNs), suffix; "-" when there is no time.
  auto fixed = [&cell](std::optional<std::int64_t> ns, int scale_digits, int decimals, std::string_view prefix = {},
                       std::string_view suffix = {}) -> std::string_view {
    if (!ns) return "-";
    cell.assign(prefix);
    appendFixedNs(cell, *ns, scale_digits, decimals);
    cell.append(suffix);
    return cell;
  };
  // Appended column by column: a capture of 50 000 calls prints 50 000 rows, and one fmt::format with
  // thirteen padded fields cost more than the analysis of the call's messages.
  std::string out;
  out.reserve(160);
  auto num = [](std::uint64_t v) { return std::to_string(v); };
  padLeft(out, num(c.id), 5);
  padRight(out, fixed(l.start_ns - start_ns, 9, 3, "+", "s"), 15);
  padLeft(out, num(c.legs.size()), 4);
  padRight(out, clip(l.from_user, 20), 20);
  padRight(out, clip(l.to_user, 20), 20);
  padRight(out, clip(stateOf(l), 10), 10);
  padLeft(out, fixed(l.setupRingingNs(), 6, 0), 7);
  padLeft(out, fixed(l.setupAnswerNs(), 6, 0), 8);
  padLeft(out, fixed(l.durationNs(), 9, 1, {}, "s"), 9);
  padRight(out, hangupName(l.hangup).empty() ? "-" : hangupName(l.hangup), 6);
  padLeft(out, num(msgs), 5);
  padLeft(out, callStreamsCell(c), 7);
  padLeft(out, callWorstMosCell(c), 4, true);
  out += '\n';
  for (const auto& link : c.links) {
    out += fmt::format("{:>5}  leg {} -> leg {} ({} confidence): {}\n", "", link.from + 1, link.to + 1,
                       confidenceName(link.confidence), link.reason);
  }
  return out;
}

std::string callsCsvHeader() {
  return "call,leg,call_id,kind,state,from,to,caller,callee,start,setup_ringing_ms,setup_answer_ms,duration_s,"
         "hangup,messages,retransmissions,invite_finals,link\n";
}

std::string callsCsvRows(const Call& c) {
  std::string out;
  for (std::size_t i = 0; i < c.legs.size(); ++i) {
    const auto& l = c.legs[i];
    std::string finals;
    for (auto s : l.invite_final_statuses) finals += (finals.empty() ? "" : " ") + std::to_string(s);
    std::string link;
    for (const auto& k : c.links) {
      if (k.to == i) link = fmt::format("{} ({})", k.reason, confidenceName(k.confidence));
    }
    auto fmtOpt = [](const std::optional<double>& v, int p) { return v ? fmt::format("{:.{}f}", *v, p) : std::string(); };
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", c.id, i + 1, csv(l.call_id),
                       csv(l.kind), l.state ? callStateName(*l.state) : "", csv(l.from_user), csv(l.to_user),
                       l.invite_ns ? l.caller.toString() : "", l.invite_ns ? l.callee.toString() : "",
                       isoTime(l.start_ns), fmtOpt(l.setupRingingMs(), 3), fmtOpt(l.setupAnswerMs(), 3),
                       fmtOpt(l.durationS(), 3), hangupName(l.hangup), l.messages, l.retransmissions, finals,
                       csv(link));
  }
  return out;
}

std::string callJson(const Call& c) {
  std::string out = fmt::format("{{\"call\":{},\"state\":{},\"legs\":[", c.id,
                                c.state() ? js(callStateName(*c.state())) : "null");
  for (std::size_t i = 0; i < c.legs.size(); ++i) {
    const auto& l = c.legs[i];
    if (i) out += ",";
    out += fmt::format("{{\"call_id\":{},\"kind\":{},\"state\":{},\"from_user\":{},\"to_user\":{},\"from_tag\":{}",
                       js(l.call_id), js(l.kind), l.state ? js(callStateName(*l.state)) : "null", js(l.from_user),
                       js(l.to_user), js(l.from_tag));
    out += ",\"to_tags\":[";
    for (std::size_t t = 0; t < l.to_tags.size(); ++t) out += (t ? "," : "") + js(l.to_tags[t]);
    out += "]";
    if (l.invite_ns) out += fmt::format(",\"caller\":{},\"callee\":{}", js(l.caller.toString()), js(l.callee.toString()));
    out += fmt::format(",\"first_frame\":{},\"last_frame\":{},\"start\":{},\"end\":{}", l.first_frame, l.last_frame,
                       js(isoTime(l.start_ns)), js(isoTime(l.end_ns)));
    out += fmt::format(",\"setup_ringing_ms\":{},\"setup_answer_ms\":{},\"duration_s\":{},\"hangup\":{}",
                       optJson(l.setupRingingMs(), 3), optJson(l.setupAnswerMs(), 3), optJson(l.durationS(), 3),
                       l.hangup == HangupBy::kNone ? "null" : js(hangupName(l.hangup)));
    out += fmt::format(",\"messages\":{},\"retransmissions\":{},\"requests_by_method\":{{", l.messages, l.retransmissions);
    bool first = true;
    for (const auto& [m, n] : l.requests_by_method) {
      out += fmt::format("{}{}:{}", first ? "" : ",", js(m), n);
      first = false;
    }
    out += "},\"responses_by_status\":{";
    first = true;
    for (const auto& [s, n] : l.responses_by_status) {
      out += fmt::format("{}\"{}\":{}", first ? "" : ",", s, n);
      first = false;
    }
    out += "},\"invite_final_statuses\":[";
    for (std::size_t k = 0; k < l.invite_final_statuses.size(); ++k) {
      out += fmt::format("{}{}", k ? "," : "", l.invite_final_statuses[k]);
    }
    out += "],\"endpoints\":[";
    for (std::size_t k = 0; k < l.endpoints.size(); ++k) out += (k ? "," : "") + js(l.endpoints[k]);
    out += "],\"dialogs\":[";
    for (std::size_t k = 0; k < l.dialogs.size(); ++k) {
      const auto& d = l.dialogs[k];
      out += fmt::format("{}{{\"from_tag\":{},\"to_tag\":{},\"first_frame\":{},\"final_status\":{}}}", k ? "," : "",
                         js(d.from_tag), js(d.to_tag), d.first_frame,
                         d.final_status ? std::to_string(*d.final_status) : "null");
    }
    out += "],\"media\":[";
    for (std::size_t k = 0; k < l.media.size(); ++k) {
      const auto& m = l.media[k];
      std::string enc;
      for (const auto& [pt, e] : m.encodings) enc += fmt::format("{}\"{}\":{}", enc.empty() ? "" : ",", pt, js(e));
      out += fmt::format("{}{{\"frame\":{},\"from_caller\":{},\"media\":{},\"address\":{},\"port\":{},\"protocol\":{},"
                         "\"direction\":{},\"encodings\":{{{}}}}}",
                         k ? "," : "", m.frame, m.from_caller, js(m.media), js(m.address), m.port, js(m.protocol),
                         js(m.direction), enc);
    }
    out += "],\"streams\":[";
    for (std::size_t k = 0; k < l.streams.size(); ++k) out += (k ? "," : "") + streamJson(l.streams[k]);
    out += "],\"link_headers\":{";
    first = true;
    for (const auto& [h, v] : l.link_headers) {
      out += fmt::format("{}{}:{}", first ? "" : ",", js(h), js(v));
      first = false;
    }
    out += "},\"sip\":[";
    for (std::size_t k = 0; k < l.message_list.size(); ++k) {
      const auto& m = l.message_list[k];
      out += fmt::format("{}{{\"frame\":{},\"time\":{},\"src\":{},\"dst\":{},\"transport\":{},", k ? "," : "", m.frame,
                         js(isoTime(m.ts_ns)), js(m.src.toString()), js(m.dst.toString()),
                         js(sipTransportName(m.transport)));
      if (m.request) out += fmt::format("\"method\":{}", js(m.method));
      else out += fmt::format("\"status\":{},\"reason\":{}", m.status, js(m.reason));
      out += fmt::format(",\"cseq\":{},\"cseq_method\":{},\"retransmission\":{},\"sdp\":{}", m.cseq, js(m.cseq_method),
                         m.retransmission, m.has_sdp);
      if (!m.text.empty()) out += fmt::format(",\"text\":{}", js(m.text));
      out += "}";
    }
    out += fmt::format("],\"messages_not_kept\":{}}}", l.messages_not_kept);
  }
  out += "],\"links\":[";
  for (std::size_t k = 0; k < c.links.size(); ++k) {
    const auto& l = c.links[k];
    out += fmt::format("{}{{\"from_leg\":{},\"to_leg\":{},\"reason\":{},\"confidence\":{}}}", k ? "," : "", l.from,
                       l.to, js(l.reason), js(confidenceName(l.confidence)));
  }
  return out + "]}";
}

std::string captureStatsJson(const CaptureStats& s) {
  std::string methods, codes, transports, malformed;
  for (const auto& [m, n] : s.sip.requests_by_method) methods += fmt::format("{}{}:{}", methods.empty() ? "" : ",", js(m), n);
  for (const auto& [c, n] : s.sip.responses_by_status) codes += fmt::format("{}\"{}\":{}", codes.empty() ? "" : ",", c, n);
  for (const auto& [t, n] : s.sip.messages_by_transport) {
    transports += fmt::format("{}{}:{}", transports.empty() ? "" : ",", js(t), n);
  }
  for (const auto& m : s.malformed_list) {
    malformed += fmt::format("{}{{\"frame\":{},\"reason\":{}}}", malformed.empty() ? "" : ",", m.frame, js(m.reason));
  }
  return fmt::format(
      "{{\"frames\":{},\"bytes\":{},\"first\":{},\"last\":{},\"ipv4\":{},\"ipv6\":{},\"udp\":{},\"tcp\":{},\"sctp\":{},"
      "\"ipv4_fragments\":{},\"ipv6_fragments\":{},\"reassembled\":{},\"tunnelled\":{},\"vlan_tagged\":{},"
      "\"tcp_retransmitted_bytes\":{},\"tcp_gaps\":{},\"tls_streams\":{},\"tls_bytes\":{},\"websocket_frames\":{},"
      "\"sip\":{{\"messages\":{},\"requests\":{},\"responses\":{},\"retransmissions\":{},\"distinct_call_ids\":{},"
      "\"requests_by_method\":{{{}}},\"responses_by_status\":{{{}}},\"messages_by_transport\":{{{}}}}},"
      "\"calls\":{},\"legs\":{},\"rtp\":{{\"rtp_packets\":{},\"rtcp_packets\":{},\"streams\":{},"
      "\"streams_unattached\":{},\"streams_dropped\":{}}},\"malformed\":{},\"malformed_list\":[{}]}}",
      s.frames, s.bytes, s.frames ? js(isoTime(s.first_ns)) : "null", s.frames ? js(isoTime(s.last_ns)) : "null",
      s.ipv4, s.ipv6, s.udp, s.tcp, s.sctp, s.ipv4_fragments, s.ipv6_fragments, s.reassembled, s.tunnelled,
      s.vlan_tagged, s.tcp_retransmitted_bytes, s.tcp_gaps, s.tls_streams, s.tls_bytes, s.websocket_frames,
      s.sip.messages, s.sip.requests, s.sip.responses, s.sip.retransmissions, s.sip.distinct_call_ids, methods, codes,
      transports, s.calls, s.legs, s.rtp_packets, s.rtcp_packets, s.rtp_streams, s.rtp_streams_unattached,
      s.rtp_streams_dropped, s.malformed, malformed);
}

std::string captureStatsText(const CaptureStats& s) {
  std::string out = fmt::format("{} frames, {} SIP messages ({} requests, {} responses, {} retransmitted), {} Call-IDs",
                                s.frames, s.sip.messages, s.sip.requests, s.sip.responses, s.sip.retransmissions,
                                s.sip.distinct_call_ids);
  if (s.rtp_streams) {
    out += fmt::format(", {} RTP streams ({} not tied to a call), {} RTCP packets", s.rtp_streams,
                       s.rtp_streams_unattached, s.rtcp_packets);
  }
  if (s.tls_streams) out += fmt::format(", {} TLS streams (encrypted, not decoded)", s.tls_streams);
  if (s.malformed) out += fmt::format(", {} malformed", s.malformed);
  out += "\n";
  for (const auto& m : s.malformed_list) out += fmt::format("  frame {}: {}\n", m.frame, m.reason);
  if (s.malformed > s.malformed_list.size()) out += fmt::format("  ... {} more\n", s.malformed - s.malformed_list.size());
  return out;
}

}  // namespace vs::render
