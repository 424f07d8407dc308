#include "proto/pkt/pcap_writer.h"

#include <cstring>

namespace vs::proto::pkt {
namespace {

void put32(std::string& out, std::uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // host order: readers recognise it from the magic
  out.append(b, 4);
}

void put16(std::string& out, std::uint16_t v) {
  char b[2];
  std::memcpy(b, &v, 2);
  out.append(b, 2);
}

}  // namespace

std::string pcapFileHeader(std::uint32_t link_type) {
  std::string out;
  put32(out, 0xa1b23c4d);  // nanosecond timestamps
  put16(out, 2);
  put16(out, 4);
  put32(out, 0);  // thiszone
  put32(out, 0);  // sigfigs
  put32(out, kPcapWriterSnaplen);
  put32(out, link_type);
  return out;
}

void appendPcapRecord(std::string& out, std::int64_t ts_ns, std::uint32_t orig_len, std::span<const std::byte> data) {
  auto secs = ts_ns >= 0 ? ts_ns / 1'000'000'000 : 0;
  auto nanos = ts_ns >= 0 ? ts_ns % 1'000'000'000 : 0;
  auto caplen = static_cast<std::uint32_t>(data.size());
  put32(out, static_cast<std::uint32_t>(secs));
  put32(out, static_cast<std::uint32_t>(nanos));
  put32(out, caplen);
  put32(out, orig_len < caplen ? caplen : orig_len);
  out.append(reinterpret_cast<const char*>(data.data()), data.size());  // NOLINT: bytes to chars
}

}  // namespace vs::proto::pkt
