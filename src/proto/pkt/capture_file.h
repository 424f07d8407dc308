#pragma once
// pcap and pcapng file formats as a streaming parser over bytes: the caller hands over whatever it has
// buffered, the parser says "one record, N bytes consumed", "need more bytes" or "error at offset".
// No I/O, so a 10 GB file is read in big chunks by io/ and the parser itself is fuzzable.
// Records are views into the caller's buffer, valid until the caller moves or refills it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace vs::proto::pkt {

// tcpdump's largest snaplen; a record claiming more is corrupt, not a jumbo frame.
inline constexpr std::uint32_t kMaxRecordBytes = 262144;
// A pcapng block holds one packet plus options; anything larger is refused rather than buffered.
inline constexpr std::uint32_t kMaxBlockBytes = kMaxRecordBytes + 64 * 1024;
inline constexpr std::size_t kMaxInterfaces = 4096;

enum class FileFormat { kUnknown, kPcap, kPcapNg };

// LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) that the decoder understands.
namespace link {
inline constexpr std::uint32_t kNull = 0;
inline constexpr std::uint32_t kEthernet = 1;
inline constexpr std::uint32_t kRawOld = 12;  // DLT_RAW on some BSDs
inline constexpr std::uint32_t kRaw = 101;
inline constexpr std::uint32_t kLoop = 108;
inline constexpr std::uint32_t kLinuxSll = 113;
inline constexpr std::uint32_t kIpv4 = 228;
inline constexpr std::uint32_t kIpv6 = 229;
inline constexpr std::uint32_t kLinuxSll2 = 276;
}  // namespace link

// Short names as capinfos -T prints them ("ether", "linux-sll", "rawip4", "null", ...).
std::string linkTypeName(std::uint32_t link_type);
std::string_view formatName(FileFormat f);

struct Record {
  std::uint32_t link_type = 0;
  std::uint32_t interface_id = 0;
  std::int64_t ts_ns = 0;  // nanoseconds since the Unix epoch
  std::uint32_t orig_len = 0;
  std::span<const std::byte> data;  // captured bytes (orig_len may be larger when the snaplen cut it)
};

// The latest capture time a file can give: 2200-01-01T00:00:00Z. A pcapng timestamp past it (64-bit units
// at a hostile resolution reach any value) is read as this bound, so that the difference of any two capture
// times, or a time plus a timeout, stays within int64 (the fuzzer found a difference that overflowed).
inline constexpr std::int64_t kMaxCaptureNs = 7'258'118'400LL * 1'000'000'000LL;

class CaptureParser {
 public:
  enum class Status { kRecord, kNeedMore, kSkipped, kError };
  struct Step {
    Status status = Status::kNeedMore;
    std::size_t consumed = 0;  // bytes of the buffer this step used up (kRecord, kSkipped)
    Record record;             // kRecord
    Error error;               // kError: offset is absolute in the file
  };

  // Parses from the start of `buf`, which continues the file where the previous consumed bytes ended.
  // kSkipped: a block that carries no packet (section header, interface, statistics...).
  Step next(std::span<const std::byte> buf);

  FileFormat format() const { return format_; }
  // Link type of the file (pcap) or of the first interface (pcapng); 0 before it is known.
  std::uint32_t linkType() const;
  std::size_t interfaceCount() const { return interfaces_.size(); }
  const std::vector<std::uint32_t>& interfaceLinkTypes() const { return link_types_; }
  std::uint64_t offset() const { return offset_; }  // bytes consumed so far

  // Recognises the first bytes of a file; names other formats so the error can say what the file is.
  static Result<FileFormat> sniff(std::span<const std::byte> head);

 private:
  struct Interface {
    std::uint32_t link_type = 0;
    std::uint32_t snaplen = 0;
    bool decimal = true;     // if_tsresol: 10^-exp (true) or 2^-exp
    std::uint8_t exp = 6;    // microseconds unless if_tsresol says otherwise
  };
  Step pcapNext(std::span<const std::byte> buf);
  Step pcapngNext(std::span<const std::byte> buf);
  Step fail(std::string message, std::size_t at) const;
  std::uint16_t rd16(const std::byte* p) const;
  std::uint32_t rd32(const std::byte* p) const;
  std::int64_t toNs(const Interface& itf, std::uint64_t units) const;

  FileFormat format_ = FileFormat::kUnknown;
  bool swapped_ = false;
  bool nanos_ = false;  // pcap: nanosecond magic
  std::uint32_t pcap_link_ = 0;
  std::vector<Interface> interfaces_;
  std::vector<std::uint32_t> link_types_;
  std::uint64_t offset_ = 0;
};

}  // namespace vs::proto::pkt
