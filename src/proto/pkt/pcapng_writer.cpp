#include "proto/pkt/pcapng_writer.h"

#include <algorithm>
#include <cstring>

#include "proto/pkt/packet.h"

namespace vs::proto::pkt {
namespace {

void put32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void put16(std::string& out, std::uint16_t v) { out.append(reinterpret_cast<const char*>(&v), 2); }
void pad4(std::string& out, std::size_t n) { out.append((4 - n % 4) % 4, '\0'); }
void be16(std::string& out, std::size_t at, std::size_t v) {
  out[at] = static_cast<char>((v >> 8) & 0xFF);
  out[at + 1] = static_cast<char>(v & 0xFF);
}

}  // namespace

void appendPcapngHeader(std::string& out, std::uint32_t link_type, std::uint32_t snaplen, std::string_view if_name) {
  // SHB: type, length, byte-order magic, version 1.0, section length unknown (-1), no options.
  put32(out, 0x0A0D0D0A);
  put32(out, 28);
  put32(out, 0x1A2B3C4D);
  put16(out, 1);
  put16(out, 0);
  put32(out, 0xFFFFFFFF);
  put32(out, 0xFFFFFFFF);
  put32(out, 28);
  // IDB with if_name (2) and if_tsresol (9) = 9 (10^-9 s), then opt_endofopt.
  std::string opts;
  auto name = if_name.substr(0, 255);
  put16(opts, 2);
  put16(opts, static_cast<std::uint16_t>(name.size()));
  opts.append(name);
  pad4(opts, name.size());
  put16(opts, 9);
  put16(opts, 1);
  opts.push_back('\x09');
  opts.append(3, '\0');
  put16(opts, 0);
  put16(opts, 0);
  auto len = static_cast<std::uint32_t>(20 + opts.size());
  put32(out, 1);
  put32(out, len);
  put16(out, static_cast<std::uint16_t>(link_type));
  put16(out, 0);
  put32(out, snaplen);
  out.append(opts);
  put32(out, len);
}

void appendPcapngPacket(std::string& out, std::int64_t ts_ns, std::span<const std::byte> data, std::uint32_t orig_len) {
  auto cap = static_cast<std::uint32_t>(data.size());
  auto len = static_cast<std::uint32_t>(32 + (cap + 3) / 4 * 4);
  auto ts = static_cast<std::uint64_t>(ts_ns);
  put32(out, 6);
  put32(out, len);
  put32(out, 0);  // interface 0
  put32(out, static_cast<std::uint32_t>(ts >> 32));
  put32(out, static_cast<std::uint32_t>(ts & 0xFFFFFFFF));
  put32(out, cap);
  put32(out, std::max(orig_len, cap));
  out.append(reinterpret_cast<const char*>(data.data()), data.size());
  pad4(out, cap);
  put32(out, len);
}

std::string buildUdpFrame(const IpAddr& src, std::uint16_t sport, const IpAddr& dst, std::uint16_t dport,
                          std::span<const std::byte> payload) {
  auto n = std::min(payload.size(), kMaxSynthPayload);
  bool v6 = src.v6 || dst.v6;
  std::string f;
  std::size_t ip_len = v6 ? 40 : 20;
  f.resize(ip_len + 8);
  if (v6) {
    f[0] = '\x60';
    be16(f, 4, 8 + n);  // payload length
    f[6] = 17;
    f[7] = 64;
    // A v4 address meeting a v6 one is written as IPv4-mapped (::ffff:a.b.c.d).
    auto put = [&](std::size_t at, const IpAddr& a) {
      if (a.v6) {
        std::memcpy(f.data() + at, a.bytes.data(), 16);
      } else {
        f[at + 10] = '\xff';
        f[at + 11] = '\xff';
        std::memcpy(f.data() + at + 12, a.bytes.data(), 4);
      }
    };
    put(8, src);
    put(24, dst);
  } else {
    f[0] = '\x45';
    be16(f, 2, 28 + n);
    f[8] = 64;
    f[9] = 17;
    std::memcpy(f.data() + 12, src.bytes.data(), 4);
    std::memcpy(f.data() + 16, dst.bytes.data(), 4);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2) {
      sum += static_cast<std::uint32_t>((static_cast<unsigned char>(f[i]) << 8) | static_cast<unsigned char>(f[i + 1]));
    }
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    be16(f, 10, ~sum & 0xFFFF);
  }
  be16(f, ip_len, sport);
  be16(f, ip_len + 2, dport);
  be16(f, ip_len + 4, 8 + n);  // checksum 0: "not computed" (IPv4); readers here do not verify it
  f.append(reinterpret_cast<const char*>(payload.data()), n);
  return f;
}

}  // namespace vs::proto::pkt
