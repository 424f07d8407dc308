// The analysis -> ladder adapter on a hand-built call (a B2BUA: two legs linked by X-CID): columns,
// labels, legs with the link reason, retransmission flag, message text and time order across legs.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <array>

#include "render/ladder_from_analysis.h"

namespace {

using namespace vs;

analysis::Endpoint ep(const char* ip, std::uint16_t port) {
  std::array<std::byte, 4> b{};
  inet_pton(AF_INET, ip, b.data());
  return analysis::Endpoint{proto::pkt::IpAddr::v4(b.data()), port};
}

analysis::SipMessageInfo msg(std::uint64_t frame, std::int64_t ms, analysis::Endpoint s, analysis::Endpoint d,
                             const std::string& method, int status = 0, const std::string& reason = "",
                             const std::string& cseq_method = "INVITE") {
  analysis::SipMessageInfo m;
  m.frame = frame;
  m.ts_ns = ms * 1'000'000;
  m.src = s;
  m.dst = d;
  m.request = status == 0;
  m.method = method;
  m.status = status;
  m.reason = reason;
  m.cseq_method = cseq_method;
  m.text = "text of frame " + std::to_string(frame);
  return m;
}

TEST(LadderFromAnalysis, B2buaCallBecomesTwoLinkedLegsOverThreeColumns) {
  auto a = ep("192.0.2.1", 5060), b = ep("192.0.2.2", 5060), c = ep("192.0.2.3", 5080);
  analysis::Call call;
  call.id = 7;
  analysis::Leg l1, l2;
  l1.call_id = "a-leg";
  l1.from_user = "alice";
  l1.to_user = "bob";
  l1.state = analysis::CallState::kRejected;
  l1.invite_final_statuses = {486};
  l1.message_list = {msg(1, 0, a, b, "INVITE"), msg(4, 30, b, a, "", 486, "Busy Here"),
                     msg(6, 40, a, b, "ACK", 0, "", "ACK")};
  l1.message_list[0].has_sdp = true;
  l2.call_id = "b-leg";
  l2.state = analysis::CallState::kRejected;
  l2.invite_final_statuses = {486};
  l2.message_list = {msg(2, 10, b, c, "INVITE"), msg(3, 20, c, b, "", 486, "Busy Here"),
                     msg(5, 35, c, b, "", 486, "Busy Here")};
  l2.message_list[2].retransmission = true;
  call.legs = {l1, l2};
  call.links = {analysis::LegLink{0, 1, "X-CID header names Call-ID a-leg", analysis::LinkConfidence::kHigh}};

  auto m = render::ladderFromCall(call);
  ASSERT_TRUE(render::validateLadder(m));
  ASSERT_EQ(m.participants.size(), 3U);
  EXPECT_EQ(m.participants[0].host, "192.0.2.1:5060");
  EXPECT_EQ(m.participants[2].host, "192.0.2.3:5080");
  ASSERT_EQ(m.legs.size(), 2U);
  EXPECT_EQ(m.legs[0].link_reason, "");
  EXPECT_EQ(m.legs[1].link_reason, "X-CID header names Call-ID a-leg");
  EXPECT_DOUBLE_EQ(m.legs[1].link_confidence, 1.0);
  EXPECT_EQ(m.legs[0].state, "REJECTED 486");
  ASSERT_EQ(m.events.size(), 6U);
  std::vector<std::uint64_t> frames;
  for (const auto& e : m.events) frames.push_back(e.frame);
  EXPECT_EQ(frames, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(m.events[0].label, "INVITE (SDP)");
  EXPECT_EQ(m.events[1].leg, 1);
  EXPECT_EQ(m.events[1].src, 1U);
  EXPECT_EQ(m.events[1].dst, 2U);
  EXPECT_EQ(m.events[3].label, "486 Busy Here");
  EXPECT_TRUE(m.events[4].retransmission);
  EXPECT_FALSE(m.events[3].retransmission);
  EXPECT_EQ(m.events[5].label, "ACK");
  EXPECT_EQ(m.events[5].message, "text of frame 6");
  EXPECT_EQ(m.events[5].time_us, 40'000);
  EXPECT_TRUE(m.streams.empty());  // no measured streams, and SDP alone gives none
}

TEST(LadderFromAnalysis, NonInviteResponsesNameTheirMethod) {
  analysis::SipMessageInfo m;
  m.status = 200;
  m.reason = "OK";
  m.cseq_method = "BYE";
  EXPECT_EQ(render::ladderLabel(m), "200 OK (BYE)");
  m.cseq_method = "INVITE";
  m.has_sdp = true;
  EXPECT_EQ(render::ladderLabel(m), "200 OK (SDP)");
}

}  // namespace
