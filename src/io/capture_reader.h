#pragma once
// Capture files (pcap, pcapng; plain or gzip-compressed) and stdin ("-") as a stream of records. A plain
// regular file is memory-mapped and parsed in place (no copy: reading a 500 MB file through read() cost a
// quarter of the analysis time), with the pages already parsed dropped every kCaptureDropStep bytes so
// the file does not count against the process's memory. Compressed files, pipes and stdin are read in
// big chunks through zlib. The format parsing itself is proto/pkt/capture_file.h; this file only owns
// the descriptor and the buffer.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "io/input_stream.h"
#include "proto/pkt/capture_file.h"

namespace vs::io {

inline constexpr std::size_t kCaptureReadChunk = 4 * 1024 * 1024;
inline constexpr std::size_t kCaptureDropStep = 8 * 1024 * 1024;

class CaptureReader {
 public:
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // "-" reads standard input. Errors: "cannot open: No such file or directory", "not a pcap or pcapng file".
  static Result<std::unique_ptr<CaptureReader>> open(const std::string& path);
  // A stream whose head was read already (standard input, sniffed to tell a capture from a text log; or
  // a file open() does not map): read on from it.
  static Result<std::unique_ptr<CaptureReader>> adopt(InputStream in);

  // Next packet record (valid until the next call); false at the end of the file. An Error names the
  // frame and the problem; a file cut in the middle of a record is reported as truncated (an Error too,
  // after every complete record was returned).
  Result<bool> next(proto::pkt::Record& out);
  std::uint64_t frames() const { return frames_; }  // records returned so far
  // The file is mapped: every record's bytes stay valid (unchanged, unless the file itself is rewritten)
  // until the reader is destroyed, not only until the next call. Pages dropped behind the reading point
  // are read back from the page cache if touched again.
  bool recordsStay() const { return map_ != nullptr; }
  const proto::pkt::CaptureParser& parser() const { return parser_; }

 private:
  CaptureReader() = default;
  Result<bool> fill();  // false: end of input
  // The reader if its first bytes are a pcap or pcapng header; the sniffing error otherwise.
  static Result<std::unique_ptr<CaptureReader>> sniffed(std::unique_ptr<CaptureReader> r);

  void manageMapping();  // prefault ahead, drop what was parsed

  void* gz_ = nullptr;  // gzFile, kept opaque so zlib.h stays in the .cpp
  std::string gz_name_;  // what zlib calls it in its messages: "<fd:N>"
  const std::byte* map_ = nullptr;  // the whole file, when mapped
  std::size_t map_size_ = 0, dropped_ = 0, populated_ = 0;
  std::string buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::uint64_t frames_ = 0;
  proto::pkt::CaptureParser parser_;
};

}  // namespace vs::io
