#include "proto/dns/message.h"

#include <string>

namespace vs::proto::dns {
namespace {

std::uint8_t byteAt(std::span<const std::byte> msg, std::size_t i) { return std::to_integer<std::uint8_t>(msg[i]); }

std::uint16_t u16At(std::span<const std::byte> msg, std::size_t i) {
  return static_cast<std::uint16_t>((byteAt(msg, i) << 8) | byteAt(msg, i + 1));
}

void putU8(std::vector<std::byte>& out, unsigned v) { out.push_back(static_cast<std::byte>(v & 0xFFU)); }
void putU16(std::vector<std::byte>& out, unsigned v) {
  putU8(out, v >> 8);
  putU8(out, v);
}
void putU32(std::vector<std::byte>& out, std::uint32_t v) {
  putU16(out, v >> 16);
  putU16(out, v & 0xFFFFU);
}

// Plain UDP without EDNS: a response never exceeds 512 bytes (RFC 1035 4.2.1).
constexpr std::size_t kMaxUdpResponse = 512;

}  // namespace

std::string Question::dottedName() const {
  std::string out;
  for (const auto& l : labels) {
    if (!out.empty()) out += '.';
    out += l;
  }
  return out;
}

Result<Header> parseHeader(std::span<const std::byte> msg) {
  if (msg.size() < kHeaderSize) {
    return makeError("DNS message shorter than its 12-byte header (" + std::to_string(msg.size()) + " bytes)",
                     msg.size());
  }
  Header h;
  h.id = u16At(msg, 0);
  h.flags = u16At(msg, 2);
  h.qdcount = u16At(msg, 4);
  h.ancount = u16At(msg, 6);
  h.nscount = u16At(msg, 8);
  h.arcount = u16At(msg, 10);
  return h;
}

Result<ParsedName> parseName(std::span<const std::byte> msg, std::size_t offset) {
  ParsedName out;
  std::size_t pos = offset;
  std::size_t wire_length = 0;  // as the name would be written uncompressed, terminating zero included
  std::size_t lowest_pointer_source = offset;
  bool jumped = false;
  int jumps = 0;
  for (;;) {
    if (pos >= msg.size()) return makeError("DNS name runs past the end of the message", pos);
    const std::uint8_t len = byteAt(msg, pos);
    const std::uint8_t kind = len & 0xC0U;
    if (kind == 0xC0U) {
      if (pos + 1 >= msg.size()) return makeError("DNS compression pointer truncated", pos);
      const std::size_t target = static_cast<std::size_t>(u16At(msg, pos) & 0x3FFFU);
      if (target >= lowest_pointer_source) {
        return makeError("DNS compression pointer does not point backwards (loop)", pos);
      }
      if (++jumps > kMaxCompressionJumps) return makeError("DNS name has too many compression pointers", pos);
      if (!jumped) out.next = pos + 2;
      jumped = true;
      lowest_pointer_source = target;
      pos = target;
      continue;
    }
    if (kind != 0) return makeError("DNS label type " + std::to_string(kind >> 6) + " not supported", pos);
    wire_length += 1U + len;
    if (wire_length > kMaxNameWireLength) return makeError("DNS name longer than 255 bytes", pos);
    if (len == 0) {
      if (!jumped) out.next = pos + 1;
      return out;
    }
    // kind == 0 already bounds len to 63 (kMaxLabelLength)
    if (pos + 1 + len > msg.size()) return makeError("DNS label runs past the end of the message", pos);
    out.labels.emplace_back(reinterpret_cast<const char*>(msg.data() + pos + 1), len);
    pos += 1U + len;
  }
}

Result<Query> parseQuery(std::span<const std::byte> msg) {
  auto header = parseHeader(msg);
  if (!header) return header.error();
  Query q;
  q.header = *header;
  if (q.header.qr()) return makeError("DNS message is a response, not a query", 2);
  if (q.header.qdcount != 1) {
    return makeError("DNS query has " + std::to_string(q.header.qdcount) + " questions (expected 1)", 4);
  }
  auto name = parseName(msg, kHeaderSize);
  if (!name) return name.error();
  const std::size_t p = name->next;
  if (p + 4 > msg.size()) return makeError("DNS question truncated after the name", p);
  q.question.labels = std::move(name->labels);
  q.question.qtype = u16At(msg, p);
  q.question.qclass = u16At(msg, p + 2);
  return q;
}

std::vector<std::byte> buildResponse(const Query& query, const ResponseSpec& spec) {
  std::vector<std::byte> out;
  out.reserve(kMaxUdpResponse);
  unsigned flags = 0x8000U;                                      // QR
  flags |= (query.header.flags & 0x7800U);                       // opcode
  if (spec.authoritative) flags |= 0x0400U;                      // AA
  flags |= (query.header.flags & 0x0100U);                       // RD
  flags |= static_cast<unsigned>(spec.rcode) & 0xFU;
  putU16(out, query.header.id);
  putU16(out, flags);
  putU16(out, 1);  // qdcount
  putU16(out, 0);  // ancount: patched below
  putU16(out, 0);
  putU16(out, 0);
  for (const auto& label : query.question.labels) {
    putU8(out, static_cast<unsigned>(label.size()));
    for (char c : label) out.push_back(static_cast<std::byte>(c));
  }
  putU8(out, 0);
  putU16(out, query.question.qtype);
  putU16(out, query.question.qclass);

  unsigned answers = 0;
  bool truncated = false;
  for (const auto& rdata : spec.rdata) {
    const std::size_t rr_size = 2 + 2 + 2 + 4 + 2 + rdata.size();
    if (out.size() + rr_size > kMaxUdpResponse) {
      truncated = true;
      break;
    }
    putU16(out, 0xC000U | kHeaderSize);  // the question's name, always at offset 12
    putU16(out, query.question.qtype);
    putU16(out, query.question.qclass);
    putU32(out, spec.ttl);
    putU16(out, static_cast<unsigned>(rdata.size()));
    for (auto b : rdata) out.push_back(static_cast<std::byte>(b));
    ++answers;
  }
  if (truncated) out[2] |= std::byte{0x02};  // TC
  out[6] = static_cast<std::byte>(answers >> 8);
  out[7] = static_cast<std::byte>(answers & 0xFFU);
  return out;
}

}  // namespace vs::proto::dns
