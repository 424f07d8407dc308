// MediaList: a leg's SDP media descriptions packed while the leg is held; unpack() must give back exactly
// what was added, whatever the sizes (varint boundaries at 127/128 and 16383/16384) and signs.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/model.h"

namespace {

using vs::analysis::MediaDescription;
using vs::analysis::MediaList;

MediaDescription offer() {
  MediaDescription d;
  d.frame = 7;
  d.from_caller = true;
  d.media = "audio";
  d.address = "192.0.2.10";
  d.port = 49170;
  d.protocol = "RTP/AVP";
  d.payload_types = {0, 8, 101};
  d.encodings = {{0, "PCMU/8000"}, {8, "PCMA/8000"}, {101, "telephone-event/8000"}};
  d.direction = "sendrecv";
  return d;
}

void expectSame(const MediaDescription& a, const MediaDescription& b) {
  EXPECT_EQ(a.frame, b.frame);
  EXPECT_EQ(a.from_caller, b.from_caller);
  EXPECT_EQ(a.media, b.media);
  EXPECT_EQ(a.address, b.address);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.protocol, b.protocol);
  EXPECT_EQ(a.payload_types, b.payload_types);
  EXPECT_EQ(a.encodings, b.encodings);
  EXPECT_EQ(a.direction, b.direction);
}

TEST(MediaList, EmptyUnpacksToNothing) {
  MediaList l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.size(), 0U);
  EXPECT_TRUE(l.unpack().empty());
  int calls = 0;
  l.forEachAddress([&](std::string_view, std::uint16_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(MediaList, OfferAndAnswerComeBackInOrder) {
  MediaList l;
  auto a = offer();
  auto b = offer();
  b.frame = 9;
  b.from_caller = false;
  b.address = "2001:db8::5";
  b.port = 0;  // declined
  b.payload_types = {0};
  b.encodings = {{0, "PCMU/8000"}};
  b.direction = "recvonly";
  l.push_back(a);
  l.push_back(b);
  ASSERT_EQ(l.size(), 2U);
  const auto out = l.unpack();
  ASSERT_EQ(out.size(), 2U);
  expectSame(out[0], a);
  expectSame(out[1], b);
  std::vector<std::pair<std::string, std::uint16_t>> seen;
  l.forEachAddress([&](std::string_view addr, std::uint16_t port) { seen.emplace_back(std::string(addr), port); });
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0], (std::pair<std::string, std::uint16_t>{"192.0.2.10", 49170}));
  EXPECT_EQ(seen[1], (std::pair<std::string, std::uint16_t>{"2001:db8::5", 0}));
}

TEST(MediaList, VarintBoundariesSignsAndLongStrings) {
  MediaList l;
  std::vector<MediaDescription> in;
  for (std::uint64_t frame : {std::uint64_t{0}, std::uint64_t{127}, std::uint64_t{128}, std::uint64_t{16383},
                              std::uint64_t{16384}, std::uint64_t{1} << 40, ~std::uint64_t{0}}) {
    MediaDescription d;
    d.frame = frame;
    d.port = static_cast<std::uint16_t>(frame);
    d.media = std::string(static_cast<std::size_t>(frame % 300), 'm');  // lengths across the 1-byte varint
    d.address = "";
    d.protocol = std::string(200, 'p');
    d.payload_types = {-1, 0, 63, 64, -64, -65, 127, 128, 2147483647, -2147483647 - 1};
    for (int pt : d.payload_types) d.encodings[pt] = std::to_string(pt) + "/x";
    d.direction = "inactive";
    l.push_back(d);
    in.push_back(std::move(d));
  }
  const auto out = l.unpack();
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    SCOPED_TRACE(i);
    expectSame(out[i], in[i]);
  }
  std::size_t i = 0;
  l.forEachAddress([&](std::string_view addr, std::uint16_t port) {
    EXPECT_EQ(addr, in[i].address);
    EXPECT_EQ(port, in[i].port);
    ++i;
  });
  EXPECT_EQ(i, in.size());
}

TEST(MediaList, CopiesCompareEqualAndIndependent) {
  MediaList a;
  a.push_back(offer());
  MediaList b = a;
  EXPECT_TRUE(a == b);
  b.push_back(offer());
  EXPECT_FALSE(a == b);
  EXPECT_EQ(a.size(), 1U);
  EXPECT_EQ(b.size(), 2U);
}

}  // namespace
