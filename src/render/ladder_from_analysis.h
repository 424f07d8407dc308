#pragma once
// Adapter: one analysed call (analysis/model.h) -> the ladder renderers' plain model (ladder_model.h).
// Columns are the SIP endpoints ("ip:port") in order of first appearance, one LadderLeg per leg with the
// link reason that tied it to the call, one LadderEvent per kept SIP message.
#include <string>

#include "analysis/model.h"
#include "render/ladder_model.h"

namespace vs::render {

// "INVITE (SDP)", "180 Ringing", "200 OK (SDP)", "ACK". Retransmissions are flagged on the event (drawn
// dashed), not in the label.
std::string ladderLabel(const analysis::SipMessageInfo& m);

struct LadderFromAnalysisOptions {
  // Without measured streams, draw the media SDP negotiated. Off by default: the renderers print packet,
  // loss and jitter figures for every stream, and SDP has none (they would read "0 packets, 0 % loss").
  bool sdp_placeholder_streams = false;
};

// The whole adapter. Message text is copied as the analysis kept it (redacted or not, empty unless the
// analyzer ran with keep_message_text).
LadderModel ladderFromCall(const analysis::Call& call, const LadderFromAnalysisOptions& options = {});

// The one place RTP becomes ladder streams: every measured stream of every leg (analysis::Leg::streams,
// tshark rtp,streams figures) between the columns of its media addresses, coloured by its leg. Only when
// the call has none and sdp_placeholders is set, the media SDP negotiated is drawn instead (per leg, the
// caller's first audio offer and the callee's first answer, one stream each way, packets 0, no MOS).
void addLadderStreams(const analysis::Call& call, LadderModel& model, bool sdp_placeholders);

}  // namespace vs::render
