#pragma once
// What the E-model needs from a packet stream beyond the codec: how much was lost (after the jitter
// buffer) and how bursty the loss was, plus the delay the jitter buffer adds.
//
// BurstR (G.107 clause 7.4): the ratio of the mean observed loss-run length to the mean run length random
// loss at the same rate would give, 1 / (1 - Ppl). For a two-state Markov (Gilbert) model with
// p = P(loss | previous received) and q = P(received | previous lost), that is
// BurstR = (1/q) * (1 - Ppl) = 1 / (p + q). We estimate it from counts: mean run length = lost / runs.
//
// Burst and gap density follow RFC 3611 section 4.7.2 with Gmin = 16: a burst is a stretch that starts
// and ends with a loss and contains no run of Gmin or more received packets.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vs::proto::quality {

inline constexpr std::uint32_t kDefaultGmin = 16;

struct LossPattern {
  std::uint64_t packets = 0;
  std::uint64_t lost = 0;
  std::uint64_t runs = 0;        // maximal runs of consecutive losses
  std::uint64_t longestRun = 0;
  double pplPercent = 0;         // lost / packets * 100
  double burstR = 1;             // 1 for no loss or random loss
  double burstDensity = 0;       // RFC 3611: lost / packets within bursts (0..1)
  double gapDensity = 0;         // lost / packets within gaps (0..1)
  std::uint64_t burstPackets = 0;  // packets (lost or not) inside bursts
};

// Ppl and BurstR from counts alone (packets expected, lost, maximal loss runs), for a receiver that keeps
// counters instead of a flag per packet (a long capture). Burst/gap density need the flags: left 0.
LossPattern lossFromCounts(std::uint64_t packets, std::uint64_t lost, std::uint64_t runs);

// lostFlags[i] is true when packet i (in sending order) did not make it (or arrived too late to play).
LossPattern analyzeLoss(std::span<const bool> lostFlags, std::uint32_t gmin = kDefaultGmin);

struct JitterBufferModel {
  enum class Kind : std::uint8_t { kFixed, kAdaptive };
  Kind kind = Kind::kAdaptive;
  double fixedMs = 60;           // fixed: playout this long after the earliest possible arrival
  // Adaptive: buffer = factor * RFC 3550 jitter, clamped; 3x sits in the 2-4x range real adaptive
  // buffers settle to (it covers the transit spread of a roughly normal delay variation most of the time).
  double adaptiveFactor = 3;
  double adaptiveMinMs = 10;
  double adaptiveMaxMs = 300;

  std::string describe() const;  // "fixed 60 ms" / "adaptive 3 x jitter (min 10, max 300 ms)"
};

struct PlayoutResult {
  double bufferMs = 0;           // added to the one-way delay
  std::uint64_t late = 0;        // arrived, but after their playout time: count as lost
  std::vector<bool> lostFlags;   // network loss or late, per packet in sending order
};

// transitMs[i]: arrival minus send time of packet i on any consistent clock pair (an unknown constant
// offset cancels out), NaN when the packet never arrived. The playout point is the smallest transit plus
// the buffer: a packet later than that is late. jitterMs (RFC 3550 J) sizes the adaptive buffer.
PlayoutResult applyJitterBuffer(const JitterBufferModel& model, std::span<const double> transitMs, double jitterMs);

}  // namespace vs::proto::quality
