#include "render/escape.h"

#include <algorithm>

#include <fmt/format.h>

namespace vs::render {

namespace {
bool needsJsonEscape(char c) {
  const auto u = static_cast<unsigned char>(c);
  return c == '"' || c == '\\' || u < 0x20 || u == 0x7f;
}
}  // namespace

std::string jsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  // Most values (Call-IDs, tags, codec names) need no escape: appended in runs between the bytes that do.
  auto run = s.begin();
  for (auto it = std::find_if(s.begin(), s.end(), needsJsonEscape); it != s.end();
       it = std::find_if(it + 1, s.end(), needsJsonEscape)) {
    out.append(run, it);
    switch (*it) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += fmt::format("\\u{:04x}", static_cast<unsigned char>(*it));
    }
    run = it + 1;
  }
  out.append(run, s.end());
  out += '"';
  return out;
}

std::string csvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace vs::render
