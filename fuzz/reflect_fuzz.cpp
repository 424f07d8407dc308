// libFuzzer target for the probe/reflector message format (what a reflector on the internet parses from
// anyone): probe and reply parsing, TLV walking, and rebuilding whatever parsed.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "proto/reflect/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::reflect;
  std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
  (void)looksLikeReflect(in);
  if (auto p = parseProbe(in); p.ok()) {
    if (p->common.headerLength > size) __builtin_trap();
    std::vector<std::byte> out(kProbeSize + tlvBytes(p->tlvs) + kMacSize);
    auto n = writeProbe(out, *p);
    if (!n.ok()) __builtin_trap();
    auto back = parseProbe(std::span<const std::byte>(out).first(*n + ((p->common.flags & kFlagAuthenticated) ? kMacSize : 0)));
    if (!back.ok() || back->txNs != p->txNs) __builtin_trap();
  }
  if (auto r = parseReply(in); r.ok()) {
    if (r->tlvs.size() > kMaxTlvs) __builtin_trap();
    for (const auto& t : r->tlvs) {
      if (t.value.data() < in.data() || t.value.data() + t.value.size() > in.data() + size) __builtin_trap();
    }
    if (auto alt = altAddress(r->tlvs)) {
      std::array<std::byte, 17> value{};
      const auto back = altAddressValue(*alt, value);
      const auto seen = findTlv(r->tlvs, kTlvAltAddress);
      if (!seen || back.size() != seen->size() || !std::equal(back.begin(), back.end(), seen->begin())) __builtin_trap();
    }
    std::vector<std::byte> out(kReplySize + tlvBytes(r->tlvs) + kMacSize);
    if (!writeReply(out, *r).ok()) __builtin_trap();
  }
  (void)macInput(in, size / 2, static_cast<std::uint16_t>(size));
  return 0;
}
