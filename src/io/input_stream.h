#pragma once
// A stream (standard input, or a capture file that is not mapped) opened through zlib (gzip-compressed or plain: zlib reads plain bytes as they are), with
// the first bytes already read. A pipe cannot be read twice, so `calls -` reads its head once to tell a
// capture from a text log of SIP messages, and the chosen reader takes the stream over and starts from
// those bytes (CaptureReader::adopt, SipLogReader::adopt).
#include <cstddef>
#include <string>

#include "core/result.h"

namespace vs::io {

class InputStream {
 public:
  InputStream() = default;
  ~InputStream();
  InputStream(InputStream&& o) noexcept;
  InputStream& operator=(InputStream&& o) noexcept;
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // `fd` (now owned) through zlib, and up to `head_bytes` of it read (fewer only at the end of the input;
  // none for an empty one). Errors: "cannot open: out of memory", "gzip: ..." (compressed and damaged
  // within `head_bytes`), "read error: ...". Capture files that cannot be mapped are read this way too.
  static Result<InputStream> open(int fd, std::size_t head_bytes);
  // open() on dup(0); an empty input is the error "empty input".
  static Result<InputStream> openStdin(std::size_t head_bytes);

  const std::string& head() const { return head_; }
  std::string takeHead() { return std::move(head_); }
  // The gzFile (void*, so zlib.h stays in .cpp files), now the caller's to gzclose.
  void* releaseGz() {
    void* g = gz_;
    gz_ = nullptr;
    return g;
  }
  // What zlib calls the stream in its messages ("<fd:N>"), for gzipErrorText().
  const std::string& zlibName() const { return zlib_name_; }

 private:
  void* gz_ = nullptr;
  std::string zlib_name_;
  std::string head_;
};

}  // namespace vs::io
