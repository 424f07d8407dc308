#pragma once
// One call for the common case: a codec, a mouth-to-ear one-way delay and a loss pattern -> R and MOS,
// everything else at G.107 defaults.
#include "proto/quality/codecs.h"
#include "proto/quality/emodel.h"
#include "proto/quality/loss_pattern.h"

namespace vs::proto::quality {

inline EModelResult scoreStream(const CodecImpairment& codec, double oneWayMs, const LossPattern& loss) {
  EModelParams p;
  p.setOneWayDelay(oneWayMs);
  p.ie = codec.ie;
  p.bpl = codec.bpl;
  p.ppl = loss.pplPercent;
  p.burstR = loss.burstR;
  return computeEModel(p);
}

}  // namespace vs::proto::quality
