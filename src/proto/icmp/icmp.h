#pragma once
// ICMP and ICMPv6 for ping and traceroute: echo request/reply, time exceeded and destination unreachable
// with the quoted original datagram (IPv4 or IPv6 header + the first bytes of UDP, TCP or ICMP), the
// Internet checksum, and the probe builders of a Paris-style traceroute (a constant flow identifier per
// probe, with the probe told apart by a field that no load balancer hashes on).
// Pure: no I/O. Parsers keep views into the caller's bytes and never throw on bad input.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace vs::proto::icmp {

enum class Family : std::uint8_t { kV4, kV6 };

inline constexpr std::size_t kIcmpHeaderBytes = 8;
inline constexpr std::size_t kIpv4MinHeaderBytes = 20;
inline constexpr std::size_t kIpv6HeaderBytes = 40;
inline constexpr std::size_t kUdpHeaderBytes = 8;
inline constexpr std::size_t kTcpHeaderBytes = 20;
// The largest echo payload either family can carry in one IP datagram (65535 - 20 - 8).
inline constexpr std::size_t kMaxEchoPayload = 65507;
// IPv6 extension headers we walk in a quoted datagram before giving up (real probes carry none).
inline constexpr int kMaxExtensionHeaders = 8;

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpV6 = 58;

// Type numbers differ per family: v4 (RFC 792) and v6 (RFC 4443).
inline constexpr std::uint8_t kV4EchoReply = 0, kV4DestUnreachable = 3, kV4EchoRequest = 8, kV4TimeExceeded = 11;
inline constexpr std::uint8_t kV6DestUnreachable = 1, kV6PacketTooBig = 2, kV6TimeExceeded = 3,
                              kV6EchoRequest = 128, kV6EchoReply = 129;

struct Address {
  Family family = Family::kV4;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  std::size_t size() const { return family == Family::kV4 ? 4 : 16; }
  std::string toString() const;  // dotted quad, or RFC 5952 text for IPv6
  bool operator==(const Address&) const = default;
};

enum class Kind : std::uint8_t { kEchoReply, kEchoRequest, kTimeExceeded, kDestUnreachable, kPacketTooBig, kOther };

// The original datagram quoted in an ICMP error, as far as the quote goes.
struct Quoted {
  Address src, dst;
  std::uint8_t protocol = 0;  // of the transport header after any IPv6 extension headers
  std::uint8_t ttl = 0;       // TTL / hop limit left when the reporting router quoted it
  std::uint16_t ip_id = 0;    // IPv4 only
  // Transport fields, valid when has_ports (UDP/TCP, 4 bytes quoted) / has_transport8 (8 bytes quoted).
  bool has_ports = false;
  bool has_transport8 = false;
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint16_t udp_checksum = 0;  // UDP
  std::uint32_t tcp_seq = 0;       // TCP
  std::uint8_t icmp_type = 0;      // ICMP / ICMPv6 (echo: id and seq below)
  std::uint16_t icmp_checksum = 0;
  std::uint16_t icmp_id = 0, icmp_seq = 0;
};

struct Message {
  Family family = Family::kV4;
  Kind kind = Kind::kOther;
  std::uint8_t type = 0, code = 0;
  std::uint16_t checksum = 0;
  std::uint16_t id = 0, seq = 0;             // echo request / reply
  std::span<const std::byte> payload;        // echo data
  std::optional<Quoted> quoted;              // errors whose quote parsed
  std::uint32_t mtu = 0;                     // v4 fragmentation needed / v6 packet too big
  bool isError() const { return kind == Kind::kTimeExceeded || kind == Kind::kDestUnreachable || kind == Kind::kPacketTooBig; }
  // The destination itself said "this port/protocol is closed": the probe reached it.
  bool isPortUnreachable() const;
  // "Time to live exceeded", "Destination port unreachable", "Packet too big (mtu 1400)", ...
  std::string describe() const;
};

struct Ipv4Header {
  std::size_t header_bytes = 0;
  std::uint16_t total_length = 0;
  std::uint16_t id = 0;
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  Address src, dst;
};

// A received IPv4 datagram's header (raw IPv4 sockets hand the header over with the data).
Result<Ipv4Header> parseIpv4Header(std::span<const std::byte> packet);
// An ICMP (family v4) or ICMPv6 (v6) message starting at its type byte. The checksum is not verified
// here (the kernel already did for the sockets we read from; see verifyChecksumV4 for tests and fuzzing).
Result<Message> parseMessage(std::span<const std::byte> icmp, Family family);
// The IP datagram quoted in an ICMP error (header first).
Result<Quoted> parseQuoted(std::span<const std::byte> datagram, Family family);

struct TcpHeader {
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;  // FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10
  bool syn() const { return (flags & 0x02) != 0; }
  bool rst() const { return (flags & 0x04) != 0; }
  bool ack_flag() const { return (flags & 0x10) != 0; }
};
Result<TcpHeader> parseTcpHeader(std::span<const std::byte> segment);

// Ones' complement arithmetic (RFC 1071).
std::uint32_t sumWords(std::span<const std::byte> bytes, std::uint32_t acc = 0);
std::uint16_t finishChecksum(std::uint32_t acc);
std::uint16_t internetChecksum(std::span<const std::byte> bytes, std::uint32_t acc = 0);
// The pseudo-header sum of UDP, TCP and ICMPv6 checksums.
std::uint32_t pseudoHeaderSum(const Address& src, const Address& dst, std::uint8_t protocol, std::uint32_t length);
// True when an ICMPv4 message's checksum is right.
bool verifyChecksumV4(std::span<const std::byte> icmp);

// An echo request: id, seq, payload. v4: checksum filled in. v6: checksum left 0, the kernel fills it
// (it always does for ICMPv6 sockets, with the pseudo-header it alone knows for sure).
std::vector<std::byte> buildEchoRequest(Family family, std::uint16_t id, std::uint16_t seq,
                                        std::span<const std::byte> payload);

// Paris traceroute, ICMP mode: echo requests of one flow. ECMP hashes may include the first ICMP word
// (type, code, checksum), so the checksum must not change from probe to probe: the first two payload
// bytes carry ~seq, which keeps seq + compensation (hence the checksum) constant. Probes differ by seq.
// payload_bytes >= 2. v6 checksum is computed like the kernel's when src/dst are given, else left 0.
std::vector<std::byte> buildParisEcho(Family family, std::uint16_t id, std::uint16_t seq, std::size_t payload_bytes,
                                      const Address* src = nullptr, const Address* dst = nullptr);

// Paris traceroute, UDP mode: the 5-tuple is fixed and the probe is told apart by the UDP checksum
// itself (not hashed by load balancers), made equal to `checksum` by choosing the first two payload
// bytes. checksum must be neither 0 nor 0xffff (0 means "no checksum" in IPv4). payload_bytes >= 2.
std::vector<std::byte> buildParisUdp(const Address& src, const Address& dst, std::uint16_t src_port,
                                     std::uint16_t dst_port, std::uint16_t checksum, std::size_t payload_bytes);

// A TCP SYN (20-byte header, no options) with the probe told apart by its sequence number.
std::vector<std::byte> buildTcpSyn(const Address& src, const Address& dst, std::uint16_t src_port,
                                   std::uint16_t dst_port, std::uint32_t seq);

}  // namespace vs::proto::icmp
