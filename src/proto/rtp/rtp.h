#pragma once
// RTP (RFC 3550 section 5) header parse and build, and the RFC 4733 telephone-event payload.
// Pure and zero-copy: a parsed packet holds views into the caller's bytes, so it must not outlive them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"

namespace vs::proto::rtp {

inline constexpr std::size_t kFixedHeaderSize = 12;
inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::size_t kMaxCsrc = 15;  // the CC field is 4 bits

struct RtpHeader {
  std::uint8_t version = kVersion;
  bool padding = false;
  bool extension = false;
  bool marker = false;
  std::uint8_t payloadType = 0;  // 7 bits
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint8_t csrcCount = 0;
  std::array<std::uint32_t, kMaxCsrc> csrc{};
};

struct RtpPacket {
  RtpHeader header;
  // Header extension (RFC 3550 5.3.1): profile-defined 16 bits and the extension body (length*4 bytes).
  std::uint16_t extensionProfile = 0;
  std::span<const std::byte> extensionData;
  std::span<const std::byte> payload;  // padding removed
  std::uint8_t paddingLength = 0;      // last octet when P is set (count includes itself)
  std::size_t headerLength = 0;        // fixed header + CSRCs + extension
};

// Cheap check for demultiplexing (RFC 5761 / RFC 7983): version 2 and a PT outside the RTCP range
// 72..76 (which is where RTCP types 200..204 land once the marker bit is folded into the PT field).
bool looksLikeRtp(std::span<const std::byte> bytes);

Result<RtpPacket> parseRtp(std::span<const std::byte> bytes);

// Serialises the header (CSRC list from header.csrcCount, extension omitted unless extensionData is given)
// then the payload, into `out`; returns bytes written or an error when `out` is too small. No allocation,
// so a sender can reuse one buffer per stream.
Result<std::size_t> writeRtp(std::span<std::byte> out, const RtpHeader& header, std::span<const std::byte> payload,
                             std::uint16_t extensionProfile = 0, std::span<const std::byte> extensionData = {});
std::vector<std::byte> buildRtp(const RtpHeader& header, std::span<const std::byte> payload);

// RFC 4733 2.3: event, E bit, volume (-dBm0, 6 bits), duration in timestamp units.
struct TelephoneEvent {
  std::uint8_t event = 0;
  bool end = false;
  bool reserved = false;
  std::uint8_t volume = 0;
  std::uint16_t duration = 0;
};
inline constexpr std::size_t kTelephoneEventSize = 4;
// The first event block of the payload (RFC 2198 redundancy is carried outside this payload format).
Result<TelephoneEvent> parseTelephoneEvent(std::span<const std::byte> payload);
// 0-9, *, #, A-D for events 0..15 (RFC 4733 3.2); '?' for others.
char telephoneEventDigit(std::uint8_t event);

// Static payload types of RFC 3551 table 4/5 with their RTP clock rates (0 for unassigned or dynamic).
// G.722 is 8000 here on purpose: RFC 3551 4.5.2 keeps its RTP clock at 8 kHz though it samples at 16.
std::uint32_t staticClockRate(std::uint8_t payloadType);
// Encoding name for static PTs ("PCMU", "G729", ...), empty when unassigned.
const char* staticPayloadName(std::uint8_t payloadType);

}  // namespace vs::proto::rtp
