#include "io/capture_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace vs::io {

CaptureReader::~CaptureReader() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const std::string& path) {
  int fd = path == "-" ? dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return makeError(fmt::format("cannot open: {}", std::strerror(errno)));
  auto gz = gzdopen(fd, "rb");
  if (gz == nullptr) {
    ::close(fd);
    return makeError("cannot open: out of memory");
  }
  gzbuffer(gz, 1 << 20);
  std::unique_ptr<CaptureReader> r(new CaptureReader());
  r->gz_ = gz;
  r->buf_.resize(kCaptureReadChunk);
  auto filled = r->fill();
  if (!filled) return filled.error();
  if (r->end_ == 0) return makeError("empty file");
  auto head = std::span<const std::byte>(reinterpret_cast<const std::byte*>(r->buf_.data()), r->end_);
  auto fmt_ok = proto::pkt::CaptureParser::sniff(head);
  if (!fmt_ok) return fmt_ok.error();
  return r;
}

Result<bool> CaptureReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) return true;  // full: the parser will make progress or report a bad length
  auto want = static_cast<unsigned>(buf_.size() - end_);
  int n = gzread(static_cast<gzFile>(gz_), buf_.data() + end_, want);
  if (n < 0) {
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    return makeError(fmt::format("read error: {}", err == Z_ERRNO ? std::strerror(errno) : msg));
  }
  if (n == 0) {
    // gzip trailer missing or a cut stream: zlib reports it as an error after the last good bytes.
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    eof_ = true;
    if (err != Z_OK && err != Z_BUF_ERROR) return makeError(fmt::format("gzip: {}", msg));
    return false;
  }
  end_ += static_cast<std::size_t>(n);
  return true;
}

Result<bool> CaptureReader::next(proto::pkt::Record& out) {
  while (true) {
    auto avail = std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf_.data()) + begin_, end_ - begin_);
    auto step = parser_.next(avail);
    using S = proto::pkt::CaptureParser::Status;
    switch (step.status) {
      case S::kRecord:
        begin_ += step.consumed;
        ++frames_;
        out = step.record;
        return true;
      case S::kSkipped:
        begin_ += step.consumed;
        continue;
      case S::kError:
        return makeError(fmt::format("frame {}: {}", frames_ + 1, step.error.message), step.error.offset);
      case S::kNeedMore: {
        bool was_full = begin_ == 0 && end_ == buf_.size();
        auto more = fill();
        if (!more) return more.error();
        if (!more.value()) {
          if (end_ - begin_ == 0) return false;
          return makeError(fmt::format("frame {}: file truncated ({} bytes of an incomplete record at offset {})",
                                       frames_ + 1, end_ - begin_, parser_.offset()),
                           static_cast<std::size_t>(parser_.offset()));
        }
        if (was_full) return makeError(fmt::format("frame {}: record larger than the read buffer", frames_ + 1));
        continue;
      }
    }
  }
}

}  // namespace vs::io
