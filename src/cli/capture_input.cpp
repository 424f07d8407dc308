#include "cli/capture_input.h"

#include <malloc.h>

#include <cstdio>

#include <fmt/format.h>

#include "proto/pkt/decoder.h"
#include "proto/siplog/sip_log.h"

namespace vs::cli {

void printSourceNotes(const std::string& path, const io::FileSource& src) {
  if (src.cutMessages() > 0) fmt::print(stderr, "{}: {} messages longer than 65000 bytes were cut\n", path, src.cutMessages());
}

void addLogUtcOffsetOption(CLI::App& cmd, std::int64_t& offset_ns) {
  cmd.add_option_function<std::string>(
         "--log-utc-offset",
         [&offset_ns](const std::string& v) { offset_ns = proto::siplog::parseUtcOffset(v).value_or(0); },
         "Text logs: the dates in their lines are local time this far from UTC (+02:00, -0500; Asterisk and "
         "FreeSWITCH log in the server's time zone). sofia-sip stamps and sipdump times are UTC already")
      ->check([](const std::string& v) {
        return proto::siplog::parseUtcOffset(v) ? std::string() : "not a UTC offset (+HH:MM, -HHMM, +H, Z), at most 14:00: " + v;
      });
}

ExitCode forEachCaptureRecord(const std::string& path,
                              const std::function<void(const proto::pkt::Record&, std::uint64_t frame)>& on_record,
                              std::int64_t log_utc_offset_ns) {
  auto opened = io::FileSource::open(path, log_utc_offset_ns);
  if (!opened) {
    fmt::print(stderr, "{}: {}\n", path, opened.error().message);
    return ExitCode::kUsage;
  }
  auto& src = **opened;
  proto::pkt::Record rec;
  std::uint64_t unsupported = 0;
  auto rc = ExitCode::kOk;
  while (true) {
    auto more = src.next(rec);
    if (!more) {
      fmt::print(stderr, "{}: {}\n", path, more.error().message);
      rc = src.frames() == 0 ? ExitCode::kUsage : ExitCode::kWarnings;
      break;
    }
    if (!more.value()) break;
    auto frame = src.frames();
    if (!proto::pkt::Decoder::linkSupported(rec.link_type) && unsupported++ == 0 && src.singleInterface()) {
      fmt::print(stderr, "{}: frame {}: unsupported link type {} ({})\n", path, frame, rec.link_type,
                 proto::pkt::linkTypeName(rec.link_type));
      return ExitCode::kUsage;
    }
    on_record(rec, frame);
  }
  printSourceNotes(path, src);
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
