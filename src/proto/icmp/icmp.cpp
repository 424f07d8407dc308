#include "proto/icmp/icmp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace vs::proto::icmp {
namespace {

std::uint8_t u8(std::span<const std::byte> b, std::size_t at) { return static_cast<std::uint8_t>(b[at]); }
std::uint16_t u16(std::span<const std::byte> b, std::size_t at) {
  return static_cast<std::uint16_t>((u8(b, at) << 8) | u8(b, at + 1));
}
std::uint32_t u32(std::span<const std::byte> b, std::size_t at) {
  return (static_cast<std::uint32_t>(u16(b, at)) << 16) | u16(b, at + 2);
}
void put16(std::vector<std::byte>& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::byte>(v >> 8);
  out[at + 1] = static_cast<std::byte>(v & 0xff);
}
void put32(std::vector<std::byte>& out, std::size_t at, std::uint32_t v) {
  put16(out, at, static_cast<std::uint16_t>(v >> 16));
  put16(out, at + 2, static_cast<std::uint16_t>(v & 0xffff));
}
Address addressAt(std::span<const std::byte> b, std::size_t at, Family f) {
  Address a;
  a.family = f;
  for (std::size_t i = 0; i < a.size(); ++i) a.bytes[i] = u8(b, at + i);
  return a;
}
// ones' complement a - b
std::uint16_t onesSub(std::uint16_t a, std::uint16_t b) {
  std::uint32_t s = static_cast<std::uint32_t>(a) + static_cast<std::uint16_t>(~b);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}
std::uint16_t fold(std::uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}
Kind kindOf(Family f, std::uint8_t type) {
  if (f == Family::kV4) {
    switch (type) {
      case kV4EchoReply: return Kind::kEchoReply;
      case kV4EchoRequest: return Kind::kEchoRequest;
      case kV4TimeExceeded: return Kind::kTimeExceeded;
      case kV4DestUnreachable: return Kind::kDestUnreachable;
      default: return Kind::kOther;
    }
  }
  switch (type) {
    case kV6EchoReply: return Kind::kEchoReply;
    case kV6EchoRequest: return Kind::kEchoRequest;
    case kV6TimeExceeded: return Kind::kTimeExceeded;
    case kV6DestUnreachable: return Kind::kDestUnreachable;
    case kV6PacketTooBig: return Kind::kPacketTooBig;
    default: return Kind::kOther;
  }
}

}  // namespace

