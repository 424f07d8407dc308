#pragma once
// RTCP compound packets (RFC 3550 section 6): SR and RR with their report blocks are decoded; SDES, BYE,
// APP and unknown types are walked over by their length field (kept as views), XR (RFC 3611) is split
// into block headers. Every length is checked against the datagram before use.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"

namespace vs::proto::rtp {

inline constexpr std::uint8_t kRtcpSr = 200;
inline constexpr std::uint8_t kRtcpRr = 201;
inline constexpr std::uint8_t kRtcpSdes = 202;
inline constexpr std::uint8_t kRtcpBye = 203;
inline constexpr std::uint8_t kRtcpApp = 204;
inline constexpr std::uint8_t kRtcpXr = 207;
// A UDP datagram of 64 KiB holds at most 16 Ki 4-byte packets; no real compound has more than a handful,
// so anything past this is hostile and refused rather than allocated for.
inline constexpr std::size_t kMaxRtcpPacketsPerCompound = 64;
inline constexpr std::size_t kMaxXrBlocks = 64;

struct SenderInfo {
  std::uint64_t ntpTimestamp = 0;  // 32.32 fixed point seconds since 1900
  std::uint32_t rtpTimestamp = 0;
  std::uint32_t packetCount = 0;
  std::uint32_t octetCount = 0;
};

struct ReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fractionLost = 0;  // lost/expected since the last report, times 256
  std::int32_t cumulativeLost = 0;  // 24-bit signed on the wire: negative with duplicates
  std::uint32_t extendedHighestSequence = 0;
  std::uint32_t jitter = 0;  // timestamp units
  std::uint32_t lastSr = 0;
  std::uint32_t delaySinceLastSr = 0;  // 1/65536 s
};

struct XrBlockHeader {
  std::uint8_t blockType = 0;
  std::uint8_t typeSpecific = 0;
  std::uint16_t length = 0;  // 32-bit words after the 4-byte block header
  std::span<const std::byte> body;
};

struct RtcpPacket {
  std::uint8_t packetType = 0;
  std::uint8_t count = 0;  // RC / SC / subtype: the 5-bit field
  bool padding = false;
  std::size_t offset = 0;  // within the compound
  std::span<const std::byte> bytes;  // the whole packet, header included, padding included
  std::uint32_t ssrc = 0;  // sender SSRC for SR/RR/APP/XR; first SSRC/CSRC for SDES/BYE when present
  std::optional<SenderInfo> senderInfo;  // SR only
  std::vector<ReportBlock> reports;       // SR and RR
  std::vector<XrBlockHeader> xrBlocks;    // XR only
};

struct RtcpCompound {
  std::vector<RtcpPacket> packets;
};

// RFC 5761 demultiplexing: version 2 and a packet type of 192..223 (the range RTP must not use).
bool looksLikeRtcp(std::span<const std::byte> bytes);

// The whole datagram must be a sequence of RTCP packets whose lengths add up exactly. RFC 3550's
// "first packet must be SR or RR" rule is not enforced: reduced-size RTCP (RFC 5506) breaks it.
Result<RtcpCompound> parseRtcpCompound(std::span<const std::byte> bytes);

}  // namespace vs::proto::rtp
