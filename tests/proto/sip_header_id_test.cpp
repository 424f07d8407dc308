// headerId: a header's name (compact forms already expanded) to the id of the headers the analysis
// reads, any case. It compares a machine word at a time with bit 0x20 folded in at letter places only,
// so every name is tried in every case mix, and with each of its bytes replaced by every other byte value:
// an answer must then be kOther unless the replacement is the same letter in the other case. A plain
// per-character reading of the rule, written here, is the reference.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/sip/message.h"

namespace vs::proto::sip {
namespace {

const std::vector<std::pair<std::string_view, HeaderId>> kNames{
    {"To", HeaderId::kTo},
    {"Via", HeaderId::kVia},
    {"From", HeaderId::kFrom},
    {"CSeq", HeaderId::kCSeq},
    {"RSeq", HeaderId::kRSeq},
    {"RAck", HeaderId::kRAck},
    {"Call-ID", HeaderId::kCallId},
    {"Contact", HeaderId::kContact},
    {"Session-ID", HeaderId::kSessionId},
    {"Content-Type", HeaderId::kContentType},
    {"Content-Length", HeaderId::kContentLength},
    {"P-Charging-Vector", HeaderId::kPChargingVector},
};

HeaderId reference(std::string_view n) {
  auto low = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  for (const auto& [name, id] : kNames) {
    if (low(n) == low(name)) return id;
  }
  return HeaderId::kOther;
}

TEST(SipHeaderId, EveryNameInEveryCaseMix) {
  for (const auto& [name, id] : kNames) {
    // Each letter upper or lower: up to 2^17 spellings, bounded to the first 4096 mixes.
    const std::size_t mixes = name.size() >= 12 ? 4096 : std::size_t{1} << name.size();
    for (std::size_t bits = 0; bits < mixes; ++bits) {
      std::string n(name);
      for (std::size_t i = 0; i < n.size(); ++i) {
        const auto c = static_cast<unsigned char>(n[i]);
        n[i] = static_cast<char>((bits >> (i % 12)) & 1U ? std::toupper(c) : std::tolower(c));
      }
      ASSERT_EQ(headerId(n), id) << n;
    }
  }
}

TEST(SipHeaderId, EveryByteReplacedByEveryOtherValue) {
  std::size_t others = 0;
  for (const auto& [name, id] : kNames) {
    for (std::size_t i = 0; i < name.size(); ++i) {
      for (int b = 0; b < 256; ++b) {
        std::string n(name);
        n[i] = static_cast<char>(b);
        ASSERT_EQ(headerId(n), reference(n)) << name << " byte " << i << " = " << b;
        others += reference(n) == HeaderId::kOther;
      }
    }
  }
  EXPECT_GT(others, 20000U);  // most replacements must be told apart (CR for '-', '@' for '`', ...)
}

TEST(SipHeaderId, OtherNamesAndLengths) {
  for (std::string_view n : {"", "T", "Tox", "Vi", "Froms", "Max-Forwards", "Subject", "Call_ID", "Call\rID",
                             "Content-Lengths", "P-Charging-Vecto", "X-Call-ID", "Session_ID", "CSeq\x7f"}) {
    EXPECT_EQ(headerId(n), HeaderId::kOther) << n;
  }
}

}  // namespace
}  // namespace vs::proto::sip
