#pragma once
// The far end of `voipscope rtp probe`: reflects probe RTP packets (proto/reflect format) with its receive
// and send timestamps, the sender address and TOS it saw, and receive-side statistics of the forward
// stream; answers SIP OPTIONS with the request as it arrived in the body of a 200 (so the sender can see
// what a SIP ALG rewrote), over UDP on both ports and over TCP on the first port's number. Two UDP ports
// (optionally on a second IP address too, alt_address): replies normally leave from the socket the probe
// came to; a probe can ask for the other port and/or the other address (NAT filtering tests). A probe can also ask to be called back after T seconds
// (NAT binding lifetime): at most 16 pending per source address and 256 in all, T at most 600 s.
//
// Hostile-input posture: everything is bounded. Sessions and per-source rate buckets live in tables with
// fixed caps (least recently used evicted); a source over its packet rate is dropped silently; with a
// shared secret, packets without a valid MAC are dropped before any state is created. Replies are never
// larger than the probe unless the probe is smaller than a reply header (G.729-sized payloads). SIP over
// TCP: Content-Length framing, messages up to kMaxSipTcpMessageBytes, a cap on connections in all and per
// source address (more are closed at once), an idle timeout, and each message counts against the same
// per-source rate limit as a datagram.
#include <asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"

namespace vs::probe {

inline constexpr std::uint16_t kDefaultReflectPort = 5004;  // IANA avt-profile-1 (RTP)
// The reply's SSRC is the probe's XOR this, so both directions are distinct streams to a capture tool.
// (The prober sends report requests with SSRC ^ 1, so their answers stay out of the return stream too.)
inline constexpr std::uint32_t kReturnSsrcXor = 0x5EF1EC70U;
// A SIP request with SDP is a few kB; the echo doubles it. A TCP peer sending more without a complete
// message is cut off.
inline constexpr std::size_t kMaxSipTcpMessageBytes = 16 * 1024;

struct ReflectorOptions {
  std::string bind_address = "0.0.0.0";
  std::uint16_t port = kDefaultReflectPort;  // 0: any
  std::uint16_t alt_port = 0;                 // 0: port + 1 (or any when port is 0); same for both families
  // A second IP address to listen on too, with the same two ports (NAT mapping tests, RFC 4787 4.1); needs
  // bind_address to be a concrete address of the same family. Advertised in every reply (kTlvAltAddress).
  std::string alt_address;
  std::string secret;                         // empty: no authentication
  double rate_limit_pps = 1000;               // per source address, packets per second (burst: 1 s worth)
  std::size_t max_sessions = 1024;
  std::size_t max_sources = 4096;
  bool answer_sip = true;
  bool sip_tcp = true;                                // also SIP over TCP (needs answer_sip)
  std::size_t max_tcp_connections = 64;               // SIP over TCP connections open at once, in all
  std::size_t max_tcp_per_source = 8;                 // ... from one source address
  std::chrono::milliseconds tcp_idle_timeout{30000};  // a connection that sends nothing this long is closed
};

struct ReflectorCounters {
  std::uint64_t reflected = 0;
  std::uint64_t reports = 0;
  std::uint64_t sip_answered = 0;
  std::uint64_t dropped_auth = 0;
  std::uint64_t dropped_rate = 0;
  std::uint64_t dropped_malformed = 0;
  std::uint64_t sessions_evicted = 0;
  std::uint64_t callbacks_sent = 0;     // NAT binding-lifetime callbacks fired
  std::uint64_t callbacks_refused = 0;  // delay out of range or too many pending
  std::uint64_t sip_tcp_answered = 0;   // SIP requests answered over TCP (also in sip_answered)
  std::uint64_t tcp_refused = 0;        // TCP connections closed at once: over a connection limit
  std::uint64_t tcp_closed_idle = 0;    // ... closed for silence
};

class Reflector {
 public:
  static Result<std::unique_ptr<Reflector>> start(asio::any_io_executor executor, ReflectorOptions options);
  virtual ~Reflector() = default;
  virtual std::uint16_t port() const = 0;
  virtual std::uint16_t altPort() const = 0;
  virtual std::string altAddress() const = 0;  // empty without one
  // The SIP over TCP port: the first UDP port's number (any free one when that was 0 and its number is
  // taken for TCP); 0 when SIP over TCP is off.
  virtual std::uint16_t sipTcpPort() const = 0;
  virtual ReflectorCounters counters() const = 0;
};

}  // namespace vs::probe
