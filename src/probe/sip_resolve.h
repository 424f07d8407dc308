#pragma once
// RFC 3263 section 4: where to send a SIP request for a target. A numeric IP is used as is; a name with
// an explicit port gets A/AAAA only; otherwise NAPTR (unless the transport is fixed) chooses the
// transport and the SRV name, SRV (priority, then weight) the host and port, and A/AAAA the address.
#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "io/dns.h"
#include "probe/sip_options.h"

namespace vs::probe {

struct SipDestinationQuery {
  std::string host;
  std::uint16_t port = 5060;  // used when explicit_port, or when DNS gives no SRV
  bool explicit_port = false;
  SipTransport transport = SipTransport::kUdp;  // used when explicit_transport, or when DNS gives no NAPTR
  bool explicit_transport = false;
  bool sips = false;  // sips: URI: TLS only
  io::AddressFamily family = io::AddressFamily::kAny;
};

struct SipDestination {
  asio::ip::address address;
  std::uint16_t port = 0;
  SipTransport transport = SipTransport::kUdp;
  // How it was chosen, for the user: "NAPTR SIP+D2T -> SRV _sip._tcp.example.test -> sip1.example.test:5070
  // -> 127.0.0.1"; "A -> 127.0.0.1"; empty for a numeric IP.
  std::string how;
};

// Orders SRV records for trying (RFC 2782): by priority, and within one priority by a weighted random
// draw; `uniform(n)` returns a number in [0, n] (injected so tests can fix it).
std::vector<io::SrvRecord> orderSrv(std::vector<io::SrvRecord> records,
                                    const std::function<std::uint32_t(std::uint32_t)>& uniform);

asio::awaitable<Result<SipDestination>> resolveSipDestination(io::Resolver& resolver, SipDestinationQuery query);

}  // namespace vs::probe
