#include "analysis/sip_finder.h"

#include <algorithm>

#include <fmt/format.h>

namespace vs::analysis {
namespace {

using proto::pkt::Transport;
namespace sip = proto::sip;

bool startsWithI(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && sip::iequals(s.substr(0, prefix.size()), prefix);
}

// RTP, RTCP, STUN and most binary payloads start with a byte that no SIP start line (or CRLF) starts with.
bool mayBeSip(std::string_view b) {
  if (b.empty()) return false;
  char c = b.front();
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '\r' || c == '\n';
}

bool looksTls(std::string_view b) {
  // Record header: content type 20..23 (handshake 22, application data 23), version 3.x.
  return b.size() >= 3 && b[0] >= 20 && b[0] <= 23 && b[1] == 3 && static_cast<unsigned char>(b[2]) <= 4;
}

}  // namespace

std::size_t findSipStart(std::string_view data, std::size_t from) {
  std::size_t pos = from;
  while (pos < data.size()) {
    if (sip::probe(data.substr(pos)) && data.substr(pos).find('\n') != std::string_view::npos) return pos;
    auto nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return std::string_view::npos;
    pos = nl + 1;
  }
  return std::string_view::npos;
}

void SipFinder::add(const proto::pkt::Packet& p, std::uint64_t frame, std::int64_t ts_ns) {
  FoundSip meta;
  meta.frame = frame;
  meta.ts_ns = ts_ns;
  meta.src = Endpoint{p.src, p.sport};
  meta.dst = Endpoint{p.dst, p.dport};
  if (p.reassembled && p.transport != Transport::kTcp) meta.segment_frames = p.fragment_frames;
  switch (p.transport) {
    case Transport::kUdp:
      meta.transport = SipTransport::kUdp;
      datagram(std::string_view(reinterpret_cast<const char*>(p.payload.data()), p.payload.size()), meta);
      break;
    case Transport::kSctp:
      meta.transport = SipTransport::kSctp;
      for (auto chunk : p.sctp_chunks) {
        datagram(std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()), meta);
      }
      break;
    case Transport::kTcp:
      meta.transport = SipTransport::kTcp;
      tcp(p, meta);
      break;
    default:
      break;
  }
}

void SipFinder::datagram(std::string_view bytes, const FoundSip& meta) {
  if (!mayBeSip(bytes) || !sip::probe(bytes)) return;
  // Past the parse's size limit the message is refused anyway: no copy for it.
  const bool placed = placement_ != nullptr && bytes.size() <= sip::kMaxMessageBytes;
  auto where = placed ? placement_->place(bytes) : Placement::Place{&msg_, bytes};
  auto r = sip::parseMessageInto(*where.message, where.bytes, true, true);
  if (!r) {
    if (placed) placement_->unplace();
    on_malformed_(meta.frame, fmt::format("SIP: {}", r.error().message));
    return;
  }
  if (!where.message->lengthProblem().empty()) {
    on_malformed_(meta.frame, fmt::format("SIP: {}", where.message->lengthProblem()));
  }
  FoundSip found = meta;
  found.message = where.message;
  on_message_(found);
}

void SipFinder::expire(std::int64_t now_ns) {
  if (now_ns - last_sweep_ns_ < 10'000'000'000 && now_ns >= last_sweep_ns_) return;
  last_sweep_ns_ = now_ns;
  for (auto it = flows_.begin(); it != flows_.end();) {
    if (now_ns - it->second.last_ns > kTcpFlowIdleNs) it = flows_.erase(it);
    else ++it;
  }
}

bool SipFinder::classify(Flow& f, FoundSip& meta) {
  auto data = f.stream.data();
  // Leading CRLF keep-alives (RFC 5626) say nothing yet.
  std::size_t crlf = 0;
  while (crlf < data.size() && (data[crlf] == '\r' || data[crlf] == '\n')) ++crlf;
  consume(f, crlf);
  data = f.stream.data();
  if (data.empty()) return false;
  if (looksTls(data)) {
    f.mode = Mode::kTls;
    ++tls_streams_;
    return false;
  }
  if (startsWithI(data, "GET ") || startsWithI(data, "HTTP/1.1 101")) {
    auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (data.size() > 16 * 1024) f.mode = Mode::kIgnored;
      return false;
    }
    auto head = data.substr(0, end);
    std::string lowered(head);
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lowered.find("upgrade: websocket") != std::string::npos || startsWithI(data, "HTTP/1.1 101")) {
      f.mode = Mode::kWebSocket;
      consume(f, end + 4);
      return true;
    }
    f.mode = Mode::kIgnored;
    return false;
  }
  // Capture may start mid-stream: look for the first SIP start line.
  auto start = findSipStart(data, 0);
  if (start != std::string_view::npos) {
    if (start > 0) on_malformed_(meta.frame, fmt::format("TCP: {} bytes before the first SIP message skipped", start));
    consume(f, start);
    f.mode = Mode::kSip;
    return true;
  }
  consume(f, data.size());
  if (++f.probes >= kMaxProbeSegments) f.mode = Mode::kIgnored;
  return false;
}

