#include "proto/reflect/message.h"

#include <string>

#include "proto/rtp/wire.h"

namespace vs::proto::reflect {
namespace {

namespace w = proto::rtp::detail;

constexpr std::byte kMagic[3] = {std::byte{'V'}, std::byte{'S'}, std::byte{'R'}};

void writeCommon(std::span<std::byte> out, const Common& c, std::size_t headerLength) {
  out[0] = kMagic[0];
  out[1] = kMagic[1];
  out[2] = kMagic[2];
  w::put8(out, 3, kVersion);
  w::put8(out, 4, static_cast<unsigned>(c.type));
  w::put8(out, 5, c.flags);
  w::put16(out, 6, static_cast<unsigned>(headerLength));
  w::put32(out, 8, c.session);
  w::put32(out, 12, c.probeSeq);
}

Result<Common> checkedCommon(std::span<const std::byte> payload, std::size_t minSize, Type a, Type b) {
  auto c = parseCommon(payload);
  if (!c) return c;
  if (c->type != a && c->type != b) {
    return makeError("reflect message type " + std::to_string(static_cast<int>(c->type)) + " unexpected here", 4);
  }
  if (c->headerLength < minSize) {
    return makeError("reflect header length " + std::to_string(c->headerLength) + " shorter than its type needs (" +
                         std::to_string(minSize) + ")",
                     6);
  }
  const std::size_t need = c->headerLength + ((c->flags & kFlagAuthenticated) != 0 ? kMacSize : 0);
  if (payload.size() < need) {
    return makeError("reflect header length " + std::to_string(c->headerLength) + " (+MAC) runs past the payload (" +
                         std::to_string(payload.size()) + " bytes)",
                     6);
  }
  return c;
}

// TLVs from `pos` up to headerLength.
Result<std::vector<Tlv>> parseTlvs(std::span<const std::byte> payload, std::size_t pos, std::size_t end) {
  std::vector<Tlv> tlvs;
  while (pos < end) {
    if (tlvs.size() >= kMaxTlvs) return makeError("more than 16 TLVs in a reflect message", pos);
    if (end - pos < 2) return makeError("reflect TLV header truncated", pos);
    const std::size_t len = w::u8(payload, pos + 1);
    if (len > end - pos - 2) return makeError("reflect TLV length runs past the header", pos + 1);
    tlvs.push_back(Tlv{static_cast<std::uint8_t>(w::u8(payload, pos)), payload.subspan(pos + 2, len)});
    pos += 2 + len;
  }
  return tlvs;
}

Result<std::size_t> checkTlvs(const std::vector<Tlv>& tlvs, std::size_t fixed) {
  if (tlvs.size() > kMaxTlvs) return makeError("more than 16 TLVs to write", 0);
  for (const auto& t : tlvs) {
    if (t.value.size() > 255) return makeError("reflect TLV value over 255 bytes", 0);
  }
  const auto total = fixed + tlvBytes(tlvs);
  if (total > kMaxHeaderLength) return makeError("reflect header over the limit", 0);
  return total;
}

std::size_t writeTlvs(std::span<std::byte> out, std::size_t pos, const std::vector<Tlv>& tlvs) {
  for (const auto& t : tlvs) {
    w::put8(out, pos, t.type);
    w::put8(out, pos + 1, static_cast<unsigned>(t.value.size()));
    for (std::size_t i = 0; i < t.value.size(); ++i) out[pos + 2 + i] = t.value[i];
    pos += 2 + t.value.size();
  }
  return pos;
}

}  // namespace

std::size_t tlvBytes(const std::vector<Tlv>& tlvs) {
  std::size_t n = 0;
  for (const auto& t : tlvs) n += 2 + t.value.size();
  return n;
}

std::optional<std::span<const std::byte>> findTlv(const std::vector<Tlv>& tlvs, std::uint8_t type) {
  for (const auto& t : tlvs) {
    if (t.type == type) return t.value;
  }
  return std::nullopt;
}

std::optional<CallbackRequest> callbackRequest(const std::vector<Tlv>& tlvs) {
  auto v = findTlv(tlvs, kTlvCallbackRequest);
  if (!v || v->size() < 3) return std::nullopt;
  return CallbackRequest{static_cast<std::uint16_t>(w::u16(*v, 0)), static_cast<std::uint8_t>(w::u8(*v, 2))};
}

std::optional<std::uint16_t> tlvU16(const std::vector<Tlv>& tlvs, std::uint8_t type) {
  auto v = findTlv(tlvs, type);
  if (!v || v->size() < 2) return std::nullopt;
  return static_cast<std::uint16_t>(w::u16(*v, 0));
}

std::optional<AltAddress> altAddress(const std::vector<Tlv>& tlvs) {
  auto v = findTlv(tlvs, kTlvAltAddress);
  if (!v || v->empty()) return std::nullopt;
  AltAddress a;
  a.family = static_cast<std::uint8_t>(w::u8(*v, 0));
  const std::size_t len = a.family == 4 ? 4 : a.family == 6 ? 16 : 0;
  if (len == 0 || v->size() != 1 + len) return std::nullopt;
  for (std::size_t i = 0; i < len; ++i) a.address[i] = static_cast<std::uint8_t>(w::u8(*v, 1 + i));
  return a;
}

std::span<const std::byte> altAddressValue(const AltAddress& a, std::array<std::byte, 17>& out) {
  const std::size_t len = a.family == 6 ? 16 : 4;
  out[0] = std::byte{a.family == 6 ? std::uint8_t{6} : std::uint8_t{4}};
  for (std::size_t i = 0; i < len; ++i) out[1 + i] = std::byte{a.address[i]};
  return std::span<const std::byte>(out).first(1 + len);
}

bool looksLikeReflect(std::span<const std::byte> payload) {
  return payload.size() >= kCommonSize && payload[0] == kMagic[0] && payload[1] == kMagic[1] &&
         payload[2] == kMagic[2] && w::u8(payload, 3) == kVersion;
}

Result<Common> parseCommon(std::span<const std::byte> payload) {
  if (payload.size() < kCommonSize) {
    return makeError("reflect message shorter than its 16-byte header (" + std::to_string(payload.size()) + ")",
                     payload.size());
  }
  if (payload[0] != kMagic[0] || payload[1] != kMagic[1] || payload[2] != kMagic[2]) {
    return makeError("not a reflect message (no VSR magic)", 0);
  }
  if (w::u8(payload, 3) != kVersion) {
    return makeError("reflect version " + std::to_string(w::u8(payload, 3)) + ", expected 1", 3);
  }
  Common c;
  const auto t = w::u8(payload, 4);
  if (t < 1 || t > 4) return makeError("reflect message type " + std::to_string(t) + " unknown", 4);
  c.type = static_cast<Type>(t);
  c.flags = w::u8(payload, 5);
  c.headerLength = w::u16(payload, 6);
  if (c.headerLength > kMaxHeaderLength) {
    return makeError("reflect header length " + std::to_string(c.headerLength) + " over the limit", 6);
  }
  c.session = w::u32(payload, 8);
  c.probeSeq = w::u32(payload, 12);
  return c;
}

Result<Probe> parseProbe(std::span<const std::byte> payload) {
  auto c = checkedCommon(payload, kProbeSize, Type::kProbe, Type::kReportRequest);
  if (!c) return c.error();
  Probe p;
  p.common = *c;
  p.txNs = w::u64(payload, 16);
  p.clockRate = w::u32(payload, 24);
  p.returnDscp = static_cast<std::uint8_t>(w::u8(payload, 28) & 0x3FU);
  if (p.clockRate == 0 || p.clockRate > 192000) {
    return makeError("reflect probe clock rate " + std::to_string(p.clockRate) + " out of range", 24);
  }
  auto tlvs = parseTlvs(payload, kProbeSize, c->headerLength);
  if (!tlvs) return tlvs.error();
  p.tlvs = std::move(*tlvs);
  return p;
}

Result<Reply> parseReply(std::span<const std::byte> payload) {
  auto c = checkedCommon(payload, kReplySize, Type::kReply, Type::kReportReply);
  if (!c) return c.error();
  Reply r;
  r.common = *c;
  r.proberTxNs = w::u64(payload, 16);
  r.reflectorRxNs = w::u64(payload, 24);
  r.reflectorTxNs = w::u64(payload, 32);
  r.replySeq = w::u32(payload, 40);
  r.tos = w::u8(payload, 44);
  r.family = w::u8(payload, 45);
  if (r.family != 4 && r.family != 6 && r.family != 0) {
    return makeError("reflect reply address family " + std::to_string(r.family) + " unknown", 45);
  }
  r.port = w::u16(payload, 46);
  for (std::size_t i = 0; i < 16; ++i) r.address[i] = w::u8(payload, 48 + i);
  r.ackHighest = w::u32(payload, 64);
  r.ackBits = w::u64(payload, 72);
  auto& f = r.forward;
  f.received = w::u32(payload, 80);
  f.lost = static_cast<std::int32_t>(w::u32(payload, 84));
  f.duplicates = w::u32(payload, 88);
  f.outOfOrder = w::u32(payload, 92);
  f.jitterUs = w::u32(payload, 96);
  f.maxJitterUs = w::u32(payload, 100);
  f.meanJitterUs = w::u32(payload, 104);
  f.maxDeltaUs = w::u32(payload, 108);
  auto tlvs = parseTlvs(payload, kReplySize, c->headerLength);
  if (!tlvs) return tlvs.error();
  r.tlvs = std::move(*tlvs);
  return r;
}

Result<std::size_t> writeProbe(std::span<std::byte> out, const Probe& p) {
  auto total = checkTlvs(p.tlvs, kProbeSize);
  if (!total) return total;
  const std::size_t need = *total + ((p.common.flags & kFlagAuthenticated) != 0 ? kMacSize : 0);
  if (out.size() < need) return makeError("buffer too small for a reflect probe", out.size());
  writeCommon(out, p.common, *total);
  w::put64(out, 16, p.txNs);
  w::put32(out, 24, p.clockRate);
  w::put8(out, 28, p.returnDscp & 0x3FU);
  w::put8(out, 29, 0);
  w::put16(out, 30, 0);
  return writeTlvs(out, kProbeSize, p.tlvs);
}

Result<std::size_t> writeReply(std::span<std::byte> out, const Reply& r) {
  auto total = checkTlvs(r.tlvs, kReplySize);
  if (!total) return total;
  const std::size_t need = *total + ((r.common.flags & kFlagAuthenticated) != 0 ? kMacSize : 0);
  if (out.size() < need) return makeError("buffer too small for a reflect reply", out.size());
  writeCommon(out, r.common, *total);
  w::put64(out, 16, r.proberTxNs);
  w::put64(out, 24, r.reflectorRxNs);
  w::put64(out, 32, r.reflectorTxNs);
  w::put32(out, 40, r.replySeq);
  w::put8(out, 44, r.tos);
  w::put8(out, 45, r.family);
  w::put16(out, 46, r.port);
  for (std::size_t i = 0; i < 16; ++i) w::put8(out, 48 + i, r.address[i]);
  w::put32(out, 64, r.ackHighest);
  w::put64(out, 72, r.ackBits);
  const auto& f = r.forward;
  w::put32(out, 80, f.received);
  w::put32(out, 84, static_cast<std::uint32_t>(f.lost));
  w::put32(out, 88, f.duplicates);
  w::put32(out, 92, f.outOfOrder);
  w::put32(out, 96, f.jitterUs);
  w::put32(out, 100, f.maxJitterUs);
  w::put32(out, 104, f.meanJitterUs);
  w::put32(out, 108, f.maxDeltaUs);
  return writeTlvs(out, kReplySize, r.tlvs);
}

std::span<const std::byte> macInput(std::span<const std::byte> rtpPacket, std::size_t payloadOffset,
                                    std::uint16_t headerLength) {
  const std::size_t end = payloadOffset + headerLength;
  return end <= rtpPacket.size() ? rtpPacket.first(end) : std::span<const std::byte>{};
}

std::size_t macOffset(std::size_t payloadOffset, std::uint16_t headerLength) { return payloadOffset + headerLength; }

bool macEqual(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= std::to_integer<unsigned>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace vs::proto::reflect
