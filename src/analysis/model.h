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
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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

// An address and port as three machine words (the struct has padding, so never hash or compare its bytes).
inline std::array<std::uint64_t, 3> endpointWords(const Endpoint& e) {
  std::array<std::uint64_t, 3> w{};
  std::memcpy(&w[0], e.ip.bytes.data(), 8);
  std::memcpy(&w[1], e.ip.bytes.data() + 8, 8);
  w[2] = static_cast<std::uint64_t>(e.port) << 1 | (e.ip.v6 ? 1U : 0U);
  return w;
}

// For unordered containers keyed by address and port (hot per-packet lookups: a map's memcmp-based
// ordering was a quarter of the RTP analysis time).
struct EndpointHash {
  static std::uint64_t mix(std::uint64_t h) {  // splitmix64's finaliser
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  }
  std::size_t operator()(const Endpoint& e) const noexcept {
    const auto w = endpointWords(e);
    return static_cast<std::size_t>(mix(w[0] ^ mix(w[1] ^ w[2])));
  }
};
// Equality in word compares (the defaulted operator== calls memcmp).
struct EndpointEq {
  bool operator()(const Endpoint& a, const Endpoint& b) const noexcept { return endpointWords(a) == endpointWords(b); }
};

struct SipMessageInfo {
  std::uint64_t frame = 0;                    // the frame that completed the message
  std::vector<std::uint64_t> segment_frames;  // earlier frames carrying its bytes (TCP segments, IP fragments)
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

// One m= line as the call tracker reads it from an SDP body, without a MediaDescription's vector and map
// (two allocations per m= line, for a value only packed and looked at): views into the body and into the
// tracker's reused lists. `encodings` is sorted by payload type, one entry per payload type, as
// MediaDescription::encodings iterates.
struct MediaView {
  std::uint64_t frame = 0;
  bool from_caller = false;
  std::string_view media, address, protocol, direction;
  std::uint16_t port = 0;
  std::span<const int> payload_types;
  std::span<const std::pair<int, std::string>> encodings;
};

// A leg's media descriptions, packed into one byte string: a held leg keeps them through its 32 s linger,
// and as MediaDescription values an offer/answer pair took about 620 bytes in five heap blocks (the
// values, and per description a payload-type vector and a map node), made on the tracking thread and
// freed on the other. Packed (numbers as LEB128 varints), a SIPp offer/answer pair is about 110 bytes in
// one block. Outputs that show media unpack them; the calls table does not.
class MediaList {
 public:
  void push_back(const MediaView& d);
  void push_back(const MediaDescription& d);
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Every description, in the order they were added.
  std::vector<MediaDescription> unpack() const;
  // fn(bool from_caller, std::string_view address, std::uint16_t port) for each description, without
  // unpacking the rest.
  template <class F>
  void forEachEnd(F&& fn) const {
    Reader r{bytes_.data()};
    for (std::size_t i = 0; i < count_; ++i) {
      r.num();  // frame
      const bool from_caller = *r.p++ != 0;
      const auto port = static_cast<std::uint16_t>(r.num());
      r.str();  // media
      const auto address = r.str();
      fn(from_caller, address, port);
      r.skipTail();
    }
  }
  // fn(std::string_view address, std::uint16_t port) for each description, without unpacking the rest.
  template <class F>
  void forEachAddress(F&& fn) const {
    Reader r{bytes_.data()};
    for (std::size_t i = 0; i < count_; ++i) {
      r.skipHead();
      const auto port = static_cast<std::uint16_t>(r.num());
      r.str();  // media
      const auto address = r.str();
      fn(address, port);
      r.skipTail();
    }
  }
  bool operator==(const MediaList& o) const { return count_ == o.count_ && bytes_ == o.bytes_; }

