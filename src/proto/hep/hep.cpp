#include "proto/hep/hep.h"

#include <cstring>
#include <string>

#include <fmt/format.h>

namespace vs::proto::hep {
namespace {

std::uint16_t be16(const std::byte* p) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
}
std::uint32_t be32(const std::byte* p) {
  return (std::uint32_t{be16(p)} << 16) | be16(p + 2);
}

}  // namespace

bool looksLikeHep(std::span<const std::byte> d) {
  return d.size() >= 4 && std::memcmp(d.data(), "HEP3", 4) == 0;
}

Result<Message> parse(std::span<const std::byte> d) {
  if (!looksLikeHep(d)) {
    if (d.size() >= 4 && std::to_integer<unsigned>(d[0]) == 1) return makeError("HEPv1 is not supported (HEPv3 only)");
    if (d.size() >= 4 && std::to_integer<unsigned>(d[0]) == 2) return makeError("HEPv2 is not supported (HEPv3 only)");
    return makeError("not a HEPv3 packet (no HEP3 magic)");
  }
  if (d.size() < kHeaderBytes) return makeError(fmt::format("HEP header cut at {} bytes", d.size()), d.size());
  std::size_t total = be16(d.data() + 4);
  if (total < kHeaderBytes || total > d.size()) {
    return makeError(fmt::format("HEP total length {} does not fit the {}-byte packet", total, d.size()), 4);
  }
  Message m;
  bool have_src = false, have_dst = false, have_payload = false;
  std::size_t off = kHeaderBytes;
  while (off < total) {
    if (total - off < kChunkHeaderBytes) {
      return makeError(fmt::format("HEP chunk header at offset {} cut by the end of the packet", off), off);
    }
    if (++m.chunks > kMaxChunks) return makeError(fmt::format("HEP packet has more than {} chunks", kMaxChunks), off);
    auto vendor = be16(d.data() + off);
    auto type = be16(d.data() + off + 2);
    std::size_t len = be16(d.data() + off + 4);
    if (len < kChunkHeaderBytes || len > total - off) {
      return makeError(fmt::format("HEP chunk {} at offset {}: length {} runs past the {}-byte packet", type, off, len, total), off);
    }
    auto v = d.subspan(off + kChunkHeaderBytes, len - kChunkHeaderBytes);
    auto need = [&](std::size_t n) -> bool { return v.size() == n; };
    auto bad = [&](std::size_t n) {
      return makeError(fmt::format("HEP chunk {} at offset {}: {} value bytes, expected {}", type, off, v.size(), n), off);
    };
    if (vendor == 0) {
      switch (type) {
        case chunk::kIpFamily: if (!need(1)) return bad(1); m.ip_family = std::to_integer<std::uint8_t>(v[0]); break;
        case chunk::kIpProto: if (!need(1)) return bad(1); m.ip_proto = std::to_integer<std::uint8_t>(v[0]); break;
        case chunk::kSrcIp4: if (!need(4)) return bad(4); m.src = pkt::IpAddr::v4(v.data()); have_src = true; break;
        case chunk::kDstIp4: if (!need(4)) return bad(4); m.dst = pkt::IpAddr::v4(v.data()); have_dst = true; break;
        case chunk::kSrcIp6: if (!need(16)) return bad(16); m.src = pkt::IpAddr::v6From(v.data()); have_src = true; break;
        case chunk::kDstIp6: if (!need(16)) return bad(16); m.dst = pkt::IpAddr::v6From(v.data()); have_dst = true; break;
        case chunk::kSrcPort: if (!need(2)) return bad(2); m.sport = be16(v.data()); break;
        case chunk::kDstPort: if (!need(2)) return bad(2); m.dport = be16(v.data()); break;
        case chunk::kTsSec: if (!need(4)) return bad(4); m.ts_sec = be32(v.data()); break;
        case chunk::kTsUsec: if (!need(4)) return bad(4); m.ts_usec = be32(v.data()); break;
        case chunk::kProtoType: if (!need(1)) return bad(1); m.proto_type = std::to_integer<std::uint8_t>(v[0]); break;
        case chunk::kCaptureId: if (!need(4)) return bad(4); m.capture_id = be32(v.data()); break;
        case chunk::kPayload: m.payload = v; have_payload = true; break;
        case chunk::kCompressedPayload: m.payload = v; m.compressed = true; have_payload = true; break;
        case chunk::kCorrelationId: m.correlation_id = v; break;
        default: break;  // auth key, VLAN, node name, ...: not needed
      }
    }
    off += len;
  }
  if (!have_payload) return makeError("HEP packet has no payload chunk (15/16)", off);
  if (!have_src || !have_dst) return makeError("HEP packet has no source/destination address chunk", off);
  if (m.ts_usec >= 1'000'000) return makeError(fmt::format("HEP timestamp microseconds {} out of range", m.ts_usec), off);
  return m;
}

}  // namespace vs::proto::hep
