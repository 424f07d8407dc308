#include "proto/pkt/decoder.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "proto/pkt/capture_file.h"

namespace vs::proto::pkt {
namespace {

std::uint16_t be16(const std::byte* p) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
}
std::uint32_t be32(const std::byte* p) {
  return (static_cast<std::uint32_t>(be16(p)) << 16) | be16(p + 2);
}
unsigned u8(std::byte b) { return std::to_integer<unsigned>(b); }

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88A8;
constexpr std::uint16_t kEtherQinQOld = 0x9100;
constexpr std::uint16_t kEtherMpls = 0x8847;
constexpr std::uint16_t kEtherTransparent = 0x6558;  // GRE carrying Ethernet
constexpr std::uint16_t kEtherPppoeSession = 0x8864;
constexpr std::uint16_t kEtherPpp = 0x880B;  // enhanced GRE (PPTP) payload

constexpr std::uint8_t kProtoIpip = 4;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIpv6 = 41;
constexpr std::uint8_t kProtoGre = 47;
constexpr std::uint8_t kProtoSctp = 132;

}  // namespace

IpAddr IpAddr::v4(const std::byte* p) {
  IpAddr a;
  std::memcpy(a.bytes.data(), p, 4);
  return a;
}

IpAddr IpAddr::v6From(const std::byte* p) {
  IpAddr a;
  std::memcpy(a.bytes.data(), p, 16);
  a.v6 = true;
  return a;
}

namespace {
// Dotted-quad IPv4 the way inet_pton(AF_INET) takes it: four parts of one to three digits, no leading
// zero, each at most 255, nothing else. Anything it does not take goes to inet_pton, so it can only be
// faster, never different: every SDP c= line and every emitted leg's media came through inet_pton, a
// fifth of the work of tying streams to calls.
std::optional<IpAddr> dottedQuad(std::string_view t) {
  IpAddr a;
  std::size_t i = 0;
  for (std::size_t part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= t.size() || t[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t start = i;
    unsigned v = 0;
    while (i < t.size() && i - start < 3 && t[i] >= '0' && t[i] <= '9') v = v * 10 + static_cast<unsigned>(t[i++] - '0');
    if (i == start || v > 255 || (t[start] == '0' && i - start > 1)) return std::nullopt;
    a.bytes[part] = static_cast<std::uint8_t>(v);
  }
  if (i != t.size()) return std::nullopt;
  return a;
}
}  // namespace

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  if (auto a = dottedQuad(text)) return a;
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  std::array<std::byte, 16> raw{};
  if (inet_pton(AF_INET, buf, raw.data()) == 1) return v4(raw.data());
  if (inet_pton(AF_INET6, buf, raw.data()) == 1) return v6From(raw.data());
  return std::nullopt;
}

std::string IpAddr::toString() const {
  if (!v6) return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
  std::uint16_t w[8];
  for (std::size_t i = 0; i < 8; ++i) w[i] = static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // RFC 5952: the longest run (>= 2) of zero words becomes "::".
  std::size_t best = 8, best_len = 0;
  for (std::size_t i = 0; i < 8;) {
    if (w[i] != 0) { ++i; continue; }
    std::size_t j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) { best = i; best_len = j - i; }
    i = j;
  }
  std::string s;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best) {
      s += "::";
      i += best_len - 1;
      continue;
    }
    if (!s.empty() && s.back() != ':') s += ':';
    s += fmt::format("{:x}", w[i]);
  }
  return s;
}

std::string_view transportName(Transport t) {
  switch (t) {
    case Transport::kUdp: return "udp";
    case Transport::kTcp: return "tcp";
    case Transport::kSctp: return "sctp";
    case Transport::kOther: return "other";
    case Transport::kNone: break;
  }
  return "none";
}

bool Decoder::linkSupported(std::uint32_t lt) {
  switch (lt) {
    case link::kNull: case link::kEthernet: case link::kRawOld: case link::kRaw: case link::kLoop:
    case link::kLinuxSll: case link::kIpv4: case link::kIpv6: case link::kLinuxSll2:
      return true;
    default:
      return false;
  }
}

