// RTP in capture analysis with hand-made packets: the SDP tie-in (the rtpmap clock rate of a dynamic PT is
// what the jitter is computed with), loss injected by leaving sequence numbers out, RTCP report blocks tied
// by SSRC, RFC 4733 events, and the heuristic refusing DNS, short flows and changing SSRCs.
// Expected figures come from the injected timing through RFC 3550's formula written out here.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"
#include "support/raw_frames.h"

namespace {

using namespace vs::analysis;
using Bytes = std::vector<std::byte>;

using vs::test::put16;
using vs::test::put32;
using vs::test::text;
using vs::test::udp;

Bytes rtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, std::size_t payload = 160) {
  Bytes b(12 + payload, std::byte{0xD5});
  b[0] = std::byte{0x80};
  b[1] = std::byte(pt);
  put16(b, 2, seq);
  put32(b, 4, ts);
  put32(b, 8, ssrc);
  return b;
}

std::string sipWithSdp(std::string_view start, unsigned from_host, unsigned media_port, std::string_view rtpmap,
                       std::string_view cseq) {
  std::string sdp = fmt::format(
      "v=0\r\no=- 1 1 IN IP4 192.0.2.{0}\r\ns=-\r\nc=IN IP4 192.0.2.{0}\r\nt=0 0\r\nm=audio {1} RTP/AVP 96 101\r\n"
      "a=rtpmap:96 {2}\r\na=rtpmap:101 telephone-event/8000\r\n",
      from_host, media_port, rtpmap);
  return fmt::format(
      "{}\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\nFrom: <sip:alice@example.com>;tag=a\r\n"
      "To: <sip:bob@example.com>{}\r\nCall-ID: tie-test\r\nCSeq: 1 {}\r\nContact: <sip:alice@192.0.2.1>\r\n"
      "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{}",
      start, start.starts_with("SIP/") ? ";tag=b" : "", cseq, sdp.size(), sdp);
}

struct Result {
  std::vector<RtpStream> streams;
  std::vector<Call> calls;
  CaptureStats stats;
};

struct Feeder {
  Result r;
  CaptureAnalyzer an{{},
                     [this](Call&& c) {
                       for (auto& l : c.legs) {
                         for (auto& s : l.streams) r.streams.push_back(s);
                       }
                       r.calls.push_back(std::move(c));
                     },
                     [this](RtpStream&& s) { r.streams.push_back(std::move(s)); }};
  std::uint64_t frame = 0;
  void add(const Bytes& b, std::int64_t ts_ns) { an.addFrame(vs::proto::pkt::link::kIpv4, b, ts_ns, ++frame); }
  Result done() {
    an.finish();
    r.stats = an.stats();
    return std::move(r);
  }
};

constexpr std::int64_t kT0 = 1'700'000'000'000'000'000;
constexpr std::uint32_t kSsrc = 0x11223344;

// A call whose SDPs map PT 96 to `rtpmap`, then 50 packets of PT 96 at 48 kHz timestamps (960 per 20 ms)
// from the callee's media port to the caller's, every odd packet 4 ms late; sequence numbers 10 and 11
// left out (two lost in one run).
Result callWithStream(std::string_view rtpmap, bool with_sip = true) {
  Feeder f;
  if (with_sip) {
    f.add(udp(1, 5060, 2, 5060, text(sipWithSdp("INVITE sip:bob@192.0.2.2 SIP/2.0", 1, 40000, rtpmap, "INVITE"))), kT0);
    f.add(udp(2, 5060, 1, 5060, text(sipWithSdp("SIP/2.0 200 OK", 2, 50000, rtpmap, "INVITE"))), kT0 + 1'000'000);
  }
  for (std::uint16_t i = 0; i < 50; ++i) {
    if (i == 10 || i == 11) continue;
    const std::int64_t at = kT0 + 100'000'000 + i * 20'000'000LL + (i % 2 == 1 ? 4'000'000 : 0);
    f.add(udp(2, 50000, 1, 40000, rtp(96, static_cast<std::uint16_t>(1000 + i), 5000 + i * 960U, kSsrc)), at);
  }
  return f.done();
}

