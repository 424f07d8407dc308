#include "io/input_stream.h"

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "io/gzip_error.h"

namespace vs::io {

InputStream::~InputStream() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

InputStream::InputStream(InputStream&& o) noexcept
    : gz_(std::exchange(o.gz_, nullptr)), zlib_name_(std::move(o.zlib_name_)), head_(std::move(o.head_)) {}

InputStream& InputStream::operator=(InputStream&& o) noexcept {
  if (this != &o) {
    if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
    gz_ = std::exchange(o.gz_, nullptr);
    zlib_name_ = std::move(o.zlib_name_);
    head_ = std::move(o.head_);
  }
  return *this;
}

Result<InputStream> InputStream::open(int fd, std::size_t head_bytes) {
  gzFile gz = gzdopen(fd, "rb");
  if (gz == nullptr) {
    ::close(fd);
    return makeError("cannot open: out of memory");
  }
  gzbuffer(gz, 1 << 20);
  InputStream s;
  s.gz_ = gz;
  s.zlib_name_ = fmt::format("<fd:{}>", fd);
  s.head_.resize(head_bytes);
  // gzread() returns short only at the end of the input (or an error), so the head is whole.
  int n = gzread(gz, s.head_.data(), static_cast<unsigned>(head_bytes));
  if (n < 0) {
    auto e = gzipErrorText(gz, s.zlib_name_);
    return makeError(e.empty() ? std::string("read error") : e);
  }
  s.head_.resize(static_cast<std::size_t>(n));
  if (n == 0) {
    if (auto e = gzipErrorText(gz, s.zlib_name_); !e.empty()) return makeError(e);
  }
  return s;
}

Result<InputStream> InputStream::openStdin(std::size_t head_bytes) {
  int fd = dup(STDIN_FILENO);
  if (fd < 0) return makeError(fmt::format("cannot open: {}", std::strerror(errno)));
  auto s = open(fd, head_bytes);
  if (s && s->head().empty()) return makeError("empty input");
  return s;
}

}  // namespace vs::io
