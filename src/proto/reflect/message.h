#pragma once
// The probe <-> reflector message format ("VSR", version 1), carried at the start of an RTP payload so
// that the path sees real RTP (codec-sized packets, RTP header, DSCP) while both ends learn timestamps.
//
//   common header (16 bytes)    'V' 'S' 'R' version | type | flags | headerLength(u16) | session(u32) | probeSeq(u32)
//   probe / report request      txNs(u64) | clockRate(u32) | returnDscp(u8) | 3 reserved            = 32 bytes
//   reply / report reply        proberTxNs(u64) reflectorRxNs(u64) reflectorTxNs(u64) replySeq(u32)
//                               tos(u8) family(u8) port(u16) address(16)      <- "what I saw" about the sender
//                               ackHighest(u32) ackBits(u64)                  <- forward fate of the last 65
//                               forward receiver stats (32 bytes, see ForwardStats)            = 112 bytes
//   then TLVs up to headerLength (type u8, length u8, value), in probes and replies alike: room for later
//   items without a version bump; unknown types are skipped (an older reflector ignores a request TLV and
//   answers as before, which the sender sees as the missing "accepted" TLV).
//   Defined TLVs (see kTlv...): the NAT binding-lifetime callback ("call me back after T seconds"): a probe
//   carries kTlvCallbackRequest; the immediate reply carries kTlvCallbackAccepted or kTlvCallbackRefused;
//   T seconds later the reflector sends one more reply, carrying kTlvCallback, to the address and port the
//   request came from. The sender stays silent meanwhile, so only a NAT binding that is still alive lets
//   the callback in.
//   kTlvAltAddress, in every reply of a reflector that also listens on a second IP address (same ports):
//   that address, so a NAT probe can send to it (RFC 4787 address-dependent mapping) without being told.
//   then, when flags has kFlagAuthenticated, a 16-byte MAC: HMAC-SHA256 truncated, keyed with the shared
//   secret, over the RTP header and the message's headerLength bytes (see macInput()).
// Integers big-endian. Times are each end's own clock in ns (CLOCK_REALTIME, the clock of the kernel's
// receive timestamps): only differences on one clock are
// meaningful, which is all the measurements need. Pure codec: the MAC is computed by the caller.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"