 private:
  // Record: frame, from_caller, port, media, address, protocol, direction, payload-type count and each
  // payload type, encoding count and each (payload type, name). Numbers and string lengths are varints;
  // payload types as zigzag varints (the model allows any int).
  struct Reader {
    const char* p;
    std::uint64_t num() {
      std::uint64_t v = 0;
      for (unsigned shift = 0;; shift += 7) {
        const auto b = static_cast<unsigned char>(*p++);
        v |= std::uint64_t{b & 0x7FU} << shift;
        if ((b & 0x80U) == 0) return v;
      }
    }
    int pt() {
      const auto z = num();
      return static_cast<int>(static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1));
    }
    std::string_view str() {
      const auto n = static_cast<std::size_t>(num());
      std::string_view v(p, n);
      p += n;
      return v;
    }
    void skipHead() {  // frame, from_caller
      num();
      ++p;
    }
    void skipTail() {  // protocol, direction, payload types, encodings
      str();
      str();
      for (auto n = num(); n > 0; --n) num();
      for (auto n = num(); n > 0; --n) {
        num();
        str();
      }
    }
  };

  std::string bytes_;
  std::uint32_t count_ = 0;
};

// One RFC 4733 telephone event (a DTMF key press): the packets sharing one RTP timestamp and event code.
struct DtmfEvent {
  char digit = '?';               // 0-9 * # A-D, '?' for other events
  int event = 0;                  // RFC 4733 event code
  std::uint32_t rtp_timestamp = 0;
  std::uint64_t first_frame = 0;
  std::int64_t start_ns = 0;      // capture time of the first packet of the event
  double duration_ms = 0;         // the largest duration field seen, at the payload's clock rate
  int volume = 0;                 // -dBm0
  std::uint32_t packets = 0, end_packets = 0;  // end_packets: packets with the E bit (sent 3 times)
};

// What the other side said about a stream in RTCP: the last report block whose SSRC is the stream's.
struct RtcpReportInfo {
  std::uint64_t reports = 0;       // report blocks (SR or RR) about this SSRC
  std::uint64_t frame = 0;         // of the last one
  double fraction_lost = 0;        // last block's fraction lost (0..1, since the reporter's previous report)
  std::int64_t cumulative_lost = 0;
  double jitter_ms = 0;            // last block's interarrival jitter converted with the stream's clock rate
  double max_jitter_ms = 0;        // over all blocks
};

// One RTP stream: packets with the same source and destination address/port and SSRC (tshark rtp,streams'
// key). Figures follow Wireshark's rtp,streams (proto/rtp/stream_stats.h).
struct RtpStream {
  Endpoint src, dst;
  std::uint32_t ssrc = 0;
  std::string call_id;       // the leg whose SDP negotiated it; empty when not tied to a call
  bool heuristic = false;    // found without SDP (version 2, plausible PT, same SSRC over a few packets)
  std::uint64_t first_frame = 0, last_frame = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  std::vector<std::pair<int, std::string>> payloads;  // PT and encoding name ("" unknown), first-seen order
  std::string codec;         // encoding of the PT with most packets, excluding CN and telephone-event
  std::uint32_t clock_rate = 0;  // of that PT, 0 when unknown (then jitter stays 0, as in tshark)
  std::uint64_t packets = 0;
  std::int64_t expected = 0, lost = 0;  // lost = expected - packets; negative with duplicates (tshark's)
  double lost_percent = 0;              // clamped at 0
  std::uint64_t duplicates = 0, out_of_order = 0;
  std::uint64_t loss_runs = 0;          // sequence gaps (a run of one or more missing packets)
  double max_delta_ms = 0, mean_delta_ms = 0;
  double mean_jitter_ms = 0, max_jitter_ms = 0;
  // Listening quality (G.107 via proto/quality), present when the codec is in the codec table. One-way delay
  // is not measurable from one capture point: the delay used is the jitter buffer's only (mos_delay_ms).
  std::optional<double> r, mos;
  double burst_r = 1;
  double mos_delay_ms = 0;
  // RTCP: sender reports sent by this SSRC, and the peer's report blocks about it.
  std::uint64_t rtcp_sr = 0, rtcp_xr = 0;
  std::optional<std::uint32_t> sr_packet_count;  // last SR's sender packet count
  std::optional<RtcpReportInfo> rtcp_report;
  std::vector<DtmfEvent> dtmf;  // capped (kMaxDtmfEventsPerStream); dtmf_not_kept counts the rest
  std::uint64_t dtmf_not_kept = 0;
};

