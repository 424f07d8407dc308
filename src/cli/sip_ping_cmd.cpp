// `voipscope sip ping TARGET...`: sipping's options with the same meanings, on the probe/sip_pinger engine.
#include <fmt/format.h>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/run_loop.h"
#include "cli/sip_common.h"
#include "io/dns.h"
#include "probe/ping_stats.h"
#include "probe/sip_pinger.h"
#include "render/ping_render.h"

namespace vs::cli {
namespace {

constexpr const char* kCommand = "sip ping";
// Bytes of an unusable reply shown under -X; a 64 kB blob would bury the run.
constexpr std::size_t kNoisePreview = 512;

Result<std::vector<std::string>> readTargetsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return makeError(fmt::format("cannot read {}", path));
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    auto last = line.find_last_not_of(" \t\r");
    out.push_back(line.substr(first, last - first + 1));
  }
  if (out.empty()) return makeError(fmt::format("{}: no target", path));
  return out;
}

}  // namespace

void setupSipPing(CLI::App& app, std::shared_ptr<SipPingCmdOptions> opts, ExitCode& result) {
  auto* cmd = sipCommand(app)->add_subcommand("ping", "Send SIP OPTIONS continuously and keep statistics");
  cmd->add_option("targets", opts->targets, "host, host:port or sip:/sips: URI");
  cmd->add_option("-f,--targets-file", opts->targets_file, "File with one target per line");
  cmd->add_option("-I,--interval", opts->interval_ms, "Interval between pings, ms")->capture_default_str();
  cmd->add_option("-u,--from-user", opts->from_user, "From user")->capture_default_str();
  cmd->add_option("-i,--via-ip", opts->via_ip, "IP address for the Via header (default: the local address)");
  cmd->add_option("-d,--from-domain", opts->from_domain, "From domain (default: the Via address)");
  cmd->add_option("-p,--port", opts->port, "Port when the target has none (default 5060, TLS 5061)");
  cmd->add_option("--ttl", opts->ttl, "Max-Forwards")->capture_default_str();
  cmd->add_option("-w,--write", opts->csv_file, "CSV log file (default logs/<target>.csv; '-' for none)");
  cmd->add_option("-t,--timeout", opts->timeout_ms, "Timeout per ping, ms")->capture_default_str();
  cmd->add_option("-c,--count", opts->count, "Pings per target (default: until Ctrl+C)");
  cmd->add_flag("-x,--print-sent", opts->print_sent, "Print each request as sent");
  cmd->add_flag("-X,--print-received", opts->print_received, "Print each response as received, and rewrite diffs");
  cmd->add_flag("-q,--quiet", opts->quiet, "No per-ping lines");
  cmd->add_flag("-S,--no-stats", opts->no_stats, "No statistics (periodic or final)");
  cmd->add_option("--stats-every", opts->stats_every, "Print statistics every N pings (0: never)")->capture_default_str();
  cmd->add_option("--jsonl", opts->jsonl_file, "Write one JSON object per ping to FILE instead of CSV");
  cmd->add_option("--transport", opts->transport, "udp | tcp | tls (default udp, or as DNS NAPTR says)");
  cmd->add_option("--ca-file", opts->ca_file, "TLS: also trust the CA certificate(s) in this PEM file");
  cmd->add_flag("--insecure", opts->insecure, "TLS: do not verify the server certificate (it is still shown)");
  cmd->add_flag("-6", opts->ipv6, "IPv6 only");
  cmd->add_flag("-4", opts->ipv4, "IPv4 only");
  cmd->add_flag("--new-port-per-ping", opts->new_port_per_ping, "A new UDP source port for every ping (sipping)");
  cmd->add_option("--dscp", opts->dscp, "DSCP value for the packets, 0-63 (46 = EF)");
  cmd->add_option("--dns-server", opts->dns_servers, "DNS server IP[:PORT] to use instead of the system's (repeatable)");
  cmd->callback([opts, &result] { result = runSipPing(*opts); });
}

