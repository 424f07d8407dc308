#pragma once
// Builds HTTP/1.1 requests and responses. Content-Length is always written from the body (a caller's own
// Content-Length or Transfer-Encoding is dropped), and names or values that could split the message
// (CR, LF, NUL, a name that is not a token) are refused, so a caller's data cannot inject headers.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace vs::proto::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

Result<std::string> buildRequest(std::string_view method, std::string_view target, const HeaderList& headers,
                                 std::string_view body);

// An empty reason picks the standard phrase for the status.
Result<std::string> buildResponse(int status, std::string_view reason, const HeaderList& headers,
                                  std::string_view body);

// "OK", "Not Found", ...; "Unknown" for codes it does not know.
std::string_view reasonPhrase(int status);

}  // namespace vs::proto::http