// RFC 3550 A.8 over the same injected arrivals, with the clock rate the SDP states: J += (|D| - J) / 16.
double expectedMaxJitterMs(double rate) {
  double j = 0, maxJ = 0;
  double prevArrival = 0, prevTs = 0;
  bool first = true;
  for (int i = 0; i < 50; ++i) {
    if (i == 10 || i == 11) continue;
    const double arrival = 100 + i * 20.0 + (i % 2 == 1 ? 4 : 0);
    const double ts = 5000 + i * 960.0;
    if (!first) {
      const double d = (arrival - prevArrival) - (ts - prevTs) / (rate / 1000);
      j += (std::fabs(d) - j) / 16;
      maxJ = std::max(maxJ, j);
    }
    first = false;
    prevArrival = arrival;
    prevTs = ts;
  }
  return maxJ;
}

TEST(RtpTracker, StreamTiedToTheSdpTakesTheRtpmapClockRate) {
  auto r = callWithStream("opus/48000/2");
  ASSERT_EQ(r.calls.size(), 1U);
  ASSERT_EQ(r.streams.size(), 1U);
  const auto& s = r.streams[0];
  EXPECT_EQ(s.call_id, "tie-test");
  EXPECT_FALSE(s.heuristic);
  EXPECT_EQ(s.codec, "opus");
  EXPECT_EQ(s.clock_rate, 48000U);
  EXPECT_EQ(s.packets, 48U);
  EXPECT_EQ(s.lost, 2);
  EXPECT_EQ(s.loss_runs, 1U);
  EXPECT_NEAR(s.max_jitter_ms, expectedMaxJitterMs(48000), 1e-6);
  EXPECT_GT(s.max_jitter_ms, 3.0);  // alternating 4 ms lateness: J approaches 4 ms
  EXPECT_TRUE(s.mos.has_value());
  EXPECT_EQ(r.stats.rtp_streams, 1U);
  EXPECT_EQ(r.stats.rtp_streams_unattached, 0U);
}

TEST(RtpTracker, AnotherRtpmapRateGivesAnotherJitter) {
  // The same packets read at 8 kHz: each 960-unit step is 120 ms of nominal time against 20 ms of arrival.
  auto r = callWithStream("X-TEST/8000");
  ASSERT_EQ(r.streams.size(), 1U);
  EXPECT_EQ(r.streams[0].clock_rate, 8000U);
  EXPECT_NEAR(r.streams[0].max_jitter_ms, expectedMaxJitterMs(8000), 1e-6);
  EXPECT_GT(r.streams[0].max_jitter_ms, expectedMaxJitterMs(48000) + 10);
  EXPECT_FALSE(r.streams[0].mos.has_value());  // X-TEST is no codec the E-model tables know
}

TEST(RtpTracker, WithoutSdpTheHeuristicFindsItButKnowsNoClock) {
  auto r = callWithStream("opus/48000/2", false);
  ASSERT_EQ(r.streams.size(), 1U);
  const auto& s = r.streams[0];
  EXPECT_TRUE(s.heuristic);
  EXPECT_EQ(s.call_id, "");
  EXPECT_EQ(s.packets, 48U);  // the packets held while the heuristic decided are counted too
  EXPECT_EQ(s.lost, 2);
  EXPECT_EQ(s.clock_rate, 0U);
  EXPECT_EQ(s.max_jitter_ms, 0.0);  // dynamic PT, unknown rate: no jitter (as tshark)
  EXPECT_EQ(r.stats.rtp_streams_unattached, 1U);
}