ExitCode runSipPing(const SipPingCmdOptions& opts) {
  probe::SipPingOptions po;
  po.targets = opts.targets;
  if (!opts.targets_file.empty()) {
    auto more = readTargetsFile(opts.targets_file);
    if (!more) {
      printError(kCommand, more.error().message);
      return ExitCode::kUsage;
    }
    po.targets.insert(po.targets.end(), more->begin(), more->end());
  }
  auto usage = [](const std::string& message) {
    printError(kCommand, message);
    return ExitCode::kUsage;
  };
  if (po.targets.empty()) return usage("no target (give TARGET or -f FILE)");
  if (opts.interval_ms <= 0) return usage("-I must be a positive number of ms");
  if (opts.timeout_ms <= 0) return usage("-t must be a positive number of ms");
  if (opts.port && (*opts.port < 1 || *opts.port > 65535)) return usage("-p must be a port from 1 to 65535");
  if (opts.ttl < 0 || opts.ttl > 255) return usage("--ttl must be from 0 to 255");
  if (opts.stats_every < 0) return usage("--stats-every must be 0 or more");
  if (opts.dscp && (*opts.dscp < 0 || *opts.dscp > 63)) return usage("--dscp must be from 0 to 63");
  if (opts.ipv4 && opts.ipv6) return usage("-4 and -6 exclude each other");
  auto transport = parseTransport(opts.transport);
  if (!transport) return usage(transport.error().message);
  if (opts.new_port_per_ping && !opts.transport.empty() && opts.transport != "udp") {
    return usage("--new-port-per-ping applies to UDP only");
  }
  if (opts.insecure && !opts.ca_file.empty()) return usage("--insecure and --ca-file exclude each other");

  if (opts.port) po.default_port = static_cast<std::uint16_t>(*opts.port);
  po.transport = *transport;
  po.transport_given = !opts.transport.empty();
  po.tls.verify = !opts.insecure;
  po.tls.ca_file = opts.ca_file;
  po.family = opts.ipv6 ? io::AddressFamily::kV6 : opts.ipv4 ? io::AddressFamily::kV4 : io::AddressFamily::kAny;
  po.interval = std::chrono::milliseconds(opts.interval_ms);
  po.timeout = std::chrono::milliseconds(opts.timeout_ms);
  po.count = opts.count;
  po.from_user = opts.from_user;
  po.from_domain = opts.from_domain;
  po.via_host = opts.via_ip;
  po.max_forwards = opts.ttl;
  po.dscp = opts.dscp;
  po.new_port_per_ping = opts.new_port_per_ping;
  po.keep_raw = opts.print_sent || opts.print_received;
  auto targets = probe::parsePingTargets(po);
  if (!targets) return usage(targets.error().message);

  // Logs: --jsonl FILE, or -w FILE (every target in one file), or logs/<target>.csv each, or none (-w -).
  const bool jsonl = !opts.jsonl_file.empty();
  std::vector<std::FILE*> log_for(targets->size(), nullptr);
  std::vector<File> files;
  std::string open_error;
  auto open = [&](const std::string& path, bool csv) -> std::FILE* {
    auto f = openLog(path, csv ? render::csvHeader() : std::string());
    if (!f) {
      open_error = f.error().message;
      return nullptr;
    }
    files.push_back(std::move(*f));
    return files.back().get();
  };
  if (jsonl || (!opts.csv_file.empty() && opts.csv_file != "-")) {
    auto path = jsonl ? opts.jsonl_file : opts.csv_file;
    auto* f = open(path, !jsonl);
    if (!f) {
      printError(kCommand, open_error);
      return ExitCode::kRuntime;
    }
    std::fill(log_for.begin(), log_for.end(), f);
  } else if (opts.csv_file.empty()) {
    std::map<std::string, std::FILE*> by_path;  // a target listed twice shares its file
    for (std::size_t i = 0; i < targets->size(); ++i) {
      auto path = "logs/" + fileNameFor((*targets)[i].text) + ".csv";
      auto [it, fresh] = by_path.emplace(path, nullptr);
      if (fresh) it->second = open(path, true);
      if (!it->second) {
        printError(kCommand, open_error);
        return ExitCode::kRuntime;
      }
      log_for[i] = it->second;
    }
  }

  asio::io_context ioc;
  io::ResolverOptions ro;
  ro.servers = opts.dns_servers;
  auto resolver = io::Resolver::create(ioc.get_executor(), ro);
  if (!resolver) return usage(resolver.error().message);

  std::vector<probe::PingStats> stats(targets->size());
  const bool stats_on = !opts.no_stats;
  probe::SipPingCallbacks cb;
  cb.on_result = [&](const probe::PingResult& r) {
    auto& st = stats[r.target_index];
    st.add(r);
    if (opts.print_sent) out(fmt::format("> sent to {} (#{}):\n{}", r.target, r.seq, r.raw_request));
    if (opts.print_received && !r.raw_response.empty()) {
      out(fmt::format("< received from {} (#{}):\n{}", r.responder, r.seq, r.raw_response));
    }
    if (!opts.quiet) out(render::renderPingLine(r));
    if (auto* f = log_for[r.target_index]) {
      std::fputs(((jsonl ? render::jsonlRow(r) : render::csvRow(r)) + "\n").c_str(), f);
      std::fflush(f);
    }
    auto snap = st.snapshot();
    if (stats_on && opts.stats_every > 0 && snap.sent % static_cast<std::uint64_t>(opts.stats_every) == 0) {
      out(render::renderStatsLine(r.target, snap));
    }
  };
  cb.on_late = [&](const probe::LateReply& late) {
    stats[late.target_index].addLate();
    if (!opts.quiet) out(render::renderLateLine(late));
  };
  cb.on_resolved = [&](std::size_t index, const std::string& how) {
    if (!opts.quiet) out(fmt::format("resolved {} via {}", (*targets)[index].text, how));
  };
  cb.on_tls = [&](std::size_t index, const io::TlsInfo& tls) { out(render::renderTlsPeer((*targets)[index].text, tls)); };
  cb.on_rewrite = [&](std::size_t index, const probe::HeaderRewrite& rw) {
    out(render::renderRewrite((*targets)[index].text, rw, opts.print_received));
  };
  cb.on_noise = [&](std::size_t index, std::string_view what, std::string_view bytes) {
    if (!opts.print_received) return;
    auto shown = bytes.substr(0, kNoisePreview);
    out(fmt::format("< unusable bytes from {} ({}, {} bytes):\n{}{}", (*targets)[index].text, what, bytes.size(),
                    shown, bytes.size() > shown.size() ? "\n[...]" : ""));
  };

  probe::SipPinger pinger(ioc.get_executor(), **resolver, po, cb);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code& ec, int) {
    if (!ec) pinger.stop();
  });
  auto outcome = runOnLoop(ioc, pinger.run(), &signals);
  if (!outcome) outcome.emplace(makeError("internal error"));

  if (!outcome || !outcome->ok()) {
    printError(kCommand, outcome ? outcome->error().message : "stopped before a result");
    return ExitCode::kRuntime;
  }
  std::uint64_t received = 0, lost = 0;
  for (std::size_t i = 0; i < (*outcome)->size(); ++i) {
    const auto& rep = (**outcome)[i];
    auto s = stats[i].summary();
    received += s.received;
    lost += s.lost;
    if (stats_on) {
      std::fputs("\n", stdout);
      std::fputs(render::renderSummary(rep.target.text, rep.remote_address, s, rep.counters, rep.rewrites).c_str(),
                 stdout);
      if (rep.tls) std::fputs((render::renderTlsPeer(rep.target.text, *rep.tls) + "\n").c_str(), stdout);
    }
  }
  std::fflush(stdout);
  if (lost == 0) return ExitCode::kOk;
  return received == 0 ? ExitCode::kFailures : ExitCode::kWarnings;
}

}  // namespace vs::cli