Decoder::Outcome Decoder::fail(std::string why) {
  ++stats_.malformed;
  return Outcome{Status::kError, std::move(why)};
}

Decoder::Outcome Decoder::decode(std::uint32_t lt, std::span<const std::byte> b, std::int64_t ts_ns,
                                 std::uint64_t frame_number) {
  ++stats_.frames;
  ts_ns_ = ts_ns;
  frame_number_ = frame_number;
  pkt_.transport = Transport::kNone;
  pkt_.ip_proto = 0;
  pkt_.sport = pkt_.dport = 0;
  pkt_.tcp_flags = 0;
  pkt_.tcp_seq = 0;
  pkt_.reassembled = false;
  pkt_.fragment_frames.clear();
  pkt_.tunnels = 0;
  pkt_.vlans = 0;
  pkt_.payload = {};
  pkt_.sctp_chunks.clear();
  switch (lt) {
    case link::kEthernet:
      return ethernet(b, 0);
    case link::kLinuxSll:
      if (b.size() < 16) return fail("Linux cooked header truncated");
      return byEtherType(be16(b.data() + 14), b.subspan(16), 0);
    case link::kLinuxSll2:
      if (b.size() < 20) return fail("Linux cooked v2 header truncated");
      return byEtherType(be16(b.data()), b.subspan(20), 0);
    case link::kRaw: case link::kRawOld:
      return ipAny(b, 0);
    case link::kIpv4:
      return ipv4(b, 0);
    case link::kIpv6:
      return ipv6(b, 0);
    case link::kNull: case link::kLoop: {
      if (b.size() < 4) return fail("loopback header truncated");
      // The address family is in the capturing host's byte order (null) or network order (loop).
      std::uint32_t fam = 0;
      std::memcpy(&fam, b.data(), 4);
      auto swapped = __builtin_bswap32(fam);
      auto is = [&](std::uint32_t v) { return fam == v || swapped == v; };
      if (is(2)) return ipv4(b.subspan(4), 0);
      if (is(24) || is(28) || is(30)) return ipv6(b.subspan(4), 0);
      ++stats_.not_ip;
      return Outcome{Status::kNotIp, {}};
    }
    default:
      ++stats_.unsupported_link;
      return fail(fmt::format("unsupported link type {}", lt));
  }
}

Decoder::Outcome Decoder::ethernet(std::span<const std::byte> b, int depth) {
  if (b.size() < 14) return fail("Ethernet header truncated");
  return byEtherType(be16(b.data() + 12), b.subspan(14), depth);
}

Decoder::Outcome Decoder::byEtherType(std::uint16_t type, std::span<const std::byte> b, int depth) {
  for (int tags = 0; type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld; ++tags) {
    if (tags == kMaxEncapsulation) return fail("too many VLAN tags");
    if (b.size() < 4) return fail("802.1Q tag truncated");
    if (pkt_.vlans++ == 0) ++stats_.vlan_tagged;
    type = be16(b.data() + 2);
    b = b.subspan(4);
  }
  if (type == kEtherMpls) {
    for (int labels = 0;; ++labels) {
      if (labels == kMaxEncapsulation) return fail("too many MPLS labels");
      if (b.size() < 4) return fail("MPLS label truncated");
      bool bottom = (u8(b[2]) & 1U) != 0;
      b = b.subspan(4);
      if (bottom) break;
    }
    return ipAny(b, depth);
  }
  if (type == kEtherIpv4) return ipv4(b, depth);
  if (type == kEtherIpv6) return ipv6(b, depth);
  if (type == kEtherPppoeSession) {
    if (b.size() < 6) return fail("PPPoE header truncated");
    return ppp(b.subspan(6), depth);
  }
  if (type == kEtherPpp) return ppp(b, depth);
  ++stats_.not_ip;
  return Outcome{Status::kNotIp, {}};
}

