#include "render/ladder_from_analysis.h"

#include <algorithm>

#include <fmt/format.h>

#include "proto/sip/reason.h"
#include "render/calls_render.h"

namespace vs::render {
namespace {

double confidenceValue(analysis::LinkConfidence c) {
  switch (c) {
    case analysis::LinkConfidence::kHigh: return 1.0;
    case analysis::LinkConfidence::kMedium: return 0.6;
    case analysis::LinkConfidence::kLow: return 0.3;
  }
  return 0.3;
}

std::size_t participantFor(LadderModel& model, const std::string& host) {
  for (std::size_t i = 0; i < model.participants.size(); ++i) {
    if (model.participants[i].host == host) return i;
  }
  model.participants.push_back(LadderParticipant{host, ""});
  return model.participants.size() - 1;
}

// The one column whose host has the media's IP (any port); else (none, or several hosts on one address
// as on loopback) the SIP endpoint that sent the SDP.
std::size_t mediaColumn(LadderModel& model, const std::string& ip, const std::string& fallback_host) {
  std::size_t found = 0, matches = 0;
  for (std::size_t i = 0; i < model.participants.size(); ++i) {
    const auto& h = model.participants[i].host;
    auto colon = h.rfind(':');
    auto host_ip = h.substr(0, colon);
    if (host_ip.size() >= 2 && host_ip.front() == '[') host_ip = host_ip.substr(1, host_ip.size() - 2);
    if (host_ip == ip) {
      found = i;
      ++matches;
    }
  }
  return matches == 1 ? found : participantFor(model, fallback_host);
}

std::string mediaAddr(const analysis::MediaDescription& m) {
  return m.address.find(':') != std::string::npos ? fmt::format("[{}]:{}", m.address, m.port)
                                                  : fmt::format("{}:{}", m.address, m.port);
}

std::string firstCodec(const analysis::MediaDescription& m) {
  for (int pt : m.payload_types) {
    auto it = m.encodings.find(pt);
    if (it == m.encodings.end()) continue;
    auto name = it->second.substr(0, it->second.find('/'));
    if (name != "telephone-event" && name != "CN") return name;
  }
  return {};
}

}  // namespace

std::string ladderLabel(const analysis::SipMessageInfo& m) {
  std::string label = m.request ? m.method : (m.reason.empty() ? fmt::format("{}", m.status)
                                                               : fmt::format("{} {}", m.status, m.reason));
  if (!m.request && m.cseq_method != "INVITE" && !m.cseq_method.empty()) label += fmt::format(" ({})", m.cseq_method);
  if (m.has_sdp) label += " (SDP)";
  return label;
}


LadderModel ladderFromCall(const analysis::Call& call, const LadderFromAnalysisOptions& options) {
  LadderModel model;
  if (!call.legs.empty()) {
    const auto& first = call.legs.front();
    model.title = fmt::format("Call {}: {} -> {}", call.id, first.from_user.empty() ? "?" : first.from_user,
                              first.to_user.empty() ? "?" : first.to_user);
  }
  for (std::size_t i = 0; i < call.legs.size(); ++i) {
    const auto& leg = call.legs[i];
    LadderLeg ll;
    ll.index = static_cast<int>(i);
    ll.call_id = leg.call_id;
    ll.from = leg.from_user;
    ll.to = leg.to_user;
    ll.state = legStateText(leg);
    ll.end_reason = proto::sip::describeReason(leg.end_reason);  // Q.850 causes named
    for (auto& f : legFindings(leg)) ll.findings.push_back(std::move(f.text));
    for (const auto& link : call.links) {
      if (link.to == i && link.from != i) {
        ll.link_reason = link.reason;
        ll.link_confidence = confidenceValue(link.confidence);
        break;
      }
    }
    model.legs.push_back(std::move(ll));
  }
  // Events of all legs merged in capture order (frame number, then time for equal frames).
  std::vector<std::pair<const analysis::SipMessageInfo*, int>> all;
  for (std::size_t i = 0; i < call.legs.size(); ++i) {
    for (const auto& m : call.legs[i].message_list) all.emplace_back(&m, static_cast<int>(i));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.first->ts_ns != b.first->ts_ns) return a.first->ts_ns < b.first->ts_ns;
    return a.first->frame < b.first->frame;
  });
  for (const auto& [m, leg] : all) {
    LadderEvent e;
    e.time_us = m->ts_ns / 1000;
    e.src = participantFor(model, m->src.toString());
    e.dst = participantFor(model, m->dst.toString());
    e.label = ladderLabel(*m);
    e.leg = leg;
    e.call_id = call.legs[static_cast<std::size_t>(leg)].call_id;
    e.message = m->text;
    e.frame = m->frame;
    e.transport = std::string(analysis::sipTransportName(m->transport));
    for (auto& c : e.transport) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    e.retransmission = m->retransmission;
    model.events.push_back(std::move(e));
  }
  addLadderStreams(call, model, options.sdp_placeholder_streams);
  return model;
}

