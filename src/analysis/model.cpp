#include "analysis/model.h"

#include <charconv>

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
  char buf[24];  // "255.255.255.255:65535"
  char* p = buf;
  for (std::size_t i = 0; i < 4; ++i) {
    p = std::to_chars(p, buf + sizeof buf, static_cast<unsigned>(ip.bytes[i])).ptr;
    *p++ = i < 3 ? '.' : ':';
  }
  p = std::to_chars(p, buf + sizeof buf, static_cast<unsigned>(port)).ptr;
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

std::optional<double> Leg::setupRingingMs() const {
  if (!invite_ns || !ringing_ns) return std::nullopt;
  return static_cast<double>(*ringing_ns - *invite_ns) / 1e6;
}

std::optional<double> Leg::setupAnswerMs() const {
  if (!invite_ns || !answer_ns) return std::nullopt;
  return static_cast<double>(*answer_ns - *invite_ns) / 1e6;
}

std::optional<double> Leg::durationS() const {
  if (!answer_ns) return std::nullopt;
  auto end = bye_ns ? *bye_ns : end_ns;
  return static_cast<double>(end - *answer_ns) / 1e9;
}

}  // namespace vs::analysis
