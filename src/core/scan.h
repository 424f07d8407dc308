#pragma once
// Finding the first of a few characters in a short string: header lines, header values and SDP lines are
// 10 to 100 bytes, where SSE2 (every x86-64) looks at 16 bytes in a few instructions, a byte loop takes
// several per byte, and a libc memchr call costs more in its call and set-up than in the search.
#include <cstddef>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vs {

// Index of the first of the characters Cs at or after `i`, or s.size() when there is none. `i` must be at
// most s.size().
template <char... Cs>
[[gnu::always_inline]] inline std::size_t findFirstOf(std::string_view s, std::size_t i) {
  const std::size_t n = s.size();
#if defined(__SSE2__)
  auto hits = [&](std::size_t at) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    return static_cast<unsigned>(_mm_movemask_epi8((_mm_cmpeq_epi8(v, _mm_set1_epi8(Cs)) | ...)));
  };
  for (; i + 16 <= n; i += 16) {
    if (const auto mask = hits(i); mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
  if (n >= 16) {
    // The last few bytes: one load of the sixteen that end the string, with the bytes before `i` shifted
    // out. A byte loop there (four compares a byte) was most of a search in a 20-60 byte header value.
    if (i < n) {
      const std::size_t base = n - 16;
      if (const auto mask = hits(base) >> (i - base); mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
    }
    return n;
  }
#endif
  while (i < n && !((s[i] == Cs) || ...)) ++i;
  return i;
}

}  // namespace vs
