#include "proto/pkt/capture_file.h"

#include <cstring>

#include <fmt/format.h>

namespace vs::proto::pkt {
namespace {

constexpr std::uint32_t kPcapMagicUs = 0xa1b2c3d4;
constexpr std::uint32_t kPcapMagicNs = 0xa1b23c4d;
constexpr std::uint32_t kNgShb = 0x0a0d0d0a;
constexpr std::uint32_t kNgByteOrder = 0x1a2b3c4d;
constexpr std::uint32_t kNgIdb = 1;
constexpr std::uint32_t kNgObsoletePacket = 2;
constexpr std::uint32_t kNgSpb = 3;
constexpr std::uint32_t kNgEpb = 6;
constexpr std::size_t kPcapHeader = 24;
constexpr std::size_t kPcapRecordHeader = 16;

std::uint32_t bswap32(std::uint32_t v) { return __builtin_bswap32(v); }

std::uint32_t loadLe32(const std::byte* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return v;  // x86/ARM little-endian hosts only; the project targets Linux on those
}

std::size_t pad4(std::size_t n) { return (n + 3U) & ~std::size_t{3}; }

}  // namespace

std::string linkTypeName(std::uint32_t lt) {
  switch (lt) {
    case link::kNull: return "null";
    case link::kEthernet: return "ether";
    case link::kRawOld: case link::kRaw: return "rawip";
    case link::kLoop: return "loop";
    case link::kLinuxSll: return "linux-sll";
    case link::kIpv4: return "rawip4";
    case link::kIpv6: return "rawip6";
    case link::kLinuxSll2: return "linux-sll2";
    default: return fmt::format("linktype-{}", lt);
  }
}

std::string_view formatName(FileFormat f) {
  switch (f) {
    case FileFormat::kPcap: return "pcap";
    case FileFormat::kPcapNg: return "pcapng";
    case FileFormat::kUnknown: break;
  }
  return "unknown";
}

Result<FileFormat> CaptureParser::sniff(std::span<const std::byte> head) {
  if (head.size() < 4) return makeError("file too short for a capture header", 0);
  auto m = loadLe32(head.data());
  if (m == kPcapMagicUs || m == kPcapMagicNs || bswap32(m) == kPcapMagicUs || bswap32(m) == kPcapMagicNs) {
    return FileFormat::kPcap;
  }
  if (m == kNgShb) return FileFormat::kPcapNg;
  auto starts = [&](std::string_view s) {
    return head.size() >= s.size() && std::memcmp(head.data(), s.data(), s.size()) == 0;
  };
  std::string_view what = "an unknown format";
  if (starts("GMBU")) what = "Microsoft Network Monitor";
  else if (starts("snoop")) what = "Solaris snoop";
  else if (starts("\x1f\x8b")) what = "gzip data";
  else if (starts("XCP\0")) what = "NetXray/Sniffer";
  return makeError(fmt::format("not a pcap or pcapng file ({}; convert it with editcap -F pcapng)", what), 0);
}

std::uint32_t CaptureParser::linkType() const {
  if (format_ == FileFormat::kPcap) return pcap_link_;
  return link_types_.empty() ? 0 : link_types_.front();
}

std::uint16_t CaptureParser::rd16(const std::byte* p) const {
  std::uint16_t v = 0;
  std::memcpy(&v, p, 2);
  return swapped_ ? static_cast<std::uint16_t>(__builtin_bswap16(v)) : v;
}

std::uint32_t CaptureParser::rd32(const std::byte* p) const {
  auto v = loadLe32(p);
  return swapped_ ? bswap32(v) : v;
}

CaptureParser::Step CaptureParser::fail(std::string message, std::size_t at) const {
  Step s;
  s.status = Status::kError;
  s.error = makeError(std::move(message), static_cast<std::size_t>(offset_) + at);
  return s;
}

std::int64_t CaptureParser::toNs(const Interface& itf, std::uint64_t units) const {
  // In 128 bits, so that no resolution overflows before the bound is applied.
  unsigned __int128 ns = 0;
  if (itf.decimal) {
    if (itf.exp <= 9) {
      unsigned __int128 mul = 1;
      for (int i = itf.exp; i < 9; ++i) mul *= 10;
      ns = units * mul;
    } else {
      std::uint64_t div = 1;
      for (int i = 9; i < itf.exp && i < 28; ++i) div *= 10;
      ns = units / div;
    }
  } else {
    auto exp = itf.exp > 63 ? 63 : itf.exp;
    ns = (static_cast<unsigned __int128>(units) * 1000000000U) >> exp;
  }
  return ns > static_cast<unsigned __int128>(kMaxCaptureNs) ? kMaxCaptureNs : static_cast<std::int64_t>(ns);
}

CaptureParser::Step CaptureParser::next(std::span<const std::byte> buf) {
  if (format_ == FileFormat::kUnknown) {
    if (buf.size() < 4) return Step{};
    auto f = sniff(buf);
    if (!f) return fail(f.error().message, 0);
    format_ = f.value();
  }
  auto step = format_ == FileFormat::kPcap ? pcapNext(buf) : pcapngNext(buf);
  if (step.status == Status::kRecord || step.status == Status::kSkipped) offset_ += step.consumed;
  return step;
}

CaptureParser::Step CaptureParser::pcapNext(std::span<const std::byte> buf) {
  if (offset_ == 0) {
    if (buf.size() < kPcapHeader) return Step{};
    auto m = loadLe32(buf.data());
    swapped_ = (m != kPcapMagicUs && m != kPcapMagicNs);
    auto magic = rd32(buf.data());
    nanos_ = magic == kPcapMagicNs;
    auto major = rd16(buf.data() + 4);
    if (major != 2) return fail(fmt::format("pcap header: unsupported version {}", major), 4);
    // The upper bits of the link type field carry FCS information (pcap-savefile(5)).
    pcap_link_ = rd32(buf.data() + 20) & 0x0FFFFFFFU;
    link_types_ = {pcap_link_};
    Interface itf;
    itf.link_type = pcap_link_;
    itf.snaplen = rd32(buf.data() + 16);
    interfaces_ = {itf};
    Step s;
    s.status = Status::kSkipped;
    s.consumed = kPcapHeader;
    return s;
  }
  if (buf.size() < kPcapRecordHeader) return Step{};
  auto sec = rd32(buf.data());
  auto frac = rd32(buf.data() + 4);
  auto incl = rd32(buf.data() + 8);
  auto orig = rd32(buf.data() + 12);
  if (incl > kMaxRecordBytes) {
    return fail(fmt::format("record length {} exceeds the {}-byte limit (corrupt file?)", incl, kMaxRecordBytes), 8);
  }
  if (buf.size() < kPcapRecordHeader + incl) return Step{};
  Step s;
  s.status = Status::kRecord;
  s.consumed = kPcapRecordHeader + incl;
  s.record.link_type = pcap_link_;
  s.record.ts_ns = static_cast<std::int64_t>(sec) * 1000000000 + static_cast<std::int64_t>(frac) * (nanos_ ? 1 : 1000);
  s.record.orig_len = orig;
  s.record.data = buf.subspan(kPcapRecordHeader, incl);
  return s;
}

CaptureParser::Step CaptureParser::pcapngNext(std::span<const std::byte> buf) {
  if (buf.size() < 12) return Step{};
  auto raw_type = loadLe32(buf.data());
  if (raw_type == kNgShb) {
    // A new section may change the byte order; its interfaces start from zero.
    auto bom = loadLe32(buf.data() + 8);
    if (bom == kNgByteOrder) swapped_ = false;
    else if (bswap32(bom) == kNgByteOrder) swapped_ = true;
    else return fail("pcapng section header: bad byte-order magic", 8);
    interfaces_.clear();
  } else if (offset_ == 0) {
    return fail("pcapng: file does not start with a section header block", 0);
  }
  auto type = rd32(buf.data());
  auto len = rd32(buf.data() + 4);
  if (len < 12 || len % 4 != 0) return fail(fmt::format("pcapng block length {} is invalid", len), 4);
  if (len > kMaxBlockBytes) {
    return fail(fmt::format("pcapng block length {} exceeds the {}-byte limit", len, kMaxBlockBytes), 4);
  }
  if (buf.size() < len) return Step{};
  if (rd32(buf.data() + len - 4) != len) return fail("pcapng block: trailing length differs from leading length", len - 4);
  auto body = buf.subspan(8, len - 12);
  Step s;
  s.consumed = len;
  s.status = Status::kSkipped;

  if (type == kNgIdb) {
    if (body.size() < 8) return fail("pcapng interface block too short", 8);
    if (interfaces_.size() >= kMaxInterfaces) return fail(fmt::format("more than {} interfaces", kMaxInterfaces), 0);
    Interface itf;
    itf.link_type = rd16(body.data());
    itf.snaplen = rd32(body.data() + 4);
    // Options: code(2) length(2) value padded to 4; if_tsresol (9) sets the timestamp unit.
    std::size_t pos = 8;
    while (pos + 4 <= body.size()) {
      auto code = rd16(body.data() + pos);
      auto olen = rd16(body.data() + pos + 2);
      if (code == 0) break;
      if (pos + 4 + olen > body.size()) return fail("pcapng interface option overruns its block", 8 + pos);
      if (code == 9 && olen >= 1) {
        auto v = static_cast<std::uint8_t>(body[pos + 4]);
        itf.decimal = (v & 0x80U) == 0;
        itf.exp = static_cast<std::uint8_t>(v & 0x7FU);
      }
      pos += 4 + pad4(olen);
    }
    interfaces_.push_back(itf);
    if (link_types_.size() < kMaxInterfaces) link_types_.push_back(itf.link_type);
    return s;
  }
  if (type == kNgEpb || type == kNgObsoletePacket) {
    if (body.size() < 20) return fail("pcapng packet block too short", 8);
    std::uint32_t ifid = type == kNgEpb ? rd32(body.data()) : rd16(body.data());
    auto hi = rd32(body.data() + 4);
    auto lo = rd32(body.data() + 8);
    auto caplen = rd32(body.data() + 12);
    auto orig = rd32(body.data() + 16);
    if (ifid >= interfaces_.size()) return fail(fmt::format("packet for undeclared interface {}", ifid), 8);
    if (caplen > body.size() - 20) {
      return fail(fmt::format("packet length {} overruns its {}-byte block", caplen, len), 20);
    }
    const auto& itf = interfaces_[ifid];
    s.status = Status::kRecord;
    s.record.link_type = itf.link_type;
    s.record.interface_id = ifid;
    s.record.ts_ns = toNs(itf, (static_cast<std::uint64_t>(hi) << 32) | lo);
    s.record.orig_len = orig;
    s.record.data = body.subspan(20, caplen);
    return s;
  }
  if (type == kNgSpb) {
    if (body.size() < 4) return fail("pcapng simple packet block too short", 8);
    if (interfaces_.empty()) return fail("simple packet block before any interface", 8);
    auto orig = rd32(body.data());
    std::size_t caplen = std::min<std::size_t>(orig, body.size() - 4);
    if (interfaces_[0].snaplen != 0) caplen = std::min<std::size_t>(caplen, interfaces_[0].snaplen);
    s.status = Status::kRecord;
    s.record.link_type = interfaces_[0].link_type;
    s.record.orig_len = orig;
    s.record.data = body.subspan(4, caplen);
    return s;  // no timestamp in a simple packet block
  }
  return s;  // name resolution, statistics, custom and unknown blocks: skipped by length
}

}  // namespace vs::proto::pkt
