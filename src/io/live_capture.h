#pragma once
// Live capture without libpcap (the release binary is static except glibc, and libpcap.a drags in
// libdbus/libsystemd): an AF_PACKET SOCK_RAW socket bound to one interface with a TPACKET_V3 receive ring
// (16 blocks of 1 MiB shared with the kernel, kernel timestamps; a plain socket with SO_TIMESTAMPNS and
// one recvmsg per packet where the kernel refuses the ring), and an optional BPF filter compiled by libpcap.so.0.8 loaded with dlopen() only for
// pcap_compile() and attached with SO_ATTACH_FILTER before the socket is bound (no unfiltered packet
// slips in). Frames come out as proto::pkt::Record, the same as from a file. An 802.1Q tag the kernel took
// off a received frame (VLAN offload, and always on its way into a packet socket) is put back, as
// libpcap does: the analysis and a `-w` file see the frame as it was on the wire.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "proto/pkt/capture_file.h"

namespace vs::io {

inline constexpr std::uint32_t kLiveSnaplen = 65535;
inline constexpr std::size_t kRingBlockBytes = std::size_t{1} << 20;
inline constexpr std::size_t kRingBlocks = 16;

class LiveCapture {
 public:
  ~LiveCapture();
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  // Errors: "no such interface", "needs CAP_NET_RAW (run as root)", "filter: syntax error ...",
  // "filter needs libpcap.so.0.8 (apt-get install libpcap0.8)".
  // ring=false: the plain socket even where the kernel offers the ring (tests of that path).
  static Result<std::unique_ptr<LiveCapture>> open(const std::string& iface, const std::string& bpf_filter,
                                                   bool ring = true);

  // Waits up to timeout_ms for one frame: true with `out` filled (valid until the next call), false on
  // timeout or EINTR (the caller checks its stop conditions and calls again).
  Result<bool> next(proto::pkt::Record& out, int timeout_ms);
  std::uint32_t linkType() const { return link_type_; }
  std::uint64_t frames() const { return frames_; }
  std::uint64_t kernelDrops();  // PACKET_STATISTICS since open
  bool usesRing() const { return ring_ != nullptr; }

 private:
  LiveCapture() = default;
  bool setupRing();
  // The next packet from the ring, false when the kernel has handed over no block yet.
  bool nextFromRing(proto::pkt::Record& out);
  // When the kernel reports a VLAN tag taken off `out`'s frame (`status` of the ring's frame header or of
  // PACKET_AUXDATA), puts it back after the MAC addresses: into buf_, copying a ring frame (the ring
  // stays untouched), or in place when the frame was received at buf_ + 4 (`in_buffer`).
  void restoreVlanTag(proto::pkt::Record& out, std::uint32_t status, std::uint16_t tci, std::uint16_t tpid,
                      bool in_buffer);
  int fd_ = -1;
  std::byte* ring_ = nullptr;       // kRingBlocks blocks of kRingBlockBytes, mapped
  std::size_t block_ = 0;           // the block being read
  std::uint32_t left_in_block_ = 0;  // its packets not yet handed out
  std::byte* pkt_ = nullptr;        // the next of them; null: block_ not taken yet
  int ifindex_ = 0;
  bool loopback_ = false;
  std::uint32_t link_type_ = proto::pkt::link::kEthernet;
  std::uint64_t frames_ = 0;
  std::uint64_t drops_ = 0;
  std::string buf_;
};

// `-w FILE`: frames written as pcapng (proto/pkt/pcapng_writer.h), flushed every 64 KiB and on close.
class PcapngFileWriter {
 public:
  ~PcapngFileWriter();
  PcapngFileWriter(const PcapngFileWriter&) = delete;
  PcapngFileWriter& operator=(const PcapngFileWriter&) = delete;
  static Result<std::unique_ptr<PcapngFileWriter>> open(const std::string& path, std::uint32_t link_type,
                                                        const std::string& if_name);
  VoidResult write(const proto::pkt::Record& r);
  VoidResult close();

 private:
  PcapngFileWriter() = default;
  VoidResult flush();
  std::string path_, buf_;
  void* file_ = nullptr;  // FILE*
};

// Compiles a tcpdump filter expression to classic BPF for `link_type` with libpcap.so.0.8 (dlopen).
// The instructions are returned as raw struct sock_filter bytes (8 bytes each).
Result<std::string> compileBpf(const std::string& expression, std::uint32_t link_type, std::uint32_t snaplen);

}  // namespace vs::io
