#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "proto/dns/message.h"

namespace dns = vs::proto::dns;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> list) {
  std::vector<std::byte> out;
  for (int v : list) out.push_back(static_cast<std::byte>(v));
  return out;
}

// A query as dig would send it for "Sbc1.Example.com A" with recursion desired:
std::vector<std::byte> sbcQuery() {
  return bytes({
      0xBE, 0xEF,  // id
      0x01, 0x00,  // flags: QR=0 opcode=0 RD=1
      0x00, 0x01,  // qdcount 1
      0x00, 0x00,  // ancount
      0x00, 0x00,  // nscount
      0x00, 0x00,  // arcount
      4, 'S', 'b', 'c', '1',                      // offset 12
      7, 'E', 'x', 'a', 'm', 'p', 'l', 'e',       // offset 17
      3, 'c', 'o', 'm',                           // offset 25
      0,                                          // root, offset 29
      0x00, 0x01,  // qtype A
      0x00, 0x01,  // qclass IN
  });
}

}  // namespace

TEST(DnsMessage, ParsesHandBuiltQuery) {
  const auto msg = sbcQuery();
  auto q = dns::parseQuery(msg);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->header.id, 0xBEEF);
  EXPECT_FALSE(q->header.qr());
  EXPECT_TRUE(q->header.rd());
  EXPECT_EQ(q->header.opcode(), 0);
  EXPECT_EQ(q->header.qdcount, 1);
  ASSERT_EQ(q->question.labels.size(), 3U);
  EXPECT_EQ(q->question.labels[0], "Sbc1");
  EXPECT_EQ(q->question.dottedName(), "Sbc1.Example.com");
  EXPECT_EQ(q->question.qtype, dns::kTypeA);
  EXPECT_EQ(q->question.qclass, dns::kClassIN);
}

TEST(DnsMessage, IgnoresEdnsOptRecordAfterQuestion) {
  auto msg = sbcQuery();
  msg[11] = std::byte{1};  // arcount 1
  // OPT RR: root name, type 41, UDP size 1232, ext rcode/version/flags 0, rdlen 0
  const auto opt = bytes({0, 0x00, 0x29, 0x04, 0xD0, 0, 0, 0, 0, 0x00, 0x00});
  msg.insert(msg.end(), opt.begin(), opt.end());
  auto q = dns::parseQuery(msg);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->question.dottedName(), "Sbc1.Example.com");
  EXPECT_EQ(q->header.arcount, 1);
}

TEST(DnsMessage, RootNameParsesAsEmpty) {
  auto msg = bytes({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x02, 0x00, 0x01});
  auto q = dns::parseQuery(msg);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_TRUE(q->question.labels.empty());
  EXPECT_EQ(q->question.dottedName(), "");
  EXPECT_EQ(q->question.qtype, 2);
}

TEST(DnsMessage, BuildsAResponseByteForByte) {
  auto q = dns::parseQuery(sbcQuery());
  ASSERT_TRUE(q);
  dns::ResponseSpec spec;
  spec.rdata = {{198, 18, 0, 10}, {198, 18, 0, 11}};
  const auto got = dns::buildResponse(*q, spec);
  const auto want = bytes({
      0xBE, 0xEF,  // id copied
      0x85, 0x00,  // QR=1 AA=1 RD=1, RA=0, rcode 0
      0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,  // qd 1, an 2
      4, 'S', 'b', 'c', '1', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,  // case kept
      0x00, 0x01, 0x00, 0x01,
      0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 198, 18, 0, 10,  // TTL 60
      0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 198, 18, 0, 11,
  });
  EXPECT_EQ(got, want);
}

TEST(DnsMessage, BuildsNxdomainWithoutRdWhenQueryHadNone) {
  auto msg = sbcQuery();
  msg[2] = std::byte{0};  // RD=0
  auto q = dns::parseQuery(msg);
  ASSERT_TRUE(q);
  dns::ResponseSpec spec;
  spec.rcode = dns::Rcode::kNxDomain;
  const auto got = dns::buildResponse(*q, spec);
  ASSERT_EQ(got.size(), msg.size());  // header + question only
  EXPECT_EQ(got[2], std::byte{0x84});  // QR AA
  EXPECT_EQ(got[3], std::byte{0x03});  // NXDOMAIN
  EXPECT_EQ(got[7], std::byte{0x00});  // ancount 0
}

