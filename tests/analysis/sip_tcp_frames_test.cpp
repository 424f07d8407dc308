// Which frames carried a SIP message over TCP (SipMessageInfo::frame and segment_frames, what
// `calls --save-call` copies), on hand-made segments: in order, out of order (a segment held until an
// earlier one fills the gap keeps its own frame), and several messages in one segment.
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

// Feeds the stream (kInvite then kCancel) from 192.0.2.1:40000 to 192.0.2.2:5060 as the given segments,
// frame 1 first; returns the leg's messages.
std::vector<SipMessageInfo> messages(const std::vector<Segment>& segments) {
  const std::string stream = kInvite + kCancel;
  AnalyzerOptions o;
  o.keep_message_list = true;
  std::vector<SipMessageInfo> out;
  CaptureAnalyzer an(o, [&](Call&& c) {
    for (auto& l : c.legs) out.insert(out.end(), l.message_list.begin(), l.message_list.end());
  });
  std::uint64_t frame = 0;
  for (const auto& s : segments) {
    auto bytes = text(std::string_view(stream).substr(s.from, s.to - s.from));
    ++frame;
    an.addFrame(vs::proto::pkt::link::kRaw,
                vs::test::tcp(1, 40000, 2, 5060, 1000 + static_cast<std::uint32_t>(s.from), bytes),
                static_cast<std::int64_t>(frame) * 1'000'000, frame);
  }
  an.finish();
  return out;
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

}  // namespace
