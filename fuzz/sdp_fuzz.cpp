// libFuzzer target for the SDP parser and its accessors.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/sdp/sdp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto s = vs::proto::sdp::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!s.ok()) return 0;
  for (std::size_t i = 0; i < s->media.size(); ++i) {
    (void)s->mediaAddress(i);
    for (const auto& r : s->media[i].rtpmaps) (void)s->media[i].clockRate(r.payload_type);
  }
  return 0;
}