void SipFinder::consume(Flow& f, std::size_t n) {
  f.stream.consume(n);
  f.consumed += n;
  while (!f.segments.empty() && f.segments.front().first <= f.consumed) f.segments.pop_front();
}

void SipFinder::tcp(const proto::pkt::Packet& p, FoundSip& meta) {
  expire(meta.ts_ns);
  FlowKey key{meta.src, meta.dst};
  auto it = flows_.find(key);
  if (it == flows_.end()) {
    if (p.payload.empty() && (p.tcp_flags & proto::pkt::tcpflag::kSyn) == 0) return;
    if (flows_.size() >= kMaxTcpFlows) {
      on_malformed_(meta.frame, fmt::format("TCP: more than {} concurrent flows, segment ignored", kMaxTcpFlows));
      return;
    }
    it = flows_.emplace(key, Flow{}).first;
  }
  auto& f = it->second;
  f.last_ns = meta.ts_ns;
  if (f.mode == Mode::kIgnored) {
    if (p.tcp_flags & (proto::pkt::tcpflag::kFin | proto::pkt::tcpflag::kRst)) flows_.erase(it);
    return;
  }
  if (f.mode == Mode::kTls) {
    tls_bytes_ += p.payload.size();
    if (p.tcp_flags & (proto::pkt::tcpflag::kFin | proto::pkt::tcpflag::kRst)) flows_.erase(it);
    return;
  }
  if (auto n = f.stream.add(p.tcp_seq, p.tcp_flags, p.payload, meta.frame); n > 0) {
    // Each piece under the frame that carried it: a segment held for a gap keeps its own frame.
    const auto end = f.consumed + f.stream.data().size();
    if (f.stream.data().size() >= n) {
      for (const auto& [piece_end, frame] : f.stream.pieces()) f.segments.emplace_back(end - n + piece_end, frame);
    } else {  // the buffer overflowed during this add: only its tail is there
      f.segments.emplace_back(end, meta.frame);
    }
  }
  const auto& st = f.stream.stats();
  tcp_retrans_ += st.retransmitted_bytes - f.retrans_seen;
  tcp_gaps_ += st.gaps - f.gaps_seen;
  f.retrans_seen = st.retransmitted_bytes;
  f.gaps_seen = st.gaps;
  if (f.mode == Mode::kUnknown && !classify(f, meta)) {
    if (f.mode == Mode::kTls) {
      tls_bytes_ += f.stream.data().size();
      consume(f, f.stream.data().size());
    }
    return;
  }
  if (f.mode == Mode::kSip) frameSip(f, meta);
  else if (f.mode == Mode::kWebSocket) frameWebSocket(f, meta);
  if (f.stream.finished() && f.stream.data().empty()) flows_.erase(key);
}

void SipFinder::frameSip(Flow& f, FoundSip& meta) {
  meta.transport = SipTransport::kTcp;
  if (f.stream.takeDiscontinuity()) {
    auto data = f.stream.data();
    auto start = findSipStart(data, 0);
    on_malformed_(meta.frame, "TCP: bytes missing from the stream, resynchronised on the next SIP message");
    consume(f, start == std::string_view::npos ? data.size() : start);
  }
  for (int guard = 0; guard < 100000; ++guard) {
    auto data = f.stream.data();
    if (data.empty()) return;
    auto fr = sip::frameStream(data);
    if (fr.status == sip::StreamFrame::Status::kNeedMore) {
      consume(f, fr.skip);
      return;
    }
    if (fr.status == sip::StreamFrame::Status::kError) {
      on_malformed_(meta.frame, fmt::format("SIP over TCP: {}", fr.error.message));
      auto next = findSipStart(data, std::min(data.size(), fr.skip + 1));
      consume(f, next == std::string_view::npos ? data.size() : next);
      continue;
    }
    auto bytes = data.substr(fr.skip, fr.length);
    auto m = sip::parseMessageInto(msg_, bytes, false);
    if (m) {
      FoundSip found = meta;
      found.message = &msg_;
      const std::uint64_t begin = f.consumed + fr.skip;
      framesIn(f, begin, begin + fr.length, meta.frame, found.segment_frames);
      on_message_(found);
    } else {
      on_malformed_(meta.frame, fmt::format("SIP over TCP: {}", m.error().message));
    }
    consume(f, fr.skip + fr.length);
  }
}

