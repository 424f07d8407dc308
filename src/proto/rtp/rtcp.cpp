#include "proto/rtp/rtcp.h"

#include <string>

#include "proto/rtp/wire.h"

namespace vs::proto::rtp {
namespace {

constexpr std::size_t kReportBlockSize = 24;
constexpr std::size_t kSenderInfoSize = 20;

ReportBlock readReport(std::span<const std::byte> b, std::size_t pos) {
  ReportBlock r;
  r.ssrc = detail::u32(b, pos);
  r.fractionLost = detail::u8(b, pos + 4);
  std::uint32_t cum = detail::u32(b, pos + 4) & 0x00FFFFFFU;
  // Sign-extend the 24-bit two's complement count.
  r.cumulativeLost = (cum & 0x800000U) != 0 ? static_cast<std::int32_t>(cum) - 0x1000000
                                             : static_cast<std::int32_t>(cum);
  r.extendedHighestSequence = detail::u32(b, pos + 8);
  r.jitter = detail::u32(b, pos + 12);
  r.lastSr = detail::u32(b, pos + 16);
  r.delaySinceLastSr = detail::u32(b, pos + 20);
  return r;
}

}  // namespace

bool looksLikeRtcp(std::span<const std::byte> bytes) {
  if (bytes.size() < 4) return false;
  const auto pt = detail::u8(bytes, 1);
  return (detail::u8(bytes, 0) >> 6) == 2 && pt >= 192 && pt <= 223;
}

Result<RtcpCompound> parseRtcpCompound(std::span<const std::byte> bytes) {
  RtcpCompound out;
  if (bytes.size() < 4) return makeError("RTCP packet shorter than its 4-byte header", bytes.size());
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (out.packets.size() >= kMaxRtcpPacketsPerCompound) {
      return makeError("more than " + std::to_string(kMaxRtcpPacketsPerCompound) + " RTCP packets in one datagram",
                       pos);
    }
    if (bytes.size() - pos < 4) return makeError("RTCP packet header truncated", pos);
    RtcpPacket p;
    const auto b0 = detail::u8(bytes, pos);
    if ((b0 >> 6) != 2) return makeError("RTCP version " + std::to_string(b0 >> 6) + ", expected 2", pos);
    p.padding = (b0 & 0x20U) != 0;
    p.count = static_cast<std::uint8_t>(b0 & 0x1FU);
    p.packetType = detail::u8(bytes, pos + 1);
    p.offset = pos;
    const std::size_t len = (std::size_t{detail::u16(bytes, pos + 2)} + 1) * 4;
    if (len > bytes.size() - pos) {
      return makeError("RTCP length field (" + std::to_string(len) + " bytes) runs past the datagram end", pos + 2);
    }
    p.bytes = bytes.subspan(pos, len);
    std::size_t end = len;  // within p.bytes
    if (p.padding) {
      const auto pad = detail::u8(p.bytes, len - 1);
      if (pad == 0 || pad > len - 4) return makeError("RTCP padding count is zero or too large", pos + len - 1);
      end -= pad;
    }
    const auto body = p.bytes.first(end);
    if (body.size() >= 8) p.ssrc = detail::u32(body, 4);

    switch (p.packetType) {
      case kRtcpSr:
      case kRtcpRr: {
        std::size_t q = 8;
        if (body.size() < q) return makeError("RTCP SR/RR shorter than its SSRC", pos);
        if (p.packetType == kRtcpSr) {
          if (body.size() < q + kSenderInfoSize) return makeError("RTCP SR sender info truncated", pos + q);
          SenderInfo si;
          si.ntpTimestamp = detail::u64(body, q);
          si.rtpTimestamp = detail::u32(body, q + 8);
          si.packetCount = detail::u32(body, q + 12);
          si.octetCount = detail::u32(body, q + 16);
          p.senderInfo = si;
          q += kSenderInfoSize;
        }
        if (body.size() < q + kReportBlockSize * p.count) {
          return makeError("RTCP report count " + std::to_string(p.count) + " runs past the packet length", pos + q);
        }
        p.reports.reserve(p.count);
        for (std::size_t i = 0; i < p.count; ++i, q += kReportBlockSize) p.reports.push_back(readReport(body, q));
        break;  // profile-specific extensions after the blocks are ignored
      }
      case kRtcpXr: {
        if (body.size() < 8) return makeError("RTCP XR shorter than its SSRC", pos);
        std::size_t q = 8;
        while (q < body.size()) {
          if (p.xrBlocks.size() >= kMaxXrBlocks) return makeError("too many XR blocks", pos + q);
          if (body.size() - q < 4) return makeError("RTCP XR block header truncated", pos + q);
          XrBlockHeader xb;
          xb.blockType = detail::u8(body, q);
          xb.typeSpecific = detail::u8(body, q + 1);
          xb.length = detail::u16(body, q + 2);
          const std::size_t blen = std::size_t{xb.length} * 4;
          if (blen > body.size() - q - 4) return makeError("RTCP XR block length runs past the packet", pos + q + 2);
          xb.body = body.subspan(q + 4, blen);
          p.xrBlocks.push_back(xb);
          q += 4 + blen;
        }
        break;
      }
      default:  // SDES, BYE, APP, feedback, unknown: kept as bytes, walked over by length
        break;
    }
    out.packets.push_back(std::move(p));
    pos += len;
  }
  return out;
}

}  // namespace vs::proto::rtp
