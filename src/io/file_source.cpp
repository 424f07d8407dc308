#include "io/file_source.h"

#include <fmt/format.h>

namespace vs::io {

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path) {
  std::unique_ptr<FileSource> s(new FileSource);
  auto r = CaptureReader::open(path);
  if (r) {
    s->capture_ = std::move(*r);
    return s;
  }
  // Not a capture: perhaps a text log of SIP messages (Asterisk, sngrep/ngrep style).
  if (path == "-" || r.error().message.find("not a pcap") == std::string::npos) return r.error();
  auto l = SipLogReader::open(path);
  if (!l) return makeError(fmt::format("{}; {}", r.error().message, l.error().message));
  s->log_ = std::move(*l);
  return s;
}

}  // namespace vs::io
