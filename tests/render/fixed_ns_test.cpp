// appendFixedNs() prints the `calls` table's times from integer nanoseconds instead of through fmt's
// float formatting; its output must be fmt's, character for character. fmt is the reference here:
// every case formats the same double with fmt and compares.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include <fmt/format.h>

#include "render/calls_render.h"

namespace {

std::string viaFmt(std::int64_t ns, int scale_digits, int decimals) {
  double scale = 1;
  for (int i = 0; i < scale_digits; ++i) scale *= 10;
  return fmt::format("{:.{}f}", static_cast<double>(ns) / scale, decimals);
}

std::string viaInteger(std::int64_t ns, int scale_digits, int decimals) {
  std::string out = "x";  // appends: what was there stays
  vs::render::appendFixedNs(out, ns, scale_digits, decimals);
  EXPECT_EQ(out.front(), 'x');
  return out.substr(1);
}

// The three formats the table uses: seconds to 1 ms, milliseconds to 1 ms, seconds to 0.1 s; and a
// few others of the same family.
const std::pair<int, int> kFormats[] = {{9, 3}, {6, 0}, {9, 1}, {9, 0}, {9, 9}, {6, 2}, {3, 1}};

TEST(FixedNs, RoundingTiesAndTheirNeighboursMatchFmt) {
  for (auto [scale, decimals] : kFormats) {
    std::int64_t unit = 1;
    for (int i = 0; i < scale - decimals; ++i) unit *= 10;
    for (std::int64_t q : {0LL, 1LL, 2LL, 3LL, 7LL, 10LL, 999LL, 1000LL, 12345LL, 9'999'999LL, 123'456'789LL}) {
      for (std::int64_t d = -3; d <= 3; ++d) {
        for (std::int64_t base : {q * unit, q * unit + unit / 2}) {
          const auto ns = base + d;
          if (ns < 0) continue;
          ASSERT_EQ(viaInteger(ns, scale, decimals), viaFmt(ns, scale, decimals))
              << ns << " ns at scale 1e" << scale << ", " << decimals << " decimals";
        }
      }
    }
  }
}

TEST(FixedNs, RandomDurationsUpToYearsMatchFmt) {
  std::mt19937_64 rng(20261122);
  for (auto [scale, decimals] : kFormats) {
    for (int i = 0; i < 200'000; ++i) {
      // Spread over magnitudes: a few ms to years (and past 2^53 ns, where fmt takes over).
      const int bits = 1 + static_cast<int>(rng() % 62);
      const auto ns = static_cast<std::int64_t>(rng() >> (64 - bits));
      ASSERT_EQ(viaInteger(ns, scale, decimals), viaFmt(ns, scale, decimals)) << ns;
    }
  }
}

TEST(FixedNs, NegativeValuesGoThroughFmt) {
  for (std::int64_t ns : {-1LL, -500'000LL, -1'500'000'000LL, -123'456'789LL}) {
    EXPECT_EQ(viaInteger(ns, 9, 3), viaFmt(ns, 9, 3));
    EXPECT_EQ(viaInteger(ns, 6, 0), viaFmt(ns, 6, 0));
  }
  EXPECT_EQ(viaInteger(-1'500'000'000, 9, 3), "-1.500");
}

TEST(FixedNs, TheTableFormatsOfKnownValues) {
  EXPECT_EQ(viaInteger(0, 9, 3), "0.000");
  EXPECT_EQ(viaInteger(1'234'567'890, 9, 3), "1.235");
  EXPECT_EQ(viaInteger(41'499'999, 6, 0), "41");
  EXPECT_EQ(viaInteger(41'500'001, 6, 0), "42");
  EXPECT_EQ(viaInteger(59'950'000'000, 9, 1), "60.0");
}

}  // namespace
