#pragma once
// `voipscope nat`: what the NAT between us and a voipscope reflector does to VoIP traffic.
//  - mapping: the public ip:port the reflector saw vs our local address (NAT present or not), and the
//    mapping behaviour of RFC 4787 section 4.1: from ONE local socket, probes to the reflector's address
//    A on its two ports, and to its second address B (when the reflector runs with --alt-address, which
//    its replies advertise, proto/reflect kTlvAltAddress) on its first port. Different public ip:port for
//    (A, port 1) and (A, port 2): address-and-port-dependent. The same for both: endpoint-independent when
//    (B, port 1) sees it too, address-dependent when B sees another. With one reflector address the
//    same-for-both case is reported as endpoint-independent with mapping_address_tested false: an
//    address-dependent NAT looks the same from one address (see classifyMapping).
//  - filtering (RFC 4787 section 5, the tests of RFC 5780 4.4): from a fresh socket that only sent to
//    (A, port 1), the reflector is asked to answer from (B, port 2) and from (A, port 2)
//    (kFlagReplyFromAltAddress / kFlagReplyFromAltPort); which answers get in tells the filtering.
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
#include <optional>
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
  bool filtering = true;  // with mapping: the filtering test (a fresh socket, up to 2 exchanges)
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
  std::string alt_address;    // the reflector's second address as its replies advertise; empty: none
  std::string mapped_alt_address;  // ... public ip:port seen by its second address; empty: not tested/unanswered
  bool nat = false;
  bool port_preserved = false;
  // "endpoint-independent", "address-dependent", "address-and-port-dependent", "unknown"
  std::string mapping;
  bool mapping_address_tested = false;  // a second reflector address answered (address-dependent ruled in/out)
  // "endpoint-independent", "address-dependent", "address-and-port-dependent", "endpoint-independent or
  // address-dependent" (one reflector address), "unknown" (not tested, or the reflector ignored the request)
  std::string filtering = "unknown";
  std::string filtering_detail;  // why unknown
  std::vector<LifetimeProbe> lifetime;
  int lifetime_survived_s = -1;  // longest idle that survived; -1 none
  int lifetime_failed_s = -1;    // shortest idle that failed; -1 none
  bool sip_tested = false;
  std::string sip_transport;  // "udp" or "tcp"
  std::vector<SipAlgExchange> sip;
  bool sip_alg = false;  // any rewrite seen
};

// RFC 4787 section 4.1 from the public ip:port the reflector saw for probes from one socket to (A, port 1),
// (A, port 2) and (B, port 1); an empty string is an unanswered (or, for B, untried) probe. mapping is
// "unknown" without the first two; address_tested says whether B's answer took part.
struct MappingVerdict {
  std::string mapping = "unknown";
  bool address_tested = false;
};
MappingVerdict classifyMapping(const std::string& toA1, const std::string& toA2, const std::string& toB1);

// RFC 4787 section 5 from the filtering test: did an answer from the reflector's other address (and port)
// get in (nullopt: the reflector has no second address), and one from its other port only.
std::string classifyFiltering(std::optional<bool> fromOtherAddress, bool fromOtherPort);

asio::awaitable<NatResult> runNatProbe(io::Resolver& resolver, NatProbeParams params);

// The default idle intervals: 5..120 s bounded by maxIdle; quick: 5, 10, 20, 30 bounded by maxIdle.
std::vector<int> defaultIdleIntervals(int maxIdle, bool quick);

}  // namespace vs::probe