// Which way a leg's RTP flowed, where both ways were due (see judgeAudio()); kNone: neither.
enum class AudioFlow : std::uint8_t { kBothWays, kCallerToCalleeOnly, kCalleeToCallerOnly, kNone };
// "both", "caller_to_callee_only", "callee_to_caller_only", "none"
std::string_view audioFlowName(AudioFlow f);

// A leg's REGISTERs refused and not accepted since: the final responses >= 400 to them after the last 2xx
// to a REGISTER (every one when no 2xx came), retransmissions not counted. count() 0: none, or a 2xx since.
struct RegisterRefusals {
  std::vector<std::pair<int, std::uint64_t>> by_status;  // sorted by status
  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (const auto& e : by_status) n += e.second;
    return n;
  }
  std::int64_t first_ns = 0;                             // the first of them, and its frame
  std::uint64_t first_frame = 0;
  // A 2xx came before them: the phone was registered, then refused (a password changed, an account disabled
  // or moved, a registrar that lost its users), rather than never accepted at all.
  bool after_accepted = false;
};

struct Leg {
  std::string call_id;
  std::string kind;  // "call" (has an INVITE) or "non-call:<first method>"
  std::optional<CallState> state;  // calls only
  std::string from_user, to_user, from_tag;
  std::vector<std::string> to_tags;  // sorted, distinct
  // Source and destination of the first INVITE; a leg without one has only the callee: the destination of
  // its first request (the registrar a REGISTER went to, the server an OPTIONS pinged).
  Endpoint caller, callee;
  std::uint64_t first_frame = 0, last_frame = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  std::optional<std::int64_t> invite_ns, ringing_ns, answer_ns, bye_ns;
  // Post-dial delay INVITE -> first 18x, and INVITE -> first 2xx; duration answer -> BYE (or last message).
  std::optional<double> setupRingingMs() const;
  std::optional<double> setupAnswerMs() const;
  std::optional<double> durationS() const;
  // The same in whole nanoseconds.
  std::optional<std::int64_t> setupRingingNs() const;
  std::optional<std::int64_t> setupAnswerNs() const;
  std::optional<std::int64_t> durationNs() const;
  HangupBy hangup = HangupBy::kNone;
  // The Reason header (RFC 3326: "Q.850;cause=16;text=...", "SIP;cause=200;...") of the message that
  // ended the leg, as sent: the first BYE of a completed call, the CANCEL of a cancelled one, the final
  // response of a rejected one. Empty when that message had none.
  std::string end_reason;

