// judgeAudio(), findPrivateMedia() and legFindingKinds(): which way a leg's RTP flowed (judged only where
// both ways were due), which side's SDP hides behind a NAT, and which findings a leg's facts make. Hand-made legs for
// each rule; the same judgement on real SIPp calls with one direction withheld is in
// tests/integration/flow_capture_test.cpp (OneWayAudioIsJudgedFromTheRtpEachWay).
#include <gtest/gtest.h>

#include <vector>

#include "analysis/model.h"

namespace {

using namespace vs::analysis;
using vs::proto::pkt::IpAddr;

constexpr std::int64_t kSec = 1'000'000'000;

Endpoint ep(const char* ip, std::uint16_t port) { return Endpoint{*IpAddr::parse(ip), port}; }

MediaDescription sdp(bool from_caller, const char* address, std::uint16_t port, std::string direction = {}) {
  MediaDescription d;
  d.from_caller = from_caller;
  d.media = "audio";
  d.address = address;
  d.port = port;
  d.protocol = "RTP/AVP";
  d.payload_types = {0};
  d.direction = std::move(direction);
  return d;
}

RtpStream stream(Endpoint src, Endpoint dst, std::uint64_t packets) {
  RtpStream s;
  s.src = src;
  s.dst = dst;
  s.packets = packets;
  s.start_ns = 1 * kSec;
  s.end_ns = 11 * kSec;
  return s;
}

// An answered 10 s call: caller 198.18.0.1:4000, callee 198.18.0.2:5000, both sendrecv.
Leg call() {
  Leg l;
  l.kind = "call";
  l.state = CallState::kCompleted;
  l.invite_ns = 0;
  l.answer_ns = 1 * kSec;
  l.bye_ns = 11 * kSec;
  l.end_ns = 11 * kSec;
  l.media.push_back(sdp(true, "198.18.0.1", 4000));
  l.media.push_back(sdp(false, "198.18.0.2", 5000, "sendrecv"));
  return l;
}

TEST(AudioFlow, BothWaysOneWayEitherWayAndTooFewPackets) {
  auto l = call();
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500),
               stream(ep("198.18.0.2", 5000), ep("198.18.0.1", 4000), 500)};
  EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kBothWays);
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500)};
  EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kCallerToCalleeOnly);
  l.streams = {stream(ep("198.18.0.2", 5000), ep("198.18.0.1", 4000), 500)};
  EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kCalleeToCallerOnly);
  // A few packets back (a phone's NAT keepalives) are not audio flowing back.
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500),
               stream(ep("198.18.0.2", 5000), ep("198.18.0.1", 4000), kAudioMinPackets - 1)};
  EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kCallerToCalleeOnly);
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), kAudioMinPackets - 1)};
  EXPECT_EQ(judgeAudio(l, {}), std::nullopt);
}

// The caller behind a NAT: its SDP names its private address, the capture (on the public side) sees its
// RTP leave from the NAT's address and the callee's RTP go there. Each direction is still recognised.
TEST(AudioFlow, EitherEndOfAStreamNamesItsDirection) {
  auto l = call();
  l.media = {};
  l.media.push_back(sdp(true, "10.1.1.5", 4000));
  l.media.push_back(sdp(false, "198.18.0.2", 5000));
  l.streams = {stream(ep("198.18.0.9", 31000), ep("198.18.0.2", 5000), 500)};
  EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kCallerToCalleeOnly);
  l.streams.push_back(stream(ep("198.18.0.2", 5000), ep("198.18.0.9", 31000), 500));
  EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kBothWays);
}

// No RTP tied to the leg at all: "none" only when the capture holds other RTP of one of the media hosts
// the leg's SDP named (the capture point is on that host's media path: not a capture of signalling only,
// nor one taken on the far side of a B2BUA), and only where both ways were due, as for one-way audio.
TEST(AudioFlow, NoneOnlyWhenTheCaptureHoldsOtherRtpOfItsMediaHosts) {
  const RtpHostSeen callee_host = [](const IpAddr& ip) { return ip == *IpAddr::parse("198.18.0.2"); };
  const RtpHostSeen caller_host = [](const IpAddr& ip) { return ip == *IpAddr::parse("198.18.0.1"); };
  const RtpHostSeen elsewhere = [](const IpAddr& ip) { return ip == *IpAddr::parse("10.23.1.52"); };
  auto l = call();
  EXPECT_EQ(judgeAudio(l, {}), std::nullopt);
  EXPECT_EQ(judgeAudio(l, elsewhere), std::nullopt);
  EXPECT_EQ(judgeAudio(l, caller_host), AudioFlow::kNone);
  EXPECT_EQ(judgeAudio(l, callee_host), AudioFlow::kNone);
  EXPECT_TRUE(legFindingKinds([&] { auto m = l; m.audio = judgeAudio(l, callee_host); return m; }()).has(FindingKind::kNoAudio));
  l.bye_ns = *l.answer_ns + kAudioJudgeNs - 1;  // up for less than kAudioJudgeNs
  EXPECT_EQ(judgeAudio(l, callee_host), std::nullopt);
  auto hold = call();
  hold.media.push_back(sdp(false, "198.18.0.2", 5000, "inactive"));
  EXPECT_EQ(judgeAudio(hold, callee_host), std::nullopt);
  auto unanswered = call();
  unanswered.answer_ns.reset();
  EXPECT_EQ(judgeAudio(unanswered, callee_host), std::nullopt);
  // A few packets (not enough to judge a direction) are not "none".
  auto few = call();
  few.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), kAudioMinPackets - 1)};
  EXPECT_EQ(judgeAudio(few, callee_host), std::nullopt);
  // Where RTP flowed, the capture's other RTP changes nothing.
  few.streams[0].packets = 500;
  EXPECT_EQ(judgeAudio(few, callee_host), AudioFlow::kCallerToCalleeOnly);
}

