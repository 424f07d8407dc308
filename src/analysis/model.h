#pragma once
// The capture analysis output model, shared by `voipscope calls`, the ladder renderer, a later scan
// check and the dashboard. Plain values (no views into packet buffers): a finished Call is self-contained
// and can be kept, serialised or dropped.
//
//   Call  — one end-to-end call: one or more legs linked together (LegLink says why and how sure).
//   Leg   — the SIP messages sharing one Call-ID (the unit tshark's VoIP calls and sngrep show).
//   Dialog— inside a leg, one (From-tag, To-tag) pair; a forked INVITE gives several dialogs in one leg.
//   SipMessageInfo — one SIP message with frame number, capture time and addresses (a ladder row).
//
// Times are nanoseconds since the Unix epoch (capture timestamps). Frame numbers count from 1 like
// Wireshark. Digest credentials are redacted in every string here unless the analyzer was told not to.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proto/pkt/packet.h"

namespace vs::analysis {

// How the SIP message travelled. kTls: seen, but encrypted (never decoded).
enum class SipTransport : std::uint8_t { kUdp, kTcp, kSctp, kWebSocket, kTls };
std::string_view sipTransportName(SipTransport t);

struct Endpoint {
  proto::pkt::IpAddr ip;
  std::uint16_t port = 0;
  std::string toString() const;  // "192.0.2.1:5060", "[2001:db8::1]:5060"
  auto operator<=>(const Endpoint&) const = default;
};

struct SipMessageInfo {
  std::uint64_t frame = 0;
  std::int64_t ts_ns = 0;
  Endpoint src, dst;
  SipTransport transport = SipTransport::kUdp;
  bool request = false;
  std::string method;      // requests
  int status = 0;          // responses
  std::string reason;      // responses: reason phrase
  std::uint32_t cseq = 0;
  std::string cseq_method;
  std::string from_user, to_user, from_tag, to_tag;
  bool retransmission = false;  // same message (transaction, direction, hop) seen before in this leg
  bool has_sdp = false;
  std::string text;  // whole message, redacted; filled only with AnalyzerOptions::keep_message_text
};

// Per-leg state, the same terms and rules as the reference figures (corpus README):
// BYE seen and an INVITE answered 2xx -> COMPLETED; answered -> IN_CALL; CANCEL seen -> CANCELLED;
// last INVITE final response >= 300 -> REJECTED; otherwise CALL_SETUP.
enum class CallState : std::uint8_t { kCallSetup, kInCall, kCompleted, kCancelled, kRejected };
std::string_view callStateName(CallState s);

enum class HangupBy : std::uint8_t { kNone, kCaller, kCallee };
std::string_view hangupName(HangupBy h);

struct Dialog {
  std::string from_tag, to_tag;
  std::uint64_t first_frame = 0;
  std::optional<int> final_status;  // of the INVITE that created it
};

struct MediaDescription {  // one m= line of an SDP body, as offered/answered by one side
  std::uint64_t frame = 0;
  bool from_caller = false;   // the SDP was sent by the leg's caller
  std::string media;          // "audio", "image"
  std::string address;        // c= (media level, else session level)
  std::uint16_t port = 0;
  std::string protocol;       // "RTP/AVP", "udptl"
  std::vector<int> payload_types;
  std::map<int, std::string> encodings;  // payload type -> "PCMU/8000"
  std::string direction;      // sendrecv / sendonly / recvonly / inactive
};

struct Leg {
  std::string call_id;
  std::string kind;  // "call" (has an INVITE) or "non-call:<first method>"
  std::optional<CallState> state;  // calls only
  std::string from_user, to_user, from_tag;
  std::vector<std::string> to_tags;  // sorted, distinct
  Endpoint caller, callee;           // source and destination of the first INVITE
  std::uint64_t first_frame = 0, last_frame = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  std::optional<std::int64_t> invite_ns, ringing_ns, answer_ns, bye_ns;
  // Post-dial delay INVITE -> first 18x, and INVITE -> first 2xx; duration answer -> BYE (or last message).
  std::optional<double> setupRingingMs() const;
  std::optional<double> setupAnswerMs() const;
  std::optional<double> durationS() const;
  HangupBy hangup = HangupBy::kNone;

  std::uint64_t messages = 0;
  std::uint64_t retransmissions = 0;
  std::map<std::string, std::uint64_t> requests_by_method;
  std::map<int, std::uint64_t> responses_by_status;
  std::vector<int> invite_final_statuses;  // every final response to an INVITE, in order
  std::vector<std::string> endpoints;      // sorted "ip:port" of every message's source and destination
  std::vector<Dialog> dialogs;
  std::vector<MediaDescription> media;
  std::vector<SipMessageInfo> message_list;  // capped at AnalyzerOptions::max_messages_per_leg
  std::uint64_t messages_not_kept = 0;

  // Correlation values found in the leg's requests (header name -> value), used for leg linking.
  std::map<std::string, std::string> link_headers;
  std::string sdp_origin;  // "username sess-id address" of the caller's first SDP
};

enum class LinkConfidence : std::uint8_t { kHigh, kMedium, kLow };
std::string_view confidenceName(LinkConfidence c);

struct LegLink {
  std::size_t from = 0, to = 0;  // indices into Call::legs
  std::string reason;            // "X-CID header names Call-ID abc", "same Session-ID uuid ...", ...
  LinkConfidence confidence = LinkConfidence::kHigh;
};

struct Call {
  std::uint64_t id = 0;  // order of first appearance in the capture, from 1
  std::vector<Leg> legs;  // in order of their first message
  std::vector<LegLink> links;
  bool isCall() const { return !legs.empty() && legs.front().kind == "call"; }
  // The first leg's state: what the caller experienced.
  std::optional<CallState> state() const { return legs.empty() ? std::nullopt : legs.front().state; }
};

struct Malformed {
  std::uint64_t frame = 0;
  std::string reason;
};

struct SipStats {
  std::uint64_t messages = 0, requests = 0, responses = 0, retransmissions = 0;
  std::map<std::string, std::uint64_t> requests_by_method;
  std::map<int, std::uint64_t> responses_by_status;
  std::map<std::string, std::uint64_t> messages_by_transport;
  std::uint64_t distinct_call_ids = 0;
  std::uint64_t frames_with_sip = 0;
};

struct CaptureStats {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::int64_t first_ns = 0, last_ns = 0;
  std::uint64_t ipv4 = 0, ipv6 = 0, udp = 0, tcp = 0, sctp = 0, not_ip = 0;
  std::uint64_t ipv4_fragments = 0, ipv6_fragments = 0, reassembled = 0, tunnelled = 0, vlan_tagged = 0;
  std::uint64_t tcp_retransmitted_bytes = 0, tcp_gaps = 0;
  std::uint64_t tls_streams = 0, tls_bytes = 0;  // encrypted SIP (or other TLS): counted, not decoded
  std::uint64_t websocket_frames = 0;
  std::uint64_t malformed = 0;           // frames or messages that could not be decoded
  std::vector<Malformed> malformed_list;  // the first AnalyzerOptions::max_malformed_kept of them
  SipStats sip;
  std::uint64_t calls = 0, legs = 0;
};

}  // namespace vs::analysis
