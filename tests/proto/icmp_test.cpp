// ICMP codec: checksums against RFC 1071's worked example and independent recomputation, echo and
// error parsing field by field (hand-assembled packets laid out as a Linux router sends them), and the
// Paris traceroute invariants (constant flow checksum, requested UDP checksum).
#include "proto/icmp/icmp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace vs::proto::icmp {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

Address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  Address x;
  x.bytes[0] = a, x.bytes[1] = b, x.bytes[2] = c, x.bytes[3] = d;
  return x;
}

Address v6last(std::uint8_t last) {
  Address x;
  x.family = Family::kV6;
  x.bytes[0] = 0xfd;
  x.bytes[15] = last;
  return x;
}

// Independent checksum: a plain 32-bit sum folded at the end (the codec folds as it goes).
std::uint16_t referenceChecksum(const std::vector<std::uint8_t>& data) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    s += static_cast<std::uint64_t>(data[i]) << 8;
    if (i + 1 < data.size()) s += data[i + 1];
  }
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s & 0xffff);
}

std::vector<std::uint8_t> pseudo(const Address& s, const Address& d, std::uint8_t proto, std::size_t len) {
  std::vector<std::uint8_t> p(s.bytes.begin(), s.bytes.begin() + static_cast<long>(s.size()));
  p.insert(p.end(), d.bytes.begin(), d.bytes.begin() + static_cast<long>(d.size()));
  if (s.family == Family::kV4) {
    p.insert(p.end(), {0, proto, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len & 0xff)});
  } else {
    p.insert(p.end(), {0, 0, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len & 0xff), 0, 0, 0, proto});
  }
  return p;
}

std::vector<std::uint8_t> plain(const std::vector<std::byte>& b) {
  std::vector<std::uint8_t> out;
  for (auto x : b) out.push_back(static_cast<std::uint8_t>(x));
  return out;
}

TEST(IcmpChecksum, Rfc1071Example) {
  // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, so the checksum is 220d.
  auto b = bytes({0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  EXPECT_EQ(internetChecksum(b), 0x220d);
}

TEST(IcmpEcho, V4RequestHasValidChecksumAndFields) {
  auto payload = bytes({'a', 'b', 'c'});
  auto pkt = buildEchoRequest(Family::kV4, 0x1234, 7, payload);
  ASSERT_EQ(pkt.size(), 11u);
  EXPECT_EQ(static_cast<int>(pkt[0]), 8);
  EXPECT_TRUE(verifyChecksumV4(pkt));
  auto p = plain(pkt);
  p[2] = p[3] = 0;
  EXPECT_EQ((static_cast<int>(pkt[2]) << 8) | static_cast<int>(pkt[3]), referenceChecksum(p));
  auto m = parseMessage(pkt, Family::kV4);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Kind::kEchoRequest);
  EXPECT_EQ(m->id, 0x1234);
  EXPECT_EQ(m->seq, 7);
  EXPECT_EQ(m->payload.size(), 3u);
}

TEST(IcmpEcho, V6ReplyParses) {
  auto pkt = bytes({129, 0, 0xab, 0xcd, 0x00, 0x2a, 0x01, 0x00, 1, 2, 3, 4});
  auto m = parseMessage(pkt, Family::kV6);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Kind::kEchoReply);
  EXPECT_EQ(m->id, 42);
  EXPECT_EQ(m->seq, 256);
  EXPECT_EQ(m->payload.size(), 4u);
  // The same type number means something else in v4 (129 is unassigned there).
  EXPECT_EQ(parseMessage(pkt, Family::kV4)->kind, Kind::kOther);
}

TEST(IcmpParse, TruncatedIsErrorWithOffset) {
  auto pkt = bytes({0, 0, 0});
  auto m = parseMessage(pkt, Family::kV4);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().offset, 3u);
  EXPECT_NE(m.error().message.find("truncated"), std::string::npos);
}

TEST(IcmpError, V4TimeExceededQuotingUdp) {
  // Time exceeded from a router, quoting 198.18.0.2:33000 -> 198.18.2.2:33434 UDP, TTL 1, IP id 0x4d2,
  // UDP checksum 0x8001: a 20-byte IP header plus the 8-byte UDP header (what RFC 792 guarantees).
  auto pkt = bytes({11, 0, 0, 0, 0, 0, 0, 0,
                    0x45, 0, 0, 36, 0x04, 0xd2, 0x40, 0, 1, 17, 0, 0, 198, 18, 0, 2, 198, 18, 2, 2,
                    0x80, 0xe8, 0x82, 0x9a, 0, 16, 0x80, 0x01});
  auto m = parseMessage(pkt, Family::kV4);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Kind::kTimeExceeded);
  EXPECT_EQ(m->describe(), "Time to live exceeded");
  ASSERT_TRUE(m->quoted.has_value());
  const auto& q = *m->quoted;
  EXPECT_EQ(q.src.toString(), "198.18.0.2");
  EXPECT_EQ(q.dst.toString(), "198.18.2.2");
  EXPECT_EQ(q.protocol, kProtoUdp);
  EXPECT_EQ(q.ttl, 1);
  EXPECT_EQ(q.ip_id, 0x04d2);
  ASSERT_TRUE(q.has_transport8);
  EXPECT_EQ(q.src_port, 33000);
  EXPECT_EQ(q.dst_port, 33434);
  EXPECT_EQ(q.udp_checksum, 0x8001);
}

