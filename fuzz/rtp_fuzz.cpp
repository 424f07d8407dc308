// libFuzzer target for the RTP codecs: RTP header, RTCP compound, telephone-event, and the receiver
// statistics fed with whatever parsed (hostile sequence/timestamp jumps must not grow memory or trap).
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/rtp/rtcp.h"
#include "proto/rtp/rtp.h"
#include "proto/rtp/stream_stats.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::rtp;
  std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
  (void)looksLikeRtp(in);
  (void)looksLikeRtcp(in);
  auto p = parseRtp(in);
  if (p.ok()) {
    if (p->headerLength + p->payload.size() + p->paddingLength != size) __builtin_trap();
    (void)parseTelephoneEvent(p->payload);
    // Rebuilding what parsed must give a packet that parses to the same header fields.
    auto out = buildRtp(p->header, p->payload);
    auto back = parseRtp(out);
    if (!back.ok() || back->header.sequence != p->header.sequence || back->payload.size() != p->payload.size()) {
      __builtin_trap();
    }
  }
  auto c = parseRtcpCompound(in);
  if (c.ok()) {
    std::size_t total = 0;
    for (const auto& pk : c->packets) total += pk.bytes.size();
    if (total != size || c->packets.size() > kMaxRtcpPacketsPerCompound) __builtin_trap();
  }
  // Treat the input as a sequence of 8-byte (seq, ts, pt|marker, arrival step) records.
  StreamStats s;
  double t = 0;
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    const auto seq = static_cast<std::uint16_t>((data[i] << 8) | data[i + 1]);
    const auto ts = (std::uint32_t{data[i + 2]} << 24) | (std::uint32_t{data[i + 3]} << 16) |
                    (std::uint32_t{data[i + 4]} << 8) | data[i + 5];
    t += data[i + 7] / 1000.0;
    s.add(seq, ts, static_cast<std::uint8_t>(data[i + 6] & 0x7F), (data[i + 6] & 0x80) != 0, t);
  }
  if (s.received() > 0 && s.expected() <= 0) __builtin_trap();
  return 0;
}
