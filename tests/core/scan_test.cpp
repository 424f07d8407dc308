// findFirstOf looks at 16 bytes at a time with a byte loop for the rest: it must agree with
// std::string_view::find_first_of for every start offset, every place of the wanted byte (across the
// 16-byte boundaries), strings of 0 to 70 bytes, and bytes that differ from a wanted one only in bit 7.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/scan.h"

namespace vs {
namespace {

std::size_t reference(std::string_view s, std::string_view set, std::size_t i) {
  auto r = s.find_first_of(set, i);
  return r == std::string_view::npos ? s.size() : r;
}

TEST(FindFirstOf, AgreesWithFindFirstOfAtEveryOffset) {
  std::size_t checked = 0;
  for (std::size_t len = 0; len <= 70; ++len) {
    // A filler with look-alikes: ';' + 128 and '\n' + 128 must not match.
    std::string base(len, 'a');
    for (std::size_t k = 0; k < len; k += 5) base[k] = static_cast<char>(';' + 128);
    for (std::size_t k = 2; k < len; k += 7) base[k] = static_cast<char>('\n' + 128);
    for (std::size_t at = 0; at <= len; ++at) {  // at == len: no wanted byte at all
      for (char want : {';', '\n', '"'}) {
        std::string s = base;
        if (at < len) s[at] = want;
        if (at + 3 < len) s[at + 3] = '<';  // a second wanted byte after the first
        for (std::size_t from = 0; from <= len; ++from) {
          ASSERT_EQ((findFirstOf<';', '\n', '"', '<'>(s, from)), reference(s, ";\n\"<", from))
              << "len " << len << " at " << at << " from " << from;
          ASSERT_EQ(findFirstOf<';'>(s, from), reference(s, ";", from)) << "len " << len << " from " << from;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100000U);
}

TEST(FindFirstOf, ViewIntoALargerBufferStopsAtItsEnd) {
  // The byte just past the view is a wanted one: it must not be found.
  const std::string buf = std::string(40, 'x') + ";";
  for (std::size_t n = 0; n <= 40; ++n) {
    EXPECT_EQ(findFirstOf<';'>(std::string_view(buf.data(), n), 0), n);
  }
}

}  // namespace
}  // namespace vs
