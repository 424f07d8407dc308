#include "scan/runner.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <cstdlib>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "core/id.h"
#include "core/time.h"
#include "io/dns.h"
#include "io/http_client.h"
#include "probe/latency.h"
#include "probe/nat_probe.h"
#include "probe/reflector.h"
#include "probe/rtp_probe.h"
#include "probe/sip_options.h"
#include "probe/tcp_connect.h"
#include "proto/endpoint.h"
#include "scan/evaluate.h"

#ifndef VOIPSCOPE_VERSION
#define VOIPSCOPE_VERSION "0.1.0"
#endif

namespace vs::scan {
namespace {

using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;

io::AddressFamily familyOf(const CheckSpec& spec) {
  std::string f = spec.getString("family", "any");
  return f == "ipv4" ? io::AddressFamily::kV4 : f == "ipv6" ? io::AddressFamily::kV6 : io::AddressFamily::kAny;
}

std::string httpUrl(const PlannedCheck& pc) {
  auto ep = proto::parseEndpoint(pc.target);
  if (ep && (ep->scheme == "http" || ep->scheme == "https")) return pc.target;
  const CheckSpec& s = *pc.spec;
  std::string scheme = s.getString("scheme", "https");
  std::string url = scheme + "://" + (ep ? ep->hostPort() : pc.target);
  if (ep && !ep->port && s.has("port")) url += fmt::format(":{}", s.getInt("port", 0));
  std::string path = s.getString("path", "/");
  if (path.empty() || path[0] != '/') path = "/" + path;
  return url + path;
}

std::string secretOf(const CheckSpec& spec) {
  if (!spec.has("secret_env")) return {};
  const char* v = std::getenv(spec.getString("secret_env", "").c_str());
  return v != nullptr ? v : "";
}

asio::awaitable<CheckResult> runOne(const PlannedCheck& pc, io::Resolver& resolver, const ScanOptions& opts) {
  const CheckSpec& spec = *pc.spec;
  CheckResult r = baseResult(spec, pc.display);
  auto ex = co_await asio::this_coro::executor;
  if (spec.type == "dns") {
    evaluateDns(r, spec, co_await resolver.resolve(pc.host, familyOf(spec)));
  } else if (spec.type == "tcp_port") {
    probe::TcpConnectParams p;
    p.host = pc.host;
    p.port = pc.port.value_or(0);
    p.timeout = milliseconds(spec.getInt("timeout_ms", defaults::kTimeoutMs));
    evaluateTcp(r, spec, co_await probe::tcpConnect(resolver, p));
  } else if (spec.type == "sip_options") {
    probe::SipOptionsParams p;
    p.host = pc.host;
    p.port = pc.port.value_or(5060);
    p.transport = spec.getString("transport", "udp") == "tcp" ? probe::SipTransport::kTcp : probe::SipTransport::kUdp;
    p.timeout = milliseconds(spec.getInt("timeout_ms", defaults::kSipTimeoutMs));
    p.from_user = spec.getString("from_user", "voipscope");
    evaluateSipOptions(r, spec, co_await probe::sipOptions(resolver, p));
  } else if (spec.type == "http") {
    io::HttpRequest req;
    req.method = spec.getString("method", "GET");
    req.url = httpUrl(pc);
    req.timeout = milliseconds(spec.getInt("timeout_ms", defaults::kHttpTimeoutMs));
    req.verify_tls = false;  // verification is judged by evaluateHttp, which still sees the certificate
    req.ca_file = opts.ca_file;
    r.target = req.url;
    evaluateHttp(r, spec, co_await io::httpRequest(ex, &resolver, req), nowUnixMs());
  } else if (spec.type == "latency") {
    probe::LatencyParams p;
    p.host = pc.host;
    p.port = pc.port.value_or(0);
    p.mode = spec.getString("mode", "udp_echo") == "sip" ? probe::LatencyMode::kSip : probe::LatencyMode::kUdpEcho;
    p.count = static_cast<int>(spec.getInt("count", defaults::kLatencyCount));
    p.interval = milliseconds(spec.getInt("interval_ms", defaults::kLatencyIntervalMs));
    p.timeout = milliseconds(spec.getInt("timeout_ms", defaults::kLatencyTimeoutMs));
    evaluateLatency(r, spec, co_await probe::measureLatency(resolver, p));
  } else if (spec.type == "rtp_quality" || spec.type == "vps_probe") {
    const bool quality = spec.type == "rtp_quality";
    probe::RtpProbeParams p;
    p.host = pc.host;
    p.port = pc.port.value_or(probe::kDefaultReflectPort);
    if (quality) {
      p.codec = spec.getString("codec", "pcmu");
      p.ptime_ms = static_cast<int>(spec.getInt("ptime_ms", defaults::kRtpPtimeMs));
      p.duration = milliseconds(static_cast<long>(spec.getNumber("duration_s", defaults::kRtpDurationS) * 1000));
      if (spec.has("jitter_buffer_ms")) {
        p.jitter_buffer.kind = proto::quality::JitterBufferModel::Kind::kFixed;
        p.jitter_buffer.fixedMs = spec.getNumber("jitter_buffer_ms", 60);
      }
    } else {
      p.duration = milliseconds(spec.getInt("count", defaults::kVpsCount) * 20);
      p.linger = milliseconds(500);
    }
    if (spec.has("dscp")) p.dscp = static_cast<int>(spec.getInt("dscp", 0));
    p.secret = secretOf(spec);
    auto result = co_await probe::runRtpProbe(resolver, p);
    if (quality) {
      evaluateRtpQuality(r, spec, result);
    } else {
      evaluateVpsProbe(r, spec, result);
    }
  } else if (spec.type == "nat" || spec.type == "sip_alg") {
    // Both start with one probe to the reflector's port (is it there, what does it see); nat then
    // measures the mapping (and the binding lifetime when asked), sip_alg sends OPTIONS and INVITE.
    const bool sip = spec.type == "sip_alg";
    probe::NatProbeParams p;
    p.host = pc.host;
    p.port = pc.port.value_or(probe::kDefaultReflectPort);
    p.family = familyOf(spec);
    p.secret = secretOf(spec);
    p.mapping = !sip;
    p.sip = sip;
    if (sip) {
      p.sip_port = static_cast<std::uint16_t>(spec.getInt("sip_port", 0));
      p.sip_tcp = spec.getString("transport", "udp") == "tcp";
    } else {
      p.alt_port = static_cast<std::uint16_t>(spec.getInt("alt_port", 0));
      p.idle_intervals_s = natIdleIntervals(spec);
    }
    auto result = co_await probe::runNatProbe(resolver, p);
    if (sip) {
      evaluateSipAlg(r, spec, result);
    } else {
      evaluateNat(r, spec, result);
    }
  } else if (spec.type == "icmp") {
    probe::IcmpPingParams p;
    p.host = pc.host;
    p.family = familyOf(spec);
    p.count = static_cast<int>(spec.getInt("count", defaults::kIcmpCount));
    p.interval = milliseconds(spec.getInt("interval_ms", defaults::kIcmpIntervalMs));
    p.timeout = milliseconds(spec.getInt("timeout_ms", defaults::kIcmpTimeoutMs));
    evaluateIcmp(r, spec, co_await probe::icmpPing(resolver, p, nullptr));
  } else if (spec.type == "traceroute") {
    probe::TraceParams p;
    p.host = pc.host;
    p.family = familyOf(spec);
    auto mode = spec.getString("mode", "udp");
    p.mode = mode == "tcp" ? probe::TraceMode::kTcp : mode == "icmp" ? probe::TraceMode::kIcmp : probe::TraceMode::kUdp;
    p.port = pc.port.value_or(0);
    p.max_hops = static_cast<int>(spec.getInt("max_hops", defaults::kTraceMaxHops));
    p.probes_per_hop = static_cast<int>(spec.getInt("probes", defaults::kTraceProbes));
    p.cycles = static_cast<int>(spec.getInt("cycles", defaults::kTraceCycles));
    p.interval = milliseconds(spec.getInt("interval_ms", defaults::kTraceIntervalMs));
    p.timeout = milliseconds(spec.getInt("timeout_ms", defaults::kTraceTimeoutMs));
    p.resolve_names = false;  // the report shows addresses; reverse DNS would only add time
    evaluateTrace(r, spec, co_await probe::runTrace(resolver, p, {}));
  } else {
    r.status = Status::kError;
    r.message = "check type '" + spec.type + "' is not implemented in this build";
  }
  co_return r;
}

// Runs one check under its deadline; records duration; never throws.
asio::awaitable<void> supervise(const PlannedCheck& pc, io::Resolver& resolver, const ScanOptions& opts,
                                CheckResult& slot) {
  auto start = SteadyClock::now();
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer deadline(ex);
  milliseconds limit = checkDeadline(pc, opts.deadline_slack);
  deadline.expires_after(limit);
  try {
    auto outcome = co_await (runOne(pc, resolver, opts) || deadline.async_wait(asio::use_awaitable));
    if (outcome.index() == 0) {
      slot = std::move(std::get<0>(outcome));
    } else {
      slot = baseResult(*pc.spec, pc.display);
      slot.status = Status::kError;
      slot.message = fmt::format("check did not finish within {} ms (stopped)", limit.count());
      finish(slot, *pc.spec);
    }
  } catch (const std::exception& e) {
    slot = baseResult(*pc.spec, pc.display);
    slot.status = Status::kError;
    slot.message = std::string("internal error: ") + e.what();
    finish(slot, *pc.spec);
  }
  slot.duration_ms = elapsedMs(start);
  if (opts.on_result) opts.on_result(slot);
}

}  // namespace

Result<std::vector<PlannedCheck>> planChecks(const Template& tmpl) {
  std::vector<PlannedCheck> out;
  for (const CheckSpec& spec : tmpl.checks) {
    for (const std::string& target : spec.targets) {
      auto ep = proto::parseEndpoint(target);
      if (!ep) return makeError(fmt::format("check '{}': {}", spec.id, ep.error().message));
      std::vector<std::optional<std::uint16_t>> ports;
      if (ep->port) {
        ports.push_back(ep->port);
      } else if (spec.has("ports")) {
        for (auto p : spec.getIntList("ports")) ports.push_back(static_cast<std::uint16_t>(p));
      } else if (spec.has("port")) {
        ports.push_back(static_cast<std::uint16_t>(spec.getInt("port", 0)));
      } else {
        ports.push_back(std::nullopt);
      }
      for (auto port : ports) {
        PlannedCheck pc;
        pc.spec = &spec;
        pc.target = target;
        pc.host = ep->host;
        pc.port = port;
        if (spec.type == "dns" || spec.type == "http") {
          pc.display = spec.type == "dns" ? ep->host : target;
        } else {
          proto::Endpoint shown = *ep;
          shown.port = port;
          shown.scheme.clear();
          pc.display = shown.hostPort();
          if (spec.type == "sip_options") pc.display += "/" + spec.getString("transport", "udp");
        }
        out.push_back(std::move(pc));
      }
    }
  }
  return out;
}

std::chrono::milliseconds checkDeadline(const PlannedCheck& pc, std::chrono::milliseconds slack) {
  const CheckSpec& s = *pc.spec;
  std::int64_t worst = 0;
  if (s.type == "latency") {
    worst = s.getInt("count", defaults::kLatencyCount) * s.getInt("interval_ms", defaults::kLatencyIntervalMs) +
            s.getInt("timeout_ms", defaults::kLatencyTimeoutMs);
  } else if (s.type == "rtp_quality") {
    // the stream, the 1 s linger and up to three 0.5 s report attempts
    worst = static_cast<std::int64_t>(s.getNumber("duration_s", defaults::kRtpDurationS) * 1000) + 1000 + 1500;
  } else if (s.type == "vps_probe") {
    worst = s.getInt("count", defaults::kVpsCount) * 20 + 500 + 1500;
  } else if (s.type == "nat" || s.type == "sip_alg") {
    const probe::NatProbeParams d;  // the probe's own waits
    const std::int64_t exchange = d.wait.count() * d.attempts;
    if (s.type == "sip_alg") {
      worst = 3 * exchange;  // the reflector probe, OPTIONS, INVITE
    } else {
      // (A, port 1), (A, port 2), (B, port 1), then the two filtering requests (probe/nat_probe)
      worst = 5 * exchange;
      const auto idle = natIdleIntervals(s);
      if (!idle.empty()) {
        // as nat_probe waits for the parallel lifetime probes
        worst += *std::max_element(idle.begin(), idle.end()) * 1000 + d.callback_grace.count() +
                 d.wait.count() * (d.attempts + 1) + 5000;
      }
    }
  } else if (s.type == "icmp") {
    worst = s.getInt("count", defaults::kIcmpCount) * s.getInt("interval_ms", defaults::kIcmpIntervalMs) +
            s.getInt("timeout_ms", defaults::kIcmpTimeoutMs);
  } else if (s.type == "traceroute") {
    const auto cycles = s.getInt("cycles", defaults::kTraceCycles);
    const auto timeout = s.getInt("timeout_ms", defaults::kTraceTimeoutMs);
    worst = cycles * std::max(s.getInt("interval_ms", defaults::kTraceIntervalMs), timeout) + timeout;
  } else if (s.type == "sip_options") {
    worst = s.getInt("timeout_ms", defaults::kSipTimeoutMs);
  } else if (s.type == "http") {
    worst = s.getInt("timeout_ms", defaults::kHttpTimeoutMs);
  } else {
    worst = s.getInt("timeout_ms", defaults::kTimeoutMs);
  }
  // Name resolution may come before the probe's own timeout starts.
  return milliseconds(worst) + slack;
}

HostFacts localHostFacts() {
  HostFacts h;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) h.hostname = name;
  utsname u{};
  if (uname(&u) == 0) h.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  h.voipscope_version = VOIPSCOPE_VERSION;
  return h;
}

