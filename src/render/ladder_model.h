#pragma once
// The input of the ladder renderers (ladder_text.h, ladder_html.h): plain data, no dependency on analysis/.
// An adapter turns the capture analysis (calls, legs, dialogs, RTP streams) into this; tests and
// `voipscope flow --model-json` build it by hand. Everything textual here came off the wire and is
// untrusted: the renderers sanitise it for the terminal and escape it for HTML, the caller only redacts.
//
// Columns are drawn in `participants` order; sortByFirstAppearance() gives the usual order (the host
// that sent the first message leftmost). Times are microseconds on any fixed origin (usually the Unix
// epoch); the renderers print offsets from the first event (or the first stream, if it starts earlier)
// and deltas between events.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace vs::render {

struct LadderParticipant {
  std::string host;  // "ip:port", "[v6]:port" or "ip"
  std::string name;  // optional display name ("PBX", "carrier"); "" = none
};

struct LadderEvent {  // one SIP message as captured
  std::int64_t time_us = 0;
  std::size_t src = 0;  // index into participants
  std::size_t dst = 0;
  std::string label;    // "INVITE (SDP)", "180 Ringing", "200 OK"
  int leg = 0;          // LadderLeg::index of the leg it belongs to
  std::string call_id;
  std::string message;  // full message text for the HTML side panel, already redacted by the caller
  std::uint64_t frame = 0;  // frame number in the capture (1-based as in Wireshark), 0 = unknown
  std::string transport;    // optional: "UDP", "TCP", "TLS", "WS", ...
  bool retransmission = false;
};

struct LadderLeg {
  int index = 0;  // what LadderEvent::leg refers to; legs are drawn (and coloured) in vector order
  std::string call_id;
  std::string from;   // From header value (display name and URI)
  std::string to;
  std::string state;  // "answered", "cancelled", "486 Busy Here", ...
  // Why this leg belongs to the same call as the first one ("same Call-ID", "X-CID header",
  // "B2BUA: matching From/To and SDP"); empty for the first leg. Confidence 0..1.
  std::string link_reason;
  double link_confidence = 1.0;
  std::string end_reason;  // the Reason header of the message that ended the leg ("Q.850;cause=16"), if any
  std::vector<std::string> findings;  // what is wrong with its media ("one-way audio: ..."), shown under it
};

struct LadderStream {  // one RTP stream (one direction, one SSRC)
  std::size_t src = 0;  // participant indices: the columns it is drawn between
  std::size_t dst = 0;
  std::string src_addr;  // optional media address "10.0.0.1:40000" when it differs from the column host
  std::string dst_addr;
  std::uint32_t ssrc = 0;
  std::string codec;  // "PCMA", "opus", ...
  std::uint64_t packets = 0;
  std::uint64_t lost = 0;
  double jitter_max_ms = 0;
  double jitter_mean_ms = 0;
  std::optional<double> mos;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  int leg = -1;  // LadderLeg::index it belongs to, -1 = unknown (drawn neutral)
};

struct LadderModel {
  std::string title;  // optional: "Call from +4930... at ..."
  std::vector<LadderParticipant> participants;
  std::vector<LadderEvent> events;  // in capture order
  std::vector<LadderLeg> legs;
  std::vector<LadderStream> streams;
};

// Participant/leg references in range, unique leg indices, events in time order. Errors name the item:
// "events[3].dst: participant 7 out of range (3 participants)".
VoidResult validateLadder(const LadderModel& model);

// Reorders participants so the sender of the first message is leftmost, then each host in the order it
// first sends or receives; hosts never seen keep their relative order at the right. Remaps indices.
void sortByFirstAppearance(LadderModel& model);

// For callers without transaction matching: flags a message whose exact text was already sent from the
// same source to the same destination as a retransmission. Returns how many were flagged.
std::size_t markRepeatedAsRetransmissions(LadderModel& model);

// Position of `leg_index` in model.legs (the colour slot), or -1.
int legSlot(const LadderModel& model, int leg_index);

// "+1.234 s" from microseconds; "+0.000 s" for 0. Negative offsets get "-".
std::string formatOffset(std::int64_t us);
// Same without the unit, for deltas: "0.012".
std::string formatSeconds(std::int64_t us);

}  // namespace vs::render
