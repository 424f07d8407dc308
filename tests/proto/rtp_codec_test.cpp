// RTP header, telephone-event and RTCP compound codecs against hand-assembled packets.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "proto/rtp/rtcp.h"
#include "proto/rtp/rtp.h"

namespace rtp = vs::proto::rtp;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> list) {
  std::vector<std::byte> out;
  for (int v : list) out.push_back(static_cast<std::byte>(v));
  return out;
}

}  // namespace

TEST(RtpHeader, ParsesFixedHeaderCsrcExtensionAndPadding) {
  auto pkt = bytes({
      0xB2, 0xE0,              // V=2 P=1 X=1 CC=2 | M=1 PT=96
      0x12, 0x34,              // seq 0x1234
      0x00, 0x01, 0x86, 0xA0,  // ts 100000
      0xDE, 0xAD, 0xBE, 0xEF,  // ssrc
      0x00, 0x00, 0x00, 0x01,  // csrc 1
      0x00, 0x00, 0x00, 0x02,  // csrc 2 (offset 16)
      0xBE, 0xDE, 0x00, 0x01,  // extension profile 0xBEDE, 1 word (offset 20)
      0x10, 0xAA, 0x00, 0x00,  // extension body (offset 24)
      'a', 'b', 'c',           // payload (offset 28)
      0x00, 0x00, 0x03,        // 3 bytes of padding, count included
  });
  auto r = rtp::parseRtp(pkt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->header.version, 2);
  EXPECT_TRUE(r->header.padding);
  EXPECT_TRUE(r->header.extension);
  EXPECT_TRUE(r->header.marker);
  EXPECT_EQ(r->header.payloadType, 96);
  EXPECT_EQ(r->header.sequence, 0x1234);
  EXPECT_EQ(r->header.timestamp, 100000U);
  EXPECT_EQ(r->header.ssrc, 0xDEADBEEFU);
  ASSERT_EQ(r->header.csrcCount, 2);
  EXPECT_EQ(r->header.csrc[0], 1U);
  EXPECT_EQ(r->header.csrc[1], 2U);
  EXPECT_EQ(r->extensionProfile, 0xBEDE);
  EXPECT_EQ(r->extensionData.size(), 4U);
  EXPECT_EQ(r->headerLength, 28U);
  EXPECT_EQ(r->paddingLength, 3);
  ASSERT_EQ(r->payload.size(), 3U);
  EXPECT_EQ(r->payload[0], std::byte{'a'});
  EXPECT_EQ(r->payload.data(), pkt.data() + 28);  // a view, not a copy
}