Decoder::Outcome Decoder::ipAny(std::span<const std::byte> b, int depth) {
  if (b.empty()) return fail("IP header missing");
  auto v = u8(b[0]) >> 4;
  if (v == 4) return ipv4(b, depth);
  if (v == 6) return ipv6(b, depth);
  return fail(fmt::format("IP version {} unknown", v));
}

Decoder::Outcome Decoder::ipv4(std::span<const std::byte> b, int depth) {
  if (b.size() < 20) return fail("IPv4 header truncated");
  auto ihl = (u8(b[0]) & 0xFU) * 4U;
  if ((u8(b[0]) >> 4) != 4) return fail("IPv4: version is not 4");
  if (ihl < 20 || ihl > b.size()) return fail(fmt::format("IPv4: header length {} invalid", ihl));
  auto total = be16(b.data() + 2);
  if (total < ihl) return fail(fmt::format("IPv4: total length {} below header length {}", total, ihl));
  // A snaplen may cut the packet (keep what we have); Ethernet padding makes the frame longer (drop it).
  auto avail = std::min<std::size_t>(total, b.size());
  ++stats_.ipv4;
  pkt_.src = IpAddr::v4(b.data() + 12);
  pkt_.dst = IpAddr::v4(b.data() + 16);
  auto proto = static_cast<std::uint8_t>(u8(b[9]));
  pkt_.ip_proto = proto;
  auto frag = be16(b.data() + 6);
  bool more = (frag & 0x2000U) != 0;
  std::size_t offset = static_cast<std::size_t>(frag & 0x1FFFU) * 8U;
  auto payload = b.subspan(ihl, avail - ihl);
  if (more || offset != 0) {
    ++stats_.ipv4_fragments;
    if (avail < total) return fail("IPv4 fragment cut by the snaplen");
    FragmentKey key{pkt_.src, pkt_.dst, be16(b.data() + 4), proto};
    auto added = defrag_.add(key, offset, more, payload, ts_ns_, frame_number_);
    if (added.outcome == IpDefragmenter::Outcome::kDropped) return fail(fmt::format("IPv4 fragment: {}", added.reason));
    if (added.outcome == IpDefragmenter::Outcome::kHeld) return Outcome{Status::kHeld, {}};
    pkt_.reassembled = true;
    pkt_.fragment_frames.insert(pkt_.fragment_frames.end(), added.earlier.begin(), added.earlier.end());
    payload = added.payload;
  }
  return transport(proto, payload, depth);
}

