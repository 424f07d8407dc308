// `voipscope trace HOST`: Paris-style traceroute (UDP, TCP SYN or ICMP) with an mtr-style table,
// refreshed in place on a terminal, and the analysis (latency jumps, where loss starts).
#include <fmt/format.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/run_loop.h"
#include "io/dns.h"
#include "probe/trace.h"
#include "probe/trace_stats.h"
#include "render/path_render.h"

namespace vs::cli {
namespace {

constexpr const char* kCommand = "trace";

std::size_t lineCount(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

void setupTrace(CLI::App& app, std::shared_ptr<TraceCmdOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("trace", "Traceroute with a fixed flow (Paris): UDP, TCP SYN or ICMP; mtr-style table");
  cmd->add_option("host", opts->host, "Host name or address")->required();
  cmd->add_option("-m,--mode", opts->mode, "udp | tcp | icmp")->capture_default_str();
  cmd->add_option("-p,--port", opts->port, "Destination port (UDP default 33434, TCP default 80; 5060 follows SIP)");
  cmd->add_option("--src-port", opts->src_port, "Source port (default: one the kernel picks)");
  cmd->add_option("-f,--first-hop", opts->first_ttl, "First TTL")->capture_default_str();
  cmd->add_option("--max-hops", opts->max_hops, fmt::format("Largest TTL (at most {})", probe::kTraceMaxHops))
      ->capture_default_str();
  cmd->add_option("-q,--queries", opts->queries, "Probes per hop per round")->capture_default_str();
  cmd->add_option("-c,--cycles", opts->cycles, "Rounds (the table is refreshed after each)")->capture_default_str();
  cmd->add_option("-W,--timeout", opts->timeout_s, "Seconds to wait for each probe")->capture_default_str();
  cmd->add_option("-i,--interval", opts->interval_s, "Seconds between the starts of two rounds")->capture_default_str();
  cmd->add_option("--jump-threshold", opts->jump_threshold_ms, "Flag a latency jump of at least this many ms")
      ->capture_default_str();
  cmd->add_option("--dscp", opts->dscp, "DSCP value for the probes, 0-63");
  cmd->add_flag("--json", opts->json, "One JSON object (hops, flow, analysis) instead of the table");
  cmd->add_flag("-n,--numeric", opts->numeric, "No reverse DNS");
  cmd->add_flag("-4", opts->ipv4, "IPv4 only");
  cmd->add_flag("-6", opts->ipv6, "IPv6 only");
  cmd->add_option("--dns-server", opts->dns_servers, "DNS server IP[:PORT] to use instead of the system's (repeatable)");
  cmd->callback([opts, &result] { result = runTrace(*opts); });
}

ExitCode runTrace(const TraceCmdOptions& opts) {
  auto usage = [](const std::string& message) {
    printError(kCommand, message);
    return ExitCode::kUsage;
  };
  probe::TraceParams p;
  if (opts.mode == "udp") p.mode = probe::TraceMode::kUdp;
  else if (opts.mode == "tcp") p.mode = probe::TraceMode::kTcp;
  else if (opts.mode == "icmp") p.mode = probe::TraceMode::kIcmp;
  else return usage("--mode must be udp, tcp or icmp");
  if (opts.port < 0 || opts.port > 65535) return usage("--port must be from 1 to 65535");
  if (opts.src_port < 0 || opts.src_port > 65535) return usage("--src-port must be from 1 to 65535");
  if (opts.max_hops < 1 || opts.max_hops > probe::kTraceMaxHops) {
    return usage(fmt::format("--max-hops must be from 1 to {}", probe::kTraceMaxHops));
  }
  if (opts.first_ttl < 1 || opts.first_ttl > opts.max_hops) return usage("-f must be from 1 to --max-hops");
  if (opts.queries < 1 || opts.queries > probe::kTraceMaxProbesPerHop) {
    return usage(fmt::format("-q must be from 1 to {}", probe::kTraceMaxProbesPerHop));
  }
  if (opts.cycles < 1 || opts.cycles > probe::kTraceMaxCycles) {
    return usage(fmt::format("-c must be from 1 to {}", probe::kTraceMaxCycles));
  }
  if (!(opts.timeout_s > 0) || opts.timeout_s > 60) return usage("-W must be more than 0 and at most 60 seconds");
  if (!(opts.interval_s >= 0.1) || opts.interval_s > 3600) return usage("-i must be from 0.1 to 3600 seconds");
  if (!(opts.jump_threshold_ms > 0)) return usage("--jump-threshold must be more than 0");
  if (opts.dscp && (*opts.dscp < 0 || *opts.dscp > 63)) return usage("--dscp must be from 0 to 63");
  if (opts.ipv4 && opts.ipv6) return usage("-4 and -6 exclude each other");
  p.host = opts.host;
  p.family = opts.ipv6 ? io::AddressFamily::kV6 : opts.ipv4 ? io::AddressFamily::kV4 : io::AddressFamily::kAny;
  p.port = static_cast<std::uint16_t>(opts.port);
  p.src_port = static_cast<std::uint16_t>(opts.src_port);
  p.first_ttl = opts.first_ttl;
  p.max_hops = opts.max_hops;
  p.probes_per_hop = opts.queries;
  p.cycles = opts.cycles;
  p.timeout = std::chrono::milliseconds(std::llround(opts.timeout_s * 1000));
  p.interval = std::chrono::milliseconds(std::llround(opts.interval_s * 1000));
  p.dscp = opts.dscp;
  p.resolve_names = !opts.numeric;

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
  // On a terminal the table is redrawn in place after each round; otherwise one progress line per
  // round goes to stderr and the table is printed once at the end.
  const bool tty = !opts.json && stdoutIsTerminal();
  std::size_t drawn = 0;
  probe::TraceCallbacks cb;
  cb.on_round = [&](const probe::TraceReport& r) {
    if (opts.json) return;
    if (tty) {
      std::string text = fmt::format("trace to {} ({}), {} mode, round {}/{}\n", r.target, r.remote_address,
                                     probe::traceModeName(r.mode), r.cycles_done, opts.cycles) +
                         render::renderTraceTable(r);
      if (drawn > 0) std::fputs(fmt::format("\x1b[{}A\x1b[J", drawn).c_str(), stdout);
      std::fputs(text.c_str(), stdout);
      std::fflush(stdout);
      drawn = lineCount(text);
    } else if (opts.cycles > 1) {
      std::fputs(fmt::format("round {}/{}: {} hops, destination {}\n", r.cycles_done, opts.cycles, r.hops.size(),
                             r.reached ? "reached" : "not reached")
                     .c_str(),
                 stderr);
    }
  };
  auto outcome = runOnLoop(ioc, probe::runTrace(**resolver, p, cb, &stop), &signals);
  if (!outcome) {
    printError(kCommand, "internal error");
    return ExitCode::kRuntime;
  }
  if (!outcome->ok) {
    printError(kCommand, outcome->detail);
    return ExitCode::kRuntime;
  }
  const auto analysis = probe::analyzeTrace(outcome->hops, outcome->reached, opts.jump_threshold_ms);
  if (opts.json) {
    std::fputs((render::traceJson(*outcome, analysis, opts.jump_threshold_ms) + "\n").c_str(), stdout);
  } else {
    std::string text;
    if (!tty) {
      text += fmt::format("trace to {} ({}), {} mode, {} round{}\n", outcome->target, outcome->remote_address,
                          probe::traceModeName(outcome->mode), outcome->cycles_done,
                          outcome->cycles_done == 1 ? "" : "s");
    }
    if (!tty || drawn == 0) text += render::renderTraceTable(*outcome);
    else {
      // Redraw once more: reverse DNS answers that came in after the last round.
      std::fputs(fmt::format("\x1b[{}A\x1b[J", drawn).c_str(), stdout);
      text += fmt::format("trace to {} ({}), {} mode, {} round{}\n", outcome->target, outcome->remote_address,
                          probe::traceModeName(outcome->mode), outcome->cycles_done,
                          outcome->cycles_done == 1 ? "" : "s") +
              render::renderTraceTable(*outcome);
    }
    text += render::renderTraceAnalysis(*outcome, analysis);
    std::fputs(text.c_str(), stdout);
  }
  std::fflush(stdout);
  if (!outcome->reached) return ExitCode::kFailures;
  const auto& dest = outcome->hops.back();
  return dest.received < dest.sent ? ExitCode::kWarnings : ExitCode::kOk;
}

}  // namespace vs::cli