std::string Address::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == Family::kV4) return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
  if (inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

bool Message::isPortUnreachable() const {
  if (kind != Kind::kDestUnreachable) return false;
  // v4: 3 = port unreachable, 2 = protocol unreachable (both sent by the destination itself); v6: 4.
  return family == Family::kV4 ? (code == 3 || code == 2) : code == 4;
}

std::string Message::describe() const {
  switch (kind) {
    case Kind::kEchoReply: return "Echo reply";
    case Kind::kEchoRequest: return "Echo request";
    case Kind::kTimeExceeded: return code == 0 ? "Time to live exceeded" : "Fragment reassembly time exceeded";
    case Kind::kPacketTooBig: return fmt::format("Packet too big (mtu {})", mtu);
    case Kind::kDestUnreachable:
      if (family == Family::kV4) {
        switch (code) {
          case 0: return "Destination net unreachable";
          case 1: return "Destination host unreachable";
          case 2: return "Destination protocol unreachable";
          case 3: return "Destination port unreachable";
          case 4: return fmt::format("Frag needed (mtu {})", mtu);
          case 9: case 10: case 13: return "Communication administratively prohibited";
          default: return fmt::format("Destination unreachable (code {})", code);
        }
      }
      switch (code) {
        case 0: return "No route to destination";
        case 1: return "Communication administratively prohibited";
        case 3: return "Address unreachable";
        case 4: return "Destination port unreachable";
        default: return fmt::format("Destination unreachable (code {})", code);
      }
    case Kind::kOther: break;
  }
  return fmt::format("ICMP type {} code {}", type, code);
}

Result<Ipv4Header> parseIpv4Header(std::span<const std::byte> p) {
  if (p.size() < kIpv4MinHeaderBytes) return makeError(fmt::format("IPv4 header truncated ({} bytes)", p.size()), p.size());
  auto version = u8(p, 0) >> 4;
  if (version != 4) return makeError(fmt::format("IP version {} where 4 was expected", version), 0);
  Ipv4Header h;
  h.header_bytes = static_cast<std::size_t>(u8(p, 0) & 0x0f) * 4;
  if (h.header_bytes < kIpv4MinHeaderBytes || h.header_bytes > p.size()) {
    return makeError(fmt::format("IPv4 header length {} invalid for {} bytes", h.header_bytes, p.size()), 0);
  }
  h.total_length = u16(p, 2);
  h.id = u16(p, 4);
  h.ttl = u8(p, 8);
  h.protocol = u8(p, 9);
  h.src = addressAt(p, 12, Family::kV4);
  h.dst = addressAt(p, 16, Family::kV4);
  return h;
}

Result<Quoted> parseQuoted(std::span<const std::byte> d, Family family) {
  Quoted q;
  std::size_t transport = 0;
  if (family == Family::kV4) {
    auto h = parseIpv4Header(d);
    if (!h) return makeError("quoted " + h.error().message, h.error().offset);
    q.src = h->src;
    q.dst = h->dst;
    q.protocol = h->protocol;
    q.ttl = h->ttl;
    q.ip_id = h->id;
    transport = h->header_bytes;
  } else {
    if (d.size() < kIpv6HeaderBytes) return makeError(fmt::format("quoted IPv6 header truncated ({} bytes)", d.size()), d.size());
    if ((u8(d, 0) >> 4) != 6) return makeError(fmt::format("quoted IP version {} where 6 was expected", u8(d, 0) >> 4), 0);
    std::uint8_t next = u8(d, 6);
    q.ttl = u8(d, 7);
    q.src = addressAt(d, 8, Family::kV6);
    q.dst = addressAt(d, 24, Family::kV6);
    transport = kIpv6HeaderBytes;
    // Hop-by-hop (0), routing (43), destination options (60): length in 8-byte units after the first 8.
    for (int i = 0; (next == 0 || next == 43 || next == 60) && i < kMaxExtensionHeaders; ++i) {
      if (transport + 2 > d.size()) return makeError("quoted IPv6 extension header truncated", transport);
      std::uint8_t after = u8(d, transport);
      transport += (static_cast<std::size_t>(u8(d, transport + 1)) + 1) * 8;
      next = after;
    }
    q.protocol = next;
  }
  if (transport > d.size()) return makeError("quoted datagram ends inside its header", d.size());
  auto t = d.subspan(transport);
  if (q.protocol == kProtoUdp || q.protocol == kProtoTcp) {
    if (t.size() >= 4) {
      q.has_ports = true;
      q.src_port = u16(t, 0);
      q.dst_port = u16(t, 2);
    }
    if (t.size() >= 8) {
      q.has_transport8 = true;
      if (q.protocol == kProtoUdp) q.udp_checksum = u16(t, 6);
      else q.tcp_seq = u32(t, 4);
    }
  } else if (q.protocol == kProtoIcmp || q.protocol == kProtoIcmpV6) {
    if (t.size() >= 8) {
      q.has_transport8 = true;
      q.icmp_type = u8(t, 0);
      q.icmp_checksum = u16(t, 2);
      q.icmp_id = u16(t, 4);
      q.icmp_seq = u16(t, 6);
    }
  }
  return q;
}

Result<Message> parseMessage(std::span<const std::byte> b, Family family) {
  if (b.size() < kIcmpHeaderBytes) return makeError(fmt::format("ICMP message truncated ({} bytes, header is 8)", b.size()), b.size());
  Message m;
  m.family = family;
  m.type = u8(b, 0);
  m.code = u8(b, 1);
  m.checksum = u16(b, 2);
  m.kind = kindOf(family, m.type);
  switch (m.kind) {
    case Kind::kEchoReply:
    case Kind::kEchoRequest:
      m.id = u16(b, 4);
      m.seq = u16(b, 6);
      m.payload = b.subspan(kIcmpHeaderBytes);
      break;
    case Kind::kTimeExceeded:
    case Kind::kDestUnreachable:
    case Kind::kPacketTooBig: {
      if (m.kind == Kind::kPacketTooBig) m.mtu = u32(b, 4);
      if (family == Family::kV4 && m.code == 4) m.mtu = u16(b, 6);
      // A quote that does not parse leaves the error unattributable, not the message unreadable.
      auto q = parseQuoted(b.subspan(kIcmpHeaderBytes), family);
      if (q) m.quoted = *q;
      break;
    }
    case Kind::kOther: break;
  }
  return m;
}

Result<TcpHeader> parseTcpHeader(std::span<const std::byte> s) {
  if (s.size() < kTcpHeaderBytes) return makeError(fmt::format("TCP header truncated ({} bytes)", s.size()), s.size());
  TcpHeader h;
  h.src_port = u16(s, 0);
  h.dst_port = u16(s, 2);
  h.seq = u32(s, 4);
  h.ack = u32(s, 8);
  h.flags = u8(s, 13);
  return h;
}

std::uint32_t sumWords(std::span<const std::byte> bytes, std::uint32_t acc) {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    acc += u16(bytes, i);
    acc = (acc & 0xffff) + (acc >> 16);
  }
  if (i < bytes.size()) {
    acc += static_cast<std::uint32_t>(u8(bytes, i)) << 8;
    acc = (acc & 0xffff) + (acc >> 16);
  }
  return acc;
}

