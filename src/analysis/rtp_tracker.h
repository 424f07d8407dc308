#pragma once
// RTP and RTCP in a capture: UDP datagrams -> RTP streams keyed by (source, destination, SSRC), the key of
// tshark's rtp,streams.
//
// A stream is tied to a call leg when its destination (or, for symmetric RTP, its source) is an address:port
// that leg's SDP advertised for an RTP m= line; that SDP's a=rtpmap gives the clock rate of dynamic payload
// types (so the jitter can be computed) and the encoding names. Datagrams to no SDP endpoint become a
// stream only through the heuristic: kHeuristicPackets packets with version 2, a plausible payload type
// (static 0..34 or dynamic 96..127), the same SSRC, sequence numbers stepping forward by 1..kMaxHeuristicStep,
// and no well-known non-RTP port (DNS, SIP, NTP, SNMP, syslog...); such streams are flagged `heuristic`.
// Endpoints an SDP gave to something else (T.38 udptl, m= port 0) never become RTP streams.
//
// RTCP compounds (parsed strictly: lengths must add up) are tied by SSRC: an SR counts for the stream that
// sends with its SSRC, a report block (SR or RR) for the stream whose SSRC it reports on.
//
// Streaming and memory: statistics per stream are constant size (proto/rtp StreamStats, per-PT counters,
// at most kMaxDtmfEventsPerStream events), so memory is bounded by AnalyzerOptions::max_active_streams
// (about 2.5 kB each) plus max_rtp_candidates pending heuristic flows (kHeuristicPackets small records
// each). Streams of a call leave with the call; unattached streams leave after rtp_stream_idle_ns of
// capture time without a packet, or at the end of the input.
#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/capture_analyzer.h"
#include "analysis/model.h"
#include "proto/pkt/packet.h"
#include "proto/rtp/stream_stats.h"

namespace vs::analysis {

inline constexpr std::size_t kHeuristicPackets = 4;
inline constexpr std::uint16_t kMaxHeuristicStep = 100;
inline constexpr std::size_t kMaxDtmfEventsPerStream = 256;
inline constexpr std::int64_t kCandidateIdleNs = 10'000'000'000;
// Wireshark's default for its rtpevent "payload type" preference: an untied stream's PT 101 is read as
// RFC 4733 events, as tshark does.
inline constexpr int kDefaultTelephoneEventPt = 101;

class RtpTracker {
 public:
  using OnStream = std::function<void(RtpStream&&)>;
  RtpTracker(const AnalyzerOptions& options, OnStream on_unattached);

  // An SDP m= line of leg `call_id` (address and port the sender of that SDP receives on).
  void media(const std::string& call_id, const MediaView& d);
  // Whether packet() would look at `p` at all: UDP with an RTP or RTCP-looking header (SIP is rejected at
  // the version check: ASCII has the top bits 01).
  static bool wants(const proto::pkt::Packet& p);
  // Every UDP datagram (anything wants() refuses is ignored).
  void packet(const proto::pkt::Packet& p, std::uint64_t frame, std::int64_t ts_ns);
  // The streams tied to a leg that is being emitted, finished; the leg's SDP endpoints (`media`: every
  // description media() was given for it) are forgotten.
  std::vector<RtpStream> takeLeg(const std::string& call_id, const MediaList& media);
  void sweep(std::int64_t now_ns);
  void finish();

  std::uint64_t rtpPackets() const { return rtp_packets_; }
  std::uint64_t rtcpPackets() const { return rtcp_packets_; }
  std::uint64_t streamsSeen() const { return streams_seen_; }
  // Whether a stream tied to a call's SDP has been sent to or from `ip`: evidence that the capture point is
  // on the media path of that host (judgeAudio()). The first kMaxRtpHosts addresses are remembered.
  static constexpr std::size_t kMaxRtpHosts = 65'536;
  bool rtpHostSeen(const proto::pkt::IpAddr& ip) const;
  bool anyRtpHost() const { return !rtp_hosts_.empty(); }
  std::uint64_t unattachedEmitted() const { return unattached_emitted_; }
  std::uint64_t streamsDropped() const { return streams_dropped_; }
  std::size_t activeStreams() const { return streams_.size(); }

