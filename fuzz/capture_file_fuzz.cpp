// libFuzzer target for the pcap/pcapng reader and, through it, the packet decoder: every record the
// parser yields is decoded, so hostile files exercise both with their real coupling.
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/pkt/capture_file.h"
#include "proto/pkt/decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::pkt;
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(data), size);
  CaptureParser parser;
  Decoder decoder;
  for (int i = 0; i < 100000; ++i) {
    auto step = parser.next(rest);
    if (step.status == CaptureParser::Status::kNeedMore || step.status == CaptureParser::Status::kError) break;
    if (step.consumed == 0 || step.consumed > rest.size()) __builtin_trap();  // must always progress, in bounds
    if (step.status == CaptureParser::Status::kRecord) (void)decoder.decode(step.record.link_type, step.record.data, step.record.ts_ns);
    rest = rest.subspan(step.consumed);
  }
  return 0;
}