std::uint16_t finishChecksum(std::uint32_t acc) { return static_cast<std::uint16_t>(~fold(acc)); }

std::uint16_t internetChecksum(std::span<const std::byte> bytes, std::uint32_t acc) {
  return finishChecksum(sumWords(bytes, acc));
}

std::uint32_t pseudoHeaderSum(const Address& src, const Address& dst, std::uint8_t protocol, std::uint32_t length) {
  std::uint32_t acc = 0;
  auto add = [&](const Address& a) {
    for (std::size_t i = 0; i < a.size(); i += 2) acc += static_cast<std::uint32_t>((a.bytes[i] << 8) | a.bytes[i + 1]);
  };
  add(src);
  add(dst);
  acc += protocol;
  acc += length >> 16;
  acc += length & 0xffff;
  return fold(acc);
}

bool verifyChecksumV4(std::span<const std::byte> icmp) { return fold(sumWords(icmp)) == 0xffff; }

std::vector<std::byte> buildEchoRequest(Family family, std::uint16_t id, std::uint16_t seq,
                                        std::span<const std::byte> payload) {
  std::vector<std::byte> out(kIcmpHeaderBytes + payload.size());
  out[0] = static_cast<std::byte>(family == Family::kV4 ? kV4EchoRequest : kV6EchoRequest);
  put16(out, 4, id);
  put16(out, 6, seq);
  std::copy(payload.begin(), payload.end(), out.begin() + kIcmpHeaderBytes);
  if (family == Family::kV4) put16(out, 2, internetChecksum(out));
  return out;
}

std::vector<std::byte> buildParisEcho(Family family, std::uint16_t id, std::uint16_t seq, std::size_t payload_bytes,
                                      const Address* src, const Address* dst) {
  std::vector<std::byte> payload(std::max<std::size_t>(payload_bytes, 2));
  const auto comp = static_cast<std::uint16_t>(~seq);
  payload[0] = static_cast<std::byte>(comp >> 8);
  payload[1] = static_cast<std::byte>(comp & 0xff);
  auto out = buildEchoRequest(family, id, seq, payload);
  if (family == Family::kV6 && src && dst) {
    auto len = static_cast<std::uint32_t>(out.size());
    put16(out, 2, internetChecksum(out, pseudoHeaderSum(*src, *dst, kProtoIcmpV6, len)));
  }
  return out;
}

std::vector<std::byte> buildParisUdp(const Address& src, const Address& dst, std::uint16_t src_port,
                                     std::uint16_t dst_port, std::uint16_t checksum, std::size_t payload_bytes) {
  std::vector<std::byte> out(kUdpHeaderBytes + std::max<std::size_t>(payload_bytes, 2));
  const auto len = static_cast<std::uint16_t>(out.size());
  put16(out, 0, src_port);
  put16(out, 2, dst_port);
  put16(out, 4, len);
  // Sum of everything but the compensation word (still zero) and the checksum field (zero).
  const auto rest = fold(sumWords(out, pseudoHeaderSum(src, dst, kProtoUdp, len)));
  // checksum = ~(rest + w)  =>  w = ~checksum - rest (ones' complement)
  const auto w = onesSub(static_cast<std::uint16_t>(~checksum), rest);
  put16(out, kUdpHeaderBytes, w);
  put16(out, 6, finishChecksum(sumWords(out, pseudoHeaderSum(src, dst, kProtoUdp, len))));
  return out;
}

std::vector<std::byte> buildTcpSyn(const Address& src, const Address& dst, std::uint16_t src_port,
                                   std::uint16_t dst_port, std::uint32_t seq) {
  std::vector<std::byte> out(kTcpHeaderBytes);
  put16(out, 0, src_port);
  put16(out, 2, dst_port);
  put32(out, 4, seq);
  out[12] = static_cast<std::byte>(5 << 4);  // data offset: 5 words
  out[13] = static_cast<std::byte>(0x02);    // SYN
  put16(out, 14, 64240);                     // window
  put16(out, 16, internetChecksum(out, pseudoHeaderSum(src, dst, kProtoTcp, kTcpHeaderBytes)));
  return out;
}

}  // namespace vs::proto::icmp
