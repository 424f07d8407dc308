#pragma once
// Network byte order helpers shared by the RTP, RTCP and probe codecs. Callers bounds-check first.
#include <cstddef>
#include <cstdint>
#include <span>

namespace vs::proto::rtp::detail {

inline std::uint8_t u8(std::span<const std::byte> b, std::size_t i) { return std::to_integer<std::uint8_t>(b[i]); }
inline std::uint16_t u16(std::span<const std::byte> b, std::size_t i) {
  return static_cast<std::uint16_t>((u8(b, i) << 8) | u8(b, i + 1));
}
inline std::uint32_t u32(std::span<const std::byte> b, std::size_t i) {
  return (std::uint32_t{u16(b, i)} << 16) | u16(b, i + 2);
}
inline std::uint64_t u64(std::span<const std::byte> b, std::size_t i) {
  return (std::uint64_t{u32(b, i)} << 32) | u32(b, i + 4);
}
inline void put8(std::span<std::byte> b, std::size_t i, unsigned v) { b[i] = static_cast<std::byte>(v & 0xFFU); }
inline void put16(std::span<std::byte> b, std::size_t i, unsigned v) {
  put8(b, i, v >> 8);
  put8(b, i + 1, v);
}
inline void put32(std::span<std::byte> b, std::size_t i, std::uint32_t v) {
  put16(b, i, v >> 16);
  put16(b, i + 2, v & 0xFFFFU);
}
inline void put64(std::span<std::byte> b, std::size_t i, std::uint64_t v) {
  put32(b, i, static_cast<std::uint32_t>(v >> 32));
  put32(b, i + 4, static_cast<std::uint32_t>(v & 0xFFFFFFFFU));
}

}  // namespace vs::proto::rtp::detail