namespace vs::proto::reflect {

inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kCommonSize = 16;
inline constexpr std::size_t kProbeSize = 32;
inline constexpr std::size_t kReplySize = 112;
inline constexpr std::size_t kMacSize = 16;
inline constexpr std::size_t kMaxTlvs = 16;
inline constexpr std::size_t kMaxHeaderLength = 1024;  // a reply never needs more; refuse bigger claims
inline constexpr std::uint16_t kMaxCallbackDelaySeconds = 600;  // longer idle tests are not worth a timer

inline constexpr std::uint8_t kTlvCallbackRequest = 1;   // u16 delay seconds, u8 flags (kCallbackFromAltPort)
inline constexpr std::uint8_t kTlvCallbackAccepted = 2;  // u16 delay seconds
inline constexpr std::uint8_t kTlvCallbackRefused = 3;   // u8 reason (CallbackRefusal)
inline constexpr std::uint8_t kTlvCallback = 4;          // u16 delay seconds: this reply is the callback
inline constexpr std::uint8_t kTlvAltAddress = 5;       // u8 family (4 or 6), then 4 or 16 address bytes
inline constexpr std::uint8_t kCallbackFromAltPort = 0x01;

enum class CallbackRefusal : std::uint8_t { kBadDelay = 1, kTooMany = 2 };

enum class Type : std::uint8_t { kProbe = 1, kReply = 2, kReportRequest = 3, kReportReply = 4 };

inline constexpr std::uint8_t kFlagAuthenticated = 0x01;
inline constexpr std::uint8_t kFlagReplyFromAltPort = 0x02;  // answer from the reflector's other port
inline constexpr std::uint8_t kFlagTosValid = 0x04;          // reply: the tos field was read from the socket
// Answer from the reflector's other IP address (with kFlagReplyFromAltPort: and its other port); ignored by
// a reflector without one, which the sender sees as the answer's source address (NAT filtering tests).
inline constexpr std::uint8_t kFlagReplyFromAltAddress = 0x08;

struct Common {
  Type type = Type::kProbe;
  std::uint8_t flags = 0;
  std::uint16_t headerLength = 0;
  std::uint32_t session = 0;
  std::uint32_t probeSeq = 0;
};

struct Tlv {
  std::uint8_t type = 0;
  std::span<const std::byte> value;
};

struct Probe {
  Common common;
  std::uint64_t txNs = 0;
  std::uint32_t clockRate = 8000;  // for the RTP timestamps of the reflected stream
  std::uint8_t returnDscp = 0;     // DSCP the reflector sends the reply with
  std::vector<Tlv> tlvs;          // parsed: views into the bytes; written: after the fixed part
};

// Receive-side figures of the forward stream, as the reflector's StreamStats holds them. Microseconds.
struct ForwardStats {
  std::uint32_t received = 0;
  std::int32_t lost = 0;
  std::uint32_t duplicates = 0;
  std::uint32_t outOfOrder = 0;
  std::uint32_t jitterUs = 0, maxJitterUs = 0, meanJitterUs = 0, maxDeltaUs = 0;
};

struct Reply {
  Common common;
  std::uint64_t proberTxNs = 0;
  std::uint64_t reflectorRxNs = 0;
  std::uint64_t reflectorTxNs = 0;
  std::uint32_t replySeq = 0;
  std::uint8_t tos = 0;          // TOS / traffic class byte the probe arrived with (DSCP = tos >> 2)
  std::uint8_t family = 0;       // 4 or 6: the sender address the reflector saw
  std::uint16_t port = 0;
  std::array<std::uint8_t, 16> address{};  // IPv4 in the first 4 bytes
  std::uint32_t ackHighest = 0;  // highest probeSeq received in this session
  std::uint64_t ackBits = 0;     // bit i set: probeSeq ackHighest - 1 - i was received
  ForwardStats forward;
  std::vector<Tlv> tlvs;         // parsed: views into the bytes; written: after the fixed part
};

struct CallbackRequest {
  std::uint16_t delaySeconds = 0;
  std::uint8_t flags = 0;
};
// The first TLV of a type; nullopt when absent.
std::optional<std::span<const std::byte>> findTlv(const std::vector<Tlv>& tlvs, std::uint8_t type);
// A callback request among a probe's TLVs; nullopt when absent or too short (3 bytes).
std::optional<CallbackRequest> callbackRequest(const std::vector<Tlv>& tlvs);
// A u16 TLV value (accepted / callback); nullopt when absent or too short.
std::optional<std::uint16_t> tlvU16(const std::vector<Tlv>& tlvs, std::uint8_t type);
// The reflector's second address (kTlvAltAddress); nullopt when absent or malformed (family not 4 or 6,
// or a length not matching it).
struct AltAddress {
  std::uint8_t family = 4;
  std::array<std::uint8_t, 16> address{};  // IPv4 in the first 4 bytes
};
std::optional<AltAddress> altAddress(const std::vector<Tlv>& tlvs);
// The kTlvAltAddress value for an address: 5 or 17 bytes, written into `out`; returns the used part.
std::span<const std::byte> altAddressValue(const AltAddress& a, std::array<std::byte, 17>& out);
// Bytes of a TLV total (2 + value) for a list, i.e. what the writers add after the fixed part.
std::size_t tlvBytes(const std::vector<Tlv>& tlvs);

// Cheap check: the magic and version at the start of a payload.
bool looksLikeReflect(std::span<const std::byte> payload);

Result<Common> parseCommon(std::span<const std::byte> payload);
// Both check the type, the minimum size for it, headerLength against the payload, and room for the MAC
// when authenticated. Offsets in errors are within the payload.
Result<Probe> parseProbe(std::span<const std::byte> payload);
Result<Reply> parseReply(std::span<const std::byte> payload);

// Write into `out` (which must hold kProbeSize / kReplySize bytes, plus kMacSize when authenticated; the
// MAC bytes are left for the caller) plus the TLVs. headerLength is set by the writer. Returns bytes
// written (no MAC), i.e. the headerLength. A TLV value over 255 bytes or more than kMaxTlvs is an error.
Result<std::size_t> writeProbe(std::span<std::byte> out, const Probe& probe);
Result<std::size_t> writeReply(std::span<std::byte> out, const Reply& reply);

// The bytes a MAC covers: RTP header bytes then the message's headerLength bytes. Both are contiguous in
// a packet (payload follows the header), so this is one span of the packet.
std::span<const std::byte> macInput(std::span<const std::byte> rtpPacket, std::size_t payloadOffset,
                                    std::uint16_t headerLength);
// Where the MAC sits in the packet.
std::size_t macOffset(std::size_t payloadOffset, std::uint16_t headerLength);

// Constant-time comparison of two MACs (a timing side channel would let a sender guess it byte by byte).
bool macEqual(std::span<const std::byte> a, std::span<const std::byte> b);

}  // namespace vs::proto::reflect