TEST(AudioFlow, NotJudgedWhereBothWaysWereNotDue) {
  const auto one_way = stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500);
  {
    auto l = call();  // no RTP at all: the capture may be of signalling only
    EXPECT_EQ(judgeAudio(l, {}), std::nullopt);
  }
  {
    auto l = call();  // never answered (early media only)
    l.answer_ns.reset();
    l.bye_ns.reset();
    l.state = CallState::kCancelled;
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l, {}), std::nullopt);
  }
  {
    auto l = call();  // answered for less than kAudioJudgeNs
    l.bye_ns = *l.answer_ns + kAudioJudgeNs - 1;
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l, {}), std::nullopt);
    l.bye_ns = *l.answer_ns + kAudioJudgeNs;
    EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kCallerToCalleeOnly);
  }
  {
    auto l = call();  // still up at the end of the capture: judged to its last packet
    l.bye_ns.reset();
    l.state = CallState::kInCall;
    l.end_ns = *l.answer_ns;  // no SIP after the 200 OK
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l, {}), AudioFlow::kCallerToCalleeOnly);
  }
  for (const char* hold : {"sendonly", "recvonly", "inactive"}) {
    auto l = call();  // on hold: one way (or none) is what was asked for
    l.media.push_back(sdp(true, "198.18.0.1", 4000, hold));
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l, {}), std::nullopt) << hold;
  }
  {
    auto l = call();  // the callee refused the audio (port 0)
    l.media.push_back(sdp(false, "198.18.0.2", 0));
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l, {}), std::nullopt);
  }
  {
    auto l = call();  // no SDP from the callee
    l.media = {};
    l.media.push_back(sdp(true, "198.18.0.1", 4000));
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l, {}), std::nullopt);
  }
}

