#pragma once
// Hand-made raw IPv4/UDP/TCP frames (link type proto::pkt::link::kRaw) for feeding the capture analyzer
// without a capture file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vs::test {

using Bytes = std::vector<std::byte>;

inline void put16(Bytes& b, std::size_t at, unsigned v) {
  b[at] = std::byte(static_cast<unsigned char>(v >> 8));
  b[at + 1] = std::byte(static_cast<unsigned char>(v & 0xFF));
}

inline void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  put16(b, at, v >> 16);
  put16(b, at + 2, v & 0xFFFF);
}

// Raw IPv4 + UDP (checksum 0) from 192.0.2.<src> to 192.0.2.<dst>.
inline Bytes udp(unsigned src, unsigned sport, unsigned dst, unsigned dport, const Bytes& payload) {
  Bytes b(28 + payload.size());
  b[0] = std::byte{0x45};
  put16(b, 2, static_cast<unsigned>(b.size()));
  b[8] = std::byte{64};
  b[9] = std::byte{17};
  b[12] = std::byte{192};
  b[13] = std::byte{0};
  b[14] = std::byte{2};
  b[15] = std::byte(static_cast<unsigned char>(src));
  b[16] = std::byte{192};
  b[17] = std::byte{0};
  b[18] = std::byte{2};
  b[19] = std::byte(static_cast<unsigned char>(dst));
  put16(b, 20, sport);
  put16(b, 22, dport);
  put16(b, 24, static_cast<unsigned>(8 + payload.size()));
  std::copy(payload.begin(), payload.end(), b.begin() + 28);
  return b;
}

// Raw IPv4 + TCP (PSH+ACK unless told, window and checksums 0) from 192.0.2.<src> to 192.0.2.<dst>.
inline Bytes tcp(unsigned src, unsigned sport, unsigned dst, unsigned dport, std::uint32_t seq, const Bytes& payload,
                 unsigned flags = 0x18) {
  Bytes b = udp(src, sport, dst, dport, {});
  b.resize(40);
  b[9] = std::byte{6};
  put16(b, 2, static_cast<unsigned>(40 + payload.size()));
  put32(b, 24, seq);
  put32(b, 28, 0);
  b[32] = std::byte{0x50};
  b[33] = std::byte(static_cast<unsigned char>(flags));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// A raw IPv4 packet (from udp()) cut into IPv4 fragments with IP ID `id`, each carrying at most
// `max_payload` bytes (rounded down to a multiple of 8) after the 20-byte header, in order.
inline std::vector<Bytes> fragments(const Bytes& packet, std::size_t max_payload, unsigned id) {
  constexpr std::size_t kHeader = 20;
  const std::size_t step = max_payload / 8 * 8;
  std::vector<Bytes> out;
  for (std::size_t off = 0; off + kHeader < packet.size(); off += step) {
    const std::size_t n = std::min(step, packet.size() - kHeader - off);
    Bytes f(packet.begin(), packet.begin() + kHeader);
    f.insert(f.end(), packet.begin() + static_cast<std::ptrdiff_t>(kHeader + off),
             packet.begin() + static_cast<std::ptrdiff_t>(kHeader + off + n));
    put16(f, 2, static_cast<unsigned>(f.size()));
    put16(f, 4, id);
    const bool more = kHeader + off + n < packet.size();
    put16(f, 6, static_cast<unsigned>((more ? 0x2000U : 0U) | (off / 8)));
    out.push_back(std::move(f));
  }
  return out;
}

inline Bytes text(std::string_view s) {
  Bytes b;
  b.reserve(s.size());
  for (char c : s) b.push_back(std::byte(static_cast<unsigned char>(c)));
  return b;
}

}  // namespace vs::test
