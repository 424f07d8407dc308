#pragma once
// HEPv3 (Homer Encapsulation Protocol, https://github.com/sipcapture/HEP): one captured message per
// datagram, as "HEP3", a 16-bit total length and chunks (vendor, type, length incl. the 6-byte chunk
// header, value). Pure and zero-copy: the payload is a view into the datagram.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/result.h"
#include "proto/pkt/packet.h"

namespace vs::proto::hep {

inline constexpr std::size_t kHeaderBytes = 6;   // "HEP3" + total length
inline constexpr std::size_t kChunkHeaderBytes = 6;
inline constexpr std::size_t kMaxChunks = 256;   // a datagram listing more is refused, not walked

// Chunk types of the generic vendor (0).
namespace chunk {
inline constexpr std::uint16_t kIpFamily = 1, kIpProto = 2, kSrcIp4 = 3, kDstIp4 = 4, kSrcIp6 = 5, kDstIp6 = 6,
                               kSrcPort = 7, kDstPort = 8, kTsSec = 9, kTsUsec = 10, kProtoType = 11,
                               kCaptureId = 12, kAuthKey = 14, kPayload = 15, kCompressedPayload = 16,
                               kCorrelationId = 17;
}
// Protocol types (chunk 11).
inline constexpr std::uint8_t kProtoSip = 1;

struct Message {
  std::uint8_t ip_family = 0;  // 2 = IPv4, 10 = IPv6
  std::uint8_t ip_proto = 0;   // 17 UDP, 6 TCP, 132 SCTP
  pkt::IpAddr src, dst;
  std::uint16_t sport = 0, dport = 0;
  std::uint32_t ts_sec = 0, ts_usec = 0;
  std::uint8_t proto_type = 0;  // 1 SIP, 5 RTCP, 100 log, ...
  std::uint32_t capture_id = 0;
  bool compressed = false;      // payload came in chunk 16 (zlib or gzip), still compressed here
  std::span<const std::byte> payload;
  std::span<const std::byte> correlation_id;
  std::size_t chunks = 0;

  std::int64_t tsNs() const { return static_cast<std::int64_t>(ts_sec) * 1'000'000'000 + std::int64_t{ts_usec} * 1000; }
};

// Parses one HEPv3 datagram. Errors name the problem with its byte offset ("HEP chunk 15 at offset 62:
// length 900 runs past the 120-byte packet"). Unknown chunk types and vendors are skipped by length.
// A message without a payload, ports or addresses is an error (nothing to analyse).
Result<Message> parse(std::span<const std::byte> datagram);
bool looksLikeHep(std::span<const std::byte> datagram);  // "HEP3" magic

}  // namespace vs::proto::hep
