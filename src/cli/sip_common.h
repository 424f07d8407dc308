#pragma once
// Plumbing shared by the `sip ...` commands: the `sip` parent command, per-target log files, line output.
#include <CLI/App.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "probe/sip_options.h"

namespace vs::cli {

// The `sip` parent command, created by whichever `sip` subcommand registers first.
CLI::App* sipCommand(CLI::App& app);

// RAII FILE*; rows are flushed one by one so a killed run keeps every line it printed.
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// A target as a file name: letters, digits, '.' and '-' kept, everything else '_'.
std::string fileNameFor(std::string_view target);
// Opens for appending (a days-long history survives restarts), creating parent directories; `header`
// (when not empty) is written only at the top of a new file.
Result<File> openLog(const std::string& path, const std::string& header);
// --transport: "" (udp unless the target or DNS says otherwise), "udp", "tcp", "tls".
Result<probe::SipTransport> parseTransport(const std::string& name);
// Prints one line to stdout and flushes, so output piped to a file is live.
void out(const std::string& text);

}  // namespace vs::cli
