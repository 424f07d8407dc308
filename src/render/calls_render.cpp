#include "render/calls_render.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "render/escape.h"
#include "render/rtp_render.h"

namespace vs::render {
namespace {

using namespace vs::analysis;

std::string isoTime(std::int64_t ns) {
  auto secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format(FMT_COMPILE("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z"), tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (ns % 1'000'000'000) / 1000);
}

// Counts by SIP status, in their order: as a JSON object's members ("401":4,"403":1) and as text
// ("401 x4, 403 x1").
template <class Counts>
std::string statusCountsJson(const Counts& counts) {
  std::string out;
  for (const auto& [status, n] : counts) out += fmt::format("{}\"{}\":{}", out.empty() ? "" : ",", status, n);
  return out;
}
template <class Counts>
std::string statusCountsText(const Counts& counts) {
  std::string out;
  for (const auto& [status, n] : counts) out += fmt::format("{}{} x{}", out.empty() ? "" : ", ", status, n);
  return out;
}

std::string optJson(const std::optional<double>& v, int prec) {
  return v ? fmt::format("{:.{}f}", *v, prec) : "null";
}
// Table cells: two spaces between columns, padded to the width in characters (UTF-8 code points, as the
// header's fmt widths count them for the names seen in SIP From/To users).
std::size_t codePoints(std::string_view s) {
  // Most cells are ASCII (numbers, times, states, phone numbers): a byte count, found eight bytes at a
  // time. A row pads thirteen cells, and the byte loop was 480 instructions of every row.
  std::uint64_t high = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    high |= w;
  }
  for (; i < s.size(); ++i) high |= static_cast<unsigned char>(s[i]);
  if ((high & 0x8080808080808080ULL) == 0) return s.size();
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}
// Padding is appended from this (a copy, where append(count, ' ') is a slower fill); no column is wider.
constexpr std::string_view kSpaces = "                                ";
// The first n - 1 bytes and '~' when longer than n bytes, written into `buf` (at least n bytes).
std::string_view clip(std::string_view s, std::size_t n, char* buf) {
  if (s.size() <= n) return s;
  std::memcpy(buf, s.data(), n - 1);
  buf[n - 1] = '~';
  return {buf, n};
}
// Decimal digits of v, written into `buf` (20 bytes hold any 64-bit value).
std::string_view digits(std::uint64_t v, char (&buf)[20]) {
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

constexpr std::int64_t kPow10[] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000,
                                   1'000'000'000};

// appendFixedNs() into a buffer of kFixedNsMax bytes; returns the end of what it wrote.
constexpr std::size_t kFixedNsMax = 48;  // fmt's longest here: sign, 19 integer digits, '.', 9 decimals
char* writeFixedNs(char* buf, std::int64_t ns, int scale_digits, int decimals) {
  const std::int64_t unit = kPow10[scale_digits - decimals];  // nanoseconds per last printed digit
  const std::int64_t half = unit / 2;
  const std::int64_t r = ns % unit;
  // The double ns / 10^scale is within ns * 2^-53 (in nanoseconds) of the exact quotient, so only a value
  // that close to a rounding tie could round the other way; `slack` bounds that error 8 times over.
  const std::int64_t slack = 1 + (ns >> 50);
  const bool near_tie = r >= half - slack && r <= half + slack;
  if (ns < 0 || ns >= (std::int64_t{1} << 53) || near_tie) {
    return fmt::format_to_n(buf, kFixedNsMax, "{:.{}f}",
                            static_cast<double>(ns) / static_cast<double>(kPow10[scale_digits]), decimals)
        .out;
  }
  const std::int64_t q = ns / unit + (r > half ? 1 : 0);  // in units of the last digit
  // The digits by std::to_chars and by hand: fmt::format_to through a back_inserter was most of the
  // cost of a table row's three time cells.
  char* p = std::to_chars(buf, buf + 20, static_cast<std::uint64_t>(q / kPow10[decimals])).ptr;
  if (decimals > 0) {
    *p++ = '.';
    auto frac = static_cast<std::uint64_t>(q % kPow10[decimals]);
    for (int i = decimals - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    p += decimals;
  }
  return p;
}

// One table row, written into a local buffer (each std::string append checks capacity and calls memcpy;
// a row is thirteen cells and their padding). Whatever does not fit goes to `out` first.
class RowWriter {
 public:
  explicit RowWriter(std::string& out) : out_(out) {}
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;
  ~RowWriter() { flush(); }
  void put(std::string_view s) {
    if (n_ + s.size() > sizeof buf_) {
      flush();
      if (s.size() > sizeof buf_) {
        out_.append(s);
        return;
      }
    }
    std::memcpy(buf_ + n_, s.data(), s.size());
    n_ += s.size();
  }
  void left(std::string_view s, std::size_t width, bool last = false) {  // padded on the left
    pad(s, width);
    put(s);
    if (!last) put("  ");
  }
  void right(std::string_view s, std::size_t width) {  // padded on the right
    put(s);
    pad(s, width);
    put("  ");
  }
  void flush() {
    out_.append(buf_, n_);
    n_ = 0;
  }

 private:
  void pad(std::string_view s, std::size_t width) {
    auto n = codePoints(s);
    if (n < width) put(kSpaces.substr(0, width - n));
  }
  std::string& out_;
  char buf_[256];
  std::size_t n_ = 0;
};

}  // namespace

void appendFixedNs(std::string& out, std::int64_t ns, int scale_digits, int decimals) {
  char buf[kFixedNsMax];
  out.append(buf, static_cast<std::size_t>(writeFixedNs(buf, ns, scale_digits, decimals) - buf));
}

std::string legStateText(const Leg& leg) {
  if (!leg.state) {
    // A leg without an INVITE: its method and how it was last answered ("REGISTER 403", "OPTIONS 200").
    std::string_view method = leg.kind;
    if (method.starts_with("non-call:")) method.remove_prefix(9);
    std::string s(method);
    if (leg.last_final_status != 0) {
      char num[20];
      s.append(" ").append(digits(static_cast<std::uint64_t>(leg.last_final_status), num));
    }
    return s;
  }
  std::string s(callStateName(*leg.state));
  if (*leg.state == CallState::kRejected && !leg.invite_final_statuses.empty()) {
    char num[20];
    s.append(" ").append(digits(static_cast<std::uint64_t>(leg.invite_final_statuses.back()), num));
  }
  return s;
}

std::vector<Finding> legFindings(const Leg& leg) {
  std::vector<Finding> out;
  legFindingKinds(leg).forEach([&](FindingKind k) {
    switch (k) {
      case FindingKind::kInviteUnanswered:
        out.push_back({k, fmt::format("INVITE sent {} times, no answer at all (not even 100 Trying): {} unreachable "
                                      "or filtered",
                                      unansweredInvites(leg), leg.callee.toString())});
        break;
      case FindingKind::kNoAck:
        out.push_back({k, fmt::format("no ACK for the 2xx, sent {} more time{}: the callee gives up after 32 s (a "
                                      "NAT, firewall or proxy losing the ACK)",
                                      leg.unacked_2xx_resends, leg.unacked_2xx_resends == 1 ? "" : "s")});
        break;
      case FindingKind::kOneWayAudio: {
        const bool forward = leg.audio == AudioFlow::kCallerToCalleeOnly;
        out.push_back({k, fmt::format("one-way audio: RTP from the {} only, none from the {}",
                                      forward ? "caller" : "callee", forward ? "callee" : "caller")});
        break;
      }
      case FindingKind::kNoAudio:
        out.push_back({k, fmt::format("no audio: no RTP either way in the {:.1f} s the call was up, though the capture "
                                      "holds other RTP of its media hosts: media blocked (firewall, SIP ALG) or sent "
                                      "around this capture point (direct media)",
                                      leg.durationS().value_or(0))});
        break;
      case FindingKind::kPoorAudio:
        for (const auto& s : leg.streams) {
          if (!poorStream(s)) continue;
          const auto dir = streamDirection(leg, s);
          std::string way = dir == StreamDirection::kCallerToCallee   ? "caller -> callee"
                            : dir == StreamDirection::kCalleeToCaller ? "callee -> caller"
                                                                      : s.src.toString() + " -> " + s.dst.toString();
          std::string mos = s.mos ? fmt::format("MOS {:.2f}, ", *s.mos) : std::string();
          out.push_back({k, fmt::format("poor audio {} ({}): {}{:.1f} % lost ({} of {}), jitter up to {:.1f} ms", way,
                                        s.codec.empty() ? "codec unknown" : s.codec, mos, s.lost_percent,
                                        std::max<std::int64_t>(s.lost, 0), s.expected, s.max_jitter_ms)});
        }
        break;
      case FindingKind::kPrivateMedia:
        for (bool caller : {true, false}) {
          const auto& priv = caller ? leg.caller_private_media : leg.callee_private_media;
          if (priv.empty()) continue;
          out.push_back({k, fmt::format("the {}'s SDP names private address {} but its SIP is at {}: NAT not fixed up",
                                        caller ? "caller" : "callee", priv,
                                        (caller ? leg.caller.ip : leg.callee.ip).toString())});
        }
        break;
      case FindingKind::kRegisterRefused: {
        const auto& r = leg.register_refused;
        const bool challenged = std::any_of(r.by_status.begin(), r.by_status.end(),
                                            [](const auto& e) { return e.first == 401 || e.first == 407; });
        const char* hint = challenged ? ": a 401/407 after the credentials is a wrong user or password" : "";
        out.push_back({k, r.after_accepted
                              ? fmt::format("REGISTER accepted, then refused {} times from {} ({}), not accepted "
                                            "again{}",
                                            r.count(), isoTime(r.first_ns), statusCountsText(r.by_status), hint)
                              : fmt::format("REGISTER refused {} times, never accepted ({}){}", r.count(),
                                            statusCountsText(r.by_status), hint)});
        break;
      }
      case FindingKind::kRequestUnanswered: {
        std::string methods;
        std::size_t kinds = 0;
        for (const auto& [method, n] : leg.requests_by_method) {
          if (method == "ACK") continue;
          methods += (methods.empty() ? "" : ", ") + method;
          ++kinds;
        }
        const auto sent = unansweredRequests(leg);
        out.push_back({k, fmt::format("{} sent {} times, no answer at all (not even an error): {} unreachable or "
                                      "filtered (wrong address, port or transport, a firewall)",
                                      kinds == 1 ? methods : "requests (" + methods + ")", sent,
                                      leg.callee.toString())});
        break;
      }
      case FindingKind::kUdpFragments:
        out.push_back({k, fmt::format("{} SIP message{} over UDP in IP fragments (up to {} bytes): firewalls and "
                                      "NATs often drop fragments; SIP over TCP avoids them",
                                      leg.udp_fragmented_messages, leg.udp_fragmented_messages == 1 ? "" : "s",
                                      leg.udp_fragmented_max_bytes)});
        break;
    }
  });
  return out;
}

std::string callsTableHeader() {
  return fmt::format("{:>5}  {:<15}  {:>4}  {:<20}  {:<20}  {:<13}  {:>7}  {:>8}  {:>9}  {:<6}  {:>5}  {:>7}  {:>4}\n",
                     "CALL", "START", "LEGS", "FROM", "TO", "STATE", "PDD_MS", "SETUP_MS", "DURATION", "BYE", "MSGS",
                     "STREAMS", "MOS");
}

std::string callsTableRow(const Call& c, std::int64_t start_ns) {
  if (c.legs.empty()) return {};
  const auto& l = c.legs.front();
  std::uint64_t msgs = 0;
  for (const auto& x : c.legs) msgs += x.messages;
  // One time cell: prefix, the time, suffix; "-" when there is no time.
  char cell[kFixedNsMax + 4];
  auto fixed = [&cell](std::optional<std::int64_t> ns, int scale_digits, int decimals, std::string_view prefix = {},
                       std::string_view suffix = {}) -> std::string_view {
    if (!ns) return "-";
    char* p = cell;
    for (char ch : prefix) *p++ = ch;
    p = writeFixedNs(p, *ns, scale_digits, decimals);
    for (char ch : suffix) *p++ = ch;
    return {cell, static_cast<std::size_t>(p - cell)};
  };
  // Written column by column, the numbers and clipped names through stack buffers: a capture of 50 000
  // calls prints 50 000 rows, and one fmt::format with thirteen padded fields cost more than the
  // analysis of the call's messages.
  std::string out;
  {
    RowWriter row(out);
    char num[20], clipped[20];
    row.left(digits(c.id, num), 5);
    row.right(fixed(l.start_ns - start_ns, 9, 3, "+", "s"), 15);
    row.left(digits(c.legs.size(), num), 4);
    row.right(clip(l.from_user, 20, clipped), 20);
    row.right(clip(l.to_user, 20, clipped), 20);
    row.right(clip(legStateText(l), 13, clipped), 13);
    row.left(fixed(l.setupRingingNs(), 6, 0), 7);
    row.left(fixed(l.setupAnswerNs(), 6, 0), 8);
    row.left(fixed(l.durationNs(), 9, 1, {}, "s"), 9);
    row.right(hangupName(l.hangup).empty() ? "-" : hangupName(l.hangup), 6);
    row.left(digits(msgs, num), 5);
    row.left(callStreamsCell(c), 7);
    row.left(callWorstMosCell(c), 4, true);
    row.put("\n");
  }
  for (const auto& link : c.links) {
    out += fmt::format("{:>5}  leg {} -> leg {} ({} confidence): {}\n", "", link.from + 1, link.to + 1,
                       confidenceName(link.confidence), link.reason);
  }
  for (std::size_t i = 0; i < c.legs.size(); ++i) {
    for (const auto& f : legFindings(c.legs[i])) out += fmt::format("{:>5}  leg {}: {}\n", "", i + 1, f.text);
  }
  return out;
}

std::string callsCsvHeader() {
  return "call,leg,call_id,kind,state,from,to,caller,callee,start,setup_ringing_ms,setup_answer_ms,duration_s,"
         "hangup,messages,retransmissions,invite_finals,link,end_reason,audio,caller_private_media,"
         "callee_private_media,unacked_2xx_resends,findings\n";
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
    std::string findings;  // the JSON keys, space-separated
    legFindingKinds(l).forEach([&](FindingKind k) {
      if (!findings.empty()) findings += ' ';
      findings += findingKindKey(k);
    });
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", c.id, i + 1, csvField(l.call_id),
                       csvField(l.kind), l.state ? callStateName(*l.state) : "", csvField(l.from_user), csvField(l.to_user),
                       l.invite_ns ? l.caller.toString() : "", l.invite_ns ? l.callee.toString() : "",
                       isoTime(l.start_ns), fmtOpt(l.setupRingingMs(), 3), fmtOpt(l.setupAnswerMs(), 3),
                       fmtOpt(l.durationS(), 3), hangupName(l.hangup), l.messages, l.retransmissions, finals,
                       csvField(link), csvField(l.end_reason), l.audio ? audioFlowName(*l.audio) : "",
                       csvField(l.caller_private_media), csvField(l.callee_private_media), l.unacked_2xx_resends,
                       findings);
  }
  return out;
}

std::string callJson(const Call& c) {
  std::string out = fmt::format("{{\"call\":{},\"state\":{},\"legs\":[", c.id,
                                c.state() ? jsonString(callStateName(*c.state())) : "null");
  for (std::size_t i = 0; i < c.legs.size(); ++i) {
    const auto& l = c.legs[i];
    if (i) out += ",";
    out += fmt::format("{{\"call_id\":{},\"kind\":{},\"state\":{},\"from_user\":{},\"to_user\":{},\"from_tag\":{}",
                       jsonString(l.call_id), jsonString(l.kind),
                       l.state ? jsonString(callStateName(*l.state)) : "null", jsonString(l.from_user),
                       jsonString(l.to_user), jsonString(l.from_tag));
    out += ",\"to_tags\":[";
    for (std::size_t t = 0; t < l.to_tags.size(); ++t) out += (t ? "," : "") + jsonString(l.to_tags[t]);
    out += "]";
    if (l.invite_ns) {
      out += fmt::format(",\"caller\":{},\"callee\":{}", jsonString(l.caller.toString()),
                         jsonString(l.callee.toString()));
    }
    out += fmt::format(",\"first_frame\":{},\"last_frame\":{},\"start\":{},\"end\":{}", l.first_frame, l.last_frame,
                       jsonString(isoTime(l.start_ns)), jsonString(isoTime(l.end_ns)));
    out += fmt::format(",\"setup_ringing_ms\":{},\"setup_answer_ms\":{},\"duration_s\":{},\"hangup\":{}",
                       optJson(l.setupRingingMs(), 3), optJson(l.setupAnswerMs(), 3), optJson(l.durationS(), 3),
                       l.hangup == HangupBy::kNone ? "null" : jsonString(hangupName(l.hangup)));
    out += fmt::format(",\"end_reason\":{},\"audio\":{}", l.end_reason.empty() ? "null" : jsonString(l.end_reason),
                       l.audio ? jsonString(audioFlowName(*l.audio)) : "null");
    out += fmt::format(",\"caller_private_media\":{},\"callee_private_media\":{}",
                       l.caller_private_media.empty() ? "null" : jsonString(l.caller_private_media),
                       l.callee_private_media.empty() ? "null" : jsonString(l.callee_private_media));
    out += fmt::format(",\"unacked_2xx_resends\":{},\"last_final_status\":{}", l.unacked_2xx_resends,
                       l.last_final_status != 0 ? std::to_string(l.last_final_status) : "null");
    out += fmt::format(",\"udp_fragmented_messages\":{},\"udp_fragmented_max_bytes\":{}", l.udp_fragmented_messages,
                       l.udp_fragmented_max_bytes);
    if (l.register_refused.by_status.empty()) {
      out += ",\"register_refused\":null";
    } else {
      const auto& r = l.register_refused;
      out += fmt::format(",\"register_refused\":{{\"count\":{},\"since\":{},\"since_frame\":{},\"after_accepted\":{},"
                         "\"by_status\":{{{}}}}}",
                         r.count(), jsonString(isoTime(r.first_ns)), r.first_frame, r.after_accepted,
                         statusCountsJson(r.by_status));
    }
    out += ",\"findings\":[";
    bool first_finding = true;
    legFindingKinds(l).forEach([&](FindingKind k) {
      out += (first_finding ? "\"" : ",\"");
      out += findingKindKey(k);
      out += '"';
      first_finding = false;
    });
    out += "]";
    out += fmt::format(",\"messages\":{},\"retransmissions\":{},\"requests_by_method\":{{", l.messages, l.retransmissions);
    bool first = true;
    for (const auto& [m, n] : l.requests_by_method) {
      out += fmt::format("{}{}:{}", first ? "" : ",", jsonString(m), n);
      first = false;
    }
    out += "},\"responses_by_status\":{" + statusCountsJson(l.responses_by_status);
    out += "},\"invite_final_statuses\":[";
    for (std::size_t k = 0; k < l.invite_final_statuses.size(); ++k) {
      out += fmt::format("{}{}", k ? "," : "", l.invite_final_statuses[k]);
    }
    out += "],\"endpoints\":[";
    for (std::size_t k = 0; k < l.endpoints.size(); ++k) out += (k ? "," : "") + jsonString(l.endpoints[k]);
    out += "],\"dialogs\":[";
    for (std::size_t k = 0; k < l.dialogs.size(); ++k) {
      const auto& d = l.dialogs[k];
      out += fmt::format("{}{{\"from_tag\":{},\"to_tag\":{},\"first_frame\":{},\"final_status\":{}}}", k ? "," : "",
                         jsonString(d.from_tag), jsonString(d.to_tag), d.first_frame,
                         d.final_status ? std::to_string(*d.final_status) : "null");
    }
    out += "],\"media\":[";
    const auto media = l.media.unpack();
    for (std::size_t k = 0; k < media.size(); ++k) {
      const auto& m = media[k];
      std::string enc;
      for (const auto& [pt, e] : m.encodings) enc += fmt::format("{}\"{}\":{}", enc.empty() ? "" : ",", pt, jsonString(e));
      out += fmt::format("{}{{\"frame\":{},\"from_caller\":{},\"media\":{},\"address\":{},\"port\":{},\"protocol\":{},"
                         "\"direction\":{},\"encodings\":{{{}}}}}",
                         k ? "," : "", m.frame, m.from_caller, jsonString(m.media), jsonString(m.address), m.port,
                         jsonString(m.protocol), jsonString(m.direction), enc);
    }
    out += "],\"streams\":[";
    for (std::size_t k = 0; k < l.streams.size(); ++k) out += (k ? "," : "") + streamJson(l.streams[k]);
    out += "],\"link_headers\":{";
    first = true;
    for (const auto& [h, v] : l.link_headers) {
      out += fmt::format("{}{}:{}", first ? "" : ",", jsonString(h), jsonString(v));
      first = false;
    }
    out += "},\"sip\":[";
    for (std::size_t k = 0; k < l.message_list.size(); ++k) {
      const auto& m = l.message_list[k];
      out += fmt::format("{}{{\"frame\":{},\"time\":{},\"src\":{},\"dst\":{},\"transport\":{},", k ? "," : "", m.frame,
                         jsonString(isoTime(m.ts_ns)), jsonString(m.src.toString()), jsonString(m.dst.toString()),
                         jsonString(sipTransportName(m.transport)));
      if (m.request) out += fmt::format("\"method\":{}", jsonString(m.method));
      else out += fmt::format("\"status\":{},\"reason\":{}", m.status, jsonString(m.reason));
      out += fmt::format(",\"cseq\":{},\"cseq_method\":{},\"retransmission\":{},\"sdp\":{}", m.cseq, jsonString(m.cseq_method),
                         m.retransmission, m.has_sdp);
      if (!m.text.empty()) out += fmt::format(",\"text\":{}", jsonString(m.text));
      out += "}";
    }
    out += fmt::format("],\"messages_not_kept\":{}}}", l.messages_not_kept);
  }
  out += "],\"links\":[";
  for (std::size_t k = 0; k < c.links.size(); ++k) {
    const auto& l = c.links[k];
    out += fmt::format("{}{{\"from_leg\":{},\"to_leg\":{},\"reason\":{},\"confidence\":{}}}", k ? "," : "", l.from,
                       l.to, jsonString(l.reason), jsonString(confidenceName(l.confidence)));
  }
  return out + "]}";
}

std::string captureStatsJson(const CaptureStats& s) {
  std::string methods, codes, transports, malformed;
  for (const auto& [m, n] : s.sip.requests_by_method) {
    methods += fmt::format("{}{}:{}", methods.empty() ? "" : ",", jsonString(m), n);
  }
  codes = statusCountsJson(s.sip.responses_by_status);
  for (const auto& [t, n] : s.sip.messages_by_transport) {
    transports += fmt::format("{}{}:{}", transports.empty() ? "" : ",", jsonString(t), n);
  }
  for (const auto& m : s.malformed_list) {
    malformed += fmt::format("{}{{\"frame\":{},\"reason\":{}}}", malformed.empty() ? "" : ",", m.frame, jsonString(m.reason));
  }
  return fmt::format(
      "{{\"frames\":{},\"bytes\":{},\"first\":{},\"last\":{},\"ipv4\":{},\"ipv6\":{},\"udp\":{},\"tcp\":{},\"sctp\":{},"
      "\"ipv4_fragments\":{},\"ipv6_fragments\":{},\"reassembled\":{},\"tunnelled\":{},\"vlan_tagged\":{},"
      "\"tcp_retransmitted_bytes\":{},\"tcp_gaps\":{},\"tls_streams\":{},\"tls_bytes\":{},\"websocket_frames\":{},"
      "\"sip\":{{\"messages\":{},\"requests\":{},\"responses\":{},\"retransmissions\":{},\"distinct_call_ids\":{},"
      "\"requests_by_method\":{{{}}},\"responses_by_status\":{{{}}},\"messages_by_transport\":{{{}}}}},"
      "\"calls\":{},\"legs\":{},\"rtp\":{{\"rtp_packets\":{},\"rtcp_packets\":{},\"streams\":{},"
      "\"streams_unattached\":{},\"streams_dropped\":{}}},\"malformed\":{},\"malformed_list\":[{}]}}",
      s.frames, s.bytes, s.frames ? jsonString(isoTime(s.first_ns)) : "null",
      s.frames ? jsonString(isoTime(s.last_ns)) : "null",
      s.ipv4, s.ipv6, s.udp, s.tcp, s.sctp, s.ipv4_fragments, s.ipv6_fragments, s.reassembled, s.tunnelled,
      s.vlan_tagged, s.tcp_retransmitted_bytes, s.tcp_gaps, s.tls_streams, s.tls_bytes, s.websocket_frames,
      s.sip.messages, s.sip.requests, s.sip.responses, s.sip.retransmissions, s.sip.distinct_call_ids, methods, codes,
      transports, s.calls, s.legs, s.rtp_packets, s.rtcp_packets, s.rtp_streams, s.rtp_streams_unattached,
      s.rtp_streams_dropped, s.malformed, malformed);
}

void CallOutcomes::add(const Call& call) {
  if (call.legs.empty()) return;
  ++calls_;
  callFindingKinds(call).forEach([&](FindingKind k) { ++with_finding_[static_cast<std::size_t>(k)]; });
  const auto& first = call.legs.front();
  if (!first.state) {
    ++no_state_;
    return;
  }
  ++by_state_[static_cast<std::size_t>(*first.state) % by_state_.size()];
  if (*first.state == CallState::kRejected && !first.invite_final_statuses.empty()) {
    ++rejected_by_status_[first.invite_final_statuses.back()];
  }
}

std::string CallOutcomes::text() const {
  if (calls_ == 0) return {};
  std::string out = fmt::format("{} call{}:", calls_, calls_ == 1 ? "" : "s");
  const char* sep = " ";
  // Outcomes from the best to the still open; each only when some call had it.
  for (auto s : {CallState::kCompleted, CallState::kInCall, CallState::kRejected, CallState::kCancelled,
                 CallState::kCallSetup}) {
    const auto n = by_state_[static_cast<std::size_t>(s)];
    if (n == 0) continue;
    out += fmt::format("{}{} {}", sep, callStateName(s), n);
    sep = ", ";
    if (s != CallState::kRejected || rejected_by_status_.empty()) continue;
    // The commonest status first: where the failures come from.
    std::vector<std::pair<int, std::uint64_t>> codes(rejected_by_status_.begin(), rejected_by_status_.end());
    std::stable_sort(codes.begin(), codes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    out += " (" + statusCountsText(codes) + ")";
  }
  if (no_state_ > 0) out += fmt::format("{}no INVITE {}", sep, no_state_);
  const auto invited = calls_ - no_state_;
  if (invited > 0) {
    const auto answered = by_state_[static_cast<std::size_t>(CallState::kCompleted)] +
                          by_state_[static_cast<std::size_t>(CallState::kInCall)];
    out += fmt::format("; answered {} (ASR {:.1f} %)", answered,
                       100.0 * static_cast<double>(answered) / static_cast<double>(invited));
  }
  for (std::size_t k = 0; k < kFindingKinds; ++k) {
    if (with_finding_[k] > 0) out += fmt::format("; {} {}", findingKindName(static_cast<FindingKind>(k)), with_finding_[k]);
  }
  return out + "\n";
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
