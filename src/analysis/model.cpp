#include "analysis/model.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace vs::analysis {

namespace {
// Writes a record through a raw pointer into room the caller sized (kMaxVarint per number): a push_back
// per byte cost more than the rest of the tracker's work on an SDP body.
constexpr std::size_t kMaxVarint = 10;
struct Writer {
  char* p;
  void num(std::uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
  }
  void pt(int x) {
    const auto v = static_cast<std::int64_t>(x);
    num(static_cast<std::uint64_t>((v << 1) ^ (v >> 63)));
  }
  void str(std::string_view s) {
    num(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
};
}  // namespace

void MediaList::push_back(const MediaDescription& d) {
  const std::vector<std::pair<int, std::string>> encodings(d.encodings.begin(), d.encodings.end());
  MediaView v;
  v.frame = d.frame;
  v.from_caller = d.from_caller;
  v.media = d.media;
  v.address = d.address;
  v.protocol = d.protocol;
  v.direction = d.direction;
  v.port = d.port;
  v.payload_types = d.payload_types;
  v.encodings = encodings;
  push_back(v);
}

void MediaList::push_back(const MediaView& d) {
  // The record is written to a scratch buffer first, so that the list's own block is allocated once at
  // its final size (room for two: an offer and its answer) instead of growing piece by piece.
  std::size_t room = kMaxVarint * (6 + 2 + d.payload_types.size() + 2 * d.encodings.size()) + 1 + d.media.size() +
                     d.address.size() + d.protocol.size() + d.direction.size();
  for (const auto& e : d.encodings) room += e.second.size();
  thread_local std::string rec;
  if (rec.size() < room) rec.resize(room);
  Writer w{rec.data()};
  w.num(d.frame);
  *w.p++ = d.from_caller ? '\1' : '\0';
  w.num(d.port);
  w.str(d.media);
  w.str(d.address);
  w.str(d.protocol);
  w.str(d.direction);
  w.num(d.payload_types.size());
  for (int pt : d.payload_types) w.pt(pt);
  w.num(d.encodings.size());
  for (const auto& [pt, enc] : d.encodings) {
    w.pt(pt);
    w.str(enc);
  }
  const auto n = static_cast<std::size_t>(w.p - rec.data());
  if (bytes_.capacity() < bytes_.size() + n) bytes_.reserve(bytes_.size() + (count_ == 0 ? 2 : 1) * n);
  bytes_.append(rec.data(), n);
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

std::string_view audioFlowName(AudioFlow f) {
  switch (f) {
    case AudioFlow::kBothWays: return "both";
    case AudioFlow::kCallerToCalleeOnly: return "caller_to_callee_only";
    case AudioFlow::kCalleeToCallerOnly: return "callee_to_caller_only";
    case AudioFlow::kNone: return "none";
  }
  return "";
}

std::optional<AudioFlow> judgeAudio(const Leg& leg, const RtpHostSeen& rtp_host_seen) {
  // Cheap ways out first: no media unpacked.
  if (!leg.answer_ns || (leg.streams.empty() && !rtp_host_seen)) return std::nullopt;
  std::int64_t end = leg.bye_ns ? *leg.bye_ns : leg.end_ns;
  if (!leg.bye_ns) {
    for (const auto& s : leg.streams) end = std::max(end, s.end_ns);
  }
  if (end - *leg.answer_ns < kAudioJudgeNs) return std::nullopt;
  // The last audio description each side sent.
  std::optional<MediaDescription> caller_sdp, callee_sdp;
  for (auto& d : leg.media.unpack()) {
    if (d.media != "audio") continue;
    (d.from_caller ? caller_sdp : callee_sdp) = std::move(d);
  }
  if (!caller_sdp || !callee_sdp || caller_sdp->port == 0 || callee_sdp->port == 0) return std::nullopt;
  auto both_ways = [](const std::string& dir) { return dir.empty() || dir == "sendrecv"; };
  if (!both_ways(caller_sdp->direction) || !both_ways(callee_sdp->direction)) return std::nullopt;
  const auto caller_ip = proto::pkt::IpAddr::parse(caller_sdp->address);
  const auto callee_ip = proto::pkt::IpAddr::parse(callee_sdp->address);
  auto at = [](const Endpoint& e, const std::optional<proto::pkt::IpAddr>& ip, std::uint16_t port) {
    return ip && e.ip == *ip && e.port == port;
  };
  std::uint64_t to_callee = 0, to_caller = 0;
  for (const auto& s : leg.streams) {
    if (at(s.dst, callee_ip, callee_sdp->port) || at(s.src, caller_ip, caller_sdp->port)) to_callee += s.packets;
    if (at(s.dst, caller_ip, caller_sdp->port) || at(s.src, callee_ip, callee_sdp->port)) to_caller += s.packets;
  }
  const bool forward = to_callee >= kAudioMinPackets, back = to_caller >= kAudioMinPackets;
  if (forward && back) return AudioFlow::kBothWays;
  if (forward) return AudioFlow::kCallerToCalleeOnly;
  if (back) return AudioFlow::kCalleeToCallerOnly;
  if (leg.streams.empty() && ((caller_ip && rtp_host_seen(*caller_ip)) || (callee_ip && rtp_host_seen(*callee_ip)))) {
    return AudioFlow::kNone;
  }
  return std::nullopt;  // RTP, but not enough of it either way to say
}

bool isPrivateAddress(const proto::pkt::IpAddr& ip) {
  const auto& b = ip.bytes;
  if (ip.v6) return (b[0] & 0xFEU) == 0xFC;
  return b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0U) == 16) || (b[0] == 192 && b[1] == 168) ||
         (b[0] == 100 && (b[1] & 0xC0U) == 64);
}

bool isPublicAddress(const proto::pkt::IpAddr& ip) {
  if (isPrivateAddress(ip)) return false;
  const auto& b = ip.bytes;
  if (!ip.v6) return b[0] != 0 && b[0] != 127 && !(b[0] == 169 && b[1] == 254) && b[0] < 224;
  bool zero_but_last = true;  // :: and ::1
  for (std::size_t i = 0; i < 15; ++i) zero_but_last = zero_but_last && b[i] == 0;
  if (zero_but_last && b[15] <= 1) return false;
  if (b[0] == 0xFE && (b[1] & 0xC0U) == 0x80) return false;  // fe80::/10 link-local
  return b[0] != 0xFF;                                       // multicast
}

std::string_view findingKindName(FindingKind k) {
  switch (k) {
    case FindingKind::kInviteUnanswered: return "INVITE unanswered";
    case FindingKind::kNoAck: return "no ACK";
    case FindingKind::kOneWayAudio: return "one-way audio";
    case FindingKind::kNoAudio: return "no audio";
    case FindingKind::kPoorAudio: return "poor audio";
    case FindingKind::kPrivateMedia: return "private SDP behind NAT";
    case FindingKind::kUdpFragments: return "SIP in IP fragments";
    case FindingKind::kRegisterRefused: return "REGISTER refused";
    case FindingKind::kRequestUnanswered: return "request unanswered";
  }
  return "";
}

std::string_view findingKindKey(FindingKind k) {
  switch (k) {
    case FindingKind::kInviteUnanswered: return "invite_unanswered";
    case FindingKind::kNoAck: return "no_ack";
    case FindingKind::kOneWayAudio: return "one_way_audio";
    case FindingKind::kNoAudio: return "no_audio";
    case FindingKind::kPoorAudio: return "poor_audio";
    case FindingKind::kPrivateMedia: return "private_media";
    case FindingKind::kUdpFragments: return "udp_fragments";
    case FindingKind::kRegisterRefused: return "register_refused";
    case FindingKind::kRequestUnanswered: return "request_unanswered";
  }
  return "";
}

std::uint64_t unansweredInvites(const Leg& leg) {
  if (!leg.invite_ns || !leg.responses_by_status.empty()) return 0;
  for (const auto& [method, n] : leg.requests_by_method) {
    if (method == "INVITE") return n >= 2 ? n : 0;
  }
  return 0;
}

bool poorStream(const RtpStream& s) {
  if (s.packets < kPoorMinPackets) return false;
  return s.mos ? *s.mos < kPoorMos : s.lost_percent > kPoorLossPercent;
}

StreamDirection streamDirection(const Leg& leg, const RtpStream& s) {
  bool forward = false, back = false;
  leg.media.forEachEnd([&](bool from_caller, std::string_view address, std::uint16_t port) {
    const auto ip = proto::pkt::IpAddr::parse(address);
    if (!ip || port == 0) return;
    const Endpoint e{*ip, port};
    if (from_caller) {
      forward = forward || s.src == e;
      back = back || s.dst == e;
    } else {
      forward = forward || s.dst == e;
      back = back || s.src == e;
    }
  });
  if (forward == back) return StreamDirection::kUnknown;
  return forward ? StreamDirection::kCallerToCallee : StreamDirection::kCalleeToCaller;
}

std::uint64_t unansweredRequests(const Leg& leg) {
  if (leg.invite_ns || !leg.responses_by_status.empty()) return 0;
  std::uint64_t sent = 0;
  for (const auto& [method, n] : leg.requests_by_method) {
    if (method != "ACK") sent += n;
  }
  return sent >= 2 ? sent : 0;
}

std::uint64_t registerRefusals(const Leg& leg) {
  if (leg.invite_ns) return 0;
  const auto n = leg.register_refused.count();
  return n >= 2 ? n : 0;
}

FindingSet callFindingKinds(const Call& call) {
  FindingSet out;
  for (const auto& l : call.legs) out.add(legFindingKinds(l));
  return out;
}

FindingSet legFindingKinds(const Leg& leg) {
  FindingSet out;
  if (unansweredInvites(leg) > 0) out.add(FindingKind::kInviteUnanswered);
  if (leg.unacked_2xx_resends > 0) out.add(FindingKind::kNoAck);
  if (leg.audio == AudioFlow::kCallerToCalleeOnly || leg.audio == AudioFlow::kCalleeToCallerOnly) {
    out.add(FindingKind::kOneWayAudio);
  }
  if (leg.audio == AudioFlow::kNone) out.add(FindingKind::kNoAudio);
  if (std::any_of(leg.streams.begin(), leg.streams.end(), poorStream)) out.add(FindingKind::kPoorAudio);
  if (!leg.caller_private_media.empty() || !leg.callee_private_media.empty()) out.add(FindingKind::kPrivateMedia);
  if (leg.udp_fragmented_messages > 0) out.add(FindingKind::kUdpFragments);
  if (registerRefusals(leg) > 0) out.add(FindingKind::kRegisterRefused);
  if (unansweredRequests(leg) > 0) out.add(FindingKind::kRequestUnanswered);
  return out;
}

void findPrivateMedia(Leg& leg) {
  if (!leg.invite_ns || leg.media.empty()) return;
  const bool caller_public = isPublicAddress(leg.caller.ip), callee_public = isPublicAddress(leg.callee.ip);
  if (!caller_public && !callee_public) return;  // a LAN capture: private SDP is what it should be
  leg.media.forEachEnd([&](bool from_caller, std::string_view address, std::uint16_t port) {
    auto& out = from_caller ? leg.caller_private_media : leg.callee_private_media;
    if (port == 0 || !out.empty() || !(from_caller ? caller_public : callee_public)) return;
    // Cheap test first: a private IPv4 address starts with 1 (10., 100., 172., 192.), a ULA with f.
    if (address.empty() || (address[0] != '1' && address[0] != 'f' && address[0] != 'F')) return;
    if (auto ip = proto::pkt::IpAddr::parse(address); ip && isPrivateAddress(*ip)) out.assign(address);
  });
}

}  // namespace vs::analysis
