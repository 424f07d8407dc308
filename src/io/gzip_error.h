#pragma once
// zlib's error text for the readers that go through it (capture_reader, sip_log_reader).
#include <string>
#include <string_view>

namespace vs::io {

// zlib's last error on a gzFile (passed as void*, so zlib.h stays out of headers): "gzip: <reason>" without
// the "<path>: " zlib puts first (`zlib_name`: the path given to gzopen, "<fd:N>" after gzdopen), or
// "read error: <errno text>"; empty when there is none. A stream cut short reads "gzip: unexpected end of
// file".
std::string gzipErrorText(void* gz, std::string_view zlib_name);

}  // namespace vs::io