TEST(RtpTracker, RtcpReportBlockAndDtmfEventsAreTiedToTheStream) {
  Feeder f;
  f.add(udp(1, 5060, 2, 5060, text(sipWithSdp("INVITE sip:bob@192.0.2.2 SIP/2.0", 1, 40000, "PCMU/8000", "INVITE"))), kT0);
  f.add(udp(2, 5060, 1, 5060, text(sipWithSdp("SIP/2.0 200 OK", 2, 50000, "PCMU/8000", "INVITE"))), kT0 + 1'000'000);
  for (std::uint16_t i = 0; i < 20; ++i) {
    f.add(udp(2, 50000, 1, 40000, rtp(0, i, i * 160U, kSsrc)), kT0 + 100'000'000 + i * 20'000'000LL);
  }
  // Digit 5: three packets growing in duration, the last sent three times with E set (RFC 4733 2.5.1.4).
  for (int k = 0; k < 5; ++k) {
    Bytes p = rtp(101, static_cast<std::uint16_t>(20 + std::min(k, 2)), 3200, kSsrc, 4);
    const bool end = k >= 2;
    p[12] = std::byte{5};
    p[13] = std::byte(static_cast<unsigned char>((end ? 0x80 : 0) | 10));
    put16(p, 14, static_cast<unsigned>(std::min(k + 1, 3) * 400));
    f.add(udp(2, 50000, 1, 40000, p), kT0 + 500'000'000 + k * 20'000'000LL);
  }
  // RR from the caller about kSsrc: fraction lost 64/256, cumulative 7, jitter 80 units (10 ms at 8 kHz).
  Bytes rr(32);
  rr[0] = std::byte{0x81};
  rr[1] = std::byte{201};
  put16(rr, 2, 7);
  put32(rr, 4, 0xAABBCCDD);
  put32(rr, 8, kSsrc);
  rr[12] = std::byte{64};
  put16(rr, 14, 7);
  put32(rr, 20, 80);
  f.add(udp(1, 40001, 2, 50001, rr), kT0 + 900'000'000);
  auto r = f.done();
  ASSERT_EQ(r.streams.size(), 1U);
  const auto& s = r.streams[0];
  ASSERT_TRUE(s.rtcp_report.has_value());
  EXPECT_EQ(s.rtcp_report->reports, 1U);
  EXPECT_DOUBLE_EQ(s.rtcp_report->fraction_lost, 0.25);
  EXPECT_EQ(s.rtcp_report->cumulative_lost, 7);
  EXPECT_DOUBLE_EQ(s.rtcp_report->jitter_ms, 10.0);
  ASSERT_EQ(s.dtmf.size(), 1U);
  EXPECT_EQ(s.dtmf[0].digit, '5');
  EXPECT_EQ(s.dtmf[0].packets, 5U);
  EXPECT_EQ(s.dtmf[0].end_packets, 3U);
  EXPECT_DOUBLE_EQ(s.dtmf[0].duration_ms, 150.0);  // 1200 units at 8 kHz
  EXPECT_EQ(s.dtmf[0].start_ns, kT0 + 500'000'000);
  EXPECT_EQ(s.codec, "PCMU");
  EXPECT_EQ(r.stats.rtcp_packets, 1U);
}

TEST(RtpTracker, HeuristicRefusesDnsShortFlowsAndChangingSsrc) {
  Feeder f;
  for (std::uint16_t i = 0; i < 10; ++i) {  // DNS-looking datagrams whose first byte reads as RTP v2
    f.add(udp(1, 53, 2, 33000, rtp(0, i, i * 160U, kSsrc, 40)), kT0 + i * 20'000'000LL);
  }
  for (std::uint16_t i = 0; i < 3; ++i) {  // too short to decide
    f.add(udp(1, 20000, 2, 20002, rtp(0, i, i * 160U, kSsrc)), kT0 + i * 20'000'000LL);
  }
  for (std::uint16_t i = 0; i < 10; ++i) {  // SSRC changes every packet: not a stream
    f.add(udp(1, 30000, 2, 30002, rtp(0, i, i * 160U, kSsrc + i)), kT0 + i * 20'000'000LL);
  }
  for (std::uint16_t i = 0; i < 10; ++i) {  // sequence numbers jumping about
    f.add(udp(1, 31000, 2, 31002, rtp(0, static_cast<std::uint16_t>(i * 7919), i * 160U, kSsrc)),
          kT0 + i * 20'000'000LL);
  }
  auto r = f.done();
  EXPECT_TRUE(r.streams.empty());
  EXPECT_EQ(r.stats.rtp_streams, 0U);
}

}  // namespace
