#include "cli/capture_input.h"

#include <malloc.h>

#include <cstdio>

#include <fmt/format.h>

#include "proto/pkt/decoder.h"

namespace vs::cli {

std::optional<FileInput> openFileInput(const std::string& path) {
  FileInput in;
  auto r = io::CaptureReader::open(path);
  if (r) {
    in.capture = std::move(*r);
    return in;
  }
  // Not a capture: perhaps a text log of SIP messages (Asterisk, sngrep/ngrep style).
  const bool sniff = path != "-" && r.error().message.find("not a pcap") != std::string::npos;
  if (!sniff) {
    fmt::print(stderr, "{}: {}\n", path, r.error().message);
    return std::nullopt;
  }
  auto l = io::SipLogReader::open(path);
  if (!l) {
    fmt::print(stderr, "{}: {}; {}\n", path, r.error().message, l.error().message);
    return std::nullopt;
  }
  in.log = std::move(*l);
  return in;
}

namespace {

// Records of either reader until the end or an error.
template <class Reader, class SingleInterface>
ExitCode drain(Reader& reader, const std::string& path, SingleInterface single_interface,
               const std::function<void(const proto::pkt::Record&, std::uint64_t frame)>& on_record) {
  proto::pkt::Record rec;
  std::uint64_t unsupported = 0;
  while (true) {
    auto more = reader.next(rec);
    if (!more) {
      fmt::print(stderr, "{}: {}\n", path, more.error().message);
      return reader.frames() == 0 ? ExitCode::kUsage : ExitCode::kWarnings;
    }
    if (!more.value()) break;
    auto frame = reader.frames();
    if (!proto::pkt::Decoder::linkSupported(rec.link_type) && unsupported++ == 0 && single_interface()) {
      fmt::print(stderr, "{}: frame {}: unsupported link type {} ({})\n", path, frame, rec.link_type,
                 proto::pkt::linkTypeName(rec.link_type));
      return ExitCode::kUsage;
    }
    on_record(rec, frame);
  }
  return ExitCode::kOk;
}

}  // namespace

ExitCode forEachCaptureRecord(const std::string& path,
                              const std::function<void(const proto::pkt::Record&, std::uint64_t frame)>& on_record) {
  auto in = openFileInput(path);
  if (!in) return ExitCode::kUsage;
  if (in->capture) {
    auto& reader = *in->capture;
    return drain(reader, path, [&] { return reader.parser().interfaceCount() <= 1; }, on_record);
  }
  auto rc = drain(*in->log, path, [] { return true; }, on_record);
  if (in->log->cutMessages() > 0) {
    fmt::print(stderr, "{}: {} messages longer than 65000 bytes were cut\n", path, in->log->cutMessages());
  }
  return rc;
}

void tuneAllocatorForAnalysis() {
  // glibc's malloc only: the release binary links jemalloc (cmake/Deps.cmake), and there this tunes an
  // allocator nothing uses; builds without it (VOIPSCOPE_JEMALLOC=OFF) still get it.
  mallopt(M_MXFAST, 0);
  // Grow a heap 64 MB past what is asked and give back only past 128 MB free at its top. With glibc's
  // defaults the analysis thread's arena grew and trimmed its heap a few pages at a time: 27 000 mprotect
  // calls, 9 % of that thread, on the 50 000-call file. Untouched pad pages cost no memory.
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

void leaveToExit(std::unique_ptr<analysis::CaptureAnalyzer>& analyzer) {
#if defined(__SANITIZE_ADDRESS__)
  static_cast<void>(analyzer);
#else
  static_cast<void>(analyzer.release());
#endif
}

}  // namespace vs::cli
