// headerParam: the ";name=value" parameters of a header, outside <...> and quoted strings. The scan
// jumps 16 bytes at a time where SSE2 is there, so the cases put the characters it reacts to on either
// side of every 16-byte boundary, and random values are checked against a plain reading of the rule
// written here, one character at a time.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "proto/sip/message.h"

namespace vs::proto::sip {
namespace {

TEST(SipHeaderParam, TagsOfRealFromAndToValues) {
  EXPECT_EQ(headerParam("sipp <sip:sipp@127.0.0.1:5061>;tag=27208SIPpTag001", "tag"), "27208SIPpTag001");
  EXPECT_EQ(headerParam("\"Alice; <x>\" <sip:alice@example.com;tag=uri>;tag=1928301774", "tag"), "1928301774");
  EXPECT_EQ(headerParam("<sip:bob@example.com;tag=inside>", "tag"), std::nullopt);
  EXPECT_EQ(headerParam("sip:bob@example.com;TAG = abc ;x=1", "tag"), "abc");
  EXPECT_EQ(headerParam("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-1-2", "rport"), "");
  EXPECT_EQ(headerParam("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-1-2", "branch"), "z9hG4bK-1-2");
  EXPECT_EQ(headerParam("SIP/2.0/UDP a;branch=one, SIP/2.0/UDP b;branch=two", "branch"), "one");
  EXPECT_EQ(headerParam("", "tag"), std::nullopt);
  EXPECT_EQ(headerParam("\"unterminated ;tag=q", "tag"), "q");  // no closing quote: the scan goes on
}

TEST(SipHeaderParam, SpecialCharactersOnEitherSideOfEvery16ByteBoundary) {
  for (std::size_t pad = 0; pad < 40; ++pad) {
    const std::string filler(pad, 'x');
    EXPECT_EQ(headerParam(filler + ";tag=a", "tag"), "a") << pad;
    EXPECT_EQ(headerParam("<" + filler + ";tag=in>;tag=out", "tag"), "out") << pad;
    EXPECT_EQ(headerParam("\"" + filler + ";tag=q\";tag=out", "tag"), "out") << pad;
    EXPECT_EQ(headerParam("<" + filler + ";tag=in>", "tag"), std::nullopt) << pad;
  }
}

// The rule, one character at a time, without shortcuts.
std::optional<std::string_view> reference(std::string_view v, std::string_view name) {
  int angle = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '"') {
      std::size_t j = i + 1;
      while (j < v.size() && v[j] != '"') j += v[j] == '\\' ? 2U : 1U;
      if (j < v.size()) i = j;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>') {
      if (angle > 0) --angle;
    } else if (c == ';' && angle == 0) {
      std::size_t end = i + 1;
      while (end < v.size() && v[end] != ';' && v[end] != ',') ++end;
      std::string_view param = v.substr(i + 1, end - i - 1);
      const auto eq = param.find('=');
      auto strip = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
        return s;
      };
      std::string pname(strip(param.substr(0, eq)));
      for (auto& ch : pname) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (pname == name) return eq == std::string_view::npos ? std::string_view{} : strip(param.substr(eq + 1));
    }
  }
  return std::nullopt;
}

TEST(SipHeaderParam, AgreesWithTheCharacterByCharacterRuleOnRandomValues) {
  std::mt19937 rng(20261123);
  const std::string_view alphabet = "ab;;==<>\"\\ ,tTaAgG\t";
  std::size_t found = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string v(rng() % 70, ' ');
    for (auto& c : v) c = alphabet[rng() % alphabet.size()];
    if (rng() % 2 == 0) v.insert(rng() % (v.size() + 1), ";tag=x");
    const auto got = headerParam(v, "tag");
    const auto want = reference(v, "tag");
    ASSERT_EQ(got, want) << "value [" << v << "]";
    // The same view, not merely equal text: callers keep pointers into the message.
    if (got && !got->empty()) {
      EXPECT_EQ(got->data(), want->data()) << "value [" << v << "]";
    }
    found += got.has_value();
  }
  EXPECT_GT(found, 5000U);  // the generator does reach the parameter often enough to test something
}

}  // namespace
}  // namespace vs::proto::sip
