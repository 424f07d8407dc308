// PingStats on hand-made sequences; every expected value is worked out by hand in the comments.
#include <gtest/gtest.h>

#include "probe/ping_stats.h"

namespace vs::probe {
namespace {

PingResult ping(std::uint64_t seq, std::int64_t sent_ms, std::optional<double> rtt) {
  PingResult r;
  r.seq = seq;
  r.sent_unix_ms = sent_ms;
  r.received = rtt.has_value();
  r.rtt_ms = rtt.value_or(0);
  r.status_code = rtt ? 200 : 0;
  return r;
}

// seq:   1   2   3  4  5   6  7   8  9  10
// RTT:   10  14  -  -  12  -  30  -  -  -     (- = lost), sent at seq * 1000 ms
class MixedSequence : public ::testing::Test {
 protected:
  void feed(std::uint64_t up_to) {
    const std::optional<double> rtts[] = {10, 14, std::nullopt, std::nullopt, 12, std::nullopt, 30,
                                          std::nullopt, std::nullopt, std::nullopt};
    for (std::uint64_t s = 1; s <= up_to; ++s) stats.add(ping(s, static_cast<std::int64_t>(s) * 1000, rtts[s - 1]));
  }
  PingStats stats;
};

TEST_F(MixedSequence, CountsAndRuns) {
  feed(10);
  auto s = stats.snapshot();
  EXPECT_EQ(s.sent, 10u);
  EXPECT_EQ(s.received, 4u);
  EXPECT_EQ(s.lost, 6u);
  // Runs: {3,4} length 2 (ended by 5), {6} length 1 (ended by 7), {8,9,10} length 3 still going.
  EXPECT_EQ(s.longest_run, 3u);
  EXPECT_EQ(s.last_run, 1u);
  EXPECT_EQ(s.current_run, 3u);
  EXPECT_DOUBLE_EQ(s.lossPercent(), 60.0);
}

TEST_F(MixedSequence, RunsPartWay) {
  feed(7);
  auto s = stats.snapshot();
  EXPECT_EQ(s.longest_run, 2u);
  EXPECT_EQ(s.last_run, 1u);
  EXPECT_EQ(s.current_run, 0u);
}

TEST_F(MixedSequence, RttFigures) {
  feed(10);
  auto s = stats.summary();
  // Received RTTs 10, 14, 12, 30: min 10, max 30, avg 66 / 4 = 16.5.
  EXPECT_DOUBLE_EQ(s.min_ms, 10);
  EXPECT_DOUBLE_EQ(s.max_ms, 30);
  EXPECT_DOUBLE_EQ(s.avg_ms, 16.5);
  // Sorted 10 12 14 30, n = 4. p50: ceil(2) = rank 2 -> 12; p95: ceil(3.8) = 4 -> 30; p99: ceil(3.96) = 4 -> 30.
  EXPECT_DOUBLE_EQ(s.p50_ms, 12);
  EXPECT_DOUBLE_EQ(s.p95_ms, 30);
  EXPECT_DOUBLE_EQ(s.p99_ms, 30);
  // J: D = 4 -> 0 + 4/16 = 0.25; D = 2 -> 0.25 + 1.75/16 = 0.359375; D = 18 -> 0.359375 + 17.640625/16
  // = 1.4619140625.
  EXPECT_DOUBLE_EQ(s.jitter_ms, 1.4619140625);
  // Deviations -6.5 -2.5 -4.5 13.5, squares 42.25 + 6.25 + 20.25 + 182.25 = 251, / 4 = 62.75, sqrt = 7.921490...
  EXPECT_NEAR(s.stddev_ms, 7.92149, 1e-5);
}

TEST_F(MixedSequence, Outages) {
  feed(10);
  auto s = stats.summary();
  ASSERT_EQ(s.outages.size(), 3u);
  EXPECT_EQ(s.outages[0].first_seq, 3u);
  EXPECT_EQ(s.outages[0].lost, 2u);
  EXPECT_EQ(s.outages[0].start_unix_ms, 3000);
  EXPECT_EQ(s.outages[0].end_unix_ms, 5000);  // ping 5 answered
  EXPECT_EQ(s.outages[1].first_seq, 6u);
  EXPECT_EQ(s.outages[1].lost, 1u);
  EXPECT_EQ(s.outages[1].start_unix_ms, 6000);
  EXPECT_EQ(s.outages[1].end_unix_ms, 7000);
  EXPECT_EQ(s.outages[2].first_seq, 8u);
  EXPECT_EQ(s.outages[2].lost, 3u);
  EXPECT_EQ(s.outages[2].start_unix_ms, 8000);
  EXPECT_FALSE(s.outages[2].end_unix_ms.has_value());
}

TEST(PingStats, LateRepliesStayLost) {
  PingStats stats;
  stats.add(ping(1, 0, std::nullopt));
  stats.addLate();
  stats.add(ping(2, 1000, 5.0));
  auto s = stats.summary();
  EXPECT_EQ(s.sent, 2u);
  EXPECT_EQ(s.received, 1u);
  EXPECT_EQ(s.lost, 1u);
  EXPECT_EQ(s.late, 1u);
  // One RTT only: no difference, jitter and stddev 0, every percentile is that RTT.
  EXPECT_DOUBLE_EQ(s.jitter_ms, 0);
  EXPECT_DOUBLE_EQ(s.stddev_ms, 0);
  EXPECT_DOUBLE_EQ(s.p99_ms, 5.0);
}

TEST(PingStats, EmptyAndAllLost) {
  PingStats empty;
  auto e = empty.summary();
  EXPECT_EQ(e.sent, 0u);
  EXPECT_DOUBLE_EQ(e.lossPercent(), 0);
  EXPECT_TRUE(e.outages.empty());

  PingStats lost;
  for (std::uint64_t s = 1; s <= 4; ++s) lost.add(ping(s, static_cast<std::int64_t>(s) * 250, std::nullopt));
  auto l = lost.summary();
  EXPECT_EQ(l.lost, 4u);
  EXPECT_EQ(l.longest_run, 4u);
  EXPECT_EQ(l.last_run, 0u);  // no run has ended
  EXPECT_EQ(l.current_run, 4u);
  EXPECT_DOUBLE_EQ(l.min_ms, 0);
  ASSERT_EQ(l.outages.size(), 1u);
  EXPECT_EQ(l.outages[0].start_unix_ms, 250);
  EXPECT_DOUBLE_EQ(l.lossPercent(), 100.0);
}

TEST(NearestRank, HundredValues) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // unsorted on purpose
  // n = 100: rank = ceil(p): p50 -> 50th smallest = 50, p95 -> 95, p99 -> 99, p100 -> 100, p0 -> first = 1.
  EXPECT_DOUBLE_EQ(nearestRankPercentile(v, 50), 50);
  EXPECT_DOUBLE_EQ(nearestRankPercentile(v, 95), 95);
  EXPECT_DOUBLE_EQ(nearestRankPercentile(v, 99), 99);
  EXPECT_DOUBLE_EQ(nearestRankPercentile(v, 100), 100);
  EXPECT_DOUBLE_EQ(nearestRankPercentile(v, 0), 1);
  // n = 3 (5, 1, 9): p50 -> ceil(1.5) = 2 -> 5; p34 -> ceil(1.02) = 2 -> 5; p33 -> ceil(0.99) = 1 -> 1.
  EXPECT_DOUBLE_EQ(nearestRankPercentile({5, 1, 9}, 50), 5);
  EXPECT_DOUBLE_EQ(nearestRankPercentile({5, 1, 9}, 34), 5);
  EXPECT_DOUBLE_EQ(nearestRankPercentile({5, 1, 9}, 33), 1);
  EXPECT_DOUBLE_EQ(nearestRankPercentile({}, 50), 0);
}

}  // namespace
}  // namespace vs::probe