Result<Scan> runScan(const Template& tmpl, const ScanOptions& options) {
  auto planned = planChecks(tmpl);
  if (!planned) return planned.error();

  Scan scan;
  scan.id = newScanId();
  scan.host = localHostFacts();
  scan.site = options.site.empty() ? scan.host.hostname : options.site;
  scan.template_name = tmpl.name;
  scan.template_version = tmpl.version;
  scan.started_at_ms = nowUnixMs();
  auto start = SteadyClock::now();

  asio::io_context ctx(1);
  io::ResolverOptions ropts;
  ropts.servers = options.dns_servers;
  ropts.use_hosts_file = options.use_hosts_file;
  auto resolver = io::Resolver::create(ctx.get_executor(), ropts);
  if (!resolver) return makeError("DNS: " + resolver.error().message);

  scan.results.resize(planned->size());
  for (std::size_t i = 0; i < planned->size(); ++i) {
    const PlannedCheck& pc = (*planned)[i];
    if (!pc.spec->enabled) {
      CheckResult& r = scan.results[i];
      r = baseResult(*pc.spec, pc.display);
      r.status = Status::kSkip;
      r.message = "disabled in the template (enabled: false)";
      if (options.on_result) options.on_result(r);
      continue;
    }
    asio::co_spawn(ctx, supervise(pc, **resolver, options, scan.results[i]), asio::detached);
  }
  ctx.run();
  resolver->reset();  // before the io_context goes away
  scan.duration_ms = elapsedMs(start);
  return scan;
}

}  // namespace vs::scan
