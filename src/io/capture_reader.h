#pragma once
// Capture files (pcap, pcapng; plain or gzip-compressed) and stdin ("-") as a stream of records, read in
// big chunks through zlib (which passes uncompressed files through unchanged). The format parsing itself
// is proto/pkt/capture_file.h; this file only owns the descriptor and the buffer.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "proto/pkt/capture_file.h"

namespace vs::io {

inline constexpr std::size_t kCaptureReadChunk = 4 * 1024 * 1024;

class CaptureReader {
 public:
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // "-" reads standard input. Errors: "cannot open: No such file or directory", "not a pcap or pcapng file".
  static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);

  // Next packet record (valid until the next call); false at the end of the file. An Error names the
  // frame and the problem; a file cut in the middle of a record is reported as truncated (an Error too,
  // after every complete record was returned).
  Result<bool> next(proto::pkt::Record& out);
  std::uint64_t frames() const { return frames_; }  // records returned so far
  const proto::pkt::CaptureParser& parser() const { return parser_; }

 private:
  CaptureReader() = default;
  Result<bool> fill();  // false: end of input

  void* gz_ = nullptr;  // gzFile, kept opaque so zlib.h stays in the .cpp
  std::string buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::uint64_t frames_ = 0;
  proto::pkt::CaptureParser parser_;
};

}  // namespace vs::io
