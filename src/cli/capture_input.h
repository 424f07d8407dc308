#pragma once
// Reading a capture file frame by frame with the error handling every capture command shares: an
// unreadable or non-capture file, or a single-interface file of an unsupported link type, is bad input
// (one line on stderr, exit 3); a file cut short after some frames is a warning (exit 1).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/capture_analyzer.h"
#include "core/exit_code.h"
#include "io/file_source.h"
#include "proto/pkt/capture_file.h"

namespace vs::cli {

// What a file source says at the end, on stderr: the log messages it cut (nothing for a capture).
void printSourceNotes(const std::string& path, const io::FileSource& src);

// Calls on_record for every record (frame numbers from 1) of a capture or SIP text log (io::FileSource).
// Returns kOk, kWarnings (the warning was printed to stderr) or kUsage (the error was printed).
// `log_utc_offset_ns`: see io::FileSource::open.
ExitCode forEachCaptureRecord(const std::string& path,
                              const std::function<void(const proto::pkt::Record&, std::uint64_t frame)>& on_record,
                              std::int64_t log_utc_offset_ns = 0);

// --log-utc-offset on a command that reads text logs: the time zone of the dates in their lines (Asterisk
// and FreeSWITCH log in local time), read by proto::siplog::parseUtcOffset().
void addLogUtcOffsetOption(CLI::App& cmd, std::int64_t& offset_ns);

// Capture analysis allocates and frees millions of small objects (legs, their strings and maps): glibc's
// fastbins made free() consolidate chunks over and over (a fifth of the run on a 50 000-call file).
// Turning them off leaves the per-thread cache in front and cut the analysis CPU time by about 15 %.
void tuneAllocatorForAnalysis();

// For a finished analysis (finish() returned: no thread of it runs) in a command about to exit: the
// analyzer is left to the process exit instead of destroyed. Its tables hold tens of thousands of cold
// heap blocks (40 000 call slots after the 50 000-call bench file) and freeing them one by one took
// 40-60 ms the exit does not need. Sanitizer builds destroy it as usual, so LeakSanitizer still checks
// the analysis. `analyzer` stays usable until the end of the caller's scope either way.
void leaveToExit(std::unique_ptr<analysis::CaptureAnalyzer>& analyzer);

}  // namespace vs::cli
