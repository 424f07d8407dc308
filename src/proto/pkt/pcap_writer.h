#pragma once
// Classic pcap bytes (nanosecond variant, magic 0xa1b23c4d, host byte order as libpcap writes it) for
// `voipscope calls --save-call`: the caller writes the header once, then one record per frame. Pure
// byte building; the file itself is io's business.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace vs::proto::pkt {

inline constexpr std::uint32_t kPcapWriterSnaplen = 262144;

// The 24-byte file header for `link_type` (a LINKTYPE_* value).
std::string pcapFileHeader(std::uint32_t link_type);

// Appends one record: 16-byte header (seconds, nanoseconds, captured and original length) and the bytes.
// orig_len smaller than data.size() is raised to it.
void appendPcapRecord(std::string& out, std::int64_t ts_ns, std::uint32_t orig_len, std::span<const std::byte> data);

}  // namespace vs::proto::pkt
