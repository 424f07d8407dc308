// `voipscope nat HOST[:PORT]`: NAT, mapping behaviour, binding lifetime and SIP ALG through a reflector
// (probe/nat_probe).
#include <asio/io_context.hpp>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/run_loop.h"
#include "io/dns.h"
#include "probe/nat_probe.h"
#include "probe/reflector.h"
#include "proto/endpoint.h"

namespace vs::cli {
namespace {

std::string json(const probe::NatResult& r) {
  nlohmann::json j;
  j["ok"] = r.ok;
  if (!r.detail.empty()) j["detail"] = r.detail;
  j["reflector"] = r.remote;
  j["local"] = r.local_address;
  j["mapped"] = r.mapped;
  j["mapped_alt_port"] = r.mapped_alt;
  j["nat"] = r.nat;
  j["port_preserved"] = r.port_preserved;
  j["mapping"] = r.mapping;
  j["reflector_alt_address"] = r.alt_address.empty() ? nlohmann::json() : nlohmann::json(r.alt_address);
  j["mapped_alt_address"] = r.mapped_alt_address;
  j["mapping_address_tested"] = r.mapping_address_tested;
  j["filtering"] = r.filtering;
  if (!r.filtering_detail.empty()) j["filtering_detail"] = r.filtering_detail;
  auto& lt = j["lifetime"];
  lt["probes"] = nlohmann::json::array();
  for (const auto& l : r.lifetime) {
    nlohmann::json p{{"idle_s", l.idle_s}, {"accepted", l.accepted}, {"survived", l.survived}};
    if (!l.detail.empty()) p["detail"] = l.detail;
    lt["probes"].push_back(p);
  }
  lt["survived_s"] = r.lifetime_survived_s >= 0 ? nlohmann::json(r.lifetime_survived_s) : nlohmann::json();
  lt["failed_s"] = r.lifetime_failed_s >= 0 ? nlohmann::json(r.lifetime_failed_s) : nlohmann::json();
  auto& sip = j["sip_alg"];
  sip["tested"] = r.sip_tested;
  sip["transport"] = r.sip_transport;
  sip["rewritten"] = r.sip_alg;
  sip["exchanges"] = nlohmann::json::array();
  for (const auto& x : r.sip) {
    nlohmann::json e{{"method", x.method}, {"answered", x.answered}, {"status", x.status}, {"echoed", x.echoed}};
    if (!x.detail.empty()) e["detail"] = x.detail;
    e["rewrites"] = nlohmann::json::array();
    for (const auto& w : x.rewrites) e["rewrites"].push_back({{"field", w.field}, {"sent", w.sent}, {"received", w.received}});
    sip["exchanges"].push_back(e);
  }
  return j.dump();
}

std::string text(const probe::NatResult& r) {
  std::ostringstream o;
  o << fmt::format("reflector   {}\nlocal       {}\npublic      {}{}\n", r.remote, r.local_address, r.mapped,
                   r.nat ? (r.port_preserved ? "  (NAT, port preserved)" : "  (NAT)") : "  (no NAT)");
  o << fmt::format("mapping     {}", r.mapping);
  if (!r.mapped_alt.empty()) {
    o << fmt::format("  (to port 1: {}, to port 2: {}", r.mapped, r.mapped_alt);
    if (!r.mapped_alt_address.empty()) o << fmt::format(", to address 2 {}: {}", r.alt_address, r.mapped_alt_address);
    o << ")";
  }
  o << "\n";
  if (r.mapping == "endpoint-independent" && !r.mapping_address_tested) {
    o << (r.alt_address.empty()
              ? "            (the reflector has one address: address-dependent not ruled out; run it with --alt-address)\n"
              : "            (the reflector's second address did not answer: address-dependent not ruled out)\n");
  }
  o << fmt::format("filtering   {}{}\n", r.filtering, r.filtering_detail.empty() ? "" : "  (" + r.filtering_detail + ")");
  if (!r.lifetime.empty()) {
    o << "binding     ";
    for (const auto& l : r.lifetime) {
      o << fmt::format("{}s:{} ", l.idle_s, !l.accepted ? "?" : l.survived ? "alive" : "expired");
    }
    o << "\n";
    if (r.lifetime_survived_s >= 0) o << fmt::format("            survived {} s idle", r.lifetime_survived_s);
    else o << "            no idle interval survived";
    if (r.lifetime_failed_s >= 0) o << fmt::format(", expired by {} s", r.lifetime_failed_s);
    o << "\n";
    for (const auto& l : r.lifetime) {
      if (!l.detail.empty()) o << fmt::format("            {}s: {}\n", l.idle_s, l.detail);
    }
  }
  if (r.sip_tested) {
    for (const auto& x : r.sip) {
      if (!x.echoed) {
        o << fmt::format("sip {:<8}{}\n", x.method, x.detail.empty() ? "no echo" : x.detail);
        continue;
      }
      if (x.rewrites.empty()) {
        o << fmt::format("sip {:<8}unchanged over {} (no SIP ALG seen)\n", x.method, r.sip_transport);
        continue;
      }
      o << fmt::format("sip {:<8}SIP ALG rewrote ({}):\n", x.method, r.sip_transport);
      for (const auto& w : x.rewrites) {
        o << fmt::format("            {}: {} -> {}\n", w.field, w.sent.empty() ? "(none)" : w.sent,
                         w.received.empty() ? "(removed)" : w.received);
      }
    }
    if (r.sip_alg) o << "            remedy: disable SIP ALG / SIP helper / SIP passthrough on the router\n";
  }
  return o.str();
}

std::optional<std::vector<int>> parseIntervals(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      std::size_t used = 0;
      const int v = std::stoi(item, &used);
      if (used != item.size() || v < 1 || v > 600) return std::nullopt;
      out.push_back(v);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (out.empty() || out.size() > 16) return std::nullopt;
  return out;
}

}  // namespace

void setupNat(CLI::App& app, std::shared_ptr<NatCmdOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand(
      "nat", "NAT mapping behaviour, UDP binding lifetime and SIP ALG rewrites, through a voipscope reflector");
  cmd->add_option("target", opts->target, "Reflector HOST[:PORT] (default port 5004)")->required();
  cmd->add_option("--sip-port", opts->sip_port, "Reflector port for the SIP ALG test (default: the reflector port)");
  cmd->add_option("--alt-port", opts->alt_port, "The reflector's second port (default: its port + 1)");
  cmd->add_option("--max-idle", opts->max_idle_s, "Longest idle interval tested, seconds")->capture_default_str();
  cmd->add_flag("--quick", opts->quick, "Idle intervals 5, 10, 20, 30 s (up to --max-idle)");
  cmd->add_option("--intervals", opts->intervals, "Explicit idle intervals, seconds (e.g. 3,5,12)");
  cmd->add_flag("--no-lifetime", opts->no_lifetime, "Skip the binding lifetime test");
  cmd->add_flag("--no-sip", opts->no_sip, "Skip the SIP ALG test");
  cmd->add_option("--sip-transport", opts->sip_transport, "SIP ALG test over udp or tcp")
      ->check(CLI::IsMember({"udp", "tcp"}))
      ->capture_default_str();
  cmd->add_option("--secret", opts->secret, "Shared secret of the reflector (default: $VOIPSCOPE_REFLECT_SECRET)");
  cmd->add_flag("--json", opts->json, "One JSON object instead of the report");
  cmd->add_flag("-4", opts->ipv4, "IPv4 only");
  cmd->add_flag("-6", opts->ipv6, "IPv6 only");
  cmd->add_option("--dns-server", opts->dns_servers, "DNS server IP[:PORT] (repeatable)");
  cmd->callback([opts, &result] { result = runNat(*opts); });
}

ExitCode runNat(const NatCmdOptions& opts) {
  constexpr const char* kCommand = "nat";
  auto usage = [&](const std::string& m) {
    printError(kCommand, m);
    return ExitCode::kUsage;
  };
  auto ep = proto::parseEndpoint(opts.target);
  if (!ep || !ep->scheme.empty()) return usage("target must be HOST[:PORT], got '" + opts.target + "'");
  if (opts.sip_port < 0 || opts.sip_port > 65535) return usage("--sip-port must be 0..65535");
  if (opts.alt_port < 0 || opts.alt_port > 65535) return usage("--alt-port must be 0..65535");
  if (opts.max_idle_s < 1 || opts.max_idle_s > 600) return usage("--max-idle must be 1..600 s");
  if (opts.ipv4 && opts.ipv6) return usage("-4 and -6 exclude each other");
  probe::NatProbeParams p;
  p.host = ep->host;
  p.port = ep->port.value_or(probe::kDefaultReflectPort);
  p.sip_port = static_cast<std::uint16_t>(opts.sip_port);
  p.alt_port = static_cast<std::uint16_t>(opts.alt_port);
  p.family = opts.ipv6 ? io::AddressFamily::kV6 : opts.ipv4 ? io::AddressFamily::kV4 : io::AddressFamily::kAny;
  p.secret = opts.secret.empty() ? envOr("VOIPSCOPE_REFLECT_SECRET") : opts.secret;
  p.sip = !opts.no_sip;
  p.sip_tcp = opts.sip_transport == "tcp";
  if (!opts.intervals.empty()) {
    auto iv = parseIntervals(opts.intervals);
    if (!iv) return usage("--intervals must be 1 to 16 comma-separated seconds, each 1..600");
    p.idle_intervals_s = *iv;
  } else if (!opts.no_lifetime) {
    p.idle_intervals_s = probe::defaultIdleIntervals(opts.max_idle_s, opts.quick);
  }
  if (opts.no_lifetime) p.idle_intervals_s.clear();

  asio::io_context ioc;
  io::ResolverOptions ro;
  ro.servers = opts.dns_servers;
  auto resolver = io::Resolver::create(ioc.get_executor(), ro);
  if (!resolver) return usage(resolver.error().message);
  probe::NatResult r;
  if (auto done = runOnLoop(ioc, probe::runNatProbe(**resolver, p))) r = std::move(*done);
  else r.detail = "internal error";
  if (!r.ok) {
    if (opts.json) std::puts(json(r).c_str());
    printError(kCommand, r.detail.empty() ? "failed" : r.detail);
    return ExitCode::kRuntime;
  }
  std::fputs((opts.json ? json(r) + "\n" : text(r)).c_str(), stdout);
  std::fflush(stdout);
  // Exit: 2 when a SIP ALG rewrote anything (calls break), 1 when the mapping is endpoint-dependent.
  if (r.sip_alg) return ExitCode::kFailures;
  if (r.mapping == "address-and-port-dependent" || r.mapping == "address-dependent") return ExitCode::kWarnings;
  return ExitCode::kOk;
}

}  // namespace vs::cli