TEST(DnsMessage, SetsTcAndStopsAt512Bytes) {
  // "a.b" AAAA: 12 header + 5 name + 4 = 21 bytes; each AAAA RR is 2+2+2+4+2+16 = 28 bytes,
  // so (512 - 21) / 28 = 17 answers fit.
  auto msg = bytes({0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 1, 'b', 0, 0x00, 0x1C, 0x00, 0x01});
  auto q = dns::parseQuery(msg);
  ASSERT_TRUE(q) << q.error().message;
  dns::ResponseSpec spec;
  spec.rdata.assign(40, std::vector<std::uint8_t>(16, 0x20));
  const auto got = dns::buildResponse(*q, spec);
  EXPECT_EQ(got.size(), 21U + 17U * 28U);
  EXPECT_EQ(got[2] & std::byte{0x02}, std::byte{0x02});
  EXPECT_EQ(got[7], std::byte{17});
}

TEST(DnsMessage, FollowsBackwardCompressionPointer) {
  // Two names: "example.com" at 12, then "sbc" + pointer to 12 at 25.
  auto msg = bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,  // 12..24
                    3, 's', 'b', 'c', 0xC0, 12});                                // 25..30
  auto n = dns::parseName(msg, 25);
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_EQ(n->labels.size(), 3U);
  EXPECT_EQ(n->labels[0], "sbc");
  EXPECT_EQ(n->labels[2], "com");
  EXPECT_EQ(n->next, 31U);  // just past the pointer, not past the pointed-to name
}

TEST(DnsMessage, RejectsCompressionLoops) {
  // Question name is a pointer to itself.
  auto self = bytes({0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1});
  auto r1 = dns::parseQuery(self);
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().offset, 12U);
  // "a" then a pointer back to the "a" label: a cycle through a label.
  auto cycle = bytes({0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xC0, 12, 0, 1, 0, 1});
  EXPECT_FALSE(dns::parseQuery(cycle));
  // Two names pointing at each other, entered through the second.
  auto mutual = bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xC0, 14, 0xC0, 12});
  EXPECT_FALSE(dns::parseName(mutual, 14));
  EXPECT_FALSE(dns::parseName(mutual, 12));
}

TEST(DnsMessage, RejectsOversizedLabelsAndNames) {
  // A length byte of 64 has the top bits 01: an extended label type, not a 64-byte label.
  auto msg = bytes({0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64});
  msg.resize(msg.size() + 64, std::byte{'x'});
  msg.push_back(std::byte{0});
  auto r = dns::parseQuery(msg);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 12U);

  // 5 labels of 63 bytes = 320 bytes of name: over 255.
  auto big = bytes({0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  for (int i = 0; i < 5; ++i) {
    big.push_back(std::byte{63});
    big.resize(big.size() + 63, std::byte{'y'});
  }
  big.push_back(std::byte{0});
  big.insert(big.end(), {std::byte{0}, std::byte{1}, std::byte{0}, std::byte{1}});
  auto r2 = dns::parseQuery(big);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("255"), std::string::npos);
}

TEST(DnsMessage, RejectsResponsesAndQuestionCountsOtherThanOne) {
  auto resp = sbcQuery();
  resp[2] = std::byte{0x81};
  auto r = dns::parseQuery(resp);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offset, 2U);
  auto two = sbcQuery();
  two[5] = std::byte{2};
  EXPECT_FALSE(dns::parseQuery(two));
  auto none = sbcQuery();
  none[5] = std::byte{0};
  EXPECT_FALSE(dns::parseQuery(none));
}

TEST(DnsMessage, EveryTruncationIsAnError) {
  const auto msg = sbcQuery();
  for (std::size_t len = 0; len < msg.size(); ++len) {
    auto r = dns::parseQuery(std::span<const std::byte>(msg.data(), len));
    EXPECT_FALSE(r) << "prefix of " << len << " bytes parsed";
    if (!r) {
      EXPECT_LE(r.error().offset, len);
    }
  }
  EXPECT_TRUE(dns::parseQuery(msg));
}

TEST(DnsMessage, RandomBytesNeverCrashAndRarelyParse) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 80);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::byte> buf(static_cast<std::size_t>(len(rng)));
    for (auto& b : buf) b = static_cast<std::byte>(byte(rng));
    if (buf.size() > 5) {  // steer half of them past the header checks into the name parser
      if (i % 2 == 0) {
        buf[2] &= std::byte{0x7F};
        buf[4] = std::byte{0};
        buf[5] = std::byte{1};
      }
    }
    auto r = dns::parseQuery(buf);
    if (r) {
      ++parsed;
      // Whatever parsed must respect the limits.
      std::size_t wire = 1;
      for (const auto& l : r->question.labels) {
        EXPECT_LE(l.size(), dns::kMaxLabelLength);
        wire += l.size() + 1;
      }
      EXPECT_LE(wire, dns::kMaxNameWireLength);
      (void)dns::buildResponse(*r, dns::ResponseSpec{});
    }
  }
  EXPECT_LT(parsed, 20000);
}
