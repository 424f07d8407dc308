#pragma once
// UTF-8 decoding shared by the ladder renderers: text from a capture may be invalid UTF-8, carry terminal
// escape sequences or bidi overrides; both renderers see it code point by code point through this.
#include <cstddef>
#include <string>
#include <string_view>

namespace vs::render::detail {

inline constexpr char32_t kReplacement = 0xFFFD;

// The code point at `pos` (advanced past it); invalid, overlong or surrogate sequences yield kReplacement
// and consume one byte.
char32_t nextCodePoint(std::string_view s, std::size_t& pos);
void appendUtf8(std::string& out, char32_t cp);

// Control characters (C0, DEL, C1): must never reach a terminal or an HTML text node as-is.
bool isControl(char32_t cp);
// Zero-width and direction-changing code points (combining marks, ZWJ, bidi overrides): dropped, so a
// header cannot reorder or hide what the ladder shows.
bool isInvisible(char32_t cp);
// East Asian wide / emoji: two terminal columns.
bool isWide(char32_t cp);

}  // namespace vs::render::detail
