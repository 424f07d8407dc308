// The JSON and CSV quoting every renderer shares (render/escape.h). The references: nlohmann::json's
// parser for JSON, and RFC 4180's reading of a field for CSV.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "render/escape.h"

namespace {

using vs::render::csvField;
using vs::render::jsonString;

TEST(Escape, EveryAsciiByteAnywhereInAStringParsesBackAsJson) {
  for (int b = 0; b < 0x80; ++b) {
    for (const std::string& base : {std::string(), std::string("call-1@host"), std::string("a\"b\\c")}) {
      for (std::size_t at = 0; at <= base.size(); ++at) {
        std::string s = base;
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(b));
        const auto quoted = jsonString(s);
        nlohmann::json parsed;
        ASSERT_NO_THROW(parsed = nlohmann::json::parse(quoted)) << quoted;
        ASSERT_TRUE(parsed.is_string()) << quoted;
        EXPECT_EQ(parsed.get<std::string>(), s) << quoted;
        for (char c : quoted) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control byte in " << quoted;
      }
    }
  }
}

TEST(Escape, Utf8PassesThroughAndShortEscapesAreUsed) {
  const std::string s = "J\xC3\xBCrgen \xE2\x82\xAC\n\t\r\x7f";
  EXPECT_EQ(nlohmann::json::parse(jsonString(s)).get<std::string>(), s);
  EXPECT_NE(jsonString(s).find("J\xC3\xBCrgen \xE2\x82\xAC"), std::string::npos);
  EXPECT_NE(jsonString(s).find("\\n\\t\\r\\u007f"), std::string::npos);
}

// RFC 4180: a quoted field ends at a quote not followed by another; "" inside is one quote.
std::string readCsvField(const std::string& f, bool& ok) {
  ok = true;
  if (f.empty() || f.front() != '"') {
    ok = f.find_first_of(",\"\r\n") == std::string::npos;
    return f;
  }
  std::string out;
  for (std::size_t i = 1; i < f.size(); ++i) {
    if (f[i] != '"') {
      out += f[i];
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '"') {
      out += '"';
      ++i;
      continue;
    }
    ok = i + 1 == f.size();  // the closing quote is the last byte
    return out;
  }
  ok = false;  // no closing quote
  return out;
}

TEST(Escape, CsvFieldsReadBackAsTheyWereWritten) {
  for (const std::string& s : {std::string(), std::string("plain"), std::string("a,b"), std::string("say \"hi\""),
                               std::string("two\r\nlines"), std::string("\""), std::string(",,"),
                               std::string("\"quoted, with comma\""), std::string("tab\there")}) {
    bool ok = false;
    EXPECT_EQ(readCsvField(csvField(s), ok), s) << csvField(s);
    EXPECT_TRUE(ok) << csvField(s);
  }
  EXPECT_EQ(csvField("plain"), "plain");  // quoted only when it has to be
}

}  // namespace
