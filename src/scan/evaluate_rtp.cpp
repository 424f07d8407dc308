// rtp_quality and vps_probe: a probe/rtp_probe result graded against the template's thresholds.
#include <fmt/format.h>

#include <algorithm>

#include "scan/evaluate.h"

namespace vs::scan {
namespace {

// Larger is worse; 0 or negative = threshold not set.
Status above(double value, double warn, double fail) {
  if (fail > 0 && value > fail) return Status::kFail;
  if (warn > 0 && value > warn) return Status::kWarn;
  return Status::kPass;
}

// Smaller is worse (MOS).
Status below(double value, double warn, double fail) {
  if (value < fail) return Status::kFail;
  if (value < warn) return Status::kWarn;
  return Status::kPass;
}

bool failedToRun(CheckResult& r, const CheckSpec& spec, const probe::RtpProbeResult& rtp) {
  if (!rtp.remote.empty()) r.evidence["address"] = rtp.remote;
  if (rtp.ok) return false;
  r.status = Status::kFail;
  r.message = rtp.detail.empty() ? "the reflector did not answer" : rtp.detail;
  finish(r, spec);
  return true;
}

void directionMeasurements(CheckResult& r, const char* prefix, const probe::DirectionReport& d) {
  auto name = [&](const char* what) { return fmt::format("{}_{}", prefix, what); };
  r.measurements.push_back({name("loss"), d.loss_pct, "%"});
  r.measurements.push_back({name("jitter"), d.jitter_mean_ms, "ms"});
  r.measurements.push_back({name("jitter_max"), d.jitter_max_ms, "ms"});
  r.measurements.push_back({name("mos"), d.quality.mos, "MOS"});
  r.measurements.push_back({name("r_factor"), d.quality.r, "R"});
  r.measurements.push_back({name("one_way_delay"), d.one_way_ms, "ms"});
  if (d.duplicates > 0) r.measurements.push_back({name("duplicates"), static_cast<double>(d.duplicates), "count"});
  if (d.out_of_order > 0) r.measurements.push_back({name("out_of_order"), static_cast<double>(d.out_of_order), "count"});
}

std::string dscpNote(const probe::DirectionReport& d) {
  if (d.dscp_received < 0) return "unknown";
  return d.dscp_mismatches == 0 ? fmt::format("{} kept", d.dscp_sent)
                                : fmt::format("{} rewritten to {}", d.dscp_sent, d.dscp_received);
}

}  // namespace

void evaluateRtpQuality(CheckResult& r, const CheckSpec& spec, const probe::RtpProbeResult& rtp) {
  if (failedToRun(r, spec, rtp)) return;
  r.measurements.push_back({"rtt_avg", rtp.rtt_avg_ms, "ms"});
  directionMeasurements(r, "fwd", rtp.forward);
  directionMeasurements(r, "ret", rtp.back);
  r.evidence["public_address"] = rtp.public_address;
  r.evidence["codec"] = fmt::format("{} {} ms ({})", rtp.codec, rtp.ptime_ms, rtp.codec_source);
  r.evidence["jitter_buffer"] = rtp.jitter_buffer;

  const double mosWarn = spec.getNumber("mos_warn", defaults::kMosWarn);
  const double mosFail = spec.getNumber("mos_fail", defaults::kMosFail);
  std::vector<std::string> over;
  Status st = Status::kPass;
  auto gradeDir = [&](const char* name, const probe::DirectionReport& d) {
    Status m = below(d.quality.mos, mosWarn, mosFail);
    Status j = above(d.jitter_mean_ms, spec.getNumber("jitter_warn_ms", defaults::kJitterWarnMs),
                     spec.getNumber("jitter_fail_ms", defaults::kJitterFailMs));
    Status l = above(d.loss_pct, spec.getNumber("loss_warn_pct", defaults::kLossWarnPct),
                     spec.getNumber("loss_fail_pct", defaults::kLossFailPct));
    if (m != Status::kPass) over.push_back(fmt::format("{} MOS", name));
    if (j != Status::kPass) over.push_back(fmt::format("{} jitter", name));
    if (l != Status::kPass) over.push_back(fmt::format("{} loss", name));
    st = std::max({st, m, j, l});
  };
  gradeDir("forward", rtp.forward);
  gradeDir("return", rtp.back);
  r.status = st;
  r.message = fmt::format(
      "MOS {:.2f} forward / {:.2f} return (R {:.1f}/{:.1f}), loss {:.2f}%/{:.2f}%, jitter {:.2f}/{:.2f} ms, "
      "RTT {:.1f} ms, {} {} ms",
      rtp.forward.quality.mos, rtp.back.quality.mos, rtp.forward.quality.r, rtp.back.quality.r, rtp.forward.loss_pct,
      rtp.back.loss_pct, rtp.forward.jitter_mean_ms, rtp.back.jitter_mean_ms, rtp.rtt_avg_ms, rtp.codec, rtp.ptime_ms);
  if (!over.empty()) r.message += fmt::format(": {} over threshold", fmt::join(over, ", "));
  finish(r, spec);
}

void evaluateVpsProbe(CheckResult& r, const CheckSpec& spec, const probe::RtpProbeResult& rtp) {
  if (failedToRun(r, spec, rtp)) return;
  r.measurements.push_back({"rtt_min", rtp.rtt_min_ms, "ms"});
  r.measurements.push_back({"rtt_avg", rtp.rtt_avg_ms, "ms"});
  r.measurements.push_back({"rtt_max", rtp.rtt_max_ms, "ms"});
  r.measurements.push_back({"replies", static_cast<double>(rtp.rtt_samples), "count"});
  r.evidence["public_address"] = rtp.public_address;
  r.evidence["dscp_forward"] = dscpNote(rtp.forward);
  r.evidence["dscp_return"] = dscpNote(rtp.back);
  std::vector<std::string> problems;
  Status st = above(rtp.rtt_avg_ms, spec.getNumber("warn_ms", defaults::kVpsWarnMs), 0);
  if (st != Status::kPass) problems.push_back(fmt::format("RTT {:.1f} ms over threshold", rtp.rtt_avg_ms));
  if (spec.has("dscp")) {
    for (const auto* d : {&rtp.forward, &rtp.back}) {
      if (d->dscp_mismatches > 0) {
        st = std::max(st, Status::kWarn);
        problems.push_back(fmt::format("DSCP {} {}", d->dscp_sent, d == &rtp.forward ? "rewritten on the way out"
                                                                                    : "rewritten on the way back"));
      }
    }
  }
  if (spec.has("expect_public_address")) {
    const auto want = spec.getString("expect_public_address", "");
    const auto seen = rtp.public_address.substr(0, rtp.public_address.rfind(':'));
    const auto bare = seen.size() > 1 && seen.front() == '[' ? seen.substr(1, seen.size() - 2) : seen;
    if (bare != want) {
      st = std::max(st, Status::kWarn);
      problems.push_back(fmt::format("reflector sees us as {}, expected {}", bare, want));
    }
  }
  r.status = st;
  r.message = fmt::format("reflector answered {} probes, RTT avg {:.2f} ms, seen as {}, DSCP {} out / {} back",
                          rtp.rtt_samples, rtp.rtt_avg_ms, rtp.public_address, dscpNote(rtp.forward),
                          dscpNote(rtp.back));
  if (!problems.empty()) r.message += fmt::format(": {}", fmt::join(problems, "; "));
  finish(r, spec);
}

}  // namespace vs::scan
