#include "analysis/model.h"

#include <cstring>

#include <fmt/format.h>

namespace vs::analysis {

namespace {
void putNum(std::string& b, std::uint64_t v) {
  while (v >= 0x80) {
    b.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  b.push_back(static_cast<char>(v));
}
void putPt(std::string& b, int pt) {
  const auto v = static_cast<std::int64_t>(pt);
  putNum(b, static_cast<std::uint64_t>((v << 1) ^ (v >> 63)));
}
void putStr(std::string& b, std::string_view s) {
  putNum(b, s.size());
  b.append(s);
}
}  // namespace

void MediaList::push_back(const MediaDescription& d) {
  // The record is written to a scratch buffer first, so that the list's own block is allocated once at
  // its final size (room for two: an offer and its answer) instead of growing byte by byte.
  thread_local std::string rec;
  rec.clear();
  putNum(rec, d.frame);
  rec.push_back(d.from_caller ? '\1' : '\0');
  putNum(rec, d.port);
  putStr(rec, d.media);
  putStr(rec, d.address);
  putStr(rec, d.protocol);
  putStr(rec, d.direction);
  putNum(rec, d.payload_types.size());
  for (int pt : d.payload_types) putPt(rec, pt);
  putNum(rec, d.encodings.size());
  for (const auto& [pt, enc] : d.encodings) {
    putPt(rec, pt);
    putStr(rec, enc);
  }
  if (bytes_.capacity() < bytes_.size() + rec.size()) bytes_.reserve(bytes_.size() + (count_ == 0 ? 2 : 1) * rec.size());
  bytes_.append(rec);
  ++count_;
}

std::vector<MediaDescription> MediaList::unpack() const {
  std::vector<MediaDescription> out;
  out.reserve(count_);
  Reader r{bytes_.data()};
  for (std::size_t i = 0; i < count_; ++i) {
    MediaDescription d;
    d.frame = r.num();
    d.from_caller = *r.p++ != '\0';
    d.port = static_cast<std::uint16_t>(r.num());
    d.media = r.str();
    d.address = r.str();
    d.protocol = r.str();
    d.direction = r.str();
    auto n = r.num();
    d.payload_types.reserve(n);
    for (; n > 0; --n) d.payload_types.push_back(r.pt());
    for (n = r.num(); n > 0; --n) {
      const int pt = r.pt();
      d.encodings.emplace_hint(d.encodings.end(), pt, std::string(r.str()));
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string_view sipTransportName(SipTransport t) {
  switch (t) {
    case SipTransport::kUdp: return "udp";
    case SipTransport::kTcp: return "tcp";
    case SipTransport::kSctp: return "sctp";
    case SipTransport::kWebSocket: return "websocket";
    case SipTransport::kTls: return "tls";
  }
  return "udp";
}

std::string Endpoint::toString() const {
  if (ip.v6) return fmt::format("[{}]:{}", ip.toString(), port);
  // IPv4 without a format string: every leg's endpoints are written out when its call is emitted. Built
  // on the stack, so that the string is made at its final length: up to 15 characters it needs no heap
  // block ("127.0.0.1:5060"), where reserving the longest case always took one.
  // Digits written by hand: after std::to_chars (which may return the end on error) g++ -O3 could not
  // prove the separators stay inside the buffer (-Wstringop-overflow).
  char buf[32];  // "255.255.255.255:65535" is 21; 32 covers any five-digit fields the compiler assumes
  char* p = buf;
  auto put = [&p](unsigned v) {
    char digits[5];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && n < 5);
    while (n > 0) *p++ = digits[--n];
  };
  for (std::size_t i = 0; i < 4; ++i) {
    put(static_cast<unsigned>(ip.bytes[i]));
    *p++ = i < 3 ? '.' : ':';
  }
  put(port);
  return std::string(buf, static_cast<std::size_t>(p - buf));
}

std::string_view callStateName(CallState s) {
  switch (s) {
    case CallState::kCallSetup: return "CALL_SETUP";
    case CallState::kInCall: return "IN_CALL";
    case CallState::kCompleted: return "COMPLETED";
    case CallState::kCancelled: return "CANCELLED";
    case CallState::kRejected: return "REJECTED";
  }
  return "CALL_SETUP";
}

std::string_view hangupName(HangupBy h) {
  switch (h) {
    case HangupBy::kCaller: return "caller";
    case HangupBy::kCallee: return "callee";
    case HangupBy::kNone: break;
  }
  return "";
}

std::string_view confidenceName(LinkConfidence c) {
  switch (c) {
    case LinkConfidence::kHigh: return "high";
    case LinkConfidence::kMedium: return "medium";
    case LinkConfidence::kLow: return "low";
  }
  return "low";
}

std::optional<std::int64_t> Leg::setupRingingNs() const {
  if (!invite_ns || !ringing_ns) return std::nullopt;
  return *ringing_ns - *invite_ns;
}

std::optional<std::int64_t> Leg::setupAnswerNs() const {
  if (!invite_ns || !answer_ns) return std::nullopt;
  return *answer_ns - *invite_ns;
}

std::optional<std::int64_t> Leg::durationNs() const {
  if (!answer_ns) return std::nullopt;
  return (bye_ns ? *bye_ns : end_ns) - *answer_ns;
}

namespace {
std::optional<double> scaled(std::optional<std::int64_t> ns, double per_unit) {
  if (!ns) return std::nullopt;
  return static_cast<double>(*ns) / per_unit;
}
}  // namespace

std::optional<double> Leg::setupRingingMs() const { return scaled(setupRingingNs(), 1e6); }
std::optional<double> Leg::setupAnswerMs() const { return scaled(setupAnswerNs(), 1e6); }
std::optional<double> Leg::durationS() const { return scaled(durationNs(), 1e9); }

}  // namespace vs::analysis
