// `voipscope rtp probe HOST[:PORT]`: an RTP stream through a reflector, both directions (probe/rtp_probe).
#include <fmt/format.h>

#include <asio/io_context.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/run_loop.h"
#include "io/dns.h"
#include "probe/reflector.h"
#include "probe/rtp_probe.h"
#include "proto/endpoint.h"
#include "render/rtp_probe_render.h"

namespace vs::cli {

void setupRtp(CLI::App& app, std::shared_ptr<RtpProbeCmdOptions> opts, ExitCode& result) {
  auto* rtp = app.add_subcommand("rtp", "RTP tools: probe");
  rtp->require_subcommand(1);
  auto* cmd = rtp->add_subcommand("probe", "Send an RTP stream through a voipscope reflector and measure both ways");
  cmd->add_option("target", opts->target, "Reflector HOST[:PORT] (default port 5004)")->required();
  cmd->add_option("--codec", opts->codec, "pcmu | pcma | g711-noplc | g729 | g723 | g722 | opus-12 | opus-24 | opus-32")
      ->capture_default_str();
  cmd->add_option("--ptime", opts->ptime_ms, "Packet interval, ms")->capture_default_str();
  cmd->add_option("--duration", opts->duration_s, "Stream length, seconds")->capture_default_str();
  cmd->add_option("--dscp", opts->dscp, "DSCP 0-63 for both directions (46 = EF)");
  cmd->add_option("--secret", opts->secret, "Shared secret of the reflector (default: $VOIPSCOPE_REFLECT_SECRET)");
  cmd->add_option("--jitter-buffer", opts->jitter_buffer, "adaptive | fixed:MS")->capture_default_str();
  cmd->add_option("--linger", opts->linger_ms, "Wait for replies after the last packet, ms")->capture_default_str();
  cmd->add_option("--streams", opts->streams, "Concurrent streams (benchmarking; summary only)")->capture_default_str();
  cmd->add_option("--spin-us", opts->spin_us,
                  "Send timing: wake this many us early and poll the clock to the planned time (0: timer only)")
      ->capture_default_str();
  cmd->add_flag("--reply-from-alt-port", opts->reply_from_alt_port, "Ask the reflector to answer from its second port");
  cmd->add_flag("--json", opts->json, "One JSON object instead of the report");
  cmd->add_flag("-4", opts->ipv4, "IPv4 only");
  cmd->add_flag("-6", opts->ipv6, "IPv6 only");
  cmd->add_option("--dns-server", opts->dns_servers, "DNS server IP[:PORT] (repeatable)");
  cmd->callback([opts, &result] { result = runRtpProbe(*opts); });
}

ExitCode runRtpProbe(const RtpProbeCmdOptions& opts) {
  constexpr const char* kCommand = "rtp probe";
  auto usage = [&](const std::string& m) {
    printError(kCommand, m);
    return ExitCode::kUsage;
  };
  auto ep = proto::parseEndpoint(opts.target);
  if (!ep || !ep->scheme.empty()) return usage("target must be HOST[:PORT], got '" + opts.target + "'");
  if (!proto::quality::findCodec(opts.codec)) return usage("unknown --codec '" + opts.codec + "'");
  if (opts.ptime_ms < 10 || opts.ptime_ms > 120) return usage("--ptime must be 10..120 ms");
  if (opts.duration_s <= 0 || opts.duration_s > 86400) return usage("--duration must be 0..86400 s");
  if (opts.dscp && (*opts.dscp < 0 || *opts.dscp > 63)) return usage("--dscp must be 0..63");
  if (opts.streams < 1 || opts.streams > 1000) return usage("--streams must be 1..1000");
  if (opts.spin_us < 0 || opts.spin_us > probe::RtpScheduleOptions::kMaxSpinMargin.count()) {
    return usage(fmt::format("--spin-us must be 0..{}", probe::RtpScheduleOptions::kMaxSpinMargin.count()));
  }
  if (opts.linger_ms < 0 || opts.linger_ms > 60000) return usage("--linger must be 0..60000 ms");
  if (opts.ipv4 && opts.ipv6) return usage("-4 and -6 exclude each other");
  probe::RtpProbeParams p;
  p.host = ep->host;
  p.port = ep->port.value_or(probe::kDefaultReflectPort);
  p.family = opts.ipv6 ? io::AddressFamily::kV6 : opts.ipv4 ? io::AddressFamily::kV4 : io::AddressFamily::kAny;
  p.codec = opts.codec;
  p.ptime_ms = opts.ptime_ms;
  p.duration = std::chrono::milliseconds(static_cast<long>(opts.duration_s * 1000));
  p.dscp = opts.dscp;
  p.secret = opts.secret.empty() ? envOr("VOIPSCOPE_REFLECT_SECRET") : opts.secret;
  p.linger = std::chrono::milliseconds(opts.linger_ms);
  p.reply_from_alt_port = opts.reply_from_alt_port;
  if (opts.jitter_buffer.rfind("fixed:", 0) == 0) {
    p.jitter_buffer.kind = proto::quality::JitterBufferModel::Kind::kFixed;
    try {
      p.jitter_buffer.fixedMs = std::stod(opts.jitter_buffer.substr(6));
    } catch (const std::exception&) {
      return usage("--jitter-buffer fixed:MS needs a number");
    }
    if (p.jitter_buffer.fixedMs < 0 || p.jitter_buffer.fixedMs > 2000) return usage("fixed buffer must be 0..2000 ms");
  } else if (opts.jitter_buffer != "adaptive") {
    return usage("--jitter-buffer must be adaptive or fixed:MS");
  }

  asio::io_context ioc;
  io::ResolverOptions ro;
  ro.servers = opts.dns_servers;
  auto resolver = io::Resolver::create(ioc.get_executor(), ro);
  if (!resolver) return usage(resolver.error().message);
  std::vector<probe::RtpProbeParams> streams;
  for (int i = 0; i < opts.streams; ++i) {
    streams.push_back(p);
    streams.back().start_offset = std::chrono::microseconds(opts.ptime_ms * 1000L * i / opts.streams);
  }
  probe::RtpScheduleOptions schedule;
  schedule.spin_margin = std::chrono::microseconds(opts.spin_us);
  std::vector<probe::RtpProbeResult> results;
  if (auto done = runOnLoop(ioc, probe::runRtpProbes(**resolver, std::move(streams), schedule))) {
    results = std::move(*done);
  } else {
    results.assign(static_cast<std::size_t>(opts.streams), {});
    for (auto& r : results) r.detail = "internal error";
  }

  if (results.size() > 1) {
    std::vector<double> errors;
    std::size_t ok = 0;
    for (const auto& r : results) {
      errors.insert(errors.end(), r.schedule_error_us.begin(), r.schedule_error_us.end());
      ok += r.ok ? 1 : 0;
    }
    std::printf("{\"streams\":%zu,\"ok\":%zu,\"packets\":%zu,\"schedule_error_p50_us\":%.1f,\"schedule_error_p99_us\":%.1f,"
                "\"schedule_error_max_us\":%.1f}\n",
                results.size(), ok, errors.size(), probe::percentile(errors, 50), probe::percentile(errors, 99),
                probe::percentile(errors, 100));
    return ok == results.size() ? ExitCode::kOk : ExitCode::kRuntime;
  }
  const auto& r = results.front();
  if (!r.ok) {
    if (opts.json) std::puts(render::rtpProbeJson(r).c_str());
    printError(kCommand, r.detail.empty() ? "failed" : r.detail);
    return ExitCode::kRuntime;
  }
  std::fputs((opts.json ? render::rtpProbeJson(r) + "\n" : render::rtpProbeText(r)).c_str(), stdout);
  std::fflush(stdout);
  return ExitCode::kOk;
}

}  // namespace vs::cli
