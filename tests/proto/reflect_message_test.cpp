// The probe/reflector message format: round trips, the documented byte layout, and refusals with offsets.
#include <gtest/gtest.h>

#include <vector>

#include "proto/reflect/message.h"

namespace rf = vs::proto::reflect;

TEST(ReflectMessage, ProbeLayoutAndRoundTrip) {
  rf::Probe p;
  p.common.type = rf::Type::kProbe;
  p.common.flags = rf::kFlagReplyFromAltPort;
  p.common.session = 0x01020304;
  p.common.probeSeq = 7;
  p.txNs = 0x1122334455667788ULL;
  p.clockRate = 8000;
  p.returnDscp = 46;
  std::vector<std::byte> buf(160);
  auto n = rf::writeProbe(buf, p);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, rf::kProbeSize);
  // magic, version, type, flags, headerLength 32
  EXPECT_EQ(buf[0], std::byte{'V'});
  EXPECT_EQ(buf[3], std::byte{1});
  EXPECT_EQ(buf[4], std::byte{1});
  EXPECT_EQ(buf[5], std::byte{rf::kFlagReplyFromAltPort});
  EXPECT_EQ(buf[7], std::byte{32});
  EXPECT_EQ(buf[11], std::byte{4});   // session low byte
  EXPECT_EQ(buf[15], std::byte{7});   // probeSeq low byte
  EXPECT_EQ(buf[16], std::byte{0x11});
  EXPECT_EQ(buf[26], std::byte{0x1F});  // 8000 = 0x00001F40
  EXPECT_EQ(buf[28], std::byte{46});
  EXPECT_TRUE(rf::looksLikeReflect(buf));
  auto back = rf::parseProbe(buf);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->common.session, 0x01020304U);
  EXPECT_EQ(back->common.probeSeq, 7U);
  EXPECT_EQ(back->txNs, 0x1122334455667788ULL);
  EXPECT_EQ(back->returnDscp, 46);
  // A probe is not a reply
  EXPECT_EQ(rf::parseReply(buf).error().offset, 4U);
}

TEST(ReflectMessage, ReplyRoundTripWithWhatISaw) {
  rf::Reply r;
  r.common.type = rf::Type::kReportReply;
  r.common.flags = rf::kFlagTosValid;
  r.common.session = 9;
  r.proberTxNs = 1;
  r.reflectorRxNs = 2;
  r.reflectorTxNs = 3;
  r.replySeq = 65537;
  r.tos = 0xB8;
  r.family = 6;
  r.port = 40000;
  r.address = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  r.ackHighest = 100;
  r.ackBits = 0x8000000000000001ULL;
  r.forward = {150, -2, 2, 1, 500, 900, 400, 25000};
  std::vector<std::byte> buf(rf::kReplySize);
  ASSERT_TRUE(rf::writeReply(buf, r).ok());
  auto b = rf::parseReply(buf);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->common.type, rf::Type::kReportReply);
  EXPECT_EQ(b->replySeq, 65537U);
  EXPECT_EQ(b->tos, 0xB8);
  EXPECT_EQ(b->family, 6);
  EXPECT_EQ(b->port, 40000);
  EXPECT_EQ(b->address[15], 1);
  EXPECT_EQ(b->ackBits, 0x8000000000000001ULL);
  EXPECT_EQ(b->forward.lost, -2);
  EXPECT_EQ(b->forward.maxDeltaUs, 25000U);
  EXPECT_TRUE(b->tlvs.empty());
}

TEST(ReflectMessage, TlvsAfterTheFixedReplyAreCollectedAndBounded) {
  rf::Reply r;
  r.common.type = rf::Type::kReply;
  std::vector<std::byte> buf(rf::kReplySize + 6);
  ASSERT_TRUE(rf::writeReply(buf, r).ok());
  buf[7] = std::byte{rf::kReplySize + 6};  // headerLength covers two TLVs
  buf[112] = std::byte{1};
  buf[113] = std::byte{2};
  buf[116] = std::byte{9};
  buf[117] = std::byte{0};
  auto b = rf::parseReply(buf);
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->tlvs.size(), 2U);
  EXPECT_EQ(b->tlvs[0].type, 1);
  EXPECT_EQ(b->tlvs[0].value.size(), 2U);
  EXPECT_EQ(b->tlvs[1].type, 9);
  buf[117] = std::byte{5};  // second TLV claims 5 bytes, none left
  EXPECT_EQ(rf::parseReply(buf).error().offset, 117U);
}

TEST(ReflectMessage, RefusesWhatDoesNotFit) {
  std::vector<std::byte> buf(rf::kProbeSize);
  rf::Probe p;
  ASSERT_TRUE(rf::writeProbe(buf, p).ok());
  // Authenticated but no room for the MAC
  buf[5] = std::byte{rf::kFlagAuthenticated};
  EXPECT_EQ(rf::parseProbe(buf).error().offset, 6U);
  buf[5] = std::byte{0};
  // headerLength beyond the payload, and beyond the hard limit
  buf[6] = std::byte{0x01};
  EXPECT_EQ(rf::parseProbe(buf).error().offset, 6U);
  buf[6] = std::byte{0x10};
  EXPECT_NE(rf::parseProbe(buf).error().message.find("over the limit"), std::string::npos);
  buf[6] = std::byte{0};
  // zero clock rate
  buf[26] = buf[27] = std::byte{0};
  EXPECT_EQ(rf::parseProbe(buf).error().offset, 24U);
  // wrong version, unknown type, short
  auto v = buf;
  v[3] = std::byte{2};
  EXPECT_EQ(rf::parseCommon(v).error().offset, 3U);
  v = buf;
  v[4] = std::byte{9};
  EXPECT_EQ(rf::parseCommon(v).error().offset, 4U);
  EXPECT_EQ(rf::parseCommon(std::span<const std::byte>(buf).first(10)).error().offset, 10U);
  std::vector<std::byte> small(8);
  EXPECT_FALSE(rf::writeProbe(small, p).ok());
}

TEST(ReflectMessage, MacPlacementAndComparison) {
  std::vector<std::byte> packet(12 + 32 + 16);
  EXPECT_EQ(rf::macInput(packet, 12, 32).size(), 44U);
  EXPECT_EQ(rf::macOffset(12, 32), 44U);
  EXPECT_TRUE(rf::macInput(packet, 12, 200).empty());
  std::vector<std::byte> a(16, std::byte{1}), b(16, std::byte{1});
  EXPECT_TRUE(rf::macEqual(a, b));
  b[15] = std::byte{2};
  EXPECT_FALSE(rf::macEqual(a, b));
  EXPECT_FALSE(rf::macEqual(a, std::span<const std::byte>(b).first(8)));
}
