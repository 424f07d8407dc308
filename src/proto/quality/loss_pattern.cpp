#include "proto/quality/loss_pattern.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace vs::proto::quality {

LossPattern lossFromCounts(std::uint64_t packets, std::uint64_t lost, std::uint64_t runs) {
  LossPattern lp;
  lp.packets = packets;
  lp.lost = std::min(lost, packets);
  lp.runs = lp.lost == 0 ? 0 : std::clamp<std::uint64_t>(runs, 1, lp.lost);
  if (lp.packets == 0 || lp.lost == 0) return lp;
  const double ppl = static_cast<double>(lp.lost) / static_cast<double>(lp.packets);
  lp.pplPercent = ppl * 100;
  const double meanRun = static_cast<double>(lp.lost) / static_cast<double>(lp.runs);
  lp.burstR = lp.lost == lp.packets ? meanRun : std::max(1.0, meanRun * (1 - ppl));
  return lp;
}

LossPattern analyzeLoss(std::span<const bool> lostFlags, std::uint32_t gmin) {
  LossPattern lp;
  lp.packets = lostFlags.size();
  std::uint64_t run = 0;
  for (bool l : lostFlags) {
    if (l) {
      ++lp.lost;
      if (run++ == 0) ++lp.runs;
      lp.longestRun = std::max(lp.longestRun, run);
    } else {
      run = 0;
    }
  }
  if (lp.packets == 0 || lp.lost == 0) return lp;
  {
    const auto fromCounts = lossFromCounts(lp.packets, lp.lost, lp.runs);
    lp.pplPercent = fromCounts.pplPercent;
    lp.burstR = fromCounts.burstR;
  }

  // RFC 3611 4.7.2: walk the losses; a gap of >= gmin received packets between two losses ends a burst.
  std::uint64_t burstLost = 0;
  std::size_t burstStart = 0, lastLoss = 0;
  bool inBurst = false;
  std::uint64_t lostInThis = 0;
  for (std::size_t i = 0; i < lostFlags.size(); ++i) {
    if (!lostFlags[i]) continue;
    if (inBurst && i - lastLoss - 1 >= gmin) {
      // close the previous one; a lone loss separated by long gaps is not a burst (it counts as gap loss)
      if (lostInThis > 1) {
        lp.burstPackets += lastLoss - burstStart + 1;
        burstLost += lostInThis;
      }
      inBurst = false;
    }
    if (!inBurst) {
      inBurst = true;
      burstStart = i;
      lostInThis = 0;
    }
    ++lostInThis;
    lastLoss = i;
  }
  if (inBurst && lostInThis > 1) {
    lp.burstPackets += lastLoss - burstStart + 1;
    burstLost += lostInThis;
  }
  if (lp.burstPackets > 0) lp.burstDensity = static_cast<double>(burstLost) / static_cast<double>(lp.burstPackets);
  const auto gapPackets = lp.packets - lp.burstPackets;
  if (gapPackets > 0) lp.gapDensity = static_cast<double>(lp.lost - burstLost) / static_cast<double>(gapPackets);
  return lp;
}

std::string JitterBufferModel::describe() const {
  if (kind == Kind::kFixed) return fmt::format("fixed {:g} ms", fixedMs);
  return fmt::format("adaptive {:g} x jitter (min {:g}, max {:g} ms)", adaptiveFactor, adaptiveMinMs, adaptiveMaxMs);
}

PlayoutResult applyJitterBuffer(const JitterBufferModel& model, std::span<const double> transitMs, double jitterMs) {
  PlayoutResult out;
  out.lostFlags.resize(transitMs.size(), true);
  double minTransit = std::numeric_limits<double>::infinity();
  for (double t : transitMs) {
    if (!std::isnan(t)) minTransit = std::min(minTransit, t);
  }
  out.bufferMs = model.kind == JitterBufferModel::Kind::kFixed
                     ? model.fixedMs
                     : std::clamp(model.adaptiveFactor * jitterMs, model.adaptiveMinMs, model.adaptiveMaxMs);
  for (std::size_t i = 0; i < transitMs.size(); ++i) {
    const double t = transitMs[i];
    if (std::isnan(t)) continue;
    if (t > minTransit + out.bufferMs) {
      ++out.late;
    } else {
      out.lostFlags[i] = false;
    }
  }
  return out;
}

}  // namespace vs::proto::quality
