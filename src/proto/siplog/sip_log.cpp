#include "proto/siplog/sip_log.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace vs::proto::siplog {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {  // H. Hinnant's algorithm
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned num(std::string_view s, std::size_t at, std::size_t n) {
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v * 10 + static_cast<unsigned>(s[at + i] - '0');
  return v;
}

// "ADDR:PORT", "[V6]:PORT", "V6:PORT" (last colon); false when it is not an address.
bool parseHostPort(std::string_view s, pkt::IpAddr& addr, std::uint16_t& port) {
  while (!s.empty() && (s.back() == ',' || s.back() == ')')) s.remove_suffix(1);
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto host = s.substr(0, colon);
  auto p = s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned v = 0;
  auto [e, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (ec != std::errc{} || e != p.data() + p.size() || v > 65535 || host.size() > 45) return false;
  auto parsed = pkt::IpAddr::parse(host);
  if (!parsed) return false;
  addr = *parsed;
  port = static_cast<std::uint16_t>(v);
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The token after `word ` in `line` (up to a space), e.g. after "from " -> "UDP:192.0.2.1:5060".
std::string_view tokenAfter(std::string_view line, std::string_view word) {
  auto at = line.find(word);
  if (at == std::string_view::npos) return {};
  auto rest = line.substr(at + word.size());
  auto end = rest.find(' ');
  return rest.substr(0, end);
}

bool peerAddress(std::string_view tok, pkt::IpAddr& a, std::uint16_t& p) {
  for (std::string_view t : {"UDP:", "TCP:", "TLS:", "WS:", "WSS:", "SCTP:"}) {
    if (tok.substr(0, t.size()) == t) {
      tok.remove_prefix(t.size());
      break;
    }
  }
  return parseHostPort(tok, a, p);
}

}  // namespace

namespace {

constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

// Digits after a seconds field (".123" or ",123456") as nanoseconds; `k` moves past them.
std::int64_t fraction(std::string_view s, std::size_t& k) {
  std::int64_t ns = 0;
  if (k < s.size() && (s[k] == '.' || s[k] == ',')) {
    std::int64_t scale = 100'000'000;
    for (++k; k < s.size() && isDigit(s[k]); ++k) {
      ns += (s[k] - '0') * scale;
      scale /= 10;
    }
  }
  return ns;
}

std::int64_t civilNs(std::int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned se, std::int64_t ns) {
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60'000'000'000LL + std::int64_t{se} * 1'000'000'000 + ns;
}

// The year of a UTC time in ns (the C library's calendar; no I/O).
std::int64_t yearOf(std::int64_t ns) {
  const std::time_t sec = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm t{};
  gmtime_r(&sec, &t);
  return std::int64_t{t.tm_year} + 1900;
}

// "Jan 31 10:00:00" / "Jan  1 10:00:00" (syslog and Asterisk's default), year from the reference.
std::optional<std::int64_t> monthDayTime(std::string_view s, std::int64_t year_ref_ns) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto alpha = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i + 15 <= s.size(); ++i) {
    if (i > 0 && alpha(s[i - 1])) continue;
    unsigned mo = 0;
    for (unsigned m = 0; m < 12; ++m) {
      if (s.substr(i, 3) == kMonths[m]) mo = m + 1;
    }
    if (mo == 0 || s[i + 3] != ' ') continue;
    std::size_t k = i + 4;
    if (s[k] == ' ') ++k;  // "Jan  1"
    unsigned da = 0;
    std::size_t digits = 0;
    for (; k < s.size() && isDigit(s[k]) && digits < 2; ++k, ++digits) da = da * 10 + static_cast<unsigned>(s[k] - '0');
    if (digits == 0 || k + 9 > s.size() || s[k] != ' ') continue;
    ++k;
    auto d = [&](std::size_t x) { return isDigit(s[k + x]); };
    if (!(d(0) && d(1) && s[k + 2] == ':' && d(3) && d(4) && s[k + 5] == ':' && d(6) && d(7))) continue;
    unsigned h = num(s, k, 2), mi = num(s, k + 3, 2), se = num(s, k + 6, 2);
    if (da < 1 || da > 31 || h > 23 || mi > 59 || se > 60) continue;
    k += 8;
    const std::int64_t ns = fraction(s, k);
    const std::int64_t year = yearOf(year_ref_ns);
    const std::int64_t t = civilNs(year, mo, da, h, mi, se, ns);
    return t > year_ref_ns + kNsPerDay ? civilNs(year - 1, mo, da, h, mi, se, ns) : t;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> findTimestamp(std::string_view s, std::int64_t year_ref_ns) {
  for (std::size_t i = 0; i + 19 <= s.size(); ++i) {
    if (!isDigit(s[i]) || (i > 0 && isDigit(s[i - 1]))) continue;
    // YYYY-MM-DD HH:MM:SS  (or / for -, T for the space)
    auto d = [&](std::size_t k) { return isDigit(s[i + k]); };
    if (!(d(0) && d(1) && d(2) && d(3) && (s[i + 4] == '-' || s[i + 4] == '/') && d(5) && d(6) && s[i + 7] == s[i + 4] &&
          d(8) && d(9) && (s[i + 10] == ' ' || s[i + 10] == 'T') && d(11) && d(12) && s[i + 13] == ':' && d(14) &&
          d(15) && s[i + 16] == ':' && d(17) && d(18))) {
      continue;
    }
    unsigned y = num(s, i, 4), mo = num(s, i + 5, 2), da = num(s, i + 8, 2);
    unsigned h = num(s, i + 11, 2), mi = num(s, i + 14, 2), se = num(s, i + 17, 2);
    // Years past 2262 do not fit in int64 nanoseconds; a log is not older than 1970.
    if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60) continue;
    std::size_t k = i + 19;
    const std::int64_t ns = fraction(s, k);
    return civilNs(y, mo, da, h, mi, se, ns);
  }
  if (year_ref_ns != 0) return monthDayTime(s, year_ref_ns);
  return std::nullopt;
}

namespace {

// Formats that name only the peer: it is the source of what was received, the destination of what was
// sent; the local side stays 0.0.0.0:0 (or :: for an IPv6 peer).
void setPeer(Header& h, bool received, const pkt::IpAddr& peer, std::uint16_t port) {
  if (received) {
    h.src = peer;
    h.sport = port;
    h.dst.v6 = peer.v6;
  } else {
    h.dst = peer;
    h.dport = port;
    h.src.v6 = peer.v6;
  }
}

// A time of day (ns since midnight UTC) on the day -- the one of `base`, the day before or after -- that
// puts it nearest `base` (a log that crossed midnight: the next day). Times here are never before 1970.
std::int64_t nearestDay(std::int64_t time_of_day, std::int64_t base) {
  const std::int64_t day0 = base / kNsPerDay * kNsPerDay;
  std::int64_t best = day0 + time_of_day;
  for (std::int64_t c : {best - kNsPerDay, best + kNsPerDay}) {
    if (std::llabs(c - base) < std::llabs(best - base)) best = c;
  }
  return best;
}

bool isDashRule(std::string_view t) { return t.size() >= 8 && t.find_first_not_of('-') == std::string_view::npos; }

// sofia-sip's stamp: "recv 903 bytes from udp/[192.0.2.1]:5060 at 20:07:57.811303:" ("send ... to ...";
// after the port, an IPv6 flow label "/N" or ";comp=sigcomp" may follow).
std::optional<Header> sofiaStamp(std::string_view line) {
  auto t = trim(line);
  const bool recv = t.substr(0, 5) == "recv ", send = t.substr(0, 5) == "send ";
  if (!recv && !send) return std::nullopt;
  t.remove_prefix(5);
  std::size_t k = 0;
  while (k < t.size() && isDigit(t[k])) ++k;
  if (k == 0) return std::nullopt;
  t.remove_prefix(k);
  const std::string_view via = recv ? " bytes from " : " bytes to ";
  if (t.substr(0, via.size()) != via) return std::nullopt;
  t.remove_prefix(via.size());
  auto slash = t.find('/');
  auto at = t.find(" at ");
  if (slash == std::string_view::npos || at == std::string_view::npos || slash > at) return std::nullopt;
  auto peer = t.substr(slash + 1, at - slash - 1);
  // "[addr]:port" then an optional suffix.
  auto close = peer.find("]:");
  if (peer.empty() || peer.front() != '[' || close == std::string_view::npos) return std::nullopt;
  auto port_end = close + 2;
  while (port_end < peer.size() && isDigit(peer[port_end])) ++port_end;
  Header h;
  pkt::IpAddr addr;
  std::uint16_t port = 0;
  if (!parseHostPort(peer.substr(0, port_end), addr, port)) return std::nullopt;
  auto tod = t.substr(at + 4);
  auto d = [&](std::size_t x) { return x < tod.size() && isDigit(tod[x]); };
  if (!(d(0) && d(1) && tod.size() > 8 && tod[2] == ':' && d(3) && d(4) && tod[5] == ':' && d(6) && d(7))) return std::nullopt;
  const unsigned hh = num(tod, 0, 2), mi = num(tod, 3, 2), se = num(tod, 6, 2);
  if (hh > 23 || mi > 59 || se > 60) return std::nullopt;
  std::size_t f = 8;
  const std::int64_t frac = fraction(tod, f);
  h.time_of_day_ns = ((std::int64_t{hh} * 60 + mi) * 60 + se) * 1'000'000'000LL + frac;
  h.sofia = true;
  setPeer(h, recv, addr, port);
  return h;
}

}  // namespace

std::optional<Header> parseHeaderLine(std::string_view line, std::int64_t year_ref_ns) {
  if (auto s = sofiaStamp(line)) return s;
  Header h;
  auto arrow = line.find("<--- ");
  if (arrow != std::string_view::npos && line.find("--->", arrow + 5) != std::string_view::npos) {
    auto body = line.substr(arrow);
    pkt::IpAddr peer;
    std::uint16_t port = 0;
    bool received = body.find("Received") != std::string_view::npos || body.find("SIP read from") != std::string_view::npos;
    bool sent = body.find("Transmitting") != std::string_view::npos;
    if (!received && !sent) return std::nullopt;
    if (!peerAddress(tokenAfter(body, received ? "from " : "to "), peer, port)) return std::nullopt;
    h.chan_sip = body.find("SIP read from") != std::string_view::npos || body.find("Transmitting (") != std::string_view::npos;
    setPeer(h, received, peer, port);
    h.ts_ns = findTimestamp(line.substr(0, arrow), year_ref_ns);
    return h;
  }
  // "[U ]DATE TIME SRC -> DST"
  auto mid = line.find(" -> ");
  if (mid == std::string_view::npos) return std::nullopt;
  auto ts = findTimestamp(line.substr(0, mid), year_ref_ns);
  if (!ts) return std::nullopt;
  auto left = trim(line.substr(0, mid));
  auto sp = left.rfind(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  auto right = trim(line.substr(mid + 4));
  right = right.substr(0, right.find(' '));
  if (!parseHostPort(left.substr(sp + 1), h.src, h.sport) || !parseHostPort(right, h.dst, h.dport)) return std::nullopt;
  h.ts_ns = ts;
  return h;
}

void SipLogParser::start(const Header& h) {
  ++headers_;
  in_msg_ = true;
  in_body_ = false;
  chan_sip_ = h.chan_sip;
  dump_msg_ = false;
  sofia_ = h.sofia;
  sofia_open_ = false;
  sofia_indent_ = 0;
  content_length_.reset();
  body_bytes_ = 0;
  cur_ = LogMessage{};
  cur_.src = h.src;
  cur_.dst = h.dst;
  cur_.sport = h.sport;
  cur_.dport = h.dport;
  cur_.line = lines_;
  cur_.ts_ns = h.ts_ns ? *h.ts_ns : last_ts_ + 1000;
  last_ts_ = cur_.ts_ns;
}

std::optional<LogMessage> SipLogParser::close() {
  in_msg_ = false;
  // Leading blank lines (chan_sip prints one) are dropped; a message needs a start line.
  auto& t = cur_.text;
  std::size_t lead = 0;
  while (t.compare(lead, 2, "\r\n") == 0) lead += 2;
  t.erase(0, lead);
  if (t.empty() || t.compare(0, 2, "\r\n") == 0) return std::nullopt;
  if (!in_body_) t += "\r\n";  // headers only: the blank line ending them
  return std::move(cur_);
}

namespace {

// Kamailio sipdump's rules: exactly 20 of one character.
bool isRule(std::string_view l, char c) { return l.size() == kDumpRuleBytes && l.find_first_not_of(c) == std::string_view::npos; }

// "1795494482.681132" (seconds since the epoch) as ns.
std::optional<std::int64_t> epochSeconds(std::string_view v) {
  std::int64_t sec = 0;
  auto [e, ec] = std::from_chars(v.data(), v.data() + v.size(), sec);
  if (ec != std::errc{} || sec < 0 || sec > 4'000'000'000) return std::nullopt;
  std::size_t k = static_cast<std::size_t>(e - v.data());
  const std::int64_t ns = fraction(v, k);
  if (k != v.size()) return std::nullopt;
  return sec * 1'000'000'000 + ns;
}

}  // namespace

// A sipdump record's "key: value" lines between its "=" and "~" rules.
void SipLogParser::dumpField(std::string_view l) {
  auto colon = l.find(':');
  if (colon == std::string_view::npos) return;
  auto key = l.substr(0, colon);
  auto v = trim(l.substr(colon + 1));
  auto port = [&](std::uint16_t& out, bool& ok) {
    unsigned n = 0;
    auto [e, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    ok = ec == std::errc{} && e == v.data() + v.size() && n <= 65535;
    if (ok) out = static_cast<std::uint16_t>(n);
  };
  auto addr = [&](pkt::IpAddr& out, bool& ok) {
    auto a = pkt::IpAddr::parse(v);
    ok = a.has_value();
    if (ok) out = *a;
  };
  if (key == "time") dump_.header.ts_ns = epochSeconds(v);
  else if (key == "srcip") addr(dump_.header.src, dump_.src);
  else if (key == "dstip") addr(dump_.header.dst, dump_.dst);
  else if (key == "srcport") port(dump_.header.sport, dump_.sport);
  else if (key == "dstport") port(dump_.header.dport, dump_.dport);
}

std::optional<LogMessage> SipLogParser::line(std::string_view l) {
  ++lines_;
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  // Kamailio sipdump: "====" rule, "key: value" lines (time, srcip, srcport, dstip, dstport...), "~~~~"
  // rule, the message as it went on the wire, "||||" rule (glued to a body that has no final line end).
  if (isRule(l, '=')) {
    auto done = in_msg_ ? close() : std::nullopt;
    dump_ = DumpRecord{};
    dump_.open = true;
    return done;
  }
  if (dump_.open) {
    if (!isRule(l, '~')) {
      dumpField(l);
      return std::nullopt;
    }
    dump_.open = false;
    if (!(dump_.src && dump_.dst && dump_.sport && dump_.dport)) return std::nullopt;  // not a record: skip it
    Header h = dump_.header;
    if (!h.ts_ns && last_ts_ != 0) h.ts_ns = last_ts_ + 1000;
    start(h);
    dump_msg_ = true;
    return std::nullopt;
  }
  if (dump_msg_ && in_msg_ && l.size() >= kDumpRuleBytes &&
      l.find_first_not_of('|', l.size() - kDumpRuleBytes) == std::string_view::npos) {
    l.remove_suffix(kDumpRuleBytes);
    if (l.empty()) return close();
    auto done = line(l);  // the body's last bytes, glued to the rule
    --lines_;
    return done ? done : (in_msg_ ? close() : std::nullopt);
  }
  if (in_msg_ && sofia_) {
    if (!sofia_open_ && cur_.text.empty() && isDashRule(trim(l))) {  // the rule that opens the message
      sofia_open_ = true;
      sofia_indent_ = std::min(l.find_first_not_of(' '), l.size());
      return std::nullopt;
    }
    if (sofia_open_) {
      std::size_t k = 0;
      while (k < sofia_indent_ && k < l.size() && l[k] == ' ') ++k;
      l.remove_prefix(k);
    }
  }
  auto h = parseHeaderLine(l, year_ref_ns_);
  if (h) {
    auto done = in_msg_ ? close() : std::nullopt;
    h->ts_ns = utc(h->ts_ns);  // a date on the header line (Asterisk, sngrep text); sofia's is set below
    if (h->time_of_day_ns) h->ts_ns = nearestDay(*h->time_of_day_ns, last_ts_ != 0 ? last_ts_ : year_ref_ns_);
    if (!h->ts_ns && last_ts_ != 0) h->ts_ns = last_ts_ + 1000;
    start(*h);
    return done;
  }
  auto t = trim(l);
  bool separator = t.substr(0, 4) == "<---" || isDashRule(t);
  std::optional<std::int64_t> log_ts;
  if (!in_msg_ || !in_body_ || content_length_.value_or(1) > body_bytes_) {
    // A new log line ("[2024-01-31 10:00:00] VERBOSE[12] ...") ends the message in progress.
    if (!l.empty() && l.front() == '[') log_ts = utc(findTimestamp(l.substr(0, 40), year_ref_ns_));
  }
  if (!in_msg_) {
    if (auto ts = log_ts ? log_ts : utc(findTimestamp(l.substr(0, 40), year_ref_ns_)); ts) last_ts_ = *ts;
    return std::nullopt;
  }
  if ((separator || log_ts) && !dump_msg_) {
    auto done = close();
    if (log_ts) last_ts_ = *log_ts;
    return done;
  }
  auto& text = cur_.text;
  if (!in_body_) {
    if (l.empty()) {
      if (text.empty()) return std::nullopt;  // blank lines before the start line
      in_body_ = true;
      text += "\r\n";
      if (content_length_ && *content_length_ == 0) return close();
      return std::nullopt;
    }
    auto colon = l.find(':');
    if (colon != std::string_view::npos) {
      auto name = trim(l.substr(0, colon));
      bool cl = name.size() == 14 ? std::equal(name.begin(), name.end(), "Content-Length", [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      }) : name == "l";
      if (cl) {
        auto v = trim(l.substr(colon + 1));
        std::size_t n = 0;
        auto [e, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec == std::errc{}) content_length_ = n;
      }
    }
  } else {
    body_bytes_ += l.size() + 2;
  }
  if (text.size() + l.size() + 2 > kMaxMessageBytes) {
    cur_.cut = true;
  } else {
    text.append(l);
    text += "\r\n";
  }
  if (in_body_ && content_length_ && body_bytes_ >= *content_length_) return close();
  return std::nullopt;
}

std::optional<LogMessage> SipLogParser::finish() {
  if (!in_msg_) return std::nullopt;
  return close();
}

std::optional<std::int64_t> parseUtcOffset(std::string_view t) {
  if (t == "Z" || t == "UTC" || t == "utc") return 0;
  if (t.size() < 2 || (t[0] != '+' && t[0] != '-')) return std::nullopt;
  const bool west = t[0] == '-';
  t.remove_prefix(1);
  auto number = [](std::string_view d) -> std::optional<int> {
    if (d.empty() || d.size() > 2 || d.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    return std::stoi(std::string(d));
  };
  std::optional<int> hours, minutes = 0;
  if (auto colon = t.find(':'); colon != std::string_view::npos) {
    hours = number(t.substr(0, colon));
    minutes = number(t.substr(colon + 1));
    if (t.size() - colon - 1 != 2) minutes.reset();
  } else if (t.size() == 4) {
    hours = number(t.substr(0, 2));
    minutes = number(t.substr(2));
  } else {
    hours = number(t);
  }
  if (!hours || !minutes || *minutes >= 60 || *hours * 60 + *minutes > 14 * 60) return std::nullopt;
  const std::int64_t ns = (std::int64_t{*hours} * 60 + *minutes) * 60 * 1'000'000'000;
  return west ? -ns : ns;
}

}  // namespace vs::proto::siplog