  std::uint64_t messages = 0;
  std::uint64_t retransmissions = 0;
  // The callee sent its 2xx to the INVITE again this many times and no ACK was seen at all: the ACK is lost
  // on the way (a NAT, firewall or proxy dropping or misrouting it), and the callee gives up after 32 s
  // (RFC 3261 Timer H), the "calls drop after 30 seconds" fault. 0 when an ACK was seen.
  std::uint32_t unacked_2xx_resends = 0;
  // Sorted by method name and by status code, each once. Lists, not maps: a leg has two to five of
  // each, and a map cost a heap node per entry to make and to free (tens of thousands of legs a file).
  std::vector<std::pair<std::string, std::uint64_t>> requests_by_method;
  std::vector<std::pair<int, std::uint64_t>> responses_by_status;
  std::vector<int> invite_final_statuses;  // every final response to an INVITE, in order
  int last_final_status = 0;               // of the last final response of any method; 0 when none
  RegisterRefusals register_refused;
  // SIP messages over UDP that travelled in IP fragments (a large INVITE: many codecs, long headers), and
  // the largest: firewalls and NATs often drop fragments, so such calls fail at random. SIP over TCP avoids it.
  std::uint32_t udp_fragmented_messages = 0, udp_fragmented_max_bytes = 0;
  std::vector<std::string> endpoints;      // sorted "ip:port" of every message's source and destination
  std::vector<Dialog> dialogs;
  MediaList media;                 // SDP m= lines, offers and answers, in order (unpack() to read them)
  std::vector<RtpStream> streams;  // RTP streams tied to this leg's SDP
  // One-way audio, the classic NAT / SIP ALG / firewall fault: set from `streams` and `media` by
  // judgeAudio() when the leg leaves the analysis; nullopt when not judged.
  std::optional<AudioFlow> audio;
  // A side whose SDP names a private media address (RFC 1918, RFC 6598 shared space, IPv6 ULA) while its
  // SIP came from a public one (the caller's INVITE source, the callee's INVITE destination): a NAT that
  // nothing fixed up, so the other end sends its RTP to an address it cannot reach unless the server uses
  // symmetric RTP. The first such address each side named; empty when none. Set by findPrivateMedia().
  std::string caller_private_media, callee_private_media;
  std::vector<SipMessageInfo> message_list;  // capped at AnalyzerOptions::max_messages_per_leg
  std::uint64_t messages_not_kept = 0;

  // Correlation values found in the leg's requests (header name -> value), used for leg linking.
  std::map<std::string, std::string> link_headers;
  std::string sdp_origin;  // "username sess-id address" of the caller's first SDP
};

// A leg is judged when both directions were due and the capture shows RTP of the call: answered and up
// for at least kAudioJudgeNs (to the BYE, else to its last message or packet), the last SDP of each side
// offering audio with a port and neither on hold (sendonly/recvonly/inactive), and at least
// kAudioMinPackets RTP packets in one direction. A direction counts when its streams carry that many:
// caller -> callee is a stream to the callee's SDP address or from the caller's (a capture either side of
// a NAT), and the other way round.
// A leg with no RTP tied to it at all is judged kNone only when `rtp_host_seen` says the capture held RTP
// (of other calls, or other ports) to or from one of the media addresses the leg's last SDP named: the
// capture point is on that host's media path. Else the capture may be of signalling only, or taken where
// this leg's media does not pass (the other side of a B2BUA), and nothing is said.
inline constexpr std::int64_t kAudioJudgeNs = 2'000'000'000;
inline constexpr std::uint64_t kAudioMinPackets = 10;
using RtpHostSeen = std::function<bool(const proto::pkt::IpAddr&)>;
std::optional<AudioFlow> judgeAudio(const Leg& leg, const RtpHostSeen& rtp_host_seen);
// RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared address space (100.64/10), IPv6 ULA (fc00::/7):
// addresses a NAT hides. Public: none of those, nor loopback, link-local or unspecified.
bool isPrivateAddress(const proto::pkt::IpAddr& ip);
bool isPublicAddress(const proto::pkt::IpAddr& ip);
// Sets leg.caller_private_media / callee_private_media from its SDP and its INVITE's addresses.
void findPrivateMedia(Leg& leg);

