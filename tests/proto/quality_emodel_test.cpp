// E-model against figures published in ITU-T G.107 / G.113 and worked by hand from the formulas.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "proto/quality/codecs.h"
#include "proto/quality/emodel.h"
#include "proto/quality/loss_pattern.h"
#include "proto/quality/score.h"

namespace q = vs::proto::quality;

TEST(EModel, DefaultsGiveTheStandardsR) {
  const auto r = q::computeEModel(q::EModelParams{});
  // G.107: with all default values Ro = 94.77, Is = 1.41 and R = 93.2.
  EXPECT_NEAR(r.ro, 94.77, 0.005);
  EXPECT_NEAR(r.is, 1.41, 0.005);
  EXPECT_NEAR(r.r, 93.2, 0.05);
  EXPECT_NEAR(r.mos, 4.41, 0.005);
  EXPECT_EQ(r.idd, 0.0);
  EXPECT_EQ(r.idte, 0.0);  // T = 0: the (1 - e^-T) factor removes talker echo
}

TEST(EModel, IddPoints) {
  // X = log2(Ta/100). Ta = 200: X = 1, Idd = 25 * (2^(1/6) - 3 * (1 + 3^-6)^(1/6) + 2)
  //   = 25 * (1.122462 - 3.000686 + 2) = 3.0444
  EXPECT_NEAR(q::delayImpairmentIdd(200), 3.0444, 0.0005);
  // Ta = 400: X = 2, 25 * (65^(1/6) - 3 * (1 + (2/3)^6)^(1/6) + 2) = 25 * (2.00553 - 3.04238 + 2) = 24.079
  EXPECT_NEAR(q::delayImpairmentIdd(400), 24.07, 0.02);
  EXPECT_EQ(q::delayImpairmentIdd(100), 0.0);
  EXPECT_EQ(q::delayImpairmentIdd(50), 0.0);
}

TEST(EModel, IeEffPoints) {
  // G.711 with PLC (Ie 0, Bpl 25.1), 2 % random loss: 95 * 2 / (2 + 25.1) = 7.0111
  EXPECT_NEAR(q::effectiveEquipmentImpairment(0, 25.1, 2, 1), 7.0111, 0.0001);
  // G.729A (Ie 11, Bpl 19), 1 % random: 11 + 84 * 1 / 20 = 15.2
  EXPECT_NEAR(q::effectiveEquipmentImpairment(11, 19, 1, 1), 15.2, 1e-9);
  // Burstier loss hurts more: BurstR 2 -> 11 + 84 * 1 / (0.5 + 19) = 15.3077
  EXPECT_NEAR(q::effectiveEquipmentImpairment(11, 19, 1, 2), 15.3077, 0.0001);
  EXPECT_EQ(q::effectiveEquipmentImpairment(11, 19, 0, 1), 11.0);
}

TEST(EModel, LossAndDelayCombine) {
  // Zero delay: R = 93.2 - Ie,eff, since Ro, Is and Id do not depend on Ie.
  q::EModelParams p;
  p.ie = 11;
  p.bpl = 19;
  p.ppl = 1;
  EXPECT_NEAR(q::computeEModel(p).r, 93.206 - 15.2, 0.01);
  // G.729A without loss: the well-known planning figure R = 93.2 - 11 = 82.2
  p.ppl = 0;
  EXPECT_NEAR(q::computeEModel(p).r, 82.2, 0.05);
}

TEST(EModel, MosMapping) {
  EXPECT_EQ(q::mosFromR(-5), 1.0);
  EXPECT_EQ(q::mosFromR(120), 4.5);
  // R = 50: 1 + 1.75 + 50 * -10 * 50 * 7e-6 = 2.575
  EXPECT_NEAR(q::mosFromR(50), 2.575, 1e-9);
  // R = 80: 1 + 2.8 + 80 * 20 * 20 * 7e-6 = 4.024
  EXPECT_NEAR(q::mosFromR(80), 4.024, 1e-9);
}

TEST(EModel, G114Verdict) {
  EXPECT_EQ(q::g114Verdict(149.9), q::DelayVerdict::kGood);
  EXPECT_EQ(q::g114Verdict(150), q::DelayVerdict::kAcceptable);
  EXPECT_EQ(q::g114Verdict(400), q::DelayVerdict::kAcceptable);
  EXPECT_EQ(q::g114Verdict(400.1), q::DelayVerdict::kBad);
  EXPECT_STREQ(q::delayVerdictName(q::DelayVerdict::kBad), "bad");
}

