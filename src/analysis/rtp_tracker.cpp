#include "analysis/rtp_tracker.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "proto/quality/score.h"
#include "proto/rtp/rtcp.h"
#include "proto/rtp/rtp.h"

namespace vs::analysis {
namespace {

namespace rtp = proto::rtp;

bool plausiblePt(std::uint8_t pt) { return pt <= 34 || pt >= 96; }

// Ports whose traffic is something else even when its first byte happens to read as RTP version 2.
bool wellKnownNonRtp(std::uint16_t port) {
  switch (port) {
    case 53: case 67: case 68: case 69: case 123: case 137: case 138: case 161: case 162: case 500:
    case 514: case 1812: case 1813: case 1900: case 3478: case 4500: case 5060: case 5061: case 5353:
      return true;
    default:
      return false;
  }
}

bool isComfortNoise(int pt, std::string_view name) { return pt == 13 || pt == 19 || name == "CN"; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::pair<std::string, std::uint32_t> splitEncoding(std::string_view encoding) {
  auto slash = encoding.find('/');
  std::string name(encoding.substr(0, slash));
  std::uint32_t rate = 0;
  if (slash != std::string_view::npos) {
    auto r = encoding.substr(slash + 1);
    auto end = r.find('/');
    r = r.substr(0, end);
    std::from_chars(r.data(), r.data() + r.size(), rate);
  }
  return {name, rate};
}

RtpTracker::RtpTracker(const AnalyzerOptions& options, OnStream on_unattached)
    : options_(options), on_unattached_(std::move(on_unattached)) {}

const std::optional<proto::pkt::IpAddr>& RtpTracker::mediaIp(std::string_view address) {
  // Most SDP bodies of a capture name one of a few media addresses: the last one parsed is kept. The
  // empty start matches its value too: "" parses to nothing.
  if (address != media_address_) {
    media_address_.assign(address);
    media_ip_ = proto::pkt::IpAddr::parse(address);
  }
  return media_ip_;
}

void RtpTracker::media(const std::string& call_id, const MediaView& d) {
  if (d.port == 0) return;
  const auto& ip = mediaIp(d.address);
  if (!ip) return;
  Endpoint ep{*ip, d.port};
  // Overwritten in place: a UA that offers the same address and port in every call (SIPp does) keeps
  // one entry whose string and map nodes are reused, instead of a new tie built and moved in per SDP.
  auto& stored = ties_[ep];
  stored.call_id = call_id;
  stored.rtp = d.protocol.find("RTP") != std::string::npos;
  // Assigned only when different: a UA offers the same codecs call after call.
  const auto same = [](const auto& x, const auto& y) { return x.first == y.first && x.second == y.second; };
  if (!std::equal(stored.encodings.begin(), stored.encodings.end(), d.encodings.begin(), d.encodings.end(), same)) {
    stored.encodings.clear();
    for (const auto& [pt, enc] : d.encodings) stored.encodings.emplace_hint(stored.encodings.end(), pt, enc);
  }
  ++ties_version_;
  // A stream that started before this SDP was seen (early media, or the heuristic got there first).
  if (!stored.rtp || untied_ == 0) return;
  for (auto& [k, a] : streams_) {
    if (a.s.call_id.empty() && (k.dst == ep || k.src == ep)) tieStream(a, stored);
  }
}

const RtpTracker::Tie* RtpTracker::findTie(const Endpoint& src, const Endpoint& dst) const {
  if (auto it = ties_.find(dst); it != ties_.end()) return &it->second;
  if (auto it = ties_.find(src); it != ties_.end()) return &it->second;  // symmetric RTP
  return nullptr;
}

void RtpTracker::tieStream(Active& a, const Tie& tie) {
  if (a.s.call_id.empty() && untied_ > 0) --untied_;
  for (const auto& ip : {a.s.src.ip, a.s.dst.ip}) {
    if (rtp_hosts_.size() < kMaxRtpHosts) rtp_hosts_.insert(Endpoint{ip, 0});
  }
  a.s.call_id = tie.call_id;
  a.encodings = tie.encodings;
  for (const auto& [pt, enc] : tie.encodings) {
    auto [name, rate] = splitEncoding(enc);
    if (pt >= 0 && pt < 128 && rate != 0 && rtp::staticClockRate(static_cast<std::uint8_t>(pt)) == 0) {
      a.stats.setClockRate(static_cast<std::uint8_t>(pt), rate);
    }
  }
  for (auto& [pt, name] : a.s.payloads) {
    if (auto it = a.encodings.find(pt); it != a.encodings.end()) name = splitEncoding(it->second).first;
    a.pt_event[static_cast<std::size_t>(pt) & 127U] = lower(name) == "telephone-event";
  }
  by_call_[tie.call_id].push_back(Key{a.s.src, a.s.dst, a.s.ssrc});
}

bool RtpTracker::rtpHostSeen(const proto::pkt::IpAddr& ip) const { return rtp_hosts_.contains(Endpoint{ip, 0}); }

RtpTracker::Active* RtpTracker::create(const Key& k, const Tie* tie, bool heuristic) {
  if (streams_.size() >= options_.max_active_streams) {
    ++streams_dropped_;
    return nullptr;
  }
  auto& a = streams_[k];
  a.s.src = k.src;
  a.s.dst = k.dst;
  a.s.ssrc = k.ssrc;
  a.s.heuristic = heuristic;
  by_ssrc_.emplace(k.ssrc, k);
  ++streams_seen_;
  ++untied_;
  if (tie != nullptr) tieStream(a, *tie);
  return &a;
}

bool RtpTracker::wants(const proto::pkt::Packet& p) {
  return p.transport == proto::pkt::Transport::kUdp && (rtp::looksLikeRtcp(p.payload) || rtp::looksLikeRtp(p.payload));
}

void RtpTracker::packet(const proto::pkt::Packet& p, std::uint64_t frame, std::int64_t ts_ns) {
  if (!wants(p)) return;
  const auto bytes = p.payload;
  if (rtp::looksLikeRtcp(bytes)) {
    rtcp(p, bytes, frame);
    return;
  }
  auto parsed = rtp::parseRtp(bytes);
  if (!parsed) return;
  const auto& h = parsed->header;
  Held held{h.sequence, h.timestamp, h.payloadType, h.marker, frame, ts_ns, {}, 0};
  if (parsed->payload.size() >= rtp::kTelephoneEventSize) {
    std::memcpy(held.event.data(), parsed->payload.data(), rtp::kTelephoneEventSize);
    held.event_size = rtp::kTelephoneEventSize;
  }
  const Key key{Endpoint{p.src, p.sport}, Endpoint{p.dst, p.dport}, h.ssrc};
  // T.38 or another non-RTP protocol the latest SDP gave this port to (a re-INVITE from audio to fax
  // keeps the port): its datagrams are not RTP even when they parse as such.
  if (auto it = streams_.find(key); it != streams_.end()) {
    auto& a = it->second;
    if (a.tie_version != ties_version_) {
      const Tie* t = findTie(key.src, key.dst);
      a.tie_blocks = t != nullptr && !t->rtp;
      a.tie_version = ties_version_;
    }
    if (a.tie_blocks) return;
    ++rtp_packets_;
    add(a, held);
    return;
  }
  const Tie* tie = findTie(key.src, key.dst);
  if (tie != nullptr && !tie->rtp) return;
  auto cand = candidates_.find(key);
  if (tie != nullptr) {
    Active* a = create(key, tie, false);
    if (a == nullptr) return;
    if (cand != candidates_.end()) {  // packets held before the SDP arrived
      for (const auto& x : cand->second.held) add(*a, x);
      rtp_packets_ += cand->second.held.size();
      candidates_.erase(cand);
    }
    ++rtp_packets_;
    add(*a, held);
    return;
  }
  if (!options_.rtp_heuristic || !plausiblePt(h.payloadType) || wellKnownNonRtp(p.sport) ||
      wellKnownNonRtp(p.dport)) {
    return;
  }
  if (cand == candidates_.end()) {
    if (candidates_.size() >= options_.max_rtp_candidates) return;
    cand = candidates_.emplace(key, Candidate{}).first;
  } else {
    // Repeats (step 0) are allowed: RFC 4733 sends an event's end packet three times with one number.
    const auto step = static_cast<std::uint16_t>(h.sequence - cand->second.held.back().seq);
    if (step > kMaxHeuristicStep) cand->second.held.clear();  // not a sequence: start over from here
  }
  cand->second.held.push_back(held);
  cand->second.last_ns = ts_ns;
  if (cand->second.held.size() < kHeuristicPackets || cand->second.held.front().seq == h.sequence) {
    if (cand->second.held.size() >= 4 * kHeuristicPackets) candidates_.erase(cand);  // one datagram, repeated
    return;
  }
  Candidate c = std::move(cand->second);
  candidates_.erase(cand);
  Active* a = create(key, nullptr, true);
  if (a == nullptr) return;
  for (const auto& x : c.held) add(*a, x);
  rtp_packets_ += c.held.size();
}

void RtpTracker::add(Active& a, const Held& h) {
  auto& s = a.s;
  if (s.packets == 0) {
    s.first_frame = h.frame;
    s.start_ns = h.ts_ns;
    a.base_ns = h.ts_ns;
  }
  ++s.packets;
  s.last_frame = h.frame;
  s.end_ns = h.ts_ns;
  a.last_ns = h.ts_ns;

  if (a.pt_packets[h.pt] == 0) {  // a payload type new to this stream: name it once
    std::string n;
    if (auto it = a.encodings.find(h.pt); it != a.encodings.end()) {
      n = splitEncoding(it->second).first;
    } else {
      const char* st = rtp::staticPayloadName(h.pt);
      n = st != nullptr ? st : "";
      if (n.empty() && a.encodings.empty() && h.pt == kDefaultTelephoneEventPt) n = "telephone-event";
    }
    a.pt_event[h.pt] = lower(n) == "telephone-event";
    s.payloads.emplace_back(h.pt, std::move(n));
  }
  ++a.pt_packets[h.pt];

  const auto before = a.stats.highestExtendedSequence();
  const bool first = a.stats.received() == 0;
  a.stats.add(h.seq, h.timestamp, h.pt, h.marker, static_cast<double>(h.ts_ns - a.base_ns) / 1e9);
  if (!first && a.stats.highestExtendedSequence() > before + 1) ++s.loss_runs;

  if (a.pt_event[h.pt] && h.event_size == rtp::kTelephoneEventSize) {
    auto ev = rtp::parseTelephoneEvent(std::span<const std::byte>(h.event.data(), h.event_size));
    if (!ev) return;
    std::uint32_t rate = a.stats.clockRate(h.pt);
    if (rate == 0) rate = 8000;  // RFC 4733 3.1: 8000 unless the SDP says otherwise
    DtmfEvent* cur = nullptr;
    if (!s.dtmf.empty() && s.dtmf.back().rtp_timestamp == h.timestamp && s.dtmf.back().event == ev->event) {
      cur = &s.dtmf.back();
    } else if (s.dtmf.size() < kMaxDtmfEventsPerStream) {
      DtmfEvent d;
      d.event = ev->event;
      d.digit = rtp::telephoneEventDigit(ev->event);
      d.rtp_timestamp = h.timestamp;
      d.first_frame = h.frame;
      d.start_ns = h.ts_ns;
      d.volume = ev->volume;
      s.dtmf.push_back(d);
      cur = &s.dtmf.back();
    } else {
      ++s.dtmf_not_kept;
    }
    if (cur != nullptr) {
      ++cur->packets;
      if (ev->end) ++cur->end_packets;
      cur->duration_ms = std::max(cur->duration_ms, ev->duration * 1000.0 / rate);
    }
  }
}

void RtpTracker::rtcp(const proto::pkt::Packet& p, std::span<const std::byte> bytes, std::uint64_t frame) {
  auto compound = rtp::parseRtcpCompound(bytes);
  if (!compound) {
    // Some stacks pad the datagram past the compound with a few zero bytes (seen: 2 after an SR+RR+SDES);
    // tshark accepts that. Retry on the whole packets when what is left over is shorter than a header.
    std::size_t end = 0;
    while (end + 4 <= bytes.size()) {
      const auto words = (std::to_integer<std::size_t>(bytes[end + 2]) << 8) | std::to_integer<std::size_t>(bytes[end + 3]);
      if (end + (words + 1) * 4 > bytes.size()) break;
      end += (words + 1) * 4;
    }
    if (end == 0 || bytes.size() - end >= 4) return;
    compound = rtp::parseRtcpCompound(bytes.first(end));
    if (!compound) return;
  }
  ++rtcp_packets_;
  // Streams with this SSRC; when several (a relay forwarding one SSRC), the ones matching `ip` as `which`.
  auto forSsrc = [&](std::uint32_t ssrc, bool sender, auto&& fn) {
    auto [lo, hi] = by_ssrc_.equal_range(ssrc);
    bool matched = false;
    for (int pass = 0; pass < 2 && !matched; ++pass) {
      for (auto it = lo; it != hi; ++it) {
        const auto& k = it->second;
        const bool near = sender ? k.src.ip == p.src : k.dst.ip == p.src;
        if (pass == 0 && !near) continue;
        auto sit = streams_.find(k);
        if (sit == streams_.end()) continue;
        fn(sit->second);
        matched = true;
      }
    }
  };
  for (const auto& pk : compound->packets) {
    if (pk.packetType == rtp::kRtcpSr && pk.senderInfo) {
      forSsrc(pk.ssrc, true, [&](Active& a) {
        ++a.s.rtcp_sr;
        a.s.sr_packet_count = pk.senderInfo->packetCount;
      });
    }
    if (pk.packetType == rtp::kRtcpXr) forSsrc(pk.ssrc, true, [&](Active& a) { ++a.s.rtcp_xr; });
    for (const auto& rb : pk.reports) {
      forSsrc(rb.ssrc, false, [&](Active& a) {
        if (!a.s.rtcp_report) a.s.rtcp_report.emplace();
        auto& r = *a.s.rtcp_report;
        ++r.reports;
        r.frame = frame;
        r.fraction_lost = rb.fractionLost / 256.0;
        r.cumulative_lost = rb.cumulativeLost;
        std::uint32_t rate = 0;
        for (const auto& [pt, n] : a.s.payloads) {
          if (rate == 0 && !isComfortNoise(pt, n)) rate = a.stats.clockRate(static_cast<std::uint8_t>(pt));
        }
        r.jitter_ms = rate == 0 ? 0 : rb.jitter * 1000.0 / rate;
        r.max_jitter_ms = std::max(r.max_jitter_ms, r.jitter_ms);
      });
    }
  }
}

RtpStream RtpTracker::finalize(Active& a) const {
  RtpStream s = std::move(a.s);
  const auto& st = a.stats;
  s.packets = st.received();
  s.expected = st.expected();
  s.lost = st.lost();
  s.lost_percent = st.lostFraction() * 100;
  s.duplicates = st.duplicates();
  s.out_of_order = st.outOfOrder();
  s.max_delta_ms = st.maxDeltaMs();
  s.mean_delta_ms = st.meanDeltaMs();
  s.mean_jitter_ms = st.meanJitterMs();
  s.max_jitter_ms = st.maxJitterMs();
  // The voice codec: the PT with most packets that is neither comfort noise nor telephone-event.
  int best = -1;
  for (const auto& [pt, name] : s.payloads) {
    if (isComfortNoise(pt, name) || lower(name) == "telephone-event") continue;
    if (best < 0 || a.pt_packets[static_cast<std::size_t>(pt)] > a.pt_packets[static_cast<std::size_t>(best)]) {
      best = pt;
    }
  }
  if (best >= 0) {
    for (const auto& [pt, name] : s.payloads) {
      if (pt == best) s.codec = name;
    }
    s.clock_rate = st.clockRate(static_cast<std::uint8_t>(best));
  }
  if (auto codec = s.codec.empty() ? std::nullopt : proto::quality::findCodec(s.codec)) {
    // One capture point sees no one-way delay: the delay is the adaptive jitter buffer's alone (3 x mean
    // jitter, 10..300 ms), and the loss is network loss (late discards are not knowable without the
    // sender's clock). Both assumptions are in docs/capture.md.
    const proto::quality::JitterBufferModel jb;
    s.mos_delay_ms = proto::quality::applyJitterBuffer(jb, {}, s.mean_jitter_ms).bufferMs;
    const auto lost = s.lost > 0 ? static_cast<std::uint64_t>(s.lost) : 0;
    const auto expected = s.expected > 0 ? static_cast<std::uint64_t>(s.expected) : 0;
    const auto lp = proto::quality::lossFromCounts(expected, lost, s.loss_runs);
    s.burst_r = lp.burstR;
    const auto e = proto::quality::scoreStream(*codec, s.mos_delay_ms, lp);
    s.r = e.r;
    s.mos = e.mos;
  }
  return s;
}

void RtpTracker::eraseIndexes(const Key& k, const Active& a) {
  if (a.s.call_id.empty() && untied_ > 0) --untied_;
  auto [lo, hi] = by_ssrc_.equal_range(k.ssrc);
  for (auto it = lo; it != hi; ++it) {
    if (it->second == k) {
      by_ssrc_.erase(it);
      break;
    }
  }
  if (!a.s.call_id.empty()) {
    if (auto it = by_call_.find(a.s.call_id); it != by_call_.end()) {
      std::erase(it->second, k);
      if (it->second.empty()) by_call_.erase(it);
    }
  }
}

std::vector<RtpStream> RtpTracker::takeLeg(const std::string& call_id, const MediaList& media) {
  std::vector<RtpStream> out;
  if (by_call_.empty()) {
    // No stream is tied to any leg (a capture of signalling only): nothing to look up.
  } else if (auto it = by_call_.find(call_id); it != by_call_.end()) {
    auto keys = std::move(it->second);
    by_call_.erase(it);
    for (const auto& k : keys) {
      auto sit = streams_.find(k);
      if (sit == streams_.end()) continue;
      sit->second.s.call_id.clear();  // by_call_ entry is gone already
      eraseIndexes(k, sit->second);
      auto s = finalize(sit->second);
      s.call_id = call_id;
      out.push_back(std::move(s));
      streams_.erase(sit);
    }
  }
  media.forEachAddress([&](std::string_view address, std::uint16_t port) {
    if (port == 0) return;
    const auto& ip = mediaIp(address);
    if (!ip) return;
    // A later leg may have taken the endpoint over (ties_ keeps the newest SDP's): leave that one.
    auto t = ties_.find(Endpoint{*ip, port});
    if (t != ties_.end() && t->second.call_id == call_id) {
      ties_.erase(t);
      ++ties_version_;
    }
  });
  std::sort(out.begin(), out.end(), [](const RtpStream& x, const RtpStream& y) { return x.first_frame < y.first_frame; });
  return out;
}

void RtpTracker::sweep(std::int64_t now_ns) {
  if (now_ns - last_sweep_ns_ < 1'000'000'000 && now_ns >= last_sweep_ns_) return;
  last_sweep_ns_ = now_ns;
  for (auto it = candidates_.begin(); it != candidates_.end();) {
    if (now_ns - it->second.last_ns > kCandidateIdleNs) it = candidates_.erase(it);
    else ++it;
  }
  std::vector<std::pair<std::uint64_t, Key>> idle;  // emitted in order of first packet
  for (const auto& [k, a] : streams_) {
    if (a.s.call_id.empty() && now_ns - a.last_ns > options_.rtp_stream_idle_ns) idle.emplace_back(a.s.first_frame, k);
  }
  std::sort(idle.begin(), idle.end());
  for (const auto& [first, k] : idle) {
    auto it = streams_.find(k);
    eraseIndexes(k, it->second);
    auto s = finalize(it->second);
    streams_.erase(it);
    ++unattached_emitted_;
    if (on_unattached_) on_unattached_(std::move(s));
  }
}

void RtpTracker::finish() {
  candidates_.clear();
  std::vector<std::pair<std::uint64_t, Key>> order;
  for (const auto& [k, a] : streams_) order.emplace_back(a.s.first_frame, k);
  std::sort(order.begin(), order.end());
  for (const auto& [f, k] : order) {
    auto it = streams_.find(k);
    eraseIndexes(k, it->second);
    auto s = finalize(it->second);
    streams_.erase(it);
    ++unattached_emitted_;
    if (on_unattached_) on_unattached_(std::move(s));
  }
}

}  // namespace vs::analysis
