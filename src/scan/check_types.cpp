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
      {"rtp_quality", Category::kPerformance,
       "an RTP stream through a voipscope reflector: loss, jitter, E-model MOS per direction (worst direction graded)",
       {
           {"port", ParamKind::kInt, "reflector UDP port (a port in the target wins; default 5004)", {}, 1, 65535},
           {"codec", ParamKind::kString, "codec to send and score",
            {"pcmu", "pcma", "g711-noplc", "g729", "g723", "g722", "opus-12", "opus-24", "opus-32"}},
           {"ptime_ms", ParamKind::kInt, "packet interval", {}, 10, 120},
           {"duration_s", ParamKind::kNumber, "stream length", {}, 0.2, 600},
           {"dscp", ParamKind::kInt, "DSCP for both directions (46 = EF)", {}, 0, 63},
           {"secret_env", ParamKind::kString, "environment variable holding the reflector's shared secret"},
           {"jitter_buffer_ms", ParamKind::kNumber, "fixed jitter buffer (default: adaptive, 3 x jitter)", {}, 0, 2000},
           {"mos_warn", ParamKind::kNumber, "MOS below this warns", {}, 1, 4.5},
           {"mos_fail", ParamKind::kNumber, "MOS below this fails", {}, 1, 4.5},
           {"jitter_warn_ms", ParamKind::kNumber, "RFC 3550 mean jitter above this warns", {}, 0, 600000},
           {"jitter_fail_ms", ParamKind::kNumber, "RFC 3550 mean jitter above this fails", {}, 0, 600000},
           {"loss_warn_pct", ParamKind::kNumber, "loss above this % warns", {}, 0, 100},
           {"loss_fail_pct", ParamKind::kNumber, "loss above this % fails", {}, 0, 100},
       }},
      {"vps_probe", Category::kConnectivity,
       "a voipscope reflector answers: RTT, the public address it sees, DSCP kept or rewritten each way",
       {
           {"port", ParamKind::kInt, "reflector UDP port (a port in the target wins; default 5004)", {}, 1, 65535},
           {"count", ParamKind::kInt, "probes to send (20 ms apart)", {}, 1, 1000},
           {"dscp", ParamKind::kInt, "DSCP to send and ask back; a rewrite warns", {}, 0, 63},
           {"secret_env", ParamKind::kString, "environment variable holding the reflector's shared secret"},
           {"expect_public_address", ParamKind::kString, "address (no port) the reflector must see us as (else WARN)"},
           {"warn_ms", ParamKind::kNumber, "average RTT above this warns", {}, 0, 600000},
       }},
      {"nat", Category::kConnectivity,
       "NAT between us and a voipscope reflector: the public address it sees, the mapping behaviour (RFC 4787), "
       "optionally the UDP binding lifetime",
       {
           {"port", ParamKind::kInt, "reflector UDP port (a port in the target wins; default 5004)", {}, 1, 65535},
           {"alt_port", ParamKind::kInt, "the reflector's second port (default: port + 1)", {}, 1, 65535},
           {"family", ParamKind::kString, "address family", {"any", "ipv4", "ipv6"}},
           {"secret_env", ParamKind::kString, "environment variable holding the reflector's shared secret"},
           {"max_idle_s", ParamKind::kInt,
            "test the binding lifetime up to this many seconds of silence (default: not tested; the check then "
            "takes this long)", {}, 1, 120},
           {"min_binding_s", ParamKind::kInt,
            "a binding that expires within this many seconds of silence warns (tested when max_idle_s is set)", {}, 1,
            120},
           {"dependent_mapping", ParamKind::kString,
            "status for an address-dependent or address-and-port-dependent (symmetric) mapping",
            {"pass", "warn", "fail"}},
       }},
      {"sip_alg", Category::kVoipSip,
       "an OPTIONS and an INVITE through a voipscope reflector, which returns them as received: any Via, Contact or "
       "SDP field a SIP ALG rewrote fails",
       {
           {"port", ParamKind::kInt, "reflector UDP port (a port in the target wins; default 5004)", {}, 1, 65535},
           {"sip_port", ParamKind::kInt, "reflector port for the SIP requests (default: port; ALGs mostly watch 5060)",
            {}, 1, 65535},
           {"transport", ParamKind::kString, "SIP transport (TCP: the reflector's TCP listener on the same port)",
            {"udp", "tcp"}},
           {"family", ParamKind::kString, "address family", {"any", "ipv4", "ipv6"}},
           {"secret_env", ParamKind::kString, "environment variable holding the reflector's shared secret"},
       }},
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
