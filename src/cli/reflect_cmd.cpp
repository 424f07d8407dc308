// `voipscope reflect`: the far end for `rtp probe` (probe/reflector), until Ctrl+C or --duration.
#include <algorithm>
#include <fmt/format.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "probe/reflector.h"

namespace vs::cli {

void setupReflect(CLI::App& app, std::shared_ptr<ReflectCmdOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("reflect", "Reflect `rtp probe` streams and answer SIP OPTIONS (far end)");
  cmd->add_option("--bind", opts->bind_address, "Address to bind (:: for IPv6 and IPv4)")->capture_default_str();
  cmd->add_option("-p,--port", opts->port, "UDP port (0: any)")->capture_default_str();
  cmd->add_option("--alt-port", opts->alt_port, "Second UDP port (0: port + 1)")->capture_default_str();
  cmd->add_option("--alt-address", opts->alt_address,
                  "Also listen on this second IP address, same ports (NAT mapping tests; needs a concrete --bind)");
  cmd->add_option("--secret", opts->secret, "Shared secret; probes without a valid HMAC are dropped "
                                            "(default: $VOIPSCOPE_REFLECT_SECRET)");
  cmd->add_option("--rate-limit", opts->rate_limit_pps, "Packets per second per source address")->capture_default_str();
  cmd->add_option("--max-sessions", opts->max_sessions, "Sessions kept (least recently used evicted)")->capture_default_str();
  cmd->add_flag("--no-sip", opts->no_sip, "Do not answer SIP OPTIONS");
  cmd->add_flag("--no-sip-tcp", opts->no_sip_tcp, "Answer SIP over UDP only (no TCP listener)");
  cmd->add_option("--max-tcp", opts->max_tcp_connections, "SIP over TCP connections open at once (8 per source)")
      ->capture_default_str();
  cmd->add_option("--tcp-idle", opts->tcp_idle_s, "Close a SIP over TCP connection silent this many seconds")
      ->capture_default_str();
  cmd->add_option("--duration", opts->duration_s, "Stop after N seconds (0: until Ctrl+C)")->capture_default_str();
  cmd->callback([opts, &result] { result = runReflect(*opts); });
}

ExitCode runReflect(const ReflectCmdOptions& opts) {
  constexpr const char* kCommand = "reflect";
  if (opts.port < 0 || opts.port > 65535 || opts.alt_port < 0 || opts.alt_port > 65535) {
    printError(kCommand, "ports must be 0..65535");
    return ExitCode::kUsage;
  }
  if (opts.rate_limit_pps <= 0 || opts.max_sessions <= 0 || opts.duration_s < 0) {
    printError(kCommand, "--rate-limit, --max-sessions must be positive and --duration not negative");
    return ExitCode::kUsage;
  }
  if (opts.max_tcp_connections < 1 || opts.max_tcp_connections > 10000 || opts.tcp_idle_s < 1 ||
      opts.tcp_idle_s > 3600) {
    printError(kCommand, "--max-tcp must be 1..10000 and --tcp-idle 1..3600 s");
    return ExitCode::kUsage;
  }
  if (!opts.alt_address.empty() && (opts.bind_address == "0.0.0.0" || opts.bind_address == "::" ||
                                    opts.bind_address == opts.alt_address)) {
    printError(kCommand, "--alt-address needs --bind set to another concrete address (a wildcard socket would "
                         "answer from either address)");
    return ExitCode::kUsage;
  }
  probe::ReflectorOptions ro;
  ro.bind_address = opts.bind_address;
  ro.port = static_cast<std::uint16_t>(opts.port);
  ro.alt_port = static_cast<std::uint16_t>(opts.alt_port);
  ro.alt_address = opts.alt_address;
  ro.secret = opts.secret.empty() ? envOr("VOIPSCOPE_REFLECT_SECRET") : opts.secret;
  ro.rate_limit_pps = opts.rate_limit_pps;
  ro.max_sessions = static_cast<std::size_t>(opts.max_sessions);
  ro.answer_sip = !opts.no_sip;
  ro.sip_tcp = !opts.no_sip_tcp;
  ro.max_tcp_connections = static_cast<std::size_t>(opts.max_tcp_connections);
  ro.max_tcp_per_source = std::min<std::size_t>(8, ro.max_tcp_connections);
  ro.tcp_idle_timeout = std::chrono::seconds(opts.tcp_idle_s);
  asio::io_context ioc;
  auto reflector = probe::Reflector::start(ioc.get_executor(), ro);
  if (!reflector) {
    printError(kCommand, reflector.error().message);
    return ExitCode::kRuntime;
  }
  // One JSON line first, so scripts (and tests) can read the ports.
  const auto altAddress = (*reflector)->altAddress();
  std::printf("{\"port\":%u,\"alt_port\":%u,\"sip_tcp_port\":%u,\"authenticated\":%s,\"alt_address\":%s}\n",
              (*reflector)->port(), (*reflector)->altPort(), (*reflector)->sipTcpPort(),
              ro.secret.empty() ? "false" : "true", altAddress.empty() ? "null" : ("\"" + altAddress + "\"").c_str());
  std::fflush(stdout);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer stop(ioc);
  signals.async_wait([&](const std::error_code& ec, int) {
    if (!ec) ioc.stop();
  });
  if (opts.duration_s > 0) {
    stop.expires_after(std::chrono::seconds(opts.duration_s));
    stop.async_wait([&](const std::error_code& ec) {
      if (!ec) ioc.stop();
    });
  }
  ioc.run();
  auto c = (*reflector)->counters();
  std::fprintf(stderr,
               "reflect: %llu reflected, %llu reports, %llu SIP answered (%llu over TCP); dropped: %llu auth, %llu "
               "rate, %llu malformed; TCP connections refused %llu, closed idle %llu\n",
               static_cast<unsigned long long>(c.reflected), static_cast<unsigned long long>(c.reports),
               static_cast<unsigned long long>(c.sip_answered), static_cast<unsigned long long>(c.sip_tcp_answered),
               static_cast<unsigned long long>(c.dropped_auth), static_cast<unsigned long long>(c.dropped_rate),
               static_cast<unsigned long long>(c.dropped_malformed), static_cast<unsigned long long>(c.tcp_refused),
               static_cast<unsigned long long>(c.tcp_closed_idle));
  return ExitCode::kOk;
}

}  // namespace vs::cli
