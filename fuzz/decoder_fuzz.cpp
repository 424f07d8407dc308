// libFuzzer target for the packet decoder: the first byte picks the link type, the rest is one frame
// (then the same bytes again, so fragment and SCTP reassembly state is exercised across frames).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/pkt/capture_file.h"
#include "proto/pkt/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::pkt;
  if (size < 1) return 0;
  constexpr std::array<std::uint32_t, 9> kLinks{link::kNull, link::kEthernet, link::kRawOld, link::kRaw, link::kLoop,
                                                link::kLinuxSll, link::kIpv4, link::kIpv6, link::kLinuxSll2};
  auto lt = kLinks[data[0] % kLinks.size()];
  std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  Decoder d;
  for (int i = 0; i < 3; ++i) {
    auto out = d.decode(lt, frame, i);
    if (out.status == Decoder::Status::kPacket) {
      for (auto c : d.packet().sctp_chunks) (void)c.size();
      (void)d.packet().src.toString();
    }
  }
  return 0;
}
