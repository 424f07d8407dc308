#pragma once
// Terminal ladder (call flow) in the manner of sngrep: one column per host, one arrow per SIP message
// with its label above it, the time offset from the first message and the delta since the previous one
// in a left gutter, a colour per leg, retransmissions dashed, RTP streams as thick arrows plus a summary.
//
//  time          frame        alice               pbx
//                        10.0.0.1:5060      10.0.0.2:5060
//  +0.000 s                    │   INVITE (SDP)    │
//  Δ0.000        #1            ├──────────────────>│
//
// Every line fits `width` display columns: columns shrink to fit, labels and host names are truncated
// with an ellipsis, and when the hosts cannot get kMinColumnWidth each the ladder becomes a list (one
// line per message, hosts named A, B, ...). Text from the capture is sanitised: control characters
// become '?', bidi overrides and zero-width characters are dropped, invalid UTF-8 becomes U+FFFD.
#include <cstddef>
#include <string>

#include "core/result.h"
#include "render/ladder_model.h"

namespace vs::render {

struct TextLadderOptions {
  int width = 100;     // terminal columns
  bool color = false;  // ANSI colours per leg; the CLI clears it for --no-color, NO_COLOR or a non-TTY
  bool ascii = false;  // '|', '-', '>' instead of Unicode box drawing
  bool legend = true;  // the legs above the ladder
  bool streams = true; // RTP arrows and the stream summary below the ladder
};

inline constexpr int kLadderGutterWidth = 19;
inline constexpr int kMinColumnWidth = 10;
inline constexpr int kMaxColumnWidth = 40;

// Fails only when validateLadder() does.
Result<std::string> renderLadderText(const LadderModel& model, const TextLadderOptions& options);

// The ANSI SGR colour code (31..37, 91..97) of a leg's colour slot (its position in model.legs).
int legAnsiColor(int slot);

}  // namespace vs::render