TEST(IcmpError, V4PortUnreachableWithShortQuote) {
  // Only 4 bytes of the transport header quoted: ports known, checksum not.
  auto pkt = bytes({3, 3, 0, 0, 0, 0, 0, 0,
                    0x45, 0, 0, 32, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x13, 0xc4, 0x13, 0xc4});
  auto m = parseMessage(pkt, Family::kV4);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->isPortUnreachable());
  ASSERT_TRUE(m->quoted);
  EXPECT_TRUE(m->quoted->has_ports);
  EXPECT_FALSE(m->quoted->has_transport8);
  EXPECT_EQ(m->quoted->dst_port, 5060);
}

TEST(IcmpError, V6TimeExceededQuotingEchoThroughExtensionHeader) {
  std::vector<int> raw = {3, 0, 0, 0, 0, 0, 0, 0,
                          0x60, 0, 0, 0, 0, 16, 0 /*hop-by-hop*/, 1};
  for (int i = 0; i < 16; ++i) raw.push_back(i == 0 ? 0xfd : i == 15 ? 1 : 0);
  for (int i = 0; i < 16; ++i) raw.push_back(i == 0 ? 0xfd : i == 15 ? 9 : 0);
  for (int b : {58, 0, 1, 4, 0, 0, 0, 0}) raw.push_back(b);             // HBH: next ICMPv6, 8 bytes
  for (int b : {128, 0, 0x12, 0x34, 0x00, 0x07, 0x00, 0x05}) raw.push_back(b);  // echo id 7 seq 5
  std::vector<std::byte> pkt;
  for (int b : raw) pkt.push_back(static_cast<std::byte>(b));
  auto m = parseMessage(pkt, Family::kV6);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Kind::kTimeExceeded);
  ASSERT_TRUE(m->quoted);
  EXPECT_EQ(m->quoted->protocol, kProtoIcmpV6);
  EXPECT_EQ(m->quoted->dst.toString(), "fd00::9");
  EXPECT_EQ(m->quoted->icmp_type, 128);
  EXPECT_EQ(m->quoted->icmp_id, 7);
  EXPECT_EQ(m->quoted->icmp_seq, 5);
  EXPECT_EQ(m->quoted->icmp_checksum, 0x1234);
}

TEST(IcmpError, GarbageQuoteKeepsTheMessage) {
  auto pkt = bytes({11, 0, 0, 0, 0, 0, 0, 0, 0x99, 1, 2});
  auto m = parseMessage(pkt, Family::kV4);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->quoted.has_value());
  // An IHL pointing past the end is refused, not read.
  auto bad = bytes({0x4f, 0, 0, 20, 0, 0, 0, 0, 1, 17, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2});
  EXPECT_FALSE(parseIpv4Header(bad).ok());
}

std::vector<std::byte> fromHex(const std::string& hex) {
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Captured with tcpdump on the client link of the integration path (fuzz/corpus/icmp/real_*.bin): Linux
// 6.18 routers answering `voipscope trace` probes.
TEST(IcmpRealCapture, V4TimeExceededFromRouterQuotesParisUdpProbe) {
  auto pkt = fromHex("0b00834e000000004500002872f54000011178a7c6120002c6120202bf67829a001400012f9a00000000000000000000");
  EXPECT_TRUE(verifyChecksumV4(pkt));
  auto m = parseMessage(pkt, Family::kV4);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Kind::kTimeExceeded);
  ASSERT_TRUE(m->quoted);
  const auto& q = *m->quoted;
  EXPECT_EQ(q.src.toString(), "198.18.0.2");
  EXPECT_EQ(q.dst.toString(), "198.18.2.2");
  EXPECT_EQ(q.protocol, kProtoUdp);
  EXPECT_EQ(q.ttl, 1);
  EXPECT_EQ(q.ip_id, 0x72f5);
  EXPECT_EQ(q.src_port, 0xbf67);
  EXPECT_EQ(q.dst_port, 33434);
  EXPECT_EQ(q.udp_checksum, 1);  // probe number 1, carried in the checksum
}

TEST(IcmpRealCapture, V4PortUnreachableFromDestination) {
  auto pkt = fromHex("03038b4b000000004500002872f74000011178a5c6120002c6120202bf67829a001400032f9800000000000000000000");
  EXPECT_TRUE(verifyChecksumV4(pkt));
  auto m = parseMessage(pkt, Family::kV4);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->isPortUnreachable());
  EXPECT_EQ(m->describe(), "Destination port unreachable");
  ASSERT_TRUE(m->quoted);
  EXPECT_EQ(m->quoted->udp_checksum, 3);
}

