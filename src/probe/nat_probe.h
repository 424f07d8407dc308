#pragma once
// `voipscope nat`: what the NAT between us and a voipscope reflector does to VoIP traffic.
//  - mapping: the public ip:port the reflector saw vs our local address (NAT present or not), and the
//    mapping behaviour of RFC 4787 section 4.1: from ONE local socket, probes to the reflector's two
//    ports; the same public ip:port for both is endpoint-independent, different ports is
//    address-and-port-dependent (this cannot tell address-dependent from address-and-port-dependent
//    with one reflector address; both are reported as "dependent").
//  - binding lifetime (RFC 4787 section 4.3): one fresh socket per idle interval, all in parallel; each
//    asks the reflector to call back after T seconds (proto/reflect kTlvCallbackRequest) and then stays
//    silent, so the callback gets in only if the binding survived T seconds of idleness.
//  - SIP ALG: OPTIONS and INVITE with Via, Contact and SDP holding our private address, to the
//    reflector's SIP port; the reflector returns each request as it arrived, and the fields an ALG
//    rewrites are compared (proto/sip/alg_diff). Over UDP (a socket per request), or over TCP (a
//    connection per request, Content-Length framing) when sip_tcp is set.
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "io/dns.h"
#include "proto/sip/alg_diff.h"

namespace vs::probe {

struct NatProbeParams {
  std::string host;
  std::uint16_t port = 5004;
  std::uint16_t sip_port = 0;  // 0: the reflector port
  std::uint16_t alt_port = 0;  // the reflector's second port; 0: port + 1 (its default layout)
  io::AddressFamily family = io::AddressFamily::kAny;
  std::string secret;
  bool mapping = true;
  bool sip = true;
  bool sip_tcp = false;  // the SIP ALG test over TCP instead of UDP
  std::vector<int> idle_intervals_s;  // empty: no lifetime test
  std::chrono::milliseconds wait{800};  // per attempt for an immediate answer
  int attempts = 3;
  std::chrono::milliseconds callback_grace{3000};  // after T, how long a callback may take to arrive
};

struct LifetimeProbe {
  int idle_s = 0;
  bool accepted = false;  // the reflector took the request
  bool survived = false;  // the callback came in
  std::string detail;     // why not accepted
};

struct SipAlgExchange {
  std::string method;
  bool answered = false;
  int status = 0;
  bool echoed = false;  // the response carried the request as received
  std::vector<proto::sip::AlgRewrite> rewrites;
  std::string detail;
};

struct NatResult {
  bool ok = false;  // the reflector answered the first probe
  std::string detail;
  std::string remote;
  std::string local_address;  // ip:port of the mapping socket
  std::string mapped;         // public ip:port the reflector saw (probe to its first port)
  std::string mapped_alt;     // ... to its second port; empty when unanswered
  bool nat = false;
  bool port_preserved = false;
  std::string mapping;  // "endpoint-independent", "address-and-port-dependent", "unknown"
  std::vector<LifetimeProbe> lifetime;
  int lifetime_survived_s = -1;  // longest idle that survived; -1 none
  int lifetime_failed_s = -1;    // shortest idle that failed; -1 none
  bool sip_tested = false;
  std::string sip_transport;  // "udp" or "tcp"
  std::vector<SipAlgExchange> sip;
  bool sip_alg = false;  // any rewrite seen
};

asio::awaitable<NatResult> runNatProbe(io::Resolver& resolver, NatProbeParams params);

// The default idle intervals: 5..120 s bounded by maxIdle; quick: 5, 10, 20, 30 bounded by maxIdle.
std::vector<int> defaultIdleIntervals(int maxIdle, bool quick);

}  // namespace vs::probe