Decoder::Outcome Decoder::ipv6(std::span<const std::byte> b, int depth) {
  if (b.size() < 40) return fail("IPv6 header truncated");
  if ((u8(b[0]) >> 4) != 6) return fail("IPv6: version is not 6");
  auto plen = be16(b.data() + 4);
  ++stats_.ipv6;
  pkt_.src = IpAddr::v6From(b.data() + 8);
  pkt_.dst = IpAddr::v6From(b.data() + 24);
  auto next = static_cast<std::uint8_t>(u8(b[6]));
  // Jumbograms (payload length 0 with a hop-by-hop option) are not seen in VoIP: take what was captured.
  auto rest = b.subspan(40, plen == 0 ? b.size() - 40 : std::min<std::size_t>(plen, b.size() - 40));
  for (int i = 0; i < kMaxEncapsulation * 2; ++i) {
    switch (next) {
      case 0: case 43: case 60: {  // hop-by-hop, routing, destination options
        if (rest.size() < 8) return fail("IPv6 extension header truncated");
        auto len = (u8(rest[1]) + 1U) * 8U;
        if (len > rest.size()) return fail("IPv6 extension header overruns the packet");
        next = static_cast<std::uint8_t>(u8(rest[0]));
        rest = rest.subspan(len);
        continue;
      }
      case 51: {  // AH: length in 4-octet units minus 2
        if (rest.size() < 8) return fail("IPv6 AH truncated");
        auto len = (u8(rest[1]) + 2U) * 4U;
        if (len > rest.size()) return fail("IPv6 AH overruns the packet");
        next = static_cast<std::uint8_t>(u8(rest[0]));
        rest = rest.subspan(len);
        continue;
      }
      case 44: {  // fragment
        if (rest.size() < 8) return fail("IPv6 fragment header truncated");
        ++stats_.ipv6_fragments;
        auto proto = static_cast<std::uint8_t>(u8(rest[0]));
        auto off_flags = be16(rest.data() + 2);
        std::size_t offset = static_cast<std::size_t>(off_flags & 0xFFF8U);
        bool more = (off_flags & 1U) != 0;
        FragmentKey key{pkt_.src, pkt_.dst, be32(rest.data() + 4), proto};
        if (offset == 0 && !more) {  // atomic fragment (RFC 6946)
          next = proto;
          rest = rest.subspan(8);
          continue;
        }
        auto added = defrag_.add(key, offset, more, rest.subspan(8), ts_ns_, frame_number_);
        if (added.outcome == IpDefragmenter::Outcome::kDropped) return fail(fmt::format("IPv6 fragment: {}", added.reason));
        if (added.outcome == IpDefragmenter::Outcome::kHeld) return Outcome{Status::kHeld, {}};
        pkt_.reassembled = true;
        pkt_.fragment_frames.insert(pkt_.fragment_frames.end(), added.earlier.begin(), added.earlier.end());
        next = proto;
        rest = added.payload;
        continue;
      }
      default:
        pkt_.ip_proto = next;
        return transport(next, rest, depth);
    }
  }
  return fail("IPv6: too many extension headers");
}

Decoder::Outcome Decoder::gre(std::span<const std::byte> b, int depth) {
  if (b.size() < 4) return fail("GRE header truncated");
  auto flags = be16(b.data());
  auto type = be16(b.data() + 2);
  auto version = flags & 0x7U;
  if (version > 1) return fail(fmt::format("GRE version {} unknown", version));
  std::size_t len = 4;
  if (flags & 0x8000U) len += 4;  // checksum + reserved
  if (flags & 0x2000U) len += 4;  // key (version 1: payload length + call id)
  if (flags & 0x1000U) len += 4;  // sequence number
  if (version == 1 && (flags & 0x0080U)) len += 4;  // enhanced GRE acknowledgment number
  if (b.size() < len) return fail("GRE header truncated");
  b = b.subspan(len);
  if (type == kEtherTransparent) return ethernet(b, depth);
  return byEtherType(type, b, depth);
}

Decoder::Outcome Decoder::ppp(std::span<const std::byte> b, int depth) {
  // Address/control (FF 03) may be present; the protocol field may be compressed to one byte (RFC 1661).
  if (b.size() >= 2 && u8(b[0]) == 0xFF && u8(b[1]) == 0x03) b = b.subspan(2);
  if (b.empty()) return fail("PPP header truncated");
  unsigned proto = u8(b[0]);
  if ((proto & 1U) == 0) {
    if (b.size() < 2) return fail("PPP header truncated");
    proto = be16(b.data());
    b = b.subspan(2);
  } else {
    b = b.subspan(1);
  }
  if (proto == 0x0021) return ipv4(b, depth);
  if (proto == 0x0057) return ipv6(b, depth);
  ++stats_.not_ip;
  return Outcome{Status::kNotIp, {}};
}

