#include "render/rtp_probe_render.h"

#include <fmt/format.h>

namespace vs::render {
namespace {

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string dscpText(const probe::DirectionReport& d) {
  if (d.dscp_received < 0) return fmt::format("sent {}, not readable at the receiver", d.dscp_sent);
  if (d.dscp_mismatches == 0) return fmt::format("{} preserved", d.dscp_sent);
  return fmt::format("sent {}, received {} (rewritten on {} packets)", d.dscp_sent, d.dscp_received, d.dscp_mismatches);
}

std::string directionText(const char* name, const probe::DirectionReport& d) {
  std::string out = fmt::format("{}:\n", name);
  out += fmt::format("  packets    sent {}  received {}  lost {} ({:.2f} %)  duplicates {}  out-of-order {}\n", d.sent,
                     d.received, d.lost, d.loss_pct, d.duplicates, d.out_of_order);
  out += fmt::format("  loss runs  {}  longest {}  burst density {:.2f}  gap density {:.3f}  BurstR {:.2f}\n",
                     d.loss.runs, d.loss.longestRun, d.loss.burstDensity, d.loss.gapDensity, d.loss.burstR);
  out += fmt::format("  jitter     {:.3f} ms (RFC 3550, end)  mean {:.3f}  max {:.3f}  max delta {:.3f} ms\n",
                     d.jitter_ms, d.jitter_mean_ms, d.jitter_max_ms, d.max_delta_ms);
  out += fmt::format("  DSCP       {}\n", dscpText(d));
  out += fmt::format("  quality    R {:.1f}  MOS {:.2f}  (one-way {:.1f} ms incl. buffer {:.1f} ms, {}; late {}; "
                     "Ie,eff {:.1f}, Id {:.1f})\n",
                     d.quality.r, d.quality.mos, d.one_way_ms, d.buffer_ms, d.delay_verdict, d.late, d.quality.ieEff,
                     d.quality.id);
  if (!d.stats_from_report) out += "  (the reflector's final report did not arrive: figures from its last reply)\n";
  return out;
}

std::string directionJson(const probe::DirectionReport& d) {
  return fmt::format(
      "{{\"sent\":{},\"received\":{},\"lost\":{},\"loss_pct\":{:.4f},\"duplicates\":{},\"out_of_order\":{},"
      "\"jitter_ms\":{:.4f},\"jitter_mean_ms\":{:.4f},\"jitter_max_ms\":{:.4f},\"max_delta_ms\":{:.4f},"
      "\"loss_runs\":{},\"longest_loss_run\":{},\"burst_density\":{:.4f},\"gap_density\":{:.4f},\"burst_r\":{:.4f},"
      "\"late\":{},\"lost_after_buffer\":{},\"buffer_ms\":{:.3f},\"one_way_ms\":{:.3f},\"delay_verdict\":{},"
      "\"r\":{:.3f},\"mos\":{:.3f},\"ie_eff\":{:.3f},\"id\":{:.3f},\"dscp_sent\":{},\"dscp_received\":{},"
      "\"dscp_mismatches\":{},\"stats_from_report\":{}}}",
      d.sent, d.received, d.lost, d.loss_pct, d.duplicates, d.out_of_order, d.jitter_ms, d.jitter_mean_ms,
      d.jitter_max_ms, d.max_delta_ms, d.loss.runs, d.loss.longestRun, d.loss.burstDensity, d.loss.gapDensity,
      d.loss.burstR, d.late, d.loss.lost, d.buffer_ms, d.one_way_ms, quoted(d.delay_verdict), d.quality.r,
      d.quality.mos, d.quality.ieEff, d.quality.id, d.dscp_sent, d.dscp_received, d.dscp_mismatches,
      d.stats_from_report ? "true" : "false");
}

}  // namespace

std::string rtpProbeText(const probe::RtpProbeResult& r) {
  std::string out = fmt::format("RTP probe to {}: {} {} ms, {} bytes payload, jitter buffer {}\n", r.remote, r.codec,
                                r.ptime_ms, r.payload_bytes, r.jitter_buffer);
  out += fmt::format("public address seen by the reflector: {}\n",
                     r.public_address.empty() ? "(unknown)" : r.public_address);
  out += fmt::format("RTT min/avg/max {:.3f}/{:.3f}/{:.3f} ms over {} replies\n", r.rtt_min_ms, r.rtt_avg_ms,
                     r.rtt_max_ms, r.rtt_samples);
  out += directionText("forward (to reflector)", r.forward);
  out += directionText("return (from reflector)", r.back);
  out += fmt::format("codec impairment source: {}\n", r.codec_source);
  return out;
}

std::string rtpProbeJson(const probe::RtpProbeResult& r) {
  return fmt::format(
      "{{\"ok\":{},\"remote\":{},\"detail\":{},\"public_address\":{},\"codec\":{},\"codec_source\":{},\"ptime_ms\":{},"
      "\"payload_bytes\":{},\"jitter_buffer\":{},\"rtt_min_ms\":{:.4f},\"rtt_avg_ms\":{:.4f},\"rtt_max_ms\":{:.4f},"
      "\"rtt_samples\":{},\"bad_replies\":{},\"schedule_error_p50_us\":{:.1f},\"schedule_error_p99_us\":{:.1f},\"schedule_error_max_us\":{:.1f},"
      "\"forward\":{},\"return\":{}}}",
      r.ok ? "true" : "false", quoted(r.remote), quoted(r.detail), quoted(r.public_address), quoted(r.codec),
      quoted(r.codec_source), r.ptime_ms, r.payload_bytes, quoted(r.jitter_buffer), r.rtt_min_ms, r.rtt_avg_ms,
      r.rtt_max_ms, r.rtt_samples, r.bad_replies, probe::percentile(r.schedule_error_us, 50),
      probe::percentile(r.schedule_error_us, 99), probe::percentile(r.schedule_error_us, 100), directionJson(r.forward),
      directionJson(r.back));
}

}  // namespace vs::render
