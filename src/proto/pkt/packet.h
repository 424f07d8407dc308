#pragma once
// The decoded view of one captured frame: network addresses, transport ports and the payload bytes.
// Views point into the frame or into the decoder's reassembly buffer (valid until the next decode).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vs::proto::pkt {

struct IpAddr {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
  bool v6 = false;

  static IpAddr v4(const std::byte* p);
  static IpAddr v6From(const std::byte* p);
  // Text as inet_pton reads it ("192.0.2.1", "2001:db8::1"); nullopt for anything else (host names).
  static std::optional<IpAddr> parse(std::string_view text);
  std::string toString() const;  // "192.0.2.1", "2001:db8::1" (RFC 5952 compressed)
  bool operator==(const IpAddr&) const = default;
  auto operator<=>(const IpAddr&) const = default;
};

enum class Transport : std::uint8_t { kNone, kUdp, kTcp, kSctp, kOther };
std::string_view transportName(Transport t);

namespace tcpflag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kAck = 0x10;
}  // namespace tcpflag

struct Packet {
  IpAddr src, dst;
  std::uint8_t ip_proto = 0;     // innermost IP's protocol
  Transport transport = Transport::kNone;
  std::uint16_t sport = 0, dport = 0;
  std::uint32_t tcp_seq = 0;
  std::uint8_t tcp_flags = 0;
  bool reassembled = false;      // the transport payload came from IP fragments
  // Reassembled: the frames of the other fragments (numbers as given to Decoder::decode), arrival order.
  std::vector<std::uint64_t> fragment_frames;
  int tunnels = 0;               // GRE / IP-in-IP layers crossed
  int vlans = 0;                 // 802.1Q / QinQ tags
  std::span<const std::byte> payload;  // UDP / TCP payload
  // SCTP: each DATA chunk's user data (payload is the first of them).
  std::vector<std::span<const std::byte>> sctp_chunks;
};

}  // namespace vs::proto::pkt