TEST(RtpHeader, ErrorsCarryTheOffsetOfTheBadField) {
  EXPECT_EQ(rtp::parseRtp(bytes({0x80, 0x00, 0x00})).error().offset, 3U);
  auto v1 = bytes({0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_NE(rtp::parseRtp(v1).error().message.find("version 1"), std::string::npos);
  // CC=3 but only one CSRC present
  auto cc = bytes({0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT_EQ(rtp::parseRtp(cc).error().offset, 12U);
  // Extension claims 2 words, 1 present
  auto ext = bytes({0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0x00, 0x02, 1, 2, 3, 4});
  EXPECT_EQ(rtp::parseRtp(ext).error().offset, 14U);
  // Padding count larger than what follows the header, and zero
  auto pad = bytes({0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x05});
  EXPECT_EQ(rtp::parseRtp(pad).error().offset, 13U);
  auto pad0 = bytes({0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00});
  EXPECT_FALSE(rtp::parseRtp(pad0).ok());
}

TEST(RtpHeader, BuildRoundTripsAndMatchesTheWireLayout) {
  rtp::RtpHeader h;
  h.marker = true;
  h.payloadType = 0;
  h.sequence = 65535;
  h.timestamp = 0x01020304;
  h.ssrc = 0xCAFEBABE;
  h.csrcCount = 1;
  h.csrc[0] = 7;
  auto payload = bytes({0xFF, 0x7F});
  auto out = rtp::buildRtp(h, payload);
  EXPECT_EQ(out, bytes({0x81, 0x80, 0xFF, 0xFF, 1, 2, 3, 4, 0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 7, 0xFF, 0x7F}));
  auto back = rtp::parseRtp(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->header.sequence, 65535);
  EXPECT_EQ(back->payload.size(), 2U);

  std::vector<std::byte> small(13);
  EXPECT_FALSE(rtp::writeRtp(small, h, payload).ok());
}

TEST(RtpHeader, DemultiplexesRtpFromRtcp) {
  auto rtpPkt = bytes({0x80, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1});
  auto rr = bytes({0x80, 201, 0x00, 0x01, 0, 0, 0, 1});
  EXPECT_TRUE(rtp::looksLikeRtp(rtpPkt));
  EXPECT_FALSE(rtp::looksLikeRtcp(rtpPkt));
  EXPECT_TRUE(rtp::looksLikeRtcp(rr));
  rr.resize(12);
  EXPECT_FALSE(rtp::looksLikeRtp(rr));
}

TEST(RtpHeader, StaticPayloadTable) {
  EXPECT_EQ(rtp::staticClockRate(0), 8000U);
  EXPECT_EQ(rtp::staticClockRate(8), 8000U);
  EXPECT_EQ(rtp::staticClockRate(9), 8000U);  // G.722's RTP clock stays 8 kHz (RFC 3551 4.5.2)
  EXPECT_EQ(rtp::staticClockRate(18), 8000U);
  EXPECT_EQ(rtp::staticClockRate(10), 44100U);
  EXPECT_EQ(rtp::staticClockRate(96), 0U);
  EXPECT_STREQ(rtp::staticPayloadName(18), "G729");
}

TEST(TelephoneEvent, ParsesRfc4733Block) {
  // Event 11 ('#'), end bit, volume 10, duration 800 (100 ms at 8 kHz)
  auto r = rtp::parseTelephoneEvent(bytes({0x0B, 0x8A, 0x03, 0x20}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->event, 11);
  EXPECT_TRUE(r->end);
  EXPECT_EQ(r->volume, 10);
  EXPECT_EQ(r->duration, 800);
  EXPECT_EQ(rtp::telephoneEventDigit(r->event), '#');
  EXPECT_EQ(rtp::telephoneEventDigit(5), '5');
  EXPECT_EQ(rtp::telephoneEventDigit(40), '?');
  EXPECT_EQ(rtp::parseTelephoneEvent(bytes({1, 2, 3})).error().offset, 3U);
}

TEST(Rtcp, ParsesSrWithReportThenSdesByeAndXr) {
  auto pkt = bytes({
      // SR, RC=1, length 12 words (52 bytes)
      0x81, 200, 0x00, 0x0C, 0x11, 0x22, 0x33, 0x44,  // sender ssrc
      0xE0, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,  // NTP
      0x00, 0x00, 0x03, 0x20,                          // RTP ts 800
      0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x03, 0x20,  // 5 packets, 800 octets
      0xAA, 0xBB, 0xCC, 0xDD,                          // report block ssrc
      0x40, 0xFF, 0xFF, 0xFE,                          // fraction 64 (25 %), cumulative -2
      0x00, 0x01, 0x00, 0x10,                          // ext highest seq: cycle 1, seq 16
      0x00, 0x00, 0x00, 0x50,                          // jitter 80
      0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x00, 0x00,  // LSR, DLSR 1 s
      // SDES, one chunk with CNAME "ab" (offset 52), length 3 words
      0x81, 202, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x01, 0x02, 'a', 'b', 0x00, 0x00, 0x00, 0x00,
      // BYE (offset 68)
      0x81, 203, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
      // XR (offset 76) with one block: type 4 (receiver reference time), length 2
      0x80, 207, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x04, 0x00, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8,
  });
  auto r = rtp::parseRtcpCompound(pkt);
  ASSERT_TRUE(r.ok()) << r.error().message << " at " << r.error().offset;
  ASSERT_EQ(r->packets.size(), 4U);
  const auto& sr = r->packets[0];
  EXPECT_EQ(sr.packetType, rtp::kRtcpSr);
  EXPECT_EQ(sr.ssrc, 0x11223344U);
  ASSERT_TRUE(sr.senderInfo.has_value());
  EXPECT_EQ(sr.senderInfo->ntpTimestamp, 0xE000000180000000ULL);
  EXPECT_EQ(sr.senderInfo->rtpTimestamp, 800U);
  EXPECT_EQ(sr.senderInfo->packetCount, 5U);
  EXPECT_EQ(sr.senderInfo->octetCount, 800U);
  ASSERT_EQ(sr.reports.size(), 1U);
  EXPECT_EQ(sr.reports[0].ssrc, 0xAABBCCDDU);
  EXPECT_EQ(sr.reports[0].fractionLost, 64);
  EXPECT_EQ(sr.reports[0].cumulativeLost, -2);
  EXPECT_EQ(sr.reports[0].extendedHighestSequence, 65536U + 16U);
  EXPECT_EQ(sr.reports[0].jitter, 80U);
  EXPECT_EQ(sr.reports[0].lastSr, 0x12345678U);
  EXPECT_EQ(sr.reports[0].delaySinceLastSr, 65536U);
  EXPECT_EQ(r->packets[1].packetType, rtp::kRtcpSdes);
  EXPECT_EQ(r->packets[1].offset, 52U);
  EXPECT_EQ(r->packets[1].bytes.size(), 16U);
  EXPECT_EQ(r->packets[2].packetType, rtp::kRtcpBye);
  EXPECT_EQ(r->packets[2].offset, 68U);
  const auto& xr = r->packets[3];
  EXPECT_EQ(xr.packetType, rtp::kRtcpXr);
  ASSERT_EQ(xr.xrBlocks.size(), 1U);
  EXPECT_EQ(xr.xrBlocks[0].blockType, 4);
  EXPECT_EQ(xr.xrBlocks[0].length, 2);
  EXPECT_EQ(xr.xrBlocks[0].body.size(), 8U);
}

TEST(Rtcp, RejectsLengthsThatDoNotFit) {
  // RR claims RC=2 but its length only has room for one block
  auto rr = bytes({0x82, 201, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  auto r = rtp::parseRtcpCompound(rr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 8U);
  // Second packet's length runs past the datagram: offset points at that length field
  auto two = bytes({0x80, 201, 0x00, 0x01, 0, 0, 0, 1, 0x80, 202, 0x00, 0x09, 0, 0, 0, 1});
  auto r2 = rtp::parseRtcpCompound(two);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().offset, 10U);
  // Trailing bytes that are not a whole header
  auto tail = bytes({0x80, 201, 0x00, 0x01, 0, 0, 0, 1, 0x80, 202});
  EXPECT_EQ(rtp::parseRtcpCompound(tail).error().offset, 8U);
  // XR block longer than the packet
  auto xr = bytes({0x80, 207, 0x00, 0x02, 0, 0, 0, 1, 0x04, 0x00, 0x00, 0x05});
  EXPECT_EQ(rtp::parseRtcpCompound(xr).error().offset, 10U);
  // Version 1
  auto v1 = bytes({0x40, 201, 0x00, 0x01, 0, 0, 0, 1});
  EXPECT_FALSE(rtp::parseRtcpCompound(v1).ok());
}

TEST(Rtcp, TooManyPacketsIsRefusedNotAllocated) {
  std::vector<std::byte> many;
  for (int i = 0; i < 100; ++i) {
    auto one = bytes({0x80, 201, 0x00, 0x01, 0, 0, 0, 1});
    many.insert(many.end(), one.begin(), one.end());
  }
  auto r = rtp::parseRtcpCompound(many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 64U * 8U);
}