TEST(IcmpRealCapture, V6TimeExceededQuotesTcpSyn) {
  auto pkt = fromHex("03009c81000000006000000000140601fd000000000000000000000000000002fd0000020000000000000000000000"
                     "02d22713c4a5340ab9000000005002faf025110000");
  auto m = parseMessage(pkt, Family::kV6);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, Kind::kTimeExceeded);
  ASSERT_TRUE(m->quoted);
  const auto& q = *m->quoted;
  EXPECT_EQ(q.src.toString(), "fd00::2");
  EXPECT_EQ(q.dst.toString(), "fd00:2::2");
  EXPECT_EQ(q.protocol, kProtoTcp);
  EXPECT_EQ(q.ttl, 1);
  EXPECT_EQ(q.dst_port, 5060);
  EXPECT_EQ(q.tcp_seq, 0xa5340ab9u);
}

TEST(Paris, IcmpChecksumConstantAcrossSeq) {
  std::uint16_t first = 0;
  for (std::uint16_t seq : std::initializer_list<std::uint16_t>{0, 1, 2, 300, 65535}) {
    auto pkt = buildParisEcho(Family::kV4, 0x4242, seq, 24);
    ASSERT_TRUE(verifyChecksumV4(pkt));
    auto m = parseMessage(pkt, Family::kV4);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->seq, seq);
    if (seq == 0) first = m->checksum;
    EXPECT_EQ(m->checksum, first) << "seq " << seq;
  }
  // v6 with the pseudo-header: constant too, and equal to an independent recomputation.
  auto s = v6last(1), d = v6last(9);
  std::uint16_t first6 = 0;
  for (std::uint16_t seq : std::initializer_list<std::uint16_t>{1, 2, 999}) {
    auto pkt = buildParisEcho(Family::kV6, 1, seq, 10, &s, &d);
    auto p = plain(pkt);
    auto ck = static_cast<std::uint16_t>((p[2] << 8) | p[3]);
    p[2] = p[3] = 0;
    auto all = pseudo(s, d, kProtoIcmpV6, p.size());
    all.insert(all.end(), p.begin(), p.end());
    EXPECT_EQ(ck, referenceChecksum(all));
    if (seq == 1) first6 = ck;
    EXPECT_EQ(ck, first6);
  }
}

TEST(Paris, UdpChecksumIsTheRequestedValue) {
  auto s = v4(198, 18, 0, 2), d = v4(198, 18, 2, 2);
  for (std::uint16_t want : std::initializer_list<std::uint16_t>{1, 2, 0x8000, 0x8123, 0xfffe}) {
    for (std::size_t len : {2u, 3u, 12u}) {
      auto pkt = buildParisUdp(s, d, 40000, 33434, want, len);
      auto p = plain(pkt);
      EXPECT_EQ(((p[6] << 8) | p[7]), want);
      EXPECT_EQ(((p[0] << 8) | p[1]), 40000);
      EXPECT_EQ(((p[4] << 8) | p[5]), static_cast<int>(pkt.size()));
      p[6] = p[7] = 0;
      auto all = pseudo(s, d, kProtoUdp, p.size());
      all.insert(all.end(), p.begin(), p.end());
      EXPECT_EQ(referenceChecksum(all), want) << "want " << want << " len " << len;
    }
  }
  auto s6 = v6last(1), d6 = v6last(9);
  auto pkt = buildParisUdp(s6, d6, 1, 2, 0x9001, 8);
  auto p = plain(pkt);
  p[6] = p[7] = 0;
  auto all = pseudo(s6, d6, kProtoUdp, p.size());
  all.insert(all.end(), p.begin(), p.end());
  EXPECT_EQ(referenceChecksum(all), 0x9001);
}

TEST(Paris, TcpSynChecksumAndParse) {
  auto s = v4(198, 18, 0, 2), d = v4(198, 18, 2, 2);
  auto pkt = buildTcpSyn(s, d, 40001, 5060, 0xdeadbeef);
  auto h = parseTcpHeader(pkt);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->syn());
  EXPECT_FALSE(h->ack_flag());
  EXPECT_EQ(h->seq, 0xdeadbeefu);
  EXPECT_EQ(h->dst_port, 5060);
  auto p = plain(pkt);
  auto ck = static_cast<std::uint16_t>((p[16] << 8) | p[17]);
  p[16] = p[17] = 0;
  auto all = pseudo(s, d, kProtoTcp, p.size());
  all.insert(all.end(), p.begin(), p.end());
  EXPECT_EQ(ck, referenceChecksum(all));
}

}  // namespace
}  // namespace vs::proto::icmp