 private:
  struct Key {
    Endpoint src, dst;
    std::uint32_t ssrc = 0;
    auto operator<=>(const Key&) const = default;
  };
  struct KeyHash {
    // Deliberately not noexcept: libstdc++ then stores each node's hash, so a lookup compares hashes
    // before touching the (large) stream records a bucket chain passes through.
    std::size_t operator()(const Key& k) const {
      EndpointHash h;
      return h(k.src) ^ (EndpointHash::mix(h(k.dst) + k.ssrc) << 1);
    }
  };
  struct KeyEq {
    bool operator()(const Key& a, const Key& b) const noexcept {
      EndpointEq eq;
      return a.ssrc == b.ssrc && eq(a.src, b.src) && eq(a.dst, b.dst);
    }
  };
  struct Tie {
    std::string call_id;
    bool rtp = true;  // false: the SDP gave this endpoint to non-RTP media (udptl, disabled)
    std::map<int, std::string> encodings;  // "PCMU/8000"
  };
  struct Active {
    RtpStream s;
    proto::rtp::StreamStats stats;
    std::map<int, std::string> encodings;
    std::array<std::uint32_t, 128> pt_packets{};
    // PTs whose encoding is telephone-event (RFC 4733), kept in step with s.payloads' names so a packet
    // needs no name lookup.
    std::bitset<128> pt_event;
    std::int64_t base_ns = 0, last_ns = 0;
    // findTie's answer "an SDP gave this endpoint to non-RTP media", valid while ties_version_ is unchanged.
    std::uint64_t tie_version = 0;
    bool tie_blocks = false;
  };
  struct Held {  // a packet of a heuristic candidate, replayed once the flow is accepted
    std::uint16_t seq = 0;
    std::uint32_t timestamp = 0;
    std::uint8_t pt = 0;
    bool marker = false;
    std::uint64_t frame = 0;
    std::int64_t ts_ns = 0;
    std::array<std::byte, 4> event{};
    std::size_t event_size = 0;
  };
  struct Candidate {
    std::vector<Held> held;
    std::int64_t last_ns = 0;
  };

  void add(Active& a, const Held& h);
  Active* create(const Key& k, const Tie* tie, bool heuristic);
  void tieStream(Active& a, const Tie& tie);
  void rtcp(const proto::pkt::Packet& p, std::span<const std::byte> bytes, std::uint64_t frame);
  RtpStream finalize(Active& a) const;
  void eraseIndexes(const Key& k, const Active& a);
  const Tie* findTie(const Endpoint& src, const Endpoint& dst) const;

  const AnalyzerOptions& options_;
  OnStream on_unattached_;
  std::unordered_map<Endpoint, Tie, EndpointHash, EndpointEq> ties_;
  std::uint64_t ties_version_ = 1;  // bumped whenever ties_ changes
  // mediaIp(): the last SDP media address parsed, and its value.
  const std::optional<proto::pkt::IpAddr>& mediaIp(std::string_view address);
  std::string media_address_;
  std::optional<proto::pkt::IpAddr> media_ip_;
  std::unordered_map<Key, Active, KeyHash, KeyEq> streams_;
  std::size_t untied_ = 0;  // streams with no call yet (media() looks for them only when there are some)
  std::multimap<std::uint32_t, Key> by_ssrc_;
  std::unordered_map<std::string, std::vector<Key>> by_call_;
  std::unordered_map<Key, Candidate, KeyHash, KeyEq> candidates_;
  std::int64_t last_sweep_ns_ = 0;
  std::unordered_set<Endpoint, EndpointHash, EndpointEq> rtp_hosts_;  // addresses, port 0
  std::uint64_t rtp_packets_ = 0, rtcp_packets_ = 0, streams_seen_ = 0, unattached_emitted_ = 0,
                streams_dropped_ = 0;
};

// "PCMU/8000" -> "PCMU" and 8000 (0 when missing).
std::pair<std::string, std::uint32_t> splitEncoding(std::string_view encoding);

}  // namespace vs::analysis