// What is wrong with a leg, judged from the facts above; render/ words each kind (legFindings()) and
// tallies them (CallOutcomes). Kinds in the order the output lists them:
// - kInviteUnanswered: the INVITE was sent at least twice and nothing answered at all, not even 100 Trying
//   (nothing at the callee's address and port took it: unreachable, filtered, wrong port or transport);
// - kNoAck: unacked_2xx_resends > 0;
// - kOneWayAudio: audio judged one way only;
// - kNoAudio: audio judged kNone (no RTP either way, while the capture holds other RTP of its media hosts);
// - kPoorAudio: a stream of the leg is poorStream();
// - kPrivateMedia: caller_private_media or callee_private_media set;
// - kUdpFragments: udp_fragmented_messages > 0;
// - kRegisterRefused: registerRefusals() > 0;
// - kRequestUnanswered: unansweredRequests() > 0.
enum class FindingKind : std::uint8_t {
  kInviteUnanswered,
  kNoAck,
  kOneWayAudio,
  kNoAudio,
  kPoorAudio,
  kPrivateMedia,
  kUdpFragments,
  kRegisterRefused,
  kRequestUnanswered
};
inline constexpr std::size_t kFindingKinds = 9;
std::string_view findingKindName(FindingKind k);  // "INVITE unanswered", "no ACK", "one-way audio", ...
std::string_view findingKindKey(FindingKind k);   // for JSON: "invite_unanswered", "no_ack", "one_way_audio", ...
// A set of kinds, iterated in kind order.
class FindingSet {
 public:
  void add(FindingKind k) { bits_ = static_cast<std::uint16_t>(bits_ | (1U << static_cast<unsigned>(k))); }
  void add(FindingSet other) { bits_ = static_cast<std::uint16_t>(bits_ | other.bits_); }
  bool has(FindingKind k) const { return (bits_ >> static_cast<unsigned>(k)) & 1U; }
  bool empty() const { return bits_ == 0; }
  template <class F>
  void forEach(F&& f) const {
    for (std::size_t k = 0; k < kFindingKinds; ++k) {
      if (has(static_cast<FindingKind>(k))) f(static_cast<FindingKind>(k));
    }
  }

 private:
  std::uint16_t bits_ = 0;
  static_assert(kFindingKinds <= 16, "one bit per kind");
};
FindingSet legFindingKinds(const Leg& leg);
// A stream that sounds bad: of at least kPoorMinPackets (1 s of 20 ms packets), with a listening MOS (the
// stream's G.107 figure) below kPoorMos, the "some users dissatisfied" line (R 70) the scan templates fail
// at; or, for a codec the E-model table lacks (no MOS), more than kPoorLossPercent of its packets lost.
inline constexpr std::uint64_t kPoorMinPackets = 50;
inline constexpr double kPoorMos = 3.6;
inline constexpr double kPoorLossPercent = 2.0;
bool poorStream(const RtpStream& s);
// Which way a stream of a leg goes, from the SDP each side sent: to an address:port the callee's SDP named
// or from one the caller's named is caller -> callee (either end: a capture on either side of a NAT), and
// the other way round; kUnknown when neither (or both) say.
enum class StreamDirection : std::uint8_t { kCallerToCallee, kCalleeToCaller, kUnknown };
StreamDirection streamDirection(const Leg& leg, const RtpStream& s);
// How many times the INVITE was sent when nothing answered it at all (kInviteUnanswered); 0 when something
// answered, it was sent once, or the leg has no INVITE.
std::uint64_t unansweredInvites(const Leg& leg);
// A registration that fails: a leg without an INVITE whose REGISTERs got at least two final responses
// >= 400 with no 2xx after them (one 401 is the usual challenge before the credentials; a second means they
// were refused), whether none was ever accepted or a 2xx came before (Leg::register_refused.after_accepted).
// Returns those refusals; 0 otherwise.
std::uint64_t registerRefusals(const Leg& leg);
// Requests nothing answered: a leg without an INVITE whose requests (ACK aside: it has no response) were
// sent at least twice, retransmissions included, and got no response at all, not even an error: nothing
// at the destination of its first request (Leg::callee) took them (the registrar or server unreachable,
// filtered, or on another port or transport). Returns how many were sent; 0 otherwise.
std::uint64_t unansweredRequests(const Leg& leg);

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
// The kinds of finding any of its legs has.
FindingSet callFindingKinds(const Call& call);

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
  std::uint64_t rtp_packets = 0, rtcp_packets = 0, rtp_streams = 0, rtp_streams_unattached = 0;
  std::uint64_t rtp_streams_dropped = 0;  // not tracked: the stream table was full (max_active_streams)
};

}  // namespace vs::analysis
