#pragma once
// pcapng output as bytes (no I/O): a Section Header Block and one Interface Description Block
// (nanosecond timestamps, if_tsresol = 9) to start the file, then one Enhanced Packet Block per frame.
// io/ writes the bytes; `voipscope calls -i IFACE -w FILE` uses it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vs::proto::pkt {

// Appends the file header: SHB (byte order of this machine, version 1.0) + IDB for `link_type`.
void appendPcapngHeader(std::string& out, std::uint32_t link_type, std::uint32_t snaplen, std::string_view if_name);
// Appends one EPB on interface 0. `orig_len` >= data.size() (the frame's length on the wire).
void appendPcapngPacket(std::string& out, std::int64_t ts_ns, std::span<const std::byte> data, std::uint32_t orig_len);

// A raw-IP frame (LINKTYPE_RAW, 101) carrying one UDP datagram: IPv4 or IPv6 by the addresses' family.
// Used to feed messages that arrived without packets (HEP, text logs) into the capture analyzer.
// Payloads longer than kMaxSynthPayload are cut (IPv4's 16-bit total length).
inline constexpr std::size_t kMaxSynthPayload = 65535 - 60;
struct IpAddr;
std::string buildUdpFrame(const IpAddr& src, std::uint16_t sport, const IpAddr& dst, std::uint16_t dport,
                          std::span<const std::byte> payload);

}  // namespace vs::proto::pkt
