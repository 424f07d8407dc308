#pragma once
// Link layer to transport payload: Ethernet (802.1Q / QinQ / MPLS), Linux cooked v1/v2, raw IPv4/IPv6,
// BSD loopback (null/loop), then IPv4/IPv6 (extension headers, fragments reassembled), GRE and IP-in-IP
// tunnels, and UDP / TCP / SCTP (DATA chunks). Stateful only for fragment reassembly.
#include <cstddef>
#include <cstdint>
#include <span>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/result.h"
#include "proto/pkt/ip_defrag.h"
#include "proto/pkt/packet.h"

namespace vs::proto::pkt {

// Tunnels inside tunnels beyond this are refused (a crafted packet could nest until the frame ends).
inline constexpr int kMaxEncapsulation = 8;
inline constexpr std::size_t kMaxSctpChunks = 64;
// SCTP user messages split over several DATA chunks (B/E flags) are rebuilt up to this size, for this
// many streams at once; beyond either the message is dropped and counted as malformed.
inline constexpr std::size_t kMaxSctpMessageBytes = 256 * 1024;
inline constexpr std::size_t kMaxSctpPartial = 1024;

struct DecodeStats {
  std::uint64_t frames = 0;
  std::uint64_t ipv4 = 0, ipv6 = 0, udp = 0, tcp = 0, sctp = 0;
  std::uint64_t not_ip = 0;        // ARP, LLDP, STP, ... (not an error)
  std::uint64_t ipv4_fragments = 0, ipv6_fragments = 0;
  std::uint64_t tunnelled = 0, vlan_tagged = 0;
  std::uint64_t malformed = 0;
  std::uint64_t unsupported_link = 0;
};

class Decoder {
 public:
  enum class Status { kPacket, kHeld, kNotIp, kError };
  struct Outcome {
    Status status = Status::kNotIp;
    std::string error;  // kError: "IPv4: total length 1500 exceeds the 60 bytes captured"
  };

  // On kPacket, packet() describes the frame until the next call. `frame_number` only comes back in
  // Packet::fragment_frames of a datagram this frame's fragment helped reassemble.
  Outcome decode(std::uint32_t link_type, std::span<const std::byte> frame, std::int64_t ts_ns,
                 std::uint64_t frame_number = 0);
  const Packet& packet() const { return pkt_; }
  const DecodeStats& stats() const { return stats_; }
  const DefragStats& defragStats() const { return defrag_.stats(); }
  static bool linkSupported(std::uint32_t link_type);

 private:
  Outcome ethernet(std::span<const std::byte> b, int depth);
  Outcome byEtherType(std::uint16_t type, std::span<const std::byte> b, int depth);
  Outcome ipv4(std::span<const std::byte> b, int depth);
  Outcome ipv6(std::span<const std::byte> b, int depth);
  Outcome ipAny(std::span<const std::byte> b, int depth);
  Outcome transport(std::uint8_t proto, std::span<const std::byte> b, int depth);
  Outcome gre(std::span<const std::byte> b, int depth);
  Outcome ppp(std::span<const std::byte> b, int depth);
  Outcome sctp(std::span<const std::byte> b);
  Outcome fail(std::string why);

  Packet pkt_;
  IpDefragmenter defrag_;
  DecodeStats stats_;
  std::int64_t ts_ns_ = 0;
  std::uint64_t frame_number_ = 0;
  // SCTP fragmented user messages: (src, dst, sport, dport, stream) -> bytes so far.
  std::map<std::tuple<IpAddr, IpAddr, std::uint16_t, std::uint16_t, std::uint16_t>, std::vector<std::byte>> sctp_partial_;
  std::vector<std::vector<std::byte>> sctp_done_;  // completed messages of the current frame
};

}  // namespace vs::proto::pkt