TEST(PrivateMedia, AddressClasses) {
  for (const char* a : {"10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.2", "100.64.0.1", "100.127.255.1",
                        "fd00::1", "fc00::5"}) {
    EXPECT_TRUE(isPrivateAddress(*IpAddr::parse(a))) << a;
    EXPECT_FALSE(isPublicAddress(*IpAddr::parse(a))) << a;
  }
  for (const char* a : {"172.32.0.1", "172.15.0.1", "100.128.0.1", "192.169.0.1", "11.0.0.1", "198.18.0.1",
                        "2001:db8::1", "fe00::1"}) {
    EXPECT_FALSE(isPrivateAddress(*IpAddr::parse(a))) << a;
  }
  for (const char* a : {"127.0.0.1", "169.254.1.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "ff02::1"}) {
    EXPECT_FALSE(isPublicAddress(*IpAddr::parse(a))) << a;
  }
  EXPECT_TRUE(isPublicAddress(*IpAddr::parse("198.18.0.1")));
  EXPECT_TRUE(isPublicAddress(*IpAddr::parse("2001:db8::1")));
}

TEST(PrivateMedia, EachSideWhoseSdpIsPrivateWhileItsSipIsPublic) {
  auto l = call();  // SIP at 198.18.0.1 -> 198.18.0.2
  l.caller = ep("198.18.0.1", 5060);
  l.callee = ep("198.18.0.2", 5060);
  l.media = {};
  l.media.push_back(sdp(true, "192.168.1.20", 4000));
  l.media.push_back(sdp(false, "198.18.0.2", 5000));
  l.media.push_back(sdp(true, "10.9.9.9", 4000));  // a re-INVITE: the first private address is kept
  findPrivateMedia(l);
  EXPECT_EQ(l.caller_private_media, "192.168.1.20");
  EXPECT_EQ(l.callee_private_media, "");
  // A capture inside the LAN: private SIP and private SDP are as they should be.
  auto lan = call();
  lan.caller = ep("192.168.1.20", 5060);
  lan.callee = ep("192.168.1.1", 5060);
  lan.media = {};
  lan.media.push_back(sdp(true, "192.168.1.20", 4000));
  lan.media.push_back(sdp(false, "192.168.1.1", 5000));
  findPrivateMedia(lan);
  EXPECT_EQ(lan.caller_private_media, "");
  EXPECT_EQ(lan.callee_private_media, "");
  // The callee behind NAT (its 200 OK names its LAN address), over IPv6 too; a refused stream (port 0)
  // names nothing.
  auto v6 = call();
  v6.caller = ep("2001:db8::1", 5060);
  v6.callee = ep("2001:db8::2", 5060);
  v6.media = {};
  v6.media.push_back(sdp(true, "fd12::5", 0));
  v6.media.push_back(sdp(false, "fd12::7", 5000));
  findPrivateMedia(v6);
  EXPECT_EQ(v6.caller_private_media, "");
  EXPECT_EQ(v6.callee_private_media, "fd12::7");
}

TEST(LegFindings, EachKindFollowsItsFactAndNothingElse) {
  auto l = call();
  EXPECT_TRUE(legFindingKinds(l).empty());
  // INVITE unanswered: sent twice or more and no response at all, not even 100 Trying.
  auto u = call();
  u.state = CallState::kCallSetup;
  u.answer_ns.reset();
  u.requests_by_method = {{"INVITE", 4}};
  EXPECT_EQ(unansweredInvites(u), 4U);
  EXPECT_TRUE(legFindingKinds(u).has(FindingKind::kInviteUnanswered));
  u.requests_by_method = {{"INVITE", 1}};  // once: the capture may have stopped before the answer
  EXPECT_EQ(unansweredInvites(u), 0U);
  u.requests_by_method = {{"INVITE", 3}};
  u.responses_by_status = {{100, 1}};  // a 100 Trying: something took it
  EXPECT_EQ(unansweredInvites(u), 0U);
  EXPECT_TRUE(legFindingKinds(u).empty());
  auto reg = Leg{};  // no INVITE: a REGISTER resent unanswered is not this finding
  reg.requests_by_method = {{"REGISTER", 5}};
  EXPECT_EQ(unansweredInvites(reg), 0U);

  auto k = call();
  k.unacked_2xx_resends = 2;
  k.audio = AudioFlow::kCalleeToCallerOnly;
  k.callee_private_media = "10.0.0.7";
  k.udp_fragmented_messages = 1;
  const auto set = legFindingKinds(k);
  std::vector<FindingKind> order;
  set.forEach([&](FindingKind f) { order.push_back(f); });
  EXPECT_EQ(order, (std::vector<FindingKind>{FindingKind::kNoAck, FindingKind::kOneWayAudio,
                                             FindingKind::kPrivateMedia, FindingKind::kUdpFragments}));
  k.audio = AudioFlow::kBothWays;  // judged, and both ways: no finding
  EXPECT_FALSE(legFindingKinds(k).has(FindingKind::kOneWayAudio));
  k.audio = AudioFlow::kNone;  // no audio is its own finding, not one-way
  EXPECT_FALSE(legFindingKinds(k).has(FindingKind::kOneWayAudio));
  EXPECT_TRUE(legFindingKinds(k).has(FindingKind::kNoAudio));
  EXPECT_EQ(findingKindKey(FindingKind::kNoAck), "no_ack");
  EXPECT_EQ(findingKindName(FindingKind::kPrivateMedia), "private SDP behind NAT");
}

TEST(PoorAudio, MosBelowTheLineOrLossWithoutAMos) {
  auto s = stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500);
  EXPECT_FALSE(poorStream(s));  // no MOS (codec not in the table), no loss
  s.lost_percent = kPoorLossPercent + 0.1;
  EXPECT_TRUE(poorStream(s));
  s.mos = 4.1;  // where a MOS is known, it decides: 2.1 % loss of a codec with PLC can still sound fine
  EXPECT_FALSE(poorStream(s));
  s.mos = kPoorMos - 0.01;
  EXPECT_TRUE(poorStream(s));
  s.packets = kPoorMinPackets - 1;  // too short to say
  EXPECT_FALSE(poorStream(s));

  auto l = call();
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500)};
  EXPECT_FALSE(legFindingKinds(l).has(FindingKind::kPoorAudio));
  l.streams[0].mos = 2.9;
  EXPECT_TRUE(legFindingKinds(l).has(FindingKind::kPoorAudio));
}

TEST(PoorAudio, DirectionFromEitherEndOfTheSdp) {
  auto l = call();  // caller SDP 198.18.0.1:4000, callee SDP 198.18.0.2:5000
  EXPECT_EQ(streamDirection(l, stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 1)), StreamDirection::kCallerToCallee);
  EXPECT_EQ(streamDirection(l, stream(ep("198.18.0.2", 5000), ep("198.18.0.1", 4000), 1)), StreamDirection::kCalleeToCaller);
  // Behind a NAT: only one end is an SDP address.
  EXPECT_EQ(streamDirection(l, stream(ep("198.18.0.9", 31000), ep("198.18.0.2", 5000), 1)), StreamDirection::kCallerToCallee);
  EXPECT_EQ(streamDirection(l, stream(ep("198.18.0.2", 5000), ep("198.18.0.9", 31000), 1)), StreamDirection::kCalleeToCaller);
  EXPECT_EQ(streamDirection(l, stream(ep("198.18.0.8", 1), ep("198.18.0.9", 2), 1)), StreamDirection::kUnknown);
}

}  // namespace
