// The reflector's second-address TLV (kTlvAltAddress): what the reflector writes for an IPv4 and an IPv6
// address parses back to the same bytes; wrong families and lengths are refused rather than misread.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "proto/reflect/message.h"

namespace vs::proto {
namespace {

reflect::Reply replyWith(const std::vector<reflect::Tlv>& tlvs, std::vector<std::byte>& out) {
  reflect::Reply r;
  r.common.type = reflect::Type::kReply;
  r.tlvs = tlvs;
  out.assign(256, std::byte{0});
  auto n = reflect::writeReply(out, r);
  EXPECT_TRUE(n.ok());
  auto back = reflect::parseReply(out);
  EXPECT_TRUE(back.ok());
  return back.ok() ? *back : reflect::Reply{};
}

TEST(ReflectAltAddress, Ipv4AndIpv6RoundTrip) {
  reflect::AltAddress v4;
  v4.family = 4;
  v4.address = {198, 18, 0, 3};
  std::array<std::byte, 17> bytes{};
  auto value = reflect::altAddressValue(v4, bytes);
  ASSERT_EQ(value.size(), 5U);  // family + 4 bytes, as the header comment says
  EXPECT_EQ(value[0], std::byte{4});
  EXPECT_EQ(value[1], std::byte{198});
  std::vector<std::byte> buf;
  auto r = replyWith({{reflect::kTlvAltAddress, value}}, buf);
  EXPECT_EQ(r.common.headerLength, reflect::kReplySize + 7);
  auto got = reflect::altAddress(r.tlvs);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->family, 4);
  EXPECT_EQ(got->address, v4.address);

  reflect::AltAddress v6;
  v6.family = 6;
  v6.address = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3};
  std::array<std::byte, 17> bytes6{};
  auto value6 = reflect::altAddressValue(v6, bytes6);
  ASSERT_EQ(value6.size(), 17U);
  auto r6 = replyWith({{200, {}}, {reflect::kTlvAltAddress, value6}}, buf);  // after an unknown TLV
  auto got6 = reflect::altAddress(r6.tlvs);
  ASSERT_TRUE(got6);
  EXPECT_EQ(got6->family, 6);
  EXPECT_EQ(got6->address, v6.address);
}

TEST(ReflectAltAddress, AbsentWrongFamilyOrWrongLengthIsNoAddress) {
  std::vector<std::byte> buf;
  EXPECT_FALSE(reflect::altAddress(replyWith({}, buf).tlvs));
  const std::array<std::byte, 5> family5{std::byte{5}, std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  EXPECT_FALSE(reflect::altAddress(replyWith({{reflect::kTlvAltAddress, family5}}, buf).tlvs));
  const std::array<std::byte, 4> shortV4{std::byte{4}, std::byte{1}, std::byte{2}, std::byte{3}};
  EXPECT_FALSE(reflect::altAddress(replyWith({{reflect::kTlvAltAddress, shortV4}}, buf).tlvs));
  const std::array<std::byte, 6> longV4{std::byte{4}, std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                        std::byte{5}};
  EXPECT_FALSE(reflect::altAddress(replyWith({{reflect::kTlvAltAddress, longV4}}, buf).tlvs));
  EXPECT_FALSE(reflect::altAddress(replyWith({{reflect::kTlvAltAddress, {}}}, buf).tlvs));
}

}  // namespace
}  // namespace vs::proto
