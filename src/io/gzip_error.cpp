#include "io/gzip_error.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace vs::io {

std::string gzipErrorText(void* gz, std::string_view zlib_name) {
  int err = Z_OK;
  const char* msg = gzerror(static_cast<gzFile>(gz), &err);
  if (err == Z_OK) return {};
  if (err == Z_ERRNO) return fmt::format("read error: {}", std::strerror(errno));
  std::string_view m = msg != nullptr ? msg : "";
  if (m.size() > zlib_name.size() + 2 && m.substr(0, zlib_name.size()) == zlib_name && m.substr(zlib_name.size(), 2) == ": ") {
    m.remove_prefix(zlib_name.size() + 2);
  }
  return fmt::format("gzip: {}", m.empty() ? "error" : m);
}

}  // namespace vs::io