Decoder::Outcome Decoder::sctp(std::span<const std::byte> b) {
  if (b.size() < 12) return fail("SCTP header truncated");
  ++stats_.sctp;
  pkt_.transport = Transport::kSctp;
  pkt_.sport = be16(b.data());
  pkt_.dport = be16(b.data() + 2);
  sctp_done_.clear();
  auto rest = b.subspan(12);
  while (rest.size() >= 4) {
    auto type = u8(rest[0]);
    auto cflags = u8(rest[1]);
    auto clen = be16(rest.data() + 2);
    if (clen < 4 || clen > rest.size()) return fail(fmt::format("SCTP chunk length {} invalid", clen));
    // DATA (0, RFC 9260) and I-DATA (64, RFC 8260); B/E flags mark the pieces of a fragmented message.
    std::size_t hdr = type == 0 ? 16 : (type == 64 ? 20 : 0);
    if (hdr != 0 && clen >= hdr) {
      if (pkt_.sctp_chunks.size() == kMaxSctpChunks) return fail("too many SCTP chunks");
      auto data = rest.subspan(hdr, clen - hdr);
      bool begin = (cflags & 2U) != 0, end = (cflags & 1U) != 0;
      if (begin && end) {
        pkt_.sctp_chunks.push_back(data);
      } else {
        auto key = std::make_tuple(pkt_.src, pkt_.dst, pkt_.sport, pkt_.dport, be16(rest.data() + 8));
        if (begin) {
          if (sctp_partial_.size() >= kMaxSctpPartial && !sctp_partial_.count(key)) {
            return fail("SCTP: too many fragmented messages in progress");
          }
          sctp_partial_[key].assign(data.begin(), data.end());
        } else if (auto it = sctp_partial_.find(key); it != sctp_partial_.end()) {
          if (it->second.size() + data.size() > kMaxSctpMessageBytes) {
            sctp_partial_.erase(it);
            return fail("SCTP: fragmented message exceeds the size limit");
          }
          it->second.insert(it->second.end(), data.begin(), data.end());
          if (end) {
            sctp_done_.push_back(std::move(it->second));
            sctp_partial_.erase(it);
          }
        }
      }
    }
    auto padded = (static_cast<std::size_t>(clen) + 3U) & ~std::size_t{3};
    rest = rest.subspan(std::min(padded, rest.size()));
  }
  for (const auto& d : sctp_done_) pkt_.sctp_chunks.push_back(d);
  if (!pkt_.sctp_chunks.empty()) pkt_.payload = pkt_.sctp_chunks.front();
  return Outcome{Status::kPacket, {}};
}

Decoder::Outcome Decoder::transport(std::uint8_t proto, std::span<const std::byte> b, int depth) {
  switch (proto) {
    case kProtoIpip: case kProtoIpv6: case kProtoGre: {
      if (depth + 1 >= kMaxEncapsulation) return fail("too many nested tunnels");
      if (pkt_.tunnels++ == 0) ++stats_.tunnelled;
      if (proto == kProtoGre) return gre(b, depth + 1);
      return proto == kProtoIpip ? ipv4(b, depth + 1) : ipv6(b, depth + 1);
    }
    case kProtoUdp: {
      if (b.size() < 8) return fail("UDP header truncated");
      ++stats_.udp;
      pkt_.transport = Transport::kUdp;
      pkt_.sport = be16(b.data());
      pkt_.dport = be16(b.data() + 2);
      auto ulen = be16(b.data() + 4);
      std::size_t plen = b.size() - 8;
      if (ulen >= 8 && ulen - 8U < plen) plen = ulen - 8U;  // trailing padding is not payload
      pkt_.payload = b.subspan(8, plen);
      return Outcome{Status::kPacket, {}};
    }
    case kProtoTcp: {
      if (b.size() < 20) return fail("TCP header truncated");
      auto off = (u8(b[12]) >> 4) * 4U;
      if (off < 20 || off > b.size()) return fail(fmt::format("TCP: data offset {} invalid", off));
      ++stats_.tcp;
      pkt_.transport = Transport::kTcp;
      pkt_.sport = be16(b.data());
      pkt_.dport = be16(b.data() + 2);
      pkt_.tcp_seq = be32(b.data() + 4);
      pkt_.tcp_flags = static_cast<std::uint8_t>(u8(b[13]));
      pkt_.payload = b.subspan(off);
      return Outcome{Status::kPacket, {}};
    }
    case kProtoSctp:
      return sctp(b);
    default:
      pkt_.transport = Transport::kOther;
      pkt_.payload = b;
      return Outcome{Status::kPacket, {}};
  }
}

}  // namespace vs::proto::pkt
