#include "analysis/model.h"

#include <fmt/format.h>

namespace vs::analysis {

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
