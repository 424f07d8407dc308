#pragma once
// Just enough of RFC 1035 for an authoritative A/AAAA responder: parse a query (header and its one
// question), build the response. Pure: no I/O, no allocation beyond the parsed name and the output.
// Every length and offset comes from the wire, so each is bounds-checked and errors carry the offset.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace vs::proto::dns {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxLabelLength = 63;
inline constexpr std::size_t kMaxNameWireLength = 255;  // RFC 1035 2.3.4, length octets included
// A legitimate name has at most 127 labels, so more jumps than that can only be a loop.
inline constexpr int kMaxCompressionJumps = 127;

inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeAAAA = 28;
inline constexpr std::uint16_t kClassIN = 1;

enum class Rcode : std::uint8_t { kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3, kNotImp = 4, kRefused = 5 };

struct Header {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

  bool qr() const { return (flags & 0x8000U) != 0; }
  std::uint8_t opcode() const { return static_cast<std::uint8_t>((flags >> 11) & 0xFU); }
  bool rd() const { return (flags & 0x0100U) != 0; }
  Rcode rcode() const { return static_cast<Rcode>(flags & 0xFU); }
};

struct Question {
  std::vector<std::string> labels;  // as on the wire (case preserved); empty for the root
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;

  // "Sbc1.Example.com": labels joined by dots, no trailing dot ("" for the root).
  std::string dottedName() const;
};

struct Query {
  Header header;
  Question question;
};

Result<Header> parseHeader(std::span<const std::byte> msg);

struct ParsedName {
  std::vector<std::string> labels;
  std::size_t next = 0;  // offset just past the name where it starts (after the first pointer, if any)
};
// Reads a possibly compressed name at `offset`. Pointers must point strictly backwards (RFC 1035 only
// ever compresses against earlier names), which rules out loops; the jump cap is a second fence.
Result<ParsedName> parseName(std::span<const std::byte> msg, std::size_t offset);

// A query has QR=0 and exactly one question; anything after the question (EDNS OPT, ...) is ignored.
Result<Query> parseQuery(std::span<const std::byte> msg);

struct ResponseSpec {
  Rcode rcode = Rcode::kNoError;
  bool authoritative = true;
  std::uint32_t ttl = 60;
  // One answer per entry, of the question's type and class, owned by the question's name:
  // 4 bytes for A, 16 for AAAA (the caller picks the ones that match the question type).
  std::vector<std::vector<std::uint8_t>> rdata;
};

// id copied, QR=1, opcode and RD copied, AA from spec, RA=0; the question is echoed with its case.
std::vector<std::byte> buildResponse(const Query& query, const ResponseSpec& spec);

}  // namespace vs::proto::dns
