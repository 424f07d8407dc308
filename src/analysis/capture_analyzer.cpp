#include "analysis/capture_analyzer.h"

#include <fmt/format.h>

#include "analysis/call_tracker.h"
#include "analysis/rtp_tracker.h"
#include "proto/sip/message.h"

namespace vs::analysis {

struct CaptureAnalyzer::Impl {
  AnalyzerOptions options;
  proto::pkt::Decoder decoder;
  CaptureStats stats;
  OnCall on_call;
  RtpTracker rtp;
  CallTracker tracker;
  SipFinder finder;
  std::int64_t last_sweep_ns = 0;

  Impl(AnalyzerOptions o, OnCall call_cb, OnStream on_stream)
      : options(std::move(o)),
        on_call(std::move(call_cb)),
        rtp(options, std::move(on_stream)),
        tracker(options, [this](Call&& c) { emitCall(std::move(c)); },
                [this](std::uint64_t f, std::string r) { malformed(f, std::move(r)); }),
        finder([this](const FoundSip& s) { tracker.message(s); },
               [this](std::uint64_t f, std::string r) { malformed(f, std::move(r)); }) {
    tracker.onMedia([this](const std::string& cid, const MediaDescription& d) { rtp.media(cid, d); });
  }

  // A finished call takes its legs' RTP streams with it.
  void emitCall(Call&& c) {
    for (auto& leg : c.legs) leg.streams = rtp.takeLeg(leg.call_id, leg.media);
    on_call(std::move(c));
  }

  void malformed(std::uint64_t frame, std::string reason) {
    ++stats.malformed;
    if (stats.malformed_list.size() < options.max_malformed_kept) {
      stats.malformed_list.push_back(Malformed{frame, std::move(reason)});
    }
  }
};

CaptureAnalyzer::CaptureAnalyzer(AnalyzerOptions options, OnCall on_call, OnStream on_stream)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(on_call), std::move(on_stream))) {}

CaptureAnalyzer::~CaptureAnalyzer() = default;

void CaptureAnalyzer::addFrame(std::uint32_t link_type, std::span<const std::byte> data, std::int64_t ts_ns,
                               std::uint64_t frame) {
  auto& s = impl_->stats;
  if (s.frames == 0) s.first_ns = ts_ns;
  ++s.frames;
  s.bytes += data.size();
  s.last_ns = ts_ns;
  auto out = impl_->decoder.decode(link_type, data, ts_ns);
  if (out.status == proto::pkt::Decoder::Status::kError) {
    impl_->malformed(frame, out.error);
  } else if (out.status == proto::pkt::Decoder::Status::kPacket) {
    impl_->finder.add(impl_->decoder.packet(), frame, ts_ns);
    impl_->rtp.packet(impl_->decoder.packet(), frame, ts_ns);
  }
  if (ts_ns - impl_->last_sweep_ns >= 1'000'000'000 || ts_ns < impl_->last_sweep_ns) {
    impl_->last_sweep_ns = ts_ns;
    impl_->tracker.sweep(ts_ns);
    impl_->rtp.sweep(ts_ns);
  }
}

void CaptureAnalyzer::finish() {
  impl_->tracker.finish();
  impl_->rtp.finish();
}

std::size_t CaptureAnalyzer::activeLegs() const { return impl_->tracker.activeLegs(); }
std::size_t CaptureAnalyzer::sweepEntries() const { return impl_->tracker.sweepEntries(); }

const CaptureStats& CaptureAnalyzer::stats() {
  auto& s = impl_->stats;
  const auto& d = impl_->decoder.stats();
  s.ipv4 = d.ipv4;
  s.ipv6 = d.ipv6;
  s.udp = d.udp;
  s.tcp = d.tcp;
  s.sctp = d.sctp;
  s.not_ip = d.not_ip;
  s.ipv4_fragments = d.ipv4_fragments;
  s.ipv6_fragments = d.ipv6_fragments;
  s.reassembled = impl_->decoder.defragStats().completed;
  s.tunnelled = d.tunnelled;
  s.vlan_tagged = d.vlan_tagged;
  s.tcp_retransmitted_bytes = impl_->finder.tcpRetransmittedBytes();
  s.tcp_gaps = impl_->finder.tcpGaps();
  s.tls_streams = impl_->finder.tlsStreams();
  s.tls_bytes = impl_->finder.tlsBytes();
  s.websocket_frames = impl_->finder.websocketFrames();
  s.sip = impl_->tracker.sipStats();
  s.calls = impl_->tracker.callsEmitted();
  s.legs = impl_->tracker.legsEmitted();
  s.rtp_packets = impl_->rtp.rtpPackets();
  s.rtcp_packets = impl_->rtp.rtcpPackets();
  s.rtp_streams = impl_->rtp.streamsSeen();
  s.rtp_streams_unattached = impl_->rtp.unattachedEmitted();
  s.rtp_streams_dropped = impl_->rtp.streamsDropped();
  return s;
}

std::string redactCredentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    auto line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos + 1);
    pos += line.size();
    auto colon = line.find(':');
    auto name = colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (!proto::sip::iequals(name, "Authorization") && !proto::sip::iequals(name, "Proxy-Authorization")) {
      out.append(line);
      continue;
    }
    // Replace the values of response= and cnonce= (the parts an offline attack would use).
    std::string l(line);
    for (std::string_view param : {"response=", "cnonce="}) {
      std::size_t at = 0;
      while (true) {
        std::string lower = l;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        at = lower.find(param, at);
        if (at == std::string::npos) break;
        if (at > 0 && std::isalnum(static_cast<unsigned char>(lower[at - 1]))) {  // e.g. "xresponse="
          at += param.size();
          continue;
        }
        auto vstart = at + param.size();
        auto vend = vstart;
        if (vend < l.size() && l[vend] == '"') {
          auto close = l.find('"', vend + 1);
          vend = close == std::string::npos ? l.size() : close + 1;
        } else {
          while (vend < l.size() && l[vend] != ',' && l[vend] != '\r' && l[vend] != '\n') ++vend;
        }
        l.replace(vstart, vend - vstart, "\"<redacted>\"");
        at = vstart + 12;
      }
    }
    out.append(l);
  }
  return out;
}

}  // namespace vs::analysis