TEST(Codecs, TableValuesAndAliases) {
  auto g711 = q::findCodec("G711U");
  ASSERT_TRUE(g711.has_value());
  EXPECT_EQ(g711->name, "pcmu");
  EXPECT_EQ(g711->ie, 0);
  EXPECT_EQ(g711->bpl, 25.1);
  EXPECT_EQ(q::findCodec("g711-noplc")->bpl, 4.3);
  EXPECT_EQ(q::findCodec("g729a")->ie, 11);
  EXPECT_EQ(q::findCodec("g729a")->bpl, 19.0);
  EXPECT_EQ(q::findCodec("g729a")->payloadType, 18);
  EXPECT_EQ(q::findCodec("pcma")->payloadType, 8);
  EXPECT_FALSE(q::findCodec("speex").has_value());
  for (const auto& c : q::knownCodecs()) EXPECT_FALSE(c.source.empty()) << c.name;
}

TEST(LossPattern, RunsBurstRAndDensities) {
  // 20 packets: losses at 2,3,4 (a run of 3) and at 10 (single): 4 lost, 2 runs
  std::vector<bool> f(20, false);
  f[2] = f[3] = f[4] = f[10] = true;
  bool arr[20];
  for (int i = 0; i < 20; ++i) arr[i] = f[static_cast<std::size_t>(i)];
  auto lp = q::analyzeLoss(std::span<const bool>(arr, 20));
  EXPECT_EQ(lp.lost, 4U);
  EXPECT_EQ(lp.runs, 2U);
  EXPECT_EQ(lp.longestRun, 3U);
  EXPECT_DOUBLE_EQ(lp.pplPercent, 20.0);
  // mean run 2, random runs would average 1 / (1 - 0.2) = 1.25: BurstR = 2 * 0.8 = 1.6
  EXPECT_DOUBLE_EQ(lp.burstR, 1.6);
  // Gmin 16: the 5 received between 4 and 10 do not end the burst, so it spans 2..10: 9 packets, 4 lost
  EXPECT_EQ(lp.burstPackets, 9U);
  EXPECT_NEAR(lp.burstDensity, 4.0 / 9.0, 1e-12);
  EXPECT_NEAR(lp.gapDensity, 0.0, 1e-12);
  // With Gmin 4 the gap of 5 splits them: burst 2..4 (3 of 3), the lone loss at 10 is gap loss (1 of 17)
  auto lp4 = q::analyzeLoss(std::span<const bool>(arr, 20), 4);
  EXPECT_EQ(lp4.burstPackets, 3U);
  EXPECT_DOUBLE_EQ(lp4.burstDensity, 1.0);
  EXPECT_NEAR(lp4.gapDensity, 1.0 / 17.0, 1e-12);
}

TEST(LossPattern, AlternatingLossIsNotBursty) {
  bool arr[10] = {true, false, true, false, true, false, true, false, true, false};
  auto lp = q::analyzeLoss(std::span<const bool>(arr, 10));
  EXPECT_EQ(lp.runs, 5U);
  EXPECT_EQ(lp.longestRun, 1U);
  EXPECT_DOUBLE_EQ(lp.burstR, 1.0);  // mean run 1 * 0.5 = 0.5, clamped at 1 (G.107 BurstR >= 1)
}

TEST(JitterBuffer, FixedBufferDropsLatePacketsAndAddsItsDelay) {
  const double nan = std::nan("");
  // transits: min 10; fixed 30 ms -> playout at 40: 45 is late, 40 is not, NaN is network loss
  std::vector<double> t = {10, 20, 40, 45, nan, 12};
  q::JitterBufferModel m;
  m.kind = q::JitterBufferModel::Kind::kFixed;
  m.fixedMs = 30;
  auto r = q::applyJitterBuffer(m, t, 0);
  EXPECT_EQ(r.bufferMs, 30);
  EXPECT_EQ(r.late, 1U);
  EXPECT_EQ(r.lostFlags, (std::vector<bool>{false, false, false, true, true, false}));
  EXPECT_EQ(m.describe(), "fixed 30 ms");
}

TEST(JitterBuffer, AdaptiveBufferIsAMultipleOfJitterWithinBounds) {
  std::vector<double> t = {10, 30, 50};
  q::JitterBufferModel m;  // adaptive 3x, min 10, max 300
  auto r = q::applyJitterBuffer(m, t, 12);
  EXPECT_EQ(r.bufferMs, 36);
  EXPECT_EQ(r.late, 1U);  // 50 > 10 + 36
  EXPECT_EQ(q::applyJitterBuffer(m, t, 1).bufferMs, 10);
  EXPECT_EQ(q::applyJitterBuffer(m, t, 500).bufferMs, 300);
}

TEST(Score, PutsTheRightInputsIntoG107) {
  auto codec = *q::findCodec("pcmu");
  bool arr[100] = {};
  arr[10] = arr[50] = true;  // 2 % random loss
  auto lp = q::analyzeLoss(std::span<const bool>(arr, 100));
  auto r = q::scoreStream(codec, 0, lp);
  EXPECT_NEAR(r.ieEff, 7.0111, 0.0001);
  EXPECT_NEAR(r.r, 93.206 - 7.0111, 0.01);
}
