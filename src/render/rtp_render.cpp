#include "render/rtp_render.h"

#include <optional>

#include <fmt/format.h>

#include "render/escape.h"

namespace vs::render {
namespace {

using namespace vs::analysis;

std::string payloadNames(const RtpStream& s) {
  std::string out;
  for (const auto& [pt, name] : s.payloads) {
    if (!out.empty()) out += " ";
    out += name.empty() ? fmt::format("PT{}", pt) : fmt::format("{}({})", name, pt);
  }
  return out;
}

std::string opt(const std::optional<double>& v, int prec, std::string_view none) {
  return v ? fmt::format("{:.{}f}", *v, prec) : std::string(none);
}

std::optional<double> worstMos(const Call& c) {
  std::optional<double> worst;
  for (const auto& l : c.legs) {
    for (const auto& s : l.streams) {
      if (s.mos && (!worst || *s.mos < *worst)) worst = s.mos;
    }
  }
  return worst;
}

}  // namespace

std::string streamsTableHeader() {
  return fmt::format("{:>9}  {:<22}  {:<22}  {:<10}  {:<24}  {:>7}  {:>9}  {:>9}  {:>8}  {:>8}  {:>4}  {:<12}\n",
                     "START_S", "SOURCE", "DESTINATION", "SSRC", "PAYLOAD", "PACKETS", "LOST", "MAX_DELTA",
                     "MEAN_JIT", "MAX_JIT", "MOS", "CALL");
}

std::string streamsTableRow(const RtpStream& s, std::int64_t start_ns) {
  std::string call = s.call_id.empty() ? (s.heuristic ? "(heuristic)" : "-") : s.call_id;
  if (call.size() > 24) call = call.substr(0, 23) + "~";
  return fmt::format("{:>9.3f}  {:<22}  {:<22}  0x{:08X}  {:<24}  {:>7}  {:>9}  {:>9.3f}  {:>8.3f}  {:>8.3f}  {:>4}  {}\n",
                     static_cast<double>(s.start_ns - start_ns) / 1e9, s.src.toString(), s.dst.toString(), s.ssrc,
                     payloadNames(s), s.packets, fmt::format("{} ({:.1f}%)", s.lost, s.lost_percent), s.max_delta_ms,
                     s.mean_jitter_ms, s.max_jitter_ms, opt(s.mos, 2, "-"), call);
}

std::string streamsCsvHeader() {
  return "call,call_id,heuristic,src,dst,ssrc,payloads,codec,clock_rate,first_frame,last_frame,packets,expected,lost,"
         "lost_percent,duplicates,out_of_order,loss_runs,max_delta_ms,mean_jitter_ms,max_jitter_ms,burst_r,"
         "mos_delay_ms,r,mos,rtcp_sr,rtcp_xr,rtcp_reports,rtcp_fraction_lost,rtcp_cumulative_lost,rtcp_jitter_ms,"
         "dtmf\n";
}

std::string streamsCsvRow(const RtpStream& s, std::uint64_t call) {
  std::string dtmf;
  for (const auto& d : s.dtmf) dtmf.push_back(d.digit);
  const auto& r = s.rtcp_report;
  return fmt::format(
      "{},{},{},{},{},0x{:08X},{},{},{},{},{},{},{},{},{:.3f},{},{},{},{:.3f},{:.3f},{:.3f},{:.3f},{:.3f},{},{},{},{},{},"
      "{},{},{},{}\n",
      call == 0 ? std::string() : std::to_string(call), csvField(s.call_id), s.heuristic ? 1 : 0, s.src.toString(),
      s.dst.toString(), s.ssrc, csvField(payloadNames(s)), csvField(s.codec), s.clock_rate, s.first_frame, s.last_frame,
      s.packets, s.expected, s.lost, s.lost_percent, s.duplicates, s.out_of_order, s.loss_runs, s.max_delta_ms,
      s.mean_jitter_ms, s.max_jitter_ms, s.burst_r, s.mos_delay_ms, opt(s.r, 2, ""), opt(s.mos, 3, ""), s.rtcp_sr,
      s.rtcp_xr, r ? std::to_string(r->reports) : "", r ? fmt::format("{:.4f}", r->fraction_lost) : "",
      r ? std::to_string(r->cumulative_lost) : "", r ? fmt::format("{:.3f}", r->jitter_ms) : "", csvField(dtmf));
}

std::string streamJson(const RtpStream& s) {
  std::string payloads;
  for (const auto& [pt, name] : s.payloads) {
    payloads += fmt::format("{}{{\"pt\":{},\"encoding\":{}}}", payloads.empty() ? "" : ",", pt, jsonString(name));
  }
  std::string out = fmt::format(
      "{{\"src\":{},\"dst\":{},\"ssrc\":\"0x{:08X}\",\"call_id\":{},\"heuristic\":{},\"first_frame\":{},"
      "\"last_frame\":{},\"payloads\":[{}],\"codec\":{},\"clock_rate\":{},\"packets\":{},\"expected\":{},\"lost\":{},"
      "\"lost_percent\":{:.3f},\"duplicates\":{},\"out_of_order\":{},\"loss_runs\":{},\"max_delta_ms\":{:.3f},"
      "\"mean_delta_ms\":{:.3f},\"mean_jitter_ms\":{:.3f},\"max_jitter_ms\":{:.3f},\"burst_r\":{:.3f},"
      "\"mos_delay_ms\":{:.3f},\"r\":{},\"mos\":{},\"rtcp_sr\":{},\"rtcp_xr\":{}",
      jsonString(s.src.toString()), jsonString(s.dst.toString()), s.ssrc,
      s.call_id.empty() ? "null" : jsonString(s.call_id), s.heuristic,
      s.first_frame, s.last_frame, payloads, jsonString(s.codec), s.clock_rate, s.packets, s.expected, s.lost, s.lost_percent,
      s.duplicates, s.out_of_order, s.loss_runs, s.max_delta_ms, s.mean_delta_ms, s.mean_jitter_ms, s.max_jitter_ms,
      s.burst_r, s.mos_delay_ms, opt(s.r, 3, "null"), opt(s.mos, 3, "null"), s.rtcp_sr, s.rtcp_xr);
  out += fmt::format(",\"sr_packet_count\":{}", s.sr_packet_count ? std::to_string(*s.sr_packet_count) : "null");
  if (const auto& r = s.rtcp_report) {
    out += fmt::format(
        ",\"rtcp_report\":{{\"reports\":{},\"frame\":{},\"fraction_lost\":{:.4f},\"cumulative_lost\":{},"
        "\"jitter_ms\":{:.3f},\"max_jitter_ms\":{:.3f}}}",
        r->reports, r->frame, r->fraction_lost, r->cumulative_lost, r->jitter_ms, r->max_jitter_ms);
  } else {
    out += ",\"rtcp_report\":null";
  }
  out += ",\"dtmf\":[";
  for (std::size_t i = 0; i < s.dtmf.size(); ++i) {
    const auto& d = s.dtmf[i];
    out += fmt::format(
        "{}{{\"digit\":{},\"event\":{},\"rtp_timestamp\":{},\"first_frame\":{},\"start_ns\":{},\"duration_ms\":{:.1f},"
        "\"volume\":{},\"packets\":{},\"end_packets\":{}}}",
        i ? "," : "", jsonString(std::string(1, d.digit)), d.event, d.rtp_timestamp, d.first_frame, d.start_ns, d.duration_ms,
        d.volume, d.packets, d.end_packets);
  }
  return out + fmt::format("],\"dtmf_not_kept\":{}}}", s.dtmf_not_kept);
}

std::string callStreamsCell(const Call& c) {
  std::size_t n = 0;
  for (const auto& l : c.legs) n += l.streams.size();
  return std::to_string(n);
}

std::string callWorstMosCell(const Call& c) { return opt(worstMos(c), 2, "-"); }

}  // namespace vs::render
