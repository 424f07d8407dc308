// libFuzzer target for TCP reassembly: the input is a list of segments (4-byte seq, 1-byte flags,
// 1-byte length, payload); the stream must stay within its limits and never deliver past what it got.
#include <cstddef>
#include <cstdint>
#include <span>

#include "proto/pkt/tcp_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::pkt;
  TcpStream s;
  std::size_t pos = 0;
  std::size_t fed = 0;
  while (pos + 6 <= size) {
    std::uint32_t seq = (std::uint32_t{data[pos]} << 24) | (std::uint32_t{data[pos + 1]} << 16) |
                        (std::uint32_t{data[pos + 2]} << 8) | data[pos + 3];
    auto flags = data[pos + 4];
    std::size_t len = data[pos + 5];
    pos += 6;
    if (len > size - pos) len = size - pos;
    s.add(seq, flags, std::span<const std::byte>(reinterpret_cast<const std::byte*>(data + pos), len));
    fed += len;
    pos += len;
    if (s.data().size() > kMaxTcpBufferBytes || s.stats().bytes > fed) __builtin_trap();
    if (s.data().size() > 64) s.consume(s.data().size() / 2);
  }
  return 0;
}
