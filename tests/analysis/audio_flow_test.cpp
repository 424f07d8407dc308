// judgeAudio(): which way a leg's RTP flowed, judged only where both ways were due. Hand-made legs for
// each rule; the same judgement on real SIPp calls with one direction withheld is in
// tests/integration/flow_capture_test.cpp (OneWayAudioIsJudgedFromTheRtpEachWay).
#include <gtest/gtest.h>

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
  EXPECT_EQ(judgeAudio(l), AudioFlow::kBothWays);
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500)};
  EXPECT_EQ(judgeAudio(l), AudioFlow::kCallerToCalleeOnly);
  l.streams = {stream(ep("198.18.0.2", 5000), ep("198.18.0.1", 4000), 500)};
  EXPECT_EQ(judgeAudio(l), AudioFlow::kCalleeToCallerOnly);
  // A few packets back (a phone's NAT keepalives) are not audio flowing back.
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500),
               stream(ep("198.18.0.2", 5000), ep("198.18.0.1", 4000), kAudioMinPackets - 1)};
  EXPECT_EQ(judgeAudio(l), AudioFlow::kCallerToCalleeOnly);
  l.streams = {stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), kAudioMinPackets - 1)};
  EXPECT_EQ(judgeAudio(l), std::nullopt);
}

// The caller behind a NAT: its SDP names its private address, the capture (on the public side) sees its
// RTP leave from the NAT's address and the callee's RTP go there. Each direction is still recognised.
TEST(AudioFlow, EitherEndOfAStreamNamesItsDirection) {
  auto l = call();
  l.media = {};
  l.media.push_back(sdp(true, "10.1.1.5", 4000));
  l.media.push_back(sdp(false, "198.18.0.2", 5000));
  l.streams = {stream(ep("198.18.0.9", 31000), ep("198.18.0.2", 5000), 500)};
  EXPECT_EQ(judgeAudio(l), AudioFlow::kCallerToCalleeOnly);
  l.streams.push_back(stream(ep("198.18.0.2", 5000), ep("198.18.0.9", 31000), 500));
  EXPECT_EQ(judgeAudio(l), AudioFlow::kBothWays);
}

TEST(AudioFlow, NotJudgedWhereBothWaysWereNotDue) {
  const auto one_way = stream(ep("198.18.0.1", 4000), ep("198.18.0.2", 5000), 500);
  {
    auto l = call();  // no RTP at all: the capture may be of signalling only
    EXPECT_EQ(judgeAudio(l), std::nullopt);
  }
  {
    auto l = call();  // never answered (early media only)
    l.answer_ns.reset();
    l.bye_ns.reset();
    l.state = CallState::kCancelled;
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l), std::nullopt);
  }
  {
    auto l = call();  // answered for less than kAudioJudgeNs
    l.bye_ns = *l.answer_ns + kAudioJudgeNs - 1;
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l), std::nullopt);
    l.bye_ns = *l.answer_ns + kAudioJudgeNs;
    EXPECT_EQ(judgeAudio(l), AudioFlow::kCallerToCalleeOnly);
  }
  {
    auto l = call();  // still up at the end of the capture: judged to its last packet
    l.bye_ns.reset();
    l.state = CallState::kInCall;
    l.end_ns = *l.answer_ns;  // no SIP after the 200 OK
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l), AudioFlow::kCallerToCalleeOnly);
  }
  for (const char* hold : {"sendonly", "recvonly", "inactive"}) {
    auto l = call();  // on hold: one way (or none) is what was asked for
    l.media.push_back(sdp(true, "198.18.0.1", 4000, hold));
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l), std::nullopt) << hold;
  }
  {
    auto l = call();  // the callee refused the audio (port 0)
    l.media.push_back(sdp(false, "198.18.0.2", 0));
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l), std::nullopt);
  }
  {
    auto l = call();  // no SDP from the callee
    l.media = {};
    l.media.push_back(sdp(true, "198.18.0.1", 4000));
    l.streams = {one_way};
    EXPECT_EQ(judgeAudio(l), std::nullopt);
  }
}

}  // namespace
