// libFuzzer target for the DNS codec the built-in DNS responder uses: query parsing (names, compression
// pointers) and building an answer to whatever parsed. Invariants trap on violation.
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/dns/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::dns;
  std::span<const std::byte> msg(reinterpret_cast<const std::byte*>(data), size);
  (void)parseHeader(msg);
  for (std::size_t off : {std::size_t{12}, size / 2}) {
    auto n = parseName(msg, off);
    if (n.ok() && n->next > size) __builtin_trap();
  }
  auto q = parseQuery(msg);
  if (q.ok()) {
    (void)q->question.dottedName();
    ResponseSpec spec;
    if (q->question.qtype == 28) spec.rdata = {std::vector<std::uint8_t>(16, 0x20)};
    else if (q->question.qtype == 1) spec.rdata = {{192, 0, 2, 1}};
    auto out = buildResponse(*q, spec);
    if (out.size() < 12) __builtin_trap();
    // Our own answer must parse back as a header with the same id.
    auto h = parseHeader(out);
    if (!h.ok() || h->id != q->header.id) __builtin_trap();
  }
  return 0;
}
