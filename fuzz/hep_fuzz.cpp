// libFuzzer target for the HEPv3 parser and the synthetic frame built from its result.
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/hep/hep.h"
#include "proto/pkt/capture_file.h"
#include "proto/pkt/decoder.h"
#include "proto/pkt/pcapng_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = vs::proto::hep::parse(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  if (!m.ok()) return 0;
  auto f = vs::proto::pkt::buildUdpFrame(m->src, m->sport, m->dst, m->dport, m->payload);
  vs::proto::pkt::Decoder d;
  (void)d.decode(vs::proto::pkt::link::kRaw, std::span<const std::byte>(reinterpret_cast<const std::byte*>(f.data()), f.size()), m->tsNs());
  return 0;
}