void SipFinder::framesIn(const Flow& f, std::uint64_t begin, std::uint64_t end, std::uint64_t except,
                         std::vector<std::uint64_t>& out) {
  std::uint64_t seg_start = f.consumed;
  for (const auto& [seg_end, frame] : f.segments) {
    if (seg_start >= end) break;
    if (seg_end > begin && frame != except && std::find(out.begin(), out.end(), frame) == out.end()) {
      out.push_back(frame);
    }
    seg_start = seg_end;
  }
}

void SipFinder::frameWebSocket(Flow& f, FoundSip& meta) {
  meta.transport = SipTransport::kWebSocket;
  if (f.stream.takeDiscontinuity()) {
    // Frame boundaries are lost with the missing bytes; nothing to resynchronise on.
    on_malformed_(meta.frame, "WebSocket: bytes missing from the stream, flow abandoned");
    f.mode = Mode::kIgnored;
    return;
  }
  while (true) {
    auto d = f.stream.data();
    if (d.size() < 2) return;
    auto b0 = static_cast<unsigned char>(d[0]);
    auto b1 = static_cast<unsigned char>(d[1]);
    std::size_t pos = 2;
    std::uint64_t len = b1 & 0x7FU;
    if (len == 126) {
      if (d.size() < 4) return;
      len = (static_cast<std::uint64_t>(static_cast<unsigned char>(d[2])) << 8) | static_cast<unsigned char>(d[3]);
      pos = 4;
    } else if (len == 127) {
      if (d.size() < 10) return;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(d[2 + static_cast<std::size_t>(i)]);
      pos = 10;
    }
    bool masked = (b1 & 0x80U) != 0;
    if (len > sip::kMaxMessageBytes) {
      on_malformed_(meta.frame, fmt::format("WebSocket: frame of {} bytes exceeds the {}-byte limit", len,
                                            sip::kMaxMessageBytes));
      f.mode = Mode::kIgnored;
      return;
    }
    std::size_t need = pos + (masked ? 4 : 0) + static_cast<std::size_t>(len);
    if (d.size() < need) return;
    ++ws_frames_;
    const unsigned opcode = b0 & 0x0FU;
    const bool fin = (b0 & 0x80U) != 0;
    // Control frames (close, ping, pong; allowed between the fragments of a message) and reserved
    // opcodes carry no SIP.
    if (opcode != 0 && opcode != 1 && opcode != 2) {
      consume(f, need);
      continue;
    }
    // A message may come in fragments (RFC 6455 5.4): a text or binary frame without FIN, then
    // continuation frames (opcode 0), the last with FIN.
    if (opcode != 0) {
      if (f.ws_open) {
        on_malformed_(meta.frame, fmt::format("WebSocket: a new message began before the {} bytes of the previous "
                                              "one were finished; those are dropped", f.ws_message.size()));
      }
      f.ws_open = true;
      f.ws_message.clear();
      f.ws_frames.clear();
    } else if (!f.ws_open) {
      on_malformed_(meta.frame, "WebSocket: continuation frame without a message to continue, skipped");
      consume(f, need);
      continue;
    }
    if (f.ws_message.size() + len > sip::kMaxMessageBytes) {
      on_malformed_(meta.frame, fmt::format("WebSocket: message in fragments exceeds the {}-byte limit",
                                            sip::kMaxMessageBytes));
      f.mode = Mode::kIgnored;
      return;
    }
    const char* mask = masked ? d.data() + pos : nullptr;
    if (masked) pos += 4;
    const std::size_t at = f.ws_message.size();
    f.ws_message.append(d.substr(pos, static_cast<std::size_t>(len)));
    if (mask != nullptr) {
      for (std::size_t i = 0; i < len; ++i) f.ws_message[at + i] = static_cast<char>(f.ws_message[at + i] ^ mask[i % 4]);
    }
    // Frames of every fragment, the current one too: it may not be the one that completes the message.
    framesIn(f, f.consumed, f.consumed + need, 0, f.ws_frames);
    consume(f, need);
    if (!fin) continue;
    FoundSip found = meta;
    found.segment_frames = std::move(f.ws_frames);
    std::erase(found.segment_frames, meta.frame);
    f.ws_open = false;
    f.ws_frames.clear();
    datagram(f.ws_message, found);
    f.ws_message.clear();
  }
}

}  // namespace vs::analysis
