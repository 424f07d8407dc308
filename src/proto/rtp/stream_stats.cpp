#include "proto/rtp/stream_stats.h"

#include <cmath>

namespace vs::proto::rtp {
namespace {

constexpr std::uint64_t kSeqMod = 65536;

bool isComfortNoise(std::uint8_t pt) { return pt == 13 || pt == 19; }  // 19 is the pre-RFC 3389 CN

}  // namespace

void StreamStats::setClockRate(std::uint8_t payloadType, std::uint32_t rate) {
  if (payloadType < dynamicRates_.size()) dynamicRates_[payloadType] = rate;
}

std::uint32_t StreamStats::clockRate(std::uint8_t payloadType) const {
  if (payloadType < dynamicRates_.size() && dynamicRates_[payloadType] != 0) return dynamicRates_[payloadType];
  return staticClockRate(payloadType);
}

void StreamStats::add(const RtpHeader& header, double arrivalSeconds) {
  add(header.sequence, header.timestamp, header.payloadType, header.marker, arrivalSeconds);
}

std::int64_t StreamStats::expected() const {
  return received_ == 0 ? 0 : static_cast<std::int64_t>(maxExt_ - baseExt_ + 1);
}

double StreamStats::lostFraction() const {
  const auto e = expected();
  const auto l = lost();
  return e <= 0 || l <= 0 ? 0.0 : static_cast<double>(l) / static_cast<double>(e);
}

std::uint32_t StreamStats::jitterTimestampUnits() const {
  return static_cast<std::uint32_t>(std::lround(jitterMs_ * lastRate_ / 1000.0));
}

bool StreamStats::seenAndMark(std::uint64_t ext) {
  const std::size_t slot = static_cast<std::size_t>(ext % kDuplicateWindow);
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  auto& word = seen_[slot / 64];
  const bool was = (word & bit) != 0;
  word |= bit;
  return was;
}

void StreamStats::add(std::uint16_t sequence, std::uint32_t timestamp, std::uint8_t payloadType, bool marker,
                      double arrivalSeconds) {
  const double nowMs = arrivalSeconds * 1000.0;
  const bool first = received_ == 0;

  // --- sequence numbers (RFC 3550 A.1, without the probation and resync rules: a receiver report over
  // a whole capture or probe run wants every packet counted, as tshark does).
  if (first) {
    baseExt_ = maxExt_ = kSeqMod + sequence;  // start one cycle up so a late packet before it stays >= 0
    firstArrival_ = arrivalSeconds;
    seenAndMark(maxExt_);
  } else {
    const auto maxSeq = static_cast<std::uint16_t>(maxExt_ & 0xFFFFU);
    const auto udelta = static_cast<std::uint16_t>(sequence - maxSeq);
    std::uint64_t ext;
    if (udelta == 0) {
      ext = maxExt_;
    } else if (udelta < kMaxDropout) {  // forward, possibly wrapping
      ext = maxExt_ + udelta;
      // Clear the duplicate bits of the numbers we skip over or reach: they belong to the previous lap.
      const std::uint64_t span = udelta >= kDuplicateWindow ? kDuplicateWindow : udelta;
      for (std::uint64_t s = ext - span + 1; s <= ext; ++s) {
        const std::size_t slot = static_cast<std::size_t>(s % kDuplicateWindow);
        seen_[slot / 64] &= ~(std::uint64_t{1} << (slot % 64));
      }
      maxExt_ = ext;
    } else {  // behind the highest: late, duplicate, or a restart we treat as very late
      const std::uint64_t back = kSeqMod - udelta;
      ext = maxExt_ >= back ? maxExt_ - back : 0;
    }
    if (ext < baseExt_) {
      // Older than the first packet: the range grows downwards (expected counts it, as in A.1's base_seq).
      baseExt_ = ext;
    }
    const bool inWindow = maxExt_ - ext < kDuplicateWindow;
    if (inWindow && seenAndMark(ext)) {
      ++duplicates_;
    } else if (ext < maxExt_) {
      ++outOfOrder_;
    }
  }
  ++received_;
  lastArrival_ = arrivalSeconds;

  // --- jitter and delta, Wireshark's way (see the header).
  const bool inTimeSequence = !haveRef_ || static_cast<std::int32_t>(timestamp - refTimestamp_) >= 0;
  const std::uint32_t rate = clockRate(payloadType);
  const bool followsCn = isComfortNoise(lastPt_);
  double delta = 0;
  double currentJitter = jitterMs_;
  if (!first) {
    delta = nowMs - refTimeMs_;
    if (rate != 0) {
      const double nominalMs =
          static_cast<double>(static_cast<std::int32_t>(timestamp - refTimestamp_)) / (rate / 1000.0);
      const double diff = std::fabs(nowMs - (refTimeMs_ + nominalMs));
      currentJitter = (15 * jitterMs_ + diff) / 16;
      jitterMs_ = currentJitter;
      lastRate_ = rate;
    }
  }
  const bool regular = !first && !marker && !isComfortNoise(payloadType) && inTimeSequence && !followsCn;
  if (regular) {
    const double before = static_cast<double>(received_ - 1);  // Wireshark's total_nr for this packet
    maxDeltaMs_ = std::max(maxDeltaMs_, delta);
    minDeltaMs_ = minDeltaMs_ < 0 ? delta : std::min(minDeltaMs_, delta);
    meanDeltaMs_ = (meanDeltaMs_ * (before - 1) + delta) / before;
    if (rate != 0) {
      maxJitterMs_ = std::max(maxJitterMs_, jitterMs_);
      meanJitterMs_ = (meanJitterMs_ * (before - 1) + currentJitter) / before;
    }
  }
  lastPt_ = payloadType;
  if (inTimeSequence) {
    haveRef_ = true;
    refTimeMs_ = nowMs;
    refTimestamp_ = timestamp;
  }
}

}  // namespace vs::proto::rtp
