#pragma once
// Request targets: "/path?query" split, percent-decoding, and query parameters.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace vs::proto::http {

struct TargetParts {
  std::string_view path;   // as sent (still percent-encoded)
  std::string_view query;  // after '?', without the fragment
};

// Origin form ("/a/b?x=1") and absolute form ("http://h/a?x=1") are accepted; for the latter, the path
// starts at the first '/' after the authority ("/" when none).
TargetParts splitTarget(std::string_view target);

// "%2F" -> "/"; a '%' not followed by two hex digits is an error with its offset. With plus_as_space,
// '+' decodes to ' ' (form encoding in query strings).
Result<std::string> percentDecode(std::string_view text, bool plus_as_space = false);

// "a=1&b=x%20y&c" -> {a,1},{b,"x y"},{c,""}; pieces that fail to decode are kept raw.
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);

}  // namespace vs::proto::http
