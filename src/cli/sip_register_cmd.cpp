// `voipscope sip register TARGET --user U`: registers every interval with one session (one Call-ID, as a
// phone refreshing its binding would), keeps sip ping's statistics over the attempts, and unregisters on exit.
#include <fmt/format.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/run_loop.h"
#include "cli/sip_common.h"
#include "core/time.h"
#include "io/dns.h"
#include "probe/ping_stats.h"
#include "probe/sip_pinger.h"
#include "probe/sip_register.h"
#include "render/ping_render.h"

namespace vs::cli {
namespace {

constexpr const char* kCommand = "sip register";
// Above this share of failed registrations, phones on the registrar are likely to be seen offline.
constexpr double kAlertFailurePercent = 5.0;

// Why an attempt failed, in one phrase: the final response when there was one.
std::string failureText(const probe::SipRegisterResult& r) {
  std::string text(probe::toString(r.outcome));
  if (!r.status_line.empty()) text += ": " + r.status_line;
  if (!r.detail.empty()) text += " (" + r.detail + ")";
  return text;
}

bool listsContact(const probe::SipRegisterResult& r) {
  return std::any_of(r.bindings.begin(), r.bindings.end(),
                     [&](const std::string& b) { return b.find("<" + r.contact + ">") != std::string::npos; });
}

struct RunState {
  probe::PingStats stats;
  std::string remote;
  bool registered_once = false;
  bool resolve_failed = false;
  std::string resolve_error;
  std::optional<probe::SipRegisterResult> unregister;
  std::optional<io::TlsInfo> tls;
  std::string resolution;
};

}  // namespace

void setupSipRegister(CLI::App& app, std::shared_ptr<SipRegisterCmdOptions> opts, ExitCode& result) {
  auto* cmd = sipCommand(app)->add_subcommand("register", "Register to a SIP registrar repeatedly and keep statistics");
  cmd->add_option("target", opts->target, "Registrar: host, host:port or sip: URI")->required();
  cmd->add_option("--user", opts->user, "AOR user (and digest username)");
  cmd->add_option("--auth-user", opts->auth_user, "Digest username when it differs from --user");
  cmd->add_option("--password", opts->password, "Digest password (default: $VOIPSCOPE_SIP_PASSWORD)");
  cmd->add_option("--domain", opts->domain, "AOR domain (default: the target host)");
  cmd->add_option("-I,--interval", opts->interval_ms, "Interval between registrations, ms")->capture_default_str();
  cmd->add_option("--expires", opts->expires, "Expires asked for, s")->capture_default_str();
  cmd->add_option("-c,--count", opts->count, "Registrations (default: until Ctrl+C)");
  cmd->add_option("-t,--timeout", opts->timeout_ms, "Timeout per registration (all round trips), ms")
      ->capture_default_str();
  cmd->add_option("--transport", opts->transport, "udp | tcp | tls (default udp; sips: targets tls)");
  cmd->add_option("--ca-file", opts->ca_file, "TLS: also trust the CA certificate(s) in this PEM file");
  cmd->add_flag("--insecure", opts->insecure, "TLS: do not verify the registrar certificate (it is still shown)");
  cmd->add_option("-w,--write", opts->csv_file, "CSV log file (default logs/<target>-register.csv; '-' for none)");
  cmd->add_flag("-q,--quiet", opts->quiet, "No per-attempt lines");
  cmd->add_flag("-S,--no-stats", opts->no_stats, "No statistics (periodic or final)");
  cmd->add_option("--stats-every", opts->stats_every, "Print statistics every N attempts (0: never)")
      ->capture_default_str();
  cmd->add_option("--dns-server", opts->dns_servers, "DNS server IP[:PORT] to use instead of the system's (repeatable)");
  cmd->callback([opts, &result] { result = runSipRegister(*opts); });
}

ExitCode runSipRegister(const SipRegisterCmdOptions& opts) {
  auto usage = [](const std::string& message) {
    printError(kCommand, message);
    return ExitCode::kUsage;
  };
  if (opts.user.empty()) return usage("--user is required");
  if (opts.interval_ms <= 0) return usage("--interval must be a positive number of ms");
  if (opts.timeout_ms <= 0) return usage("-t must be a positive number of ms");
  if (opts.expires <= 0) return usage("--expires must be a positive number of seconds");
  if (opts.stats_every < 0) return usage("--stats-every must be 0 or more");
  auto transport = parseTransport(opts.transport);
  if (!transport) return usage(transport.error().message);
  if (opts.insecure && !opts.ca_file.empty()) return usage("--insecure and --ca-file exclude each other");

  // sip ping's target syntax, so both commands accept the same TARGET.
  probe::SipPingOptions po;
  po.targets = {opts.target};
  po.transport = *transport;
  po.transport_given = !opts.transport.empty();
  auto targets = probe::parsePingTargets(po);
  if (!targets) return usage(targets.error().message);
  const auto& target = targets->front();

  probe::SipRegisterParams params;
  params.host = target.host;
  params.port = target.port;
  params.transport = target.transport;
  params.user = opts.user;
  params.auth_user = opts.auth_user;
  params.password = opts.password.empty() ? envOr("VOIPSCOPE_SIP_PASSWORD") : opts.password;
  params.domain = opts.domain;
  params.expires = static_cast<std::uint32_t>(opts.expires);
  params.timeout = std::chrono::milliseconds(opts.timeout_ms);
  params.explicit_port = target.explicit_port;
  params.explicit_transport = target.explicit_transport;
  params.tls.verify = !opts.insecure;
  params.tls.ca_file = opts.ca_file;
  const std::string transport_name(probe::toString(target.transport));

  File csv;
  if (opts.csv_file != "-") {
    auto path = opts.csv_file.empty() ? "logs/" + fileNameFor(target.text) + "-register.csv" : opts.csv_file;
    auto f = openLog(path, render::registerCsvHeader());
    if (!f) {
      printError(kCommand, f.error().message);
      return ExitCode::kRuntime;
    }
    csv = std::move(*f);
  }

  asio::io_context ioc;
  io::ResolverOptions ro;
  ro.servers = opts.dns_servers;
  auto resolver = io::Resolver::create(ioc.get_executor(), ro);
  if (!resolver) return usage(resolver.error().message);

  RunState st;
  probe::SipRegisterSession session;
  bool stopping = false;
  asio::steady_timer pause(ioc);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int) {
    if (ec) return;
    stopping = true;
    pause.cancel();  // an attempt in flight finishes (bounded by -t); the unregister follows it
  });

  auto attempt = [&](std::uint64_t seq) -> asio::awaitable<void> {
    auto sent_ms = nowUnixMs();
    auto r = co_await probe::sipRegister(**resolver, params, session);
    if (r.outcome == probe::SipRegisterOutcome::kResolveFailed) {
      st.resolve_failed = true;
      st.resolve_error = r.detail.empty() ? "cannot resolve " + target.host : r.detail;
      co_return;
    }
    if (!r.remote_address.empty()) st.remote = r.remote_address;
    if (!r.resolution.empty() && r.resolution != st.resolution) {
      st.resolution = r.resolution;  // once, and again only when DNS changes its answer
      out(fmt::format("resolved {} via {}", target.text, r.resolution));
    }
    if (r.tls && (!st.tls || st.tls->subject != r.tls->subject || st.tls->not_after_ms != r.tls->not_after_ms)) {
      st.tls = r.tls;  // shown once, and again only if a later connection presents another certificate
      out(render::renderTlsPeer(target.text, *r.tls));
    }
    probe::PingResult p;
    p.target = target.text;
    p.transport = transport_name;
    p.seq = seq;
    p.sent_unix_ms = sent_ms;
    p.received = r.outcome == probe::SipRegisterOutcome::kRegistered;
    p.rtt_ms = r.latency_ms;
    p.status_code = r.status_code;
    p.status_line = r.status_line;
    p.call_id = r.call_id;
    p.responder = r.remote_address;
    p.reason = failureText(r);
    st.stats.add(p);
    if (p.received) st.registered_once = true;
    if (!opts.quiet) {
      auto line = render::renderPingLine(p);
      if (p.received) {
        line += fmt::format("  ({} round trip{}, expires {})", r.round_trips, r.round_trips == 1 ? "" : "s",
                            r.granted_expires ? std::to_string(*r.granted_expires) : "not stated");
      }
      out(line);
    }
    if (csv) {
      std::fputs((render::registerCsvRow(p, probe::toString(r.outcome), r.remote_address) + "\n").c_str(), csv.get());
      std::fflush(csv.get());
    }
    auto snap = st.stats.snapshot();
    if (!opts.no_stats && opts.stats_every > 0 && snap.sent % static_cast<std::uint64_t>(opts.stats_every) == 0) {
      out(render::renderStatsLine(target.text, snap));
    }
  };

  auto drive = [&]() -> asio::awaitable<void> {
    for (std::uint64_t seq = 1; !stopping && (opts.count == 0 || seq <= opts.count); ++seq) {
      auto start = SteadyClock::now();
      co_await attempt(seq);
      if (st.resolve_failed || stopping) break;
      if (opts.count != 0 && seq == opts.count) break;
      pause.expires_at(start + std::chrono::milliseconds(opts.interval_ms));
      std::error_code ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    // Only a binding we made is worth removing; with wrong credentials the unregister would fail the same way.
    if (st.registered_once) {
      auto un = params;
      un.kind = probe::SipRegisterKind::kUnregister;
      st.unregister = co_await probe::sipRegister(**resolver, un, session);
    }
  };
  const bool crashed = !runOnLoop(ioc, drive(), &signals);

  if (crashed) {
    printError(kCommand, "internal error");
    return ExitCode::kRuntime;
  }
  if (st.resolve_failed) {
    printError(kCommand, st.resolve_error);
    return ExitCode::kRuntime;
  }
  if (st.unregister) {
    const auto& u = *st.unregister;
    if (u.outcome == probe::SipRegisterOutcome::kUnregistered) {
      out(fmt::format("unregister: {} in {:.3f} ms, binding {}", u.status_line, u.latency_ms,
                      listsContact(u) ? "still listed by the registrar" : "removed"));
    } else {
      out(fmt::format("unregister failed: {}", failureText(u)));
    }
  } else {
    out("unregister: not sent (no registration succeeded)");
  }

  auto s = st.stats.summary();
  if (!opts.no_stats) {
    std::string text = fmt::format("\n--- {} ({}) sip register statistics ---\n", target.text,
                                   st.remote.empty() ? "no reply" : st.remote);
    text += fmt::format("{} attempts, {} registered, {} failed\n", s.sent, s.received, s.lost);
    text += fmt::format("failure runs: longest {}, last {}, current {}\n", s.longest_run, s.last_run, s.current_run);
    if (s.received > 0) {
      text += fmt::format("latency min/avg/max {:.3f}/{:.3f}/{:.3f} ms, p50/p95/p99 {:.3f}/{:.3f}/{:.3f} ms\n",
                          s.min_ms, s.avg_ms, s.max_ms, s.p50_ms, s.p95_ms, s.p99_ms);
      text += fmt::format("jitter {:.3f} ms (RFC 3550 smoothed), stddev {:.3f} ms\n", s.jitter_ms, s.stddev_ms);
    }
    for (const auto& o : s.outages) {
      text += fmt::format("  {} -> {}  {} failed from #{}\n", formatIso8601(o.start_unix_ms),
                          o.end_unix_ms ? formatIso8601(*o.end_unix_ms) : std::string("still failing"), o.lost,
                          o.first_seq);
    }
    auto rate = s.lossPercent();
    text += fmt::format("registration failure rate {:.1f} %{}\n", rate,
                        rate > kAlertFailurePercent
                            ? fmt::format(", above the {:g} % alerting threshold", kAlertFailurePercent)
                            : "");
    if (st.tls) text += render::renderTlsPeer(target.text, *st.tls) + "\n";
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  }
  if (s.lost == 0) return ExitCode::kOk;
  return s.received == 0 ? ExitCode::kFailures : ExitCode::kWarnings;
}

}  // namespace vs::cli