namespace {

// The column of a media endpoint: the one host on its IP, else the leg's caller when the caller's SDP
// announced that address:port, else the callee.
std::size_t streamColumn(LadderModel& model, const analysis::Leg& leg, const analysis::Endpoint& e) {
  bool caller_side = false;
  for (const auto& m : leg.media.unpack()) {
    if (m.from_caller && m.address == e.ip.toString() && m.port == e.port) caller_side = true;
  }
  return mediaColumn(model, e.ip.toString(), caller_side ? leg.caller.toString() : leg.callee.toString());
}

}  // namespace

void addLadderStreams(const analysis::Call& call, LadderModel& model, bool sdp_placeholders) {
  bool measured = false;
  for (std::size_t i = 0; i < call.legs.size(); ++i) {
    const auto& leg = call.legs[i];
    for (const auto& rs : leg.streams) {
      LadderStream s;
      s.src = streamColumn(model, leg, rs.src);
      s.dst = streamColumn(model, leg, rs.dst);
      s.src_addr = rs.src.toString();
      s.dst_addr = rs.dst.toString();
      s.ssrc = rs.ssrc;
      s.codec = rs.codec;
      s.packets = rs.packets;
      s.lost = rs.lost > 0 ? static_cast<std::uint64_t>(rs.lost) : 0;
      s.jitter_max_ms = rs.max_jitter_ms;
      s.jitter_mean_ms = rs.mean_jitter_ms;
      s.mos = rs.mos;
      s.start_us = rs.start_ns / 1000;
      s.end_us = std::max(rs.start_ns, rs.end_ns) / 1000;
      s.leg = static_cast<int>(i);
      model.streams.push_back(std::move(s));
      measured = true;
    }
  }
  if (measured || !sdp_placeholders) return;
  for (std::size_t i = 0; i < call.legs.size(); ++i) {
    const auto& leg = call.legs[i];
    const analysis::MediaDescription* offer = nullptr;
    const analysis::MediaDescription* answer = nullptr;
    const auto media = leg.media.unpack();
    for (const auto& m : media) {
      if (m.media != "audio" || m.port == 0) continue;
      if (m.from_caller && !offer) offer = &m;
      if (!m.from_caller && !answer) answer = &m;
    }
    if (!offer || !answer) continue;
    auto start_us = leg.answer_ns.value_or(leg.start_ns) / 1000;
    auto end_us = leg.bye_ns.value_or(leg.end_ns) / 1000;
    auto a = mediaColumn(model, offer->address, leg.caller.toString());
    auto b = mediaColumn(model, answer->address, leg.callee.toString());
    for (int dir = 0; dir < 2; ++dir) {
      LadderStream s;
      s.src = dir == 0 ? a : b;
      s.dst = dir == 0 ? b : a;
      s.src_addr = mediaAddr(dir == 0 ? *offer : *answer);
      s.dst_addr = mediaAddr(dir == 0 ? *answer : *offer);
      s.codec = firstCodec(*answer);
      s.start_us = start_us;
      s.end_us = std::max(start_us, end_us);
      s.leg = static_cast<int>(i);
      model.streams.push_back(std::move(s));
    }
  }
}

}  // namespace vs::render
