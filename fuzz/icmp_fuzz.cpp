// libFuzzer target for the ICMP codec: messages of both families, the raw IPv4 header in front of them,
// quoted datagrams and TCP headers. Invariants trap on violation.
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/icmp/icmp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::icmp;
  std::span<const std::byte> b(reinterpret_cast<const std::byte*>(data), size);
  for (auto f : {Family::kV4, Family::kV6}) {
    auto m = parseMessage(b, f);
    if (m.ok()) {
      if (m->payload.size() > size) __builtin_trap();
      (void)m->describe();
      if (m->quoted) (void)m->quoted->src.toString();
    } else if (size >= kIcmpHeaderBytes) {
      __builtin_trap();  // 8 bytes always parse: unknown types are kOther, bad quotes are dropped
    }
    (void)parseQuoted(b, f);
  }
  auto h = parseIpv4Header(b);
  if (h.ok()) {
    if (h->header_bytes > size) __builtin_trap();
    (void)parseMessage(b.subspan(h->header_bytes), Family::kV4);
  }
  (void)parseTcpHeader(b);
  (void)verifyChecksumV4(b);
  return 0;
}
