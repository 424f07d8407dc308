#include "proto/rtp/rtp.h"

#include <cstring>
#include <string>

#include "proto/rtp/wire.h"

namespace vs::proto::rtp {

bool looksLikeRtp(std::span<const std::byte> bytes) {
  if (bytes.size() < kFixedHeaderSize) return false;
  const auto b0 = detail::u8(bytes, 0);
  const auto pt = static_cast<std::uint8_t>(detail::u8(bytes, 1) & 0x7FU);
  return (b0 >> 6) == kVersion && (pt < 72 || pt > 76);
}

Result<RtpPacket> parseRtp(std::span<const std::byte> bytes) {
  if (bytes.size() < kFixedHeaderSize) {
    return makeError("RTP packet shorter than the 12-byte fixed header (" + std::to_string(bytes.size()) + " bytes)",
                     bytes.size());
  }
  RtpPacket p;
  const auto b0 = detail::u8(bytes, 0);
  const auto b1 = detail::u8(bytes, 1);
  auto& h = p.header;
  h.version = static_cast<std::uint8_t>(b0 >> 6);
  if (h.version != kVersion) return makeError("RTP version " + std::to_string(h.version) + ", expected 2", 0);
  h.padding = (b0 & 0x20U) != 0;
  h.extension = (b0 & 0x10U) != 0;
  h.csrcCount = static_cast<std::uint8_t>(b0 & 0x0FU);
  h.marker = (b1 & 0x80U) != 0;
  h.payloadType = static_cast<std::uint8_t>(b1 & 0x7FU);
  h.sequence = detail::u16(bytes, 2);
  h.timestamp = detail::u32(bytes, 4);
  h.ssrc = detail::u32(bytes, 8);

  std::size_t pos = kFixedHeaderSize;
  if (bytes.size() < pos + 4U * h.csrcCount) {
    return makeError("RTP CSRC list (" + std::to_string(h.csrcCount) + " entries) runs past the packet end", pos);
  }
  for (std::size_t i = 0; i < h.csrcCount; ++i, pos += 4) h.csrc[i] = detail::u32(bytes, pos);

  if (h.extension) {
    if (bytes.size() < pos + 4) return makeError("RTP header extension header truncated", pos);
    p.extensionProfile = detail::u16(bytes, pos);
    const std::size_t words = detail::u16(bytes, pos + 2);
    if (bytes.size() < pos + 4 + words * 4) {
      return makeError("RTP header extension length (" + std::to_string(words) + " words) runs past the packet end",
                       pos + 2);
    }
    p.extensionData = bytes.subspan(pos + 4, words * 4);
    pos += 4 + words * 4;
  }
  p.headerLength = pos;

  std::size_t end = bytes.size();
  if (h.padding) {
    const auto pad = detail::u8(bytes, end - 1);
    if (pad == 0 || pad > end - pos) {
      return makeError("RTP padding count " + std::to_string(pad) + " is zero or longer than the payload", end - 1);
    }
    p.paddingLength = pad;
    end -= pad;
  }
  p.payload = bytes.subspan(pos, end - pos);
  return p;
}

Result<std::size_t> writeRtp(std::span<std::byte> out, const RtpHeader& h, std::span<const std::byte> payload,
                             std::uint16_t extensionProfile, std::span<const std::byte> extensionData) {
  const std::size_t cc = h.csrcCount > kMaxCsrc ? kMaxCsrc : h.csrcCount;
  const bool ext = !extensionData.empty() || h.extension;
  if (extensionData.size() % 4 != 0 || extensionData.size() / 4 > 0xFFFF) {
    return makeError("RTP header extension body must be a multiple of 4 bytes and under 256 KiB");
  }
  const std::size_t need = kFixedHeaderSize + 4 * cc + (ext ? 4 + extensionData.size() : 0) + payload.size();
  if (out.size() < need) return makeError("output buffer too small for RTP packet", out.size());
  detail::put8(out, 0, static_cast<unsigned>((kVersion << 6) | (ext ? 0x10U : 0U) | cc));
  detail::put8(out, 1, static_cast<unsigned>((h.marker ? 0x80U : 0U) | (h.payloadType & 0x7FU)));
  detail::put16(out, 2, h.sequence);
  detail::put32(out, 4, h.timestamp);
  detail::put32(out, 8, h.ssrc);
  std::size_t pos = kFixedHeaderSize;
  for (std::size_t i = 0; i < cc; ++i, pos += 4) detail::put32(out, pos, h.csrc[i]);
  if (ext) {
    detail::put16(out, pos, extensionProfile);
    detail::put16(out, pos + 2, static_cast<unsigned>(extensionData.size() / 4));
    pos += 4;
    if (!extensionData.empty()) std::memcpy(out.data() + pos, extensionData.data(), extensionData.size());
    pos += extensionData.size();
  }
  if (!payload.empty()) std::memcpy(out.data() + pos, payload.data(), payload.size());
  return pos + payload.size();
}

std::vector<std::byte> buildRtp(const RtpHeader& header, std::span<const std::byte> payload) {
  std::vector<std::byte> out(kFixedHeaderSize + 4 * kMaxCsrc + 4 + payload.size());
  auto n = writeRtp(out, header, payload);
  out.resize(n.ok() ? *n : 0);
  return out;
}

Result<TelephoneEvent> parseTelephoneEvent(std::span<const std::byte> payload) {
  if (payload.size() < kTelephoneEventSize) {
    return makeError("telephone-event payload shorter than 4 bytes (" + std::to_string(payload.size()) + ")",
                     payload.size());
  }
  TelephoneEvent e;
  e.event = detail::u8(payload, 0);
  const auto b1 = detail::u8(payload, 1);
  e.end = (b1 & 0x80U) != 0;
  e.reserved = (b1 & 0x40U) != 0;
  e.volume = static_cast<std::uint8_t>(b1 & 0x3FU);
  e.duration = detail::u16(payload, 2);
  return e;
}

char telephoneEventDigit(std::uint8_t event) {
  static constexpr char kDigits[] = "0123456789*#ABCD";
  return event < 16 ? kDigits[event] : '?';
}

namespace {
struct StaticPt {
  const char* name;
  std::uint32_t rate;
};
// RFC 3551 section 6, tables 4 and 5 (audio and video static assignments).
constexpr StaticPt kStatic[35] = {
    {"PCMU", 8000},  {"", 0},       {"", 0},         {"GSM", 8000},   {"G723", 8000}, {"DVI4", 8000},
    {"DVI4", 16000}, {"LPC", 8000}, {"PCMA", 8000},  {"G722", 8000},  {"L16", 44100}, {"L16", 44100},
    {"QCELP", 8000}, {"CN", 8000},  {"MPA", 90000},  {"G728", 8000},  {"DVI4", 11025}, {"DVI4", 22050},
    {"G729", 8000},  {"", 0},       {"", 0},         {"", 0},         {"", 0},        {"", 0},
    {"", 0},         {"CelB", 90000}, {"JPEG", 90000}, {"", 0},       {"nv", 90000},  {"", 0},
    {"", 0},         {"H261", 90000}, {"MPV", 90000}, {"MP2T", 90000}, {"H263", 90000}};
}  // namespace

std::uint32_t staticClockRate(std::uint8_t payloadType) {
  return payloadType < std::size(kStatic) ? kStatic[payloadType].rate : 0;
}

const char* staticPayloadName(std::uint8_t payloadType) {
  return payloadType < std::size(kStatic) ? kStatic[payloadType].name : "";
}

}  // namespace vs::proto::rtp
