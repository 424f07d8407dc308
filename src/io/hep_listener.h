#pragma once
// `--hep-listen udp:PORT`: a UDP socket receiving HEPv3 datagrams (Kamailio siptrace, heplify, FreeSWITCH,
// OpenSIPS proto_hep...). Each SIP payload becomes a synthetic raw-IP/UDP frame with the HEP addresses,
// ports and timestamp, so it enters the capture analyzer exactly like a captured packet.
// Limitation: SIP carried over TCP/TLS/SCTP is fed as UDP (HEP gives whole messages, not segments), so
// the leg's transport reads UDP.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "proto/pkt/capture_file.h"

namespace vs::io {

struct HepStats {
  std::uint64_t datagrams = 0, sip = 0, not_sip = 0, malformed = 0;
  std::uint64_t compressed = 0;  // of the SIP ones: sent compressed (chunk 16) and inflated
  std::string last_error;  // e.g. "from 127.0.0.1:40000: HEP chunk 15 at offset 62: length ..."
};

class HepListener {
 public:
  ~HepListener();
  HepListener(const HepListener&) = delete;
  HepListener& operator=(const HepListener&) = delete;

  // spec: "udp:PORT", "udp:ADDR:PORT", "udp:[V6]:PORT" (default address 0.0.0.0).
  static Result<std::unique_ptr<HepListener>> open(const std::string& spec);
  // Waits up to timeout_ms for one SIP message: true with `out` (link type raw IP, HEP timestamp) filled.
  Result<bool> next(proto::pkt::Record& out, int timeout_ms);
  std::uint16_t port() const { return port_; }
  const HepStats& stats() const { return stats_; }

 private:
  HepListener() = default;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string buf_, frame_, inflated_;
  HepStats stats_;
};

}  // namespace vs::io
