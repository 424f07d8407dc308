// `voipscope ping HOST`: ICMP echo like ping(8), bounded by default (-c 5), plus jitter and late replies.
#include <fmt/format.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/run_loop.h"
#include "io/dns.h"
#include "probe/icmp_ping.h"
#include "render/path_render.h"

namespace vs::cli {
namespace {

constexpr const char* kCommand = "ping";

void line(const std::string& s) {
  std::fputs((s + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

void setupPing(CLI::App& app, std::shared_ptr<PingCmdOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("ping", "ICMP echo (IPv4/IPv6) with loss, RTT, mdev and jitter; bounded (-c 5 by default)");
  cmd->add_option("host", opts->host, "Host name or address")->required();
  cmd->add_option("-c,--count", opts->count, fmt::format("Echo requests to send (1-{})", probe::kPingMaxCount))
      ->capture_default_str();
  cmd->add_option("-i,--interval", opts->interval_s, "Seconds between requests (at least 0.01)")->capture_default_str();
  cmd->add_option("-s,--size", opts->size, "Payload bytes")->capture_default_str();
  cmd->add_option("-W,--timeout", opts->timeout_s, "Seconds to wait for each reply")->capture_default_str();
  cmd->add_option("-t,--ttl", opts->ttl, "IP TTL / hop limit of the requests");
  cmd->add_option("--dscp", opts->dscp, "DSCP value for the requests, 0-63 (46 = EF)");
  cmd->add_flag("--json", opts->json, "One JSON object with the summary and every RTT instead of text");
  cmd->add_flag("-q,--quiet", opts->quiet, "Only the summary");
  cmd->add_flag("-4", opts->ipv4, "IPv4 only");
  cmd->add_flag("-6", opts->ipv6, "IPv6 only");
  cmd->add_option("--dns-server", opts->dns_servers, "DNS server IP[:PORT] to use instead of the system's (repeatable)");
  cmd->callback([opts, &result] { result = runPing(*opts); });
}

ExitCode runPing(const PingCmdOptions& opts) {
  auto usage = [](const std::string& message) {
    printError(kCommand, message);
    return ExitCode::kUsage;
  };
  if (opts.count < 1 || opts.count > probe::kPingMaxCount) {
    return usage(fmt::format("-c must be from 1 to {}", probe::kPingMaxCount));
  }
  if (!(opts.interval_s >= 0.01) || opts.interval_s > 3600) return usage("-i must be from 0.01 to 3600 seconds");
  if (!(opts.timeout_s > 0) || opts.timeout_s > 600) return usage("-W must be more than 0 and at most 600 seconds");
  if (opts.size < 0 || static_cast<std::size_t>(opts.size) > probe::kPingMaxPayload) {
    return usage(fmt::format("-s must be from 0 to {}", probe::kPingMaxPayload));
  }
  if (opts.dscp && (*opts.dscp < 0 || *opts.dscp > 63)) return usage("--dscp must be from 0 to 63");
  if (opts.ttl && (*opts.ttl < 1 || *opts.ttl > 255)) return usage("--ttl must be from 1 to 255");
  if (opts.ipv4 && opts.ipv6) return usage("-4 and -6 exclude each other");

  probe::IcmpPingParams p;
  p.host = opts.host;
  p.family = opts.ipv6 ? io::AddressFamily::kV6 : opts.ipv4 ? io::AddressFamily::kV4 : io::AddressFamily::kAny;
  p.count = opts.count;
  p.interval = std::chrono::milliseconds(std::llround(opts.interval_s * 1000));
  p.timeout = std::chrono::milliseconds(std::llround(opts.timeout_s * 1000));
  p.payload_bytes = static_cast<std::size_t>(opts.size);
  p.dscp = opts.dscp;
  p.ttl = opts.ttl;

  asio::io_context ioc;
  io::ResolverOptions ro;
  ro.servers = opts.dns_servers;
  auto resolver = io::Resolver::create(ioc.get_executor(), ro);
  if (!resolver) return usage(resolver.error().message);

  bool stop = false;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int) {
    if (!ec) stop = true;
  });
  std::optional<probe::IcmpPingResult> outcome;
  auto on_event = [&](const probe::PingEvent& e) {
    if (opts.json || opts.quiet) return;
    if (e.kind == probe::PingEventKind::kStarted) {
      line(render::renderPingHeader(opts.host, e.from, p.payload_bytes, e.from.find(':') != std::string::npos));
      return;
    }
    line(render::renderPingEvent(e));
  };
  outcome = runOnLoop(ioc, probe::icmpPing(**resolver, p, on_event, &stop), &signals);
  if (!outcome) {
    printError(kCommand, "internal error");
    return ExitCode::kRuntime;
  }
  if (!outcome->ok) {
    printError(kCommand, outcome->detail);
    // A name that does not resolve is bad input; a socket we may not open is the environment.
    return ExitCode::kRuntime;
  }
  if (opts.json) {
    line(render::pingJson(*outcome));
  } else {
    if (!opts.quiet) line("");
    std::fputs(render::renderPingSummary(*outcome).c_str(), stdout);
  }
  std::fflush(stdout);
  const auto& s = outcome->stats;
  if (s.received == s.transmitted) return ExitCode::kOk;
  return s.received == 0 ? ExitCode::kFailures : ExitCode::kWarnings;
}

}  // namespace vs::cli
