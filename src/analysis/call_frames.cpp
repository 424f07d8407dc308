#include "analysis/call_frames.h"

#include <algorithm>

namespace vs::analysis {

CallFrameSelector::CallFrameSelector(const Call& call) {
  bool first = true;
  for (const auto& leg : call.legs) {
    for (const auto& m : leg.message_list) {
      sip_frames_.insert(m.frame);
      sip_frames_.insert(m.segment_frames.begin(), m.segment_frames.end());
    }
    if (first || leg.start_ns < start_ns_) start_ns_ = leg.start_ns;
    if (first || leg.end_ns > end_ns_) end_ns_ = leg.end_ns;
    first = false;
    leg.media.forEachAddress([&](std::string_view address, std::uint16_t port) {
      auto ip = proto::pkt::IpAddr::parse(address);
      if (!ip || port == 0) return;  // port 0: stream declined
      media_.insert(Endpoint{*ip, port});
      if (port < 65535) media_.insert(Endpoint{*ip, static_cast<std::uint16_t>(port + 1)});  // RTCP
    });
  }
}

bool CallFrameSelector::select(std::uint32_t link_type, std::span<const std::byte> data, std::int64_t ts_ns,
                               std::uint64_t frame) {
  if (sip_frames_.count(frame) != 0) {
    ++sip_selected_;
    return true;
  }
  if (media_.empty() || ts_ns < start_ns_ || ts_ns > end_ns_) return false;
  auto out = decoder_.decode(link_type, data, ts_ns);
  if (out.status != proto::pkt::Decoder::Status::kPacket) return false;
  const auto& p = decoder_.packet();
  if (p.transport != proto::pkt::Transport::kUdp) return false;
  if (media_.count(Endpoint{p.src, p.sport}) == 0 && media_.count(Endpoint{p.dst, p.dport}) == 0) return false;
  ++media_selected_;
  return true;
}

bool callMatches(const Call& call, const std::string& id) {
  if (!id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      id.size() < 20 && std::stoull(id) == call.id) {
    return true;
  }
  return std::any_of(call.legs.begin(), call.legs.end(), [&](const Leg& l) { return l.call_id == id; });
}

}  // namespace vs::analysis
