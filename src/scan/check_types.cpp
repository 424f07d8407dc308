#include "scan/check_types.h"

#include <algorithm>

namespace vs::scan {
namespace {

ParamSpec timeoutMs(std::string_view doc = "give up after this many ms (per attempt)") {
  return {"timeout_ms", ParamKind::kInt, doc, {}, 1, 600000};
}

std::vector<CheckTypeInfo> makeTypes() {
  return {
      {"dns", Category::kDns, "forward resolution of each target name: addresses and time",
       {
           {"family", ParamKind::kString, "which records to ask for", {"any", "ipv4", "ipv6"}},
           timeoutMs(),
           {"warn_ms", ParamKind::kNumber, "resolution slower than this warns", {}, 0, 600000},
           {"fail_ms", ParamKind::kNumber, "resolution slower than this fails", {}, 0, 600000},
           {"expect_addresses", ParamKind::kStringList, "addresses that must be among the answers (else FAIL)"},
       }},
      {"tcp_port", Category::kConnectivity, "TCP connect to each target port: refused, timed out (filtered) and unreachable told apart",
       {
           {"port", ParamKind::kInt, "port to connect to (a port in the target wins)", {}, 1, 65535},
           {"ports", ParamKind::kIntList, "several ports: one check per port", {}, 1, 65535},
           timeoutMs(),
           {"warn_ms", ParamKind::kNumber, "connect time above this warns", {}, 0, 600000},
       },
       true},
      {"sip_options", Category::kVoipSip, "SIP OPTIONS over UDP or TCP: status, RTT, Server/User-Agent, raw response",
       {
           {"port", ParamKind::kInt, "SIP port (a port in the target wins)", {}, 1, 65535},
           {"transport", ParamKind::kString, "SIP transport", {"udp", "tcp"}},
           timeoutMs("give up waiting for a final response after this many ms"),
           {"warn_ms", ParamKind::kNumber, "RTT above this warns", {}, 0, 600000},
           {"fail_ms", ParamKind::kNumber, "RTT above this fails", {}, 0, 600000},
           {"from_user", ParamKind::kString, "user part of the From header"},
           {"non_2xx", ParamKind::kString, "status when the peer answers with a non-2xx final response", {"pass", "warn", "fail"}},
       }},
      {"http", Category::kConnectivity, "HTTP(S) request to each target URL: status, time, certificate subject and expiry",
       {
           {"method", ParamKind::kString, "request method", {"GET", "HEAD"}},
           {"scheme", ParamKind::kString, "scheme for targets given as host names", {"http", "https"}},
           {"port", ParamKind::kInt, "port for targets given as host names", {}, 1, 65535},
           {"path", ParamKind::kString, "path for targets given as host names"},
           {"expect_status", ParamKind::kIntList, "acceptable status codes (default: 200-399)", {}, 100, 599},
           timeoutMs(),
           {"warn_ms", ParamKind::kNumber, "total time above this warns", {}, 0, 600000},
           {"insecure", ParamKind::kBool, "do not fail on certificate verification errors"},
           {"cert_warn_days", ParamKind::kInt, "certificate expiring within this many days warns", {}, 0, 3650},
           {"cert_fail_days", ParamKind::kInt, "certificate expiring within this many days fails", {}, 0, 3650},
       }},
      {"latency", Category::kPerformance, "a burst of UDP probes (echo or SIP OPTIONS): RTT min/avg/max, jitter, loss",
       {
           {"port", ParamKind::kInt, "UDP port of the echo or SIP responder (a port in the target wins)", {}, 1, 65535},
           {"mode", ParamKind::kString, "what answers: a UDP echo or a SIP responder", {"udp_echo", "sip"}},
           {"count", ParamKind::kInt, "probes to send", {}, 1, 10000},
           {"interval_ms", ParamKind::kInt, "time between probes", {}, 1, 60000},
           timeoutMs("a probe not answered within this many ms is lost"),
           {"latency_warn_ms", ParamKind::kNumber, "average RTT above this warns", {}, 0, 600000},
           {"latency_fail_ms", ParamKind::kNumber, "average RTT above this fails", {}, 0, 600000},
           {"jitter_warn_ms", ParamKind::kNumber, "jitter above this warns", {}, 0, 600000},
           {"jitter_fail_ms", ParamKind::kNumber, "jitter above this fails", {}, 0, 600000},
           {"loss_warn_pct", ParamKind::kNumber, "loss above this % warns", {}, 0, 100},
           {"loss_fail_pct", ParamKind::kNumber, "loss above this % fails", {}, 0, 100},
       },
       true},
      {"icmp", Category::kPerformance, "ICMP echo (ping) to each target: RTT min/avg/max, mdev, jitter, loss (raw socket, or the unprivileged ICMP datagram socket)",
       {
           {"family", ParamKind::kString, "address family to ping", {"any", "ipv4", "ipv6"}},
           {"count", ParamKind::kInt, "echo requests to send", {}, 1, 10000},
           {"interval_ms", ParamKind::kInt, "time between requests", {}, 10, 60000},
           timeoutMs("a request not answered within this many ms is lost"),
           {"latency_warn_ms", ParamKind::kNumber, "average RTT above this warns", {}, 0, 600000},
           {"latency_fail_ms", ParamKind::kNumber, "average RTT above this fails", {}, 0, 600000},
           {"jitter_warn_ms", ParamKind::kNumber, "RFC 3550 jitter above this warns", {}, 0, 600000},
           {"jitter_fail_ms", ParamKind::kNumber, "RFC 3550 jitter above this fails", {}, 0, 600000},
           {"loss_warn_pct", ParamKind::kNumber, "loss above this % warns", {}, 0, 100},
           {"loss_fail_pct", ParamKind::kNumber, "loss above this % fails", {}, 0, 100},
       }},
      {"traceroute", Category::kConnectivity, "Paris traceroute (fixed flow) to each target: hop count, destination RTT and loss, latency jumps, loss at one hop vs loss that carries on (needs raw sockets)",
       {
           {"family", ParamKind::kString, "address family", {"any", "ipv4", "ipv6"}},
           {"mode", ParamKind::kString, "probe protocol", {"udp", "tcp", "icmp"}},
           {"port", ParamKind::kInt, "destination port for udp/tcp (a port in the target wins; 5060 follows SIP)", {}, 1, 65535},
           {"max_hops", ParamKind::kInt, "largest TTL", {}, 1, 64},
           {"probes", ParamKind::kInt, "probes per hop per round", {}, 1, 10},
           {"cycles", ParamKind::kInt, "rounds", {}, 1, 100},
           {"interval_ms", ParamKind::kInt, "time between the starts of two rounds", {}, 100, 60000},
           timeoutMs("a probe not answered within this many ms is lost"),
           {"hops_warn", ParamKind::kInt, "more hops than this to the destination warns", {}, 1, 64},
           {"hops_fail", ParamKind::kInt, "more hops than this to the destination fails", {}, 1, 64},
           {"latency_warn_ms", ParamKind::kNumber, "destination average RTT above this warns", {}, 0, 600000},
           {"latency_fail_ms", ParamKind::kNumber, "destination average RTT above this fails", {}, 0, 600000},
           {"loss_warn_pct", ParamKind::kNumber, "destination loss above this % warns", {}, 0, 100},
           {"loss_fail_pct", ParamKind::kNumber, "destination loss above this % fails", {}, 0, 100},
           {"jump_warn_ms", ParamKind::kNumber, "a latency jump between two hops of at least this warns", {}, 0, 600000},
           {"jump_fail_ms", ParamKind::kNumber, "a latency jump between two hops of at least this fails", {}, 0, 600000},
       }},
  };
}

}  // namespace

const std::vector<CheckTypeInfo>& checkTypes() {
  static const std::vector<CheckTypeInfo> kTypes = makeTypes();
  return kTypes;
}

const CheckTypeInfo* findCheckType(std::string_view type) {
  const auto& types = checkTypes();
  auto it = std::find_if(types.begin(), types.end(), [&](const CheckTypeInfo& t) { return t.type == type; });
  return it == types.end() ? nullptr : &*it;
}

const ParamSpec* findParam(const CheckTypeInfo& info, std::string_view name) {
  auto it = std::find_if(info.params.begin(), info.params.end(), [&](const ParamSpec& p) { return p.name == name; });
  return it == info.params.end() ? nullptr : &*it;
}

}  // namespace vs::scan
