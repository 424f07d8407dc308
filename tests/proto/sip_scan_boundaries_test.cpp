// The SIP parser finds line ends, parameter ends and the request line's end 16 bytes at a time (SSE2,
// with a byte loop for the rest): every case here is run with the byte it looks for moved across a
// 16-byte boundary, one position at a time, with CRLF and with bare LF line ends. Header names are
// checked with every byte value at every place of a 24-byte name.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

#include "proto/sip/message.h"

namespace vs::proto::sip {
namespace {

TEST(SipScanBoundaries, HeaderValuesAndLineEndsAtEveryOffset) {
  for (std::string_view eol : {"\r\n", "\n"}) {
    for (std::size_t pad = 0; pad < 48; ++pad) {
      const std::string x(pad, 'x');
      const std::string text = "OPTIONS sip:" + x + "@h SIP/2.0" + std::string(eol) + "X-Pad: " + x + std::string(eol) +
                               "Call-ID: c" + x + std::string(eol) + "Via: SIP/2.0/UDP h;branch=z9hG4bK" + x +
                               ";rport" + std::string(eol) + "To: <sip:b@h>;tag=t" + x + std::string(eol) +
                               "Content-Length: 0" + std::string(eol) + std::string(eol);
      SCOPED_TRACE(text);
      auto m = parseMessage(text);
      ASSERT_TRUE(m) << m.error().message;
      EXPECT_EQ(m->requestLine().uri, "sip:" + x + "@h");
      EXPECT_EQ(m->header("X-Pad").value_or("?"), x);
      EXPECT_EQ(m->callId(), "c" + x);
      ASSERT_TRUE(m->topVia());
      EXPECT_EQ(m->topVia()->branch, "z9hG4bK" + x);
      EXPECT_TRUE(m->topVia()->has_rport);
      EXPECT_EQ(m->toTag(), "t" + x);
      EXPECT_EQ(m->allHeaders().size(), 5U);
      EXPECT_TRUE(m->body().empty());
      // Cut anywhere before the empty line: never a message.
      for (std::size_t cut = 0; cut + 2 * eol.size() < text.size(); cut += 7) {
        EXPECT_FALSE(parseMessage(std::string_view(text).substr(0, cut), false)) << cut;
      }
    }
  }
}

TEST(SipScanBoundaries, ProbeReadsTheFirstLineToItsEndAtEveryOffset) {
  for (std::size_t pad = 0; pad < 48; ++pad) {
    const std::string x(pad, 'x');
    EXPECT_TRUE(probe("INVITE sip:" + x + " SIP/2.0\r\nVia: x\r\n")) << pad;
    EXPECT_TRUE(probe("INVITE sip:" + x + " SIP/2.0\nVia: x\n")) << pad;
    EXPECT_TRUE(probe("INVITE sip:" + x + " SIP/2.0")) << pad;  // no line end yet: the whole input
    // A line end before the version: the first line does not end in SIP/2.0.
    EXPECT_FALSE(probe("INVITE sip:" + x + "\r SIP/2.0\r\n")) << pad;
    EXPECT_FALSE(probe("INVITE sip:" + x + "\n SIP/2.0\r\n")) << pad;
    EXPECT_FALSE(probe("INVITE sip:" + x + " SIP/2.1\r\n")) << pad;
  }
}

// RFC 3261 token characters, written out here.
bool tokenChar(unsigned char c) {
  return std::isalnum(c) != 0 || std::string_view("-.!%*_+`'~").find(static_cast<char>(c)) != std::string_view::npos;
}

TEST(SipScanBoundaries, EveryByteValueAtEveryPlaceOfAHeaderName) {
  for (int b = 1; b < 256; ++b) {
    const auto c = static_cast<unsigned char>(b);
    for (std::size_t k = 0; k < 24; ++k) {
      // W and z are no compact form: a one-letter name stays as written.
      const std::string name = std::string(k, 'W') + static_cast<char>(c) + std::string(23 - k, 'z');
      const std::string text = "OPTIONS sip:a SIP/2.0\r\n" + name + ": v\r\nContent-Length: 0\r\n\r\n";
      auto m = parseMessage(text);
      if (tokenChar(c)) {
        ASSERT_TRUE(m) << b << " at " << k << ": " << m.error().message;
        EXPECT_EQ(m->allHeaders().front().name, name) << b << " at " << k;
      } else if ((c == ':' && k > 0) || ((c == ' ' || c == '\t' || c == '\r') && k == 23)) {
        // The name ends there: at the colon, or at whitespace right before it.
        ASSERT_TRUE(m) << b << " at " << k << ": " << m.error().message;
        EXPECT_EQ(m->allHeaders().front().name, std::string(k, 'W')) << b << " at " << k;
      } else if (c == '\n' && k == 0) {
        // An empty line: the header section ends and the rest is the body.
        ASSERT_TRUE(m);
        EXPECT_TRUE(m->allHeaders().empty());
      } else {
        EXPECT_FALSE(m) << b << " at " << k;
      }
    }
  }
}

}  // namespace
// tokenLength() skips letters and '-' sixteen bytes at a time, then goes on byte by byte: every byte
// value at every place of a 40-byte run (across both 16-byte steps and the tail), the run made of every
// kind of token character, against RFC 3261's definition written out here.
TEST(SipScanBoundaries, TokenLengthStopsAtTheFirstNonTokenByteAnywhere) {
  auto rfcToken = [](unsigned char c) {
    return (c < 0x80 && std::isalnum(c) != 0) || std::string_view("-.!%*_+`'~").find(static_cast<char>(c)) != std::string_view::npos;
  };
  const std::string base = "Call-ID.x!%*_+`'~Z9-abcdefghijKLMNOPQR-s";
  ASSERT_EQ(base.size(), 40U);
  for (std::size_t len = 0; len <= base.size(); ++len) EXPECT_EQ(tokenLength(std::string_view(base).substr(0, len)), len);
  for (std::size_t at = 0; at < base.size(); ++at) {
    for (int b = 0; b < 256; ++b) {
      std::string s = base;
      s[at] = static_cast<char>(b);
      const std::size_t want = rfcToken(static_cast<unsigned char>(b)) ? s.size() : at;
      ASSERT_EQ(tokenLength(s), want) << "byte " << b << " at " << at;
    }
  }
}

}  // namespace vs::proto::sip
