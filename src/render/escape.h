#pragma once
// Quoting for the machine-readable outputs (JSON strings and CSV fields) of every renderer: one
// definition, so that a call ID, a codec name or a peer's status text is escaped the same way in
// `calls --json`, `calls --csv`, `calls --rtp --csv` and `sip ping --json/--csv`.
#include <string>
#include <string_view>

namespace vs::render {

// A JSON string literal with its quotes: '"', '\' and control characters escaped (\n, \r, \t short;
// other C0 and DEL as \u00XX). Other bytes pass through as they came (UTF-8, or a peer's invalid bytes).
std::string jsonString(std::string_view s);
// A CSV field (RFC 4180): as it is, or in double quotes with inner quotes doubled when it holds a comma,
// a quote or a line break.
std::string csvField(std::string_view s);

}  // namespace vs::render
