// libFuzzer target for the HTTP/1.1 codec: request and response parsing (every framing mode), target
// splitting and percent-decoding. Invariants that must hold for any input trap on violation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/http/parser.h"
#include "proto/http/target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ParseLimits small;
  small.max_header_bytes = 256;
  small.max_body_bytes = 64;
  for (const ParseLimits& limits : {ParseLimits{}, small}) {
    auto req = parseRequest(in, limits);
    if (req.done()) {
      if (req.consumed > size || req.message.body.size() > limits.max_body_bytes) __builtin_trap();
      auto parts = splitTarget(req.message.target);
      (void)percentDecode(parts.path);
      (void)parseQuery(parts.query);
    }
    if (req.failed() && req.error.offset > size) __builtin_trap();
    for (bool head : {false, true}) {
      for (bool eof : {false, true}) {
        auto resp = parseResponse(in, limits, ResponseContext{.request_was_head = head, .at_eof = eof});
        if (resp.done() && (resp.consumed > size || resp.message.body().size() > limits.max_body_bytes)) {
          __builtin_trap();
        }
        if (resp.failed() && resp.error.offset > size) __builtin_trap();
      }
    }
  }
  return 0;
}
