#include "io/capture_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "io/gzip_error.h"
#include "io/input_stream.h"

namespace vs::io {

CaptureReader::~CaptureReader() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
  if (map_ != nullptr) munmap(const_cast<std::byte*>(map_), map_size_);
}

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const std::string& path) {
  int fd = path == "-" ? dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return makeError(fmt::format("cannot open: {}", std::strerror(errno)));
  struct stat st {};
  unsigned char magic[2] = {0, 0};
  if (path != "-" && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 4 &&
      pread(fd, magic, sizeof magic, 0) == static_cast<ssize_t>(sizeof magic) && !(magic[0] == 0x1f && magic[1] == 0x8b)) {
    auto size = static_cast<std::size_t>(st.st_size);
    void* m = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      ::close(fd);
      madvise(m, size, MADV_SEQUENTIAL);
      std::unique_ptr<CaptureReader> r(new CaptureReader());
      r->map_ = static_cast<const std::byte*>(m);
      r->map_size_ = size;
      auto fmt_ok = proto::pkt::CaptureParser::sniff(std::span<const std::byte>(r->map_, size));
      if (!fmt_ok) return fmt_ok.error();
      return r;
    }
    // Not mappable (some network file systems): read it like a stream.
  }
  auto in = InputStream::open(fd, kCaptureReadChunk);
  if (!in) return in.error();
  if (in->head().empty()) return makeError("empty file");
  return adopt(std::move(*in));
}

Result<std::unique_ptr<CaptureReader>> CaptureReader::adopt(InputStream in) {
  std::unique_ptr<CaptureReader> r(new CaptureReader());
  r->gz_name_ = in.zlibName();
  r->buf_ = in.takeHead();
  r->end_ = r->buf_.size();
  r->gz_ = in.releaseGz();
  r->buf_.resize(std::max(kCaptureReadChunk, r->end_));
  return sniffed(std::move(r));
}

Result<std::unique_ptr<CaptureReader>> CaptureReader::sniffed(std::unique_ptr<CaptureReader> r) {
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
    auto e = gzipErrorText(gz_, gz_name_);
    return makeError(e.empty() ? std::string("read error") : e);
  }
  if (n == 0) {
    // gzip trailer missing or a cut stream: zlib reports it as an error after the last good bytes, and
    // the record parser names the cut record.
    int err = 0;
    gzerror(static_cast<gzFile>(gz_), &err);
    eof_ = true;
    if (err != Z_OK && err != Z_BUF_ERROR) return makeError(gzipErrorText(gz_, gz_name_));
    return false;
  }
  end_ += static_cast<std::size_t>(n);
  return true;
}

void CaptureReader::manageMapping() {
  // Parsed pages are not needed again (records are valid only until the next call).
  if (begin_ >= populated_) {
    // Page tables for the next step in one call instead of a fault every few pages (kernel >= 5.14;
    // older kernels say EINVAL and fault as usual).
    populated_ = std::min(map_size_, begin_ + kCaptureDropStep);
    auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    auto from = (begin_ / page) * page;
#ifdef MADV_POPULATE_READ
    madvise(const_cast<std::byte*>(map_) + from, populated_ - from, MADV_POPULATE_READ);
#endif
    // One step stays mapped behind the reading point: an analysis that reads records in place on another
    // thread (recordsStay()) is a few batches behind, and would fault dropped pages back in.
    if (from >= dropped_ + 2 * kCaptureDropStep) {
      const auto to = from - kCaptureDropStep;
      madvise(const_cast<std::byte*>(map_) + dropped_, to - dropped_, MADV_DONTNEED);
      dropped_ = to;
    }
  }
}

Result<bool> CaptureReader::next(proto::pkt::Record& out) {
  while (true) {
    if (map_ != nullptr) manageMapping();
    auto avail = map_ != nullptr
                     ? std::span<const std::byte>(map_ + begin_, map_size_ - begin_)
                     : std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf_.data()) + begin_, end_ - begin_);
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
        // A mapped file is whole: needing more is its end. A stream reads on.
        bool was_full = map_ == nullptr && begin_ == 0 && end_ == buf_.size();
        auto more = map_ != nullptr ? Result<bool>(false) : fill();
        if (!more) return more.error();
        if (!more.value()) {
          auto left = map_ != nullptr ? map_size_ - begin_ : end_ - begin_;
          if (left == 0) return false;
          return makeError(fmt::format("frame {}: file truncated ({} bytes of an incomplete record at offset {})",
                                       frames_ + 1, left, parser_.offset()),
                           static_cast<std::size_t>(parser_.offset()));
        }
        if (was_full) return makeError(fmt::format("frame {}: record larger than the read buffer", frames_ + 1));
        continue;
      }
    }
  }
}

}  // namespace vs::io
