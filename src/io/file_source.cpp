#include "io/file_source.h"

#include <fmt/format.h>

namespace vs::io {

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path, std::int64_t log_utc_offset_ns) {
  if (path == "-") return openStdin(log_utc_offset_ns);
  std::unique_ptr<FileSource> s(new FileSource);
  auto r = CaptureReader::open(path);
  if (r) {
    s->capture_ = std::move(*r);
    return s;
  }
  // Not a capture: perhaps a text log of SIP messages (Asterisk, Kamailio sipdump, sngrep/ngrep style).
  if (r.error().message.find("not a pcap") == std::string::npos) return r.error();
  auto l = SipLogReader::open(path, log_utc_offset_ns);
  if (!l) return makeError(fmt::format("{}; {}", r.error().message, l.error().message));
  s->log_ = std::move(*l);
  return s;
}

// A pipe is read once: its head tells a capture from a log, and the chosen reader starts from it.
Result<std::unique_ptr<FileSource>> FileSource::openStdin(std::int64_t log_utc_offset_ns) {
  std::unique_ptr<FileSource> s(new FileSource);
  auto in = InputStream::openStdin(kCaptureReadChunk);
  if (!in) return in.error();
  auto sniff = proto::pkt::CaptureParser::sniff(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(in->head().data()), in->head().size()));
  if (sniff) {
    auto r = CaptureReader::adopt(std::move(*in));
    if (!r) return r.error();
    s->capture_ = std::move(*r);
    return s;
  }
  if (sniff.error().message.find("not a pcap") == std::string::npos) return sniff.error();
  auto l = SipLogReader::adopt(std::move(*in), log_utc_offset_ns);
  if (!l) return makeError(fmt::format("{}; {}", sniff.error().message, l.error().message));
  s->log_ = std::move(*l);
  return s;
}

}  // namespace vs::io
