// IpAddr::parse reads dotted-quad IPv4 itself and hands everything else to inet_pton; it must answer
// exactly as inet_pton does. Checked against inet_pton on hand-picked edge cases and on 200 000 random
// strings over the characters that matter ("0-9", '.', ':', 'a'-'f', ' '), IPv4 and IPv6.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <optional>
#include <random>
#include <string>

#include "proto/pkt/packet.h"

namespace vs::proto::pkt {
namespace {

std::optional<IpAddr> reference(const std::string& text) {
  std::array<std::byte, 16> raw{};
  if (inet_pton(AF_INET, text.c_str(), raw.data()) == 1) return IpAddr::v4(raw.data());
  if (inet_pton(AF_INET6, text.c_str(), raw.data()) == 1) return IpAddr::v6From(raw.data());
  return std::nullopt;
}

TEST(IpAddrParse, EdgeCasesAnswerAsInetPton) {
  for (const std::string t :
       {"0.0.0.0", "255.255.255.255", "127.0.0.1", "192.0.2.1", "1.2.3.4", "256.1.1.1", "1.2.3.256", "01.2.3.4",
        "1.2.3.04", "1.2.3.00", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4x",
        "1234.1.1.1", "1.2.3.-4", "+1.2.3.4", "", ".", "::", "::1", "2001:db8::1", "::ffff:192.0.2.1",
        "fe80::1%eth0", "example.com", "0.0.0.0.0", "999.999.999.999", "1.2.3.4/24", "0x1.2.3.4"}) {
    const auto got = IpAddr::parse(t);
    const auto want = reference(t);
    ASSERT_EQ(got.has_value(), want.has_value()) << "[" << t << "]";
    if (got) {
      EXPECT_EQ(*got, *want) << "[" << t << "]";
    }
  }
  EXPECT_EQ(IpAddr::parse("192.0.2.7")->toString(), "192.0.2.7");
  EXPECT_EQ(IpAddr::parse("2001:db8::7")->toString(), "2001:db8::7");
}

TEST(IpAddrParse, RandomStringsAnswerAsInetPton) {
  std::mt19937 rng(20261123);
  const std::string digits = "0123456789.";
  const std::string v6 = "0123456789abcdef:.";
  std::size_t accepted = 0;
  for (int n = 0; n < 200000; ++n) {
    std::string t;
    if (n % 2 == 0) {
      // Near-IPv4: four parts of one to three digits (now and then none or four), sometimes a fifth part
      // or a stray character.
      for (int part = 0; part < 4 + static_cast<int>(rng() % 3 == 0); ++part) {
        if (part > 0) t += '.';
        for (auto k = rng() % 10 == 0 ? rng() % 5 : 1 + rng() % 3; k > 0; --k) t += digits[rng() % 10];
      }
      if (rng() % 10 == 0) t.insert(rng() % (t.size() + 1), 1, digits[rng() % digits.size()]);
    } else {
      for (auto k = rng() % 24; k > 0; --k) t += v6[rng() % v6.size()];
    }
    const auto got = IpAddr::parse(t);
    const auto want = reference(t);
    ASSERT_EQ(got.has_value(), want.has_value()) << "[" << t << "]";
    if (got) {
      ASSERT_EQ(*got, *want) << "[" << t << "]";
    }
    accepted += got.has_value();
  }
  EXPECT_GT(accepted, 5000U);  // the generator reaches valid addresses often enough to test something
}

}  // namespace
}  // namespace vs::proto::pkt
