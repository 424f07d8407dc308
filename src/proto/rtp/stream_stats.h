#pragma once
// Receiver-side statistics of one RTP stream (one SSRC), fed packet by packet in arrival order.
//
// Sequence accounting follows RFC 3550 appendix A.1: 16-bit sequence numbers are extended with a cycle
// count; expected = highest extended - first + 1; lost = expected - received, which goes negative when
// duplicates arrive (RFC 3550 6.4.1 and tshark's rtp,streams "Lost" both do that).
//
// Jitter is RFC 3550 6.4.1 / A.8: D = (Rj - Ri) - (Sj - Si), J += (|D| - J) / 16, with S in the payload's
// clock rate. Where RFC 3550 leaves a choice, Wireshark's tap-rtp-analysis.c is followed so the figures
// can be checked against tshark -z rtp,streams:
//  - D is taken against the last packet whose timestamp did not go backwards (a reordered packet still
//    updates J but does not become the reference);
//  - max jitter, mean jitter and max delta only count "regular" packets: not the first, not marker,
//    not comfort noise (PT 13/19) or the packet right after one, not a timestamp going backwards;
//  - mean jitter is Wireshark's running mean: sum of J over regular packets divided by the number of
//    packets before the current one (that is, by N-1 for N packets when all are regular);
//  - packets whose clock rate is unknown (dynamic PT with no setClockRate) leave J untouched.
// Memory is constant: duplicates are recognised within a window of kDuplicateWindow sequence numbers.
#include <array>
#include <cstddef>
#include <cstdint>

#include "proto/rtp/rtp.h"

namespace vs::proto::rtp {

// RFC 3550 A.1: a jump of up to this many sequence numbers is loss; a larger backward step is reordering.
inline constexpr std::uint32_t kMaxDropout = 3000;
inline constexpr std::size_t kDuplicateWindow = 1024;  // sequence numbers remembered for duplicate checks

class StreamStats {
 public:
  // Clock rate for a dynamic payload type (from SDP rtpmap); overrides the static table too.
  void setClockRate(std::uint8_t payloadType, std::uint32_t rate);
  std::uint32_t clockRate(std::uint8_t payloadType) const;

  void add(const RtpHeader& header, double arrivalSeconds);
  void add(std::uint16_t sequence, std::uint32_t timestamp, std::uint8_t payloadType, bool marker,
           double arrivalSeconds);

  std::uint64_t received() const { return received_; }  // every packet, duplicates included
  std::int64_t expected() const;
  std::int64_t lost() const { return expected() - static_cast<std::int64_t>(received_); }
  double lostFraction() const;  // lost / expected, clamped at 0 (duplicates do not make loss negative)
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t outOfOrder() const { return outOfOrder_; }  // arrived after a higher sequence number
  std::uint64_t highestExtendedSequence() const { return maxExt_; }
  std::uint32_t firstSequence() const { return static_cast<std::uint32_t>(baseExt_ & 0xFFFFU); }

  double jitterMs() const { return jitterMs_; }  // current J
  double maxJitterMs() const { return maxJitterMs_; }
  double meanJitterMs() const { return meanJitterMs_; }
  std::uint32_t jitterTimestampUnits() const;  // for an RTCP report block, at the last used clock rate
  double maxDeltaMs() const { return maxDeltaMs_; }
  double minDeltaMs() const { return minDeltaMs_ < 0 ? 0 : minDeltaMs_; }
  double meanDeltaMs() const { return meanDeltaMs_; }
  double firstArrival() const { return firstArrival_; }
  double lastArrival() const { return lastArrival_; }

 private:
  bool seenAndMark(std::uint64_t ext);

  std::array<std::uint32_t, 128> dynamicRates_{};  // index = PT; 0 = not set
  std::uint64_t received_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t outOfOrder_ = 0;
  std::uint64_t baseExt_ = 0;
  std::uint64_t maxExt_ = 0;
  std::array<std::uint64_t, kDuplicateWindow / 64> seen_{};

  // Jitter and delta, in milliseconds like Wireshark's statinfo.
  bool haveRef_ = false;
  double refTimeMs_ = 0;
  std::uint32_t refTimestamp_ = 0;
  std::uint8_t lastPt_ = 0xFF;
  std::uint32_t lastRate_ = 0;
  double jitterMs_ = 0, maxJitterMs_ = 0, meanJitterMs_ = 0;
  double maxDeltaMs_ = 0, minDeltaMs_ = -1, meanDeltaMs_ = 0;
  double firstArrival_ = 0, lastArrival_ = 0;
};

}  // namespace vs::proto::rtp
