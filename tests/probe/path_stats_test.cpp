// Ping statistics (ping(8)'s mdev, RFC 3550 jitter) and trace analysis (latency jumps, loss at one hop
// vs loss that carries on), each against values worked out by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "probe/icmp_ping.h"
#include "probe/trace_stats.h"

namespace vs::probe {
namespace {

TEST(PingStatistics, PingMdevAndRfc3550Jitter) {
  // RTTs 10, 20, lost, 30, 10 ms.
  // received 4 of 5: loss 20 %. avg = 70 / 4 = 17.5. mean of squares = (100+400+900+100)/4 = 375;
  // mdev = sqrt(375 - 17.5^2) = sqrt(68.75) = 8.2916. Jitter over consecutive received: D = 10, 10, 20:
  // J1 = 10/16 = 0.625; J2 = 0.625 + (10 - 0.625)/16 = 1.2109375; J3 = 1.2109375 + (20 - 1.2109375)/16 = 2.38525390625.
  std::vector<std::optional<double>> rtts = {10, 20, std::nullopt, 30, 10};
  auto s = computePingStatistics(rtts, 2, 1, 0);
  EXPECT_EQ(s.transmitted, 5);
  EXPECT_EQ(s.received, 4);
  EXPECT_EQ(s.duplicates, 2);
  EXPECT_EQ(s.late, 1);
  EXPECT_DOUBLE_EQ(s.loss_pct, 20.0);
  EXPECT_DOUBLE_EQ(s.min_ms, 10);
  EXPECT_DOUBLE_EQ(s.max_ms, 30);
  EXPECT_DOUBLE_EQ(s.avg_ms, 17.5);
  EXPECT_NEAR(s.mdev_ms, std::sqrt(68.75), 1e-9);
  EXPECT_NEAR(s.jitter_ms, 2.38525390625, 1e-12);
}

TEST(PingStatistics, NothingReceived) {
  auto s = computePingStatistics({std::nullopt, std::nullopt}, 0, 0, 2);
  EXPECT_EQ(s.received, 0);
  EXPECT_DOUBLE_EQ(s.loss_pct, 100.0);
  EXPECT_DOUBLE_EQ(s.avg_ms, 0);
  EXPECT_DOUBLE_EQ(s.mdev_ms, 0);
}

HopStats hop(int ttl, const std::string& addr, std::vector<std::optional<double>> outcomes) {
  HopStats h;
  h.ttl = ttl;
  h.addresses = {addr};
  for (auto o : outcomes) h.add(o);
  return h;
}

TEST(HopStats, MtrColumns) {
  // 1, 3, lost, 5: best 1, worst 5, last 5, avg 3, sample stdev sqrt(((1-3)^2 + 0 + (5-3)^2) / 2) = 2.
  auto h = hop(1, "a", {1, 3, std::nullopt, 5});
  EXPECT_EQ(h.sent, 4);
  EXPECT_EQ(h.received, 3);
  EXPECT_DOUBLE_EQ(h.lossPct(), 25);
  EXPECT_DOUBLE_EQ(h.best_ms, 1);
  EXPECT_DOUBLE_EQ(h.worst_ms, 5);
  EXPECT_DOUBLE_EQ(*h.last_ms, 5);
  EXPECT_DOUBLE_EQ(h.avg_ms, 3);
  EXPECT_DOUBLE_EQ(h.stdev_ms, 2);
}

TEST(TraceAnalysis, JumpThatCarriesOnIsFlaggedAtItsHop) {
  std::vector<HopStats> hops = {hop(1, "r1", {1, 1.2}), hop(2, "r2", {41, 45}), hop(3, "dst", {41.5, 42})};
  auto a = analyzeTrace(hops, true, 30);
  ASSERT_EQ(a.jumps.size(), 1u);
  EXPECT_EQ(a.jumps[0].ttl, 2);
  EXPECT_EQ(a.jumps[0].from_ttl, 1);
  EXPECT_DOUBLE_EQ(a.jumps[0].delta_ms, 40);
  EXPECT_EQ(a.notes.at(0), "+40.0 ms at hop 2 (r2) over hop 1 (r1)");
  EXPECT_TRUE(a.losses.empty());
  // Below the threshold: nothing.
  EXPECT_TRUE(analyzeTrace(hops, true, 45).jumps.empty());
}

TEST(TraceAnalysis, SlowRouterWhoseSuccessorsAreFastIsNotAJump) {
  std::vector<HopStats> hops = {hop(1, "r1", {1}), hop(2, "r2", {60}), hop(3, "dst", {2})};
  auto a = analyzeTrace(hops, true, 30);
  EXPECT_TRUE(a.jumps.empty());
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_NE(a.notes[0].find("slow ICMP generation"), std::string::npos);
}

TEST(TraceAnalysis, LossAtOneHopOnlyVsLossThatCarriesOn) {
  // Hop 1 loses 2 of 4, later hops nothing: rate limiting.
  std::vector<HopStats> rl = {hop(1, "r1", {1, std::nullopt, 1, std::nullopt}), hop(2, "r2", {2, 2, 2, 2}),
                              hop(3, "dst", {3, 3, 3, 3})};
  auto a = analyzeTrace(rl, true, 30);
  ASSERT_EQ(a.losses.size(), 1u);
  EXPECT_EQ(a.losses[0].kind, LossKind::kSingleHop);
  EXPECT_EQ(a.losses[0].ttl, 1);
  EXPECT_EQ(a.losses[0].lost, 2);
  // Loss from hop 3 through the destination; hop 1 rate-limits too, separately (hop 2 between is clean).
  std::vector<HopStats> fl = {hop(1, "r1", {1, std::nullopt, 1, 1}), hop(2, "r2", {2, 2, 2, 2}),
                              hop(3, "r3", {std::nullopt, 3, 3, 3}), hop(4, "dst", {4, std::nullopt, std::nullopt, 4})};
  auto b = analyzeTrace(fl, true, 30);
  ASSERT_EQ(b.losses.size(), 2u);
  EXPECT_EQ(b.losses[0].kind, LossKind::kSingleHop);
  EXPECT_EQ(b.losses[0].ttl, 1);
  EXPECT_EQ(b.losses[1].kind, LossKind::kCarriesToDestination);
  EXPECT_EQ(b.losses[1].ttl, 3);
  EXPECT_EQ(b.losses[1].destination_lost, 2);
  EXPECT_EQ(b.losses[1].destination_sent, 4);
  // A silent router (no ICMP at all) between answering hops is not loss.
  std::vector<HopStats> silent = {hop(1, "r1", {1}), hop(2, "", {std::nullopt, std::nullopt}), hop(3, "dst", {3, 3})};
  silent[1].addresses.clear();
  auto c = analyzeTrace(silent, true, 30);
  ASSERT_EQ(c.losses.size(), 1u);
  EXPECT_EQ(c.losses[0].kind, LossKind::kSingleHop);
  EXPECT_NE(c.notes[0].find("does not answer"), std::string::npos);
}

}  // namespace
}  // namespace vs::probe
