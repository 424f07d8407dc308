#pragma once
// The ladder model as JSON, for `voipscope flow --model-json` (a debugging aid and the browser test's
// input) and for hand-written teaching examples. Format (docs/ladder.md):
//   {"title": "...",
//    "participants": [{"host": "10.0.0.1:5060", "name": "alice"}, ...],
//    "legs":   [{"index": 0, "call_id": "...", "from": "...", "to": "...", "state": "...",
//              "end_reason": "", "link_reason": "", "link_confidence": 1.0}, ...],
//    "events": [{"time": 1700000000.123, "src": 0, "dst": "10.0.0.2:5060", "label": "INVITE (SDP)",
//              "leg": 0, "call_id": "...", "message": "INVITE sip:...", "frame": 1, "transport": "UDP",
//              "retransmission": false}, ...],
//    "streams": [{"src": 0, "dst": 1, "src_addr": "...", "dst_addr": "...", "ssrc": 439041101,
//              "codec": "PCMA", "packets": 497, "lost": 3, "jitter_max_ms": 3.25, "jitter_mean_ms": 1.5,
//              "mos": 4.21, "start": 1700000004.01, "end": 1700000014.01, "leg": 0}, ...]}
// Times are seconds (fractions to the microsecond). src/dst are a participant index or its host string.
// Only participants[].host and events[].time/src/dst/label are required; without "legs", one leg per
// distinct events[].leg is made up. The result is validated (validateLadder).
#include <cstddef>
#include <string_view>

#include "core/result.h"
#include "render/ladder_model.h"

namespace vs::render {

inline constexpr std::size_t kMaxLadderJsonBytes = 256u << 20;

// Errors name the field: "events[2].src: no participant with host '10.9.9.9'".
Result<LadderModel> ladderModelFromJson(std::string_view text);

}  // namespace vs::render
