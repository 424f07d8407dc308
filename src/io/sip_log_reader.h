#pragma once
// Text logs of SIP messages (proto/siplog/sip_log.h formats) as a stream of synthetic raw-IP/UDP frames,
// so `voipscope calls LOGFILE` runs the same analyzer as on a capture. Lines are read one at a time
// (memory: one line + one message), through zlib: a rotated, gzip-compressed log (full.1.gz) reads as
// its text, a plain one as it is.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "io/input_stream.h"
#include "proto/pkt/capture_file.h"
#include "proto/siplog/sip_log.h"

namespace vs::io {

// Lines sniffed for a recognised header before a file is declared "not a SIP log", and the most bytes
// those lines may take (they are kept to be read again: a pipe cannot be rewound).
inline constexpr int kLogSniffLines = 2000;
inline constexpr std::size_t kLogSniffBytes = std::size_t{8} << 20;

class SipLogReader {
 public:
  ~SipLogReader();
  SipLogReader(const SipLogReader&) = delete;
  SipLogReader& operator=(const SipLogReader&) = delete;

  // Errors: "cannot open: ...", "not a SIP text log either (no message header line in its first 2000
  // lines, 81234 bytes)" (fewer lines when the file ends or they reach kLogSniffBytes), "gzip: ..." (a compressed file that does not inflate). Year-less log dates get their year
  // from the file's modification time (the current time for a pipe).
  // `utc_offset_ns`: the offset from UTC of the dates in its lines (SipLogParser).
  static Result<std::unique_ptr<SipLogReader>> open(const std::string& path, std::int64_t utc_offset_ns = 0);
  // Standard input whose head was read already (it was not a capture): the same, reading on from it.
  // Year-less dates take the current year (see open()).
  static Result<std::unique_ptr<SipLogReader>> adopt(InputStream in, std::int64_t utc_offset_ns = 0);
  // A compressed log cut short or damaged ends with an Error after its last whole message: "gzip: ...".
  Result<bool> next(proto::pkt::Record& out);
  std::uint64_t frames() const { return frames_; }
  std::uint64_t cutMessages() const { return cut_; }

 private:
  SipLogReader() = default;
  bool readLine(std::string& line);
  // Reads lines until one starts a message (false: none in the first kLogSniffLines), then puts every
  // line read back in front of the stream: a pipe cannot be rewound.
  bool sniff();
  // Whatever error open() reports for a stream that has no message header.
  Error notALog() const;

  std::string gzipError() const;  // empty: the input so far read cleanly

  void* file_ = nullptr;  // gzFile, kept opaque so zlib.h stays in the .cpp
  std::string path_;      // what zlib calls the stream in its messages
  std::string head_;      // bytes read ahead of the stream (sniffed lines, standard input's head)
  std::size_t head_pos_ = 0;
  int sniffed_lines_ = 0;          // lines the sniff read, and their bytes (for the error)
  std::size_t sniffed_bytes_ = 0;
  bool done_ = false;
  std::string pending_error_;  // reported once the last message is out
  std::uint64_t frames_ = 0, cut_ = 0;
  proto::siplog::SipLogParser parser_;
  std::string line_, frame_;
};

}  // namespace vs::io
