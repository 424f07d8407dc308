// Which frames carried a SIP message over TCP (SipMessageInfo::frame and segment_frames, what
// `calls --save-call` copies), on hand-made segments: in order, out of order (a segment held until an
// earlier one fills the gap keeps its own frame), and several messages in one segment. Then SIP over
// WebSocket (RFC 7118): a message sent in fragments (RFC 6455 5.4) with a ping between them is put
// back together, and names every frame its fragments came in.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"
#include "support/raw_frames.h"

namespace {

using namespace vs::analysis;
using vs::test::text;

const std::string kInvite =
    "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: tcp-frames-1\r\n"
    "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
const std::string kCancel =
    "CANCEL sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"
    "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: tcp-frames-1\r\n"
    "CSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

struct Segment {
  std::size_t from, to;  // byte range of the stream
};

// The stream as TCP segments (byte ranges) from 192.0.2.1:40000 to 192.0.2.2:5060, frame 1 first.
std::vector<SipMessageInfo> messagesOf(const std::string& stream, const std::vector<Segment>& segments,
                                       std::uint64_t* malformed = nullptr) {
  AnalyzerOptions o;
  o.keep_message_list = true;
  std::vector<SipMessageInfo> out;
  CaptureAnalyzer an(o, [&](Call&& c) {
    for (auto& l : c.legs) out.insert(out.end(), l.message_list.begin(), l.message_list.end());
  });
  std::uint64_t frame = 0;
  for (const auto& s : segments) {
    ++frame;
    an.addFrame(vs::proto::pkt::link::kRaw,
                vs::test::tcp(1, 40000, 2, 5060, 1000 + static_cast<std::uint32_t>(s.from),
                              text(std::string_view(stream).substr(s.from, s.to - s.from))),
                static_cast<std::int64_t>(frame) * 1'000'000, frame);
  }
  an.finish();
  if (malformed != nullptr) *malformed = an.stats().malformed;
  return out;
}

// kInvite then kCancel as the given segments.
std::vector<SipMessageInfo> messages(const std::vector<Segment>& segments) {
  return messagesOf(kInvite + kCancel, segments);
}

TEST(SipTcpFrames, EverySegmentOfAMessageIsNamedAlsoWhenHeldForAGap) {
  const std::size_t inv = kInvite.size(), all = inv + kCancel.size();
  {
    SCOPED_TRACE("in order: INVITE in frames 1-3, CANCEL in 3-4");
    auto m = messages({{0, 100}, {100, 200}, {200, inv + 10}, {inv + 10, all}});
    ASSERT_EQ(m.size(), 2U);
    EXPECT_EQ(m[0].frame, 3U);
    EXPECT_EQ(m[0].segment_frames, (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(m[1].frame, 4U);
    EXPECT_EQ(m[1].segment_frames, (std::vector<std::uint64_t>{3}));
  }
  {
    SCOPED_TRACE("out of order: the INVITE's tail (frame 2) waits for its middle (frame 3)");
    auto m = messages({{0, 100}, {200, inv}, {100, 200}, {inv, all}});
    ASSERT_EQ(m.size(), 2U);
    EXPECT_EQ(m[0].frame, 3U);
    EXPECT_EQ(m[0].segment_frames, (std::vector<std::uint64_t>{1, 2}));
    EXPECT_TRUE(m[1].segment_frames.empty());
  }
  {
    SCOPED_TRACE("both messages in one segment");
    auto m = messages({{0, all}});
    ASSERT_EQ(m.size(), 2U);
    EXPECT_EQ(m[0].frame, 1U);
    EXPECT_EQ(m[1].frame, 1U);
    EXPECT_TRUE(m[0].segment_frames.empty());
    EXPECT_TRUE(m[1].segment_frames.empty());
  }
}

// A client-to-server WebSocket frame (masked, as RFC 6455 requires of clients).
std::string wsFrame(unsigned opcode, bool fin, std::string_view payload) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80U : 0U) | opcode));
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(0x80U | payload.size()));
  } else {
    f.push_back(static_cast<char>(0x80U | 126U));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFFU));
  }
  for (auto m : mask) f.push_back(static_cast<char>(m));
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4])));
  return f;
}

TEST(SipTcpFrames, AWebSocketMessageInFragmentsIsRebuiltWithAllItsFrames) {
  const std::string upgrade =
      "GET / HTTP/1.1\r\nHost: 192.0.2.2\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  const std::size_t half = kInvite.size() / 2;
  // The INVITE in two fragments with a ping between them, then the CANCEL in one frame.
  const std::string first = wsFrame(1, false, std::string_view(kInvite).substr(0, half));
  const std::string ping = wsFrame(9, true, "hi");
  const std::string second = wsFrame(0, true, std::string_view(kInvite).substr(half));
  const std::string cancel = wsFrame(1, true, kCancel);
  const std::string stream = upgrade + first + ping + second + cancel;
  const std::size_t a = upgrade.size(), b = a + first.size(), c = b + ping.size(), d = c + second.size();
  std::uint64_t malformed = 0;
  // Frame 1: the upgrade and the first fragment's first 10 bytes; 2: its rest and the ping; 3: the second
  // fragment but its last 5 bytes; 4: those and the CANCEL frame.
  auto m = messagesOf(stream, {{0, a + 10}, {a + 10, c}, {c, d - 5}, {d - 5, stream.size()}}, &malformed);
  EXPECT_EQ(malformed, 0U);
  ASSERT_EQ(m.size(), 2U);
  EXPECT_EQ(m[0].method, "INVITE");
  EXPECT_EQ(m[0].transport, SipTransport::kWebSocket);
  EXPECT_EQ(m[0].frame, 4U);
  EXPECT_EQ(m[0].segment_frames, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(m[1].method, "CANCEL");
  EXPECT_EQ(m[1].frame, 4U);
  EXPECT_TRUE(m[1].segment_frames.empty());
  // A continuation with no message to continue is reported, not taken for SIP.
  std::uint64_t stray = 0;
  auto none = messagesOf(upgrade + second, {{0, a + second.size()}}, &stray);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(stray, 1U);
}

}  // namespace
