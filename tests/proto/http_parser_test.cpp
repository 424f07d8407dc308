#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proto/http/parser.h"

namespace vs::proto::http {
namespace {

const std::string kPost =
    "POST /api/v1/results?site=lab HTTP/1.1\r\n"
    "Host: example.test:8080\r\n"
    "Content-Type: application/json\r\n"
    "X-Empty:\r\n"
    "X-Padded: \t value with  spaces \t\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "{\"ok\":true}\r\n";

TEST(HttpRequestParser, ParsesFieldsAndBody) {
  auto r = parseRequest(kPost);
  ASSERT_TRUE(r.done()) << r.error.message;
  EXPECT_EQ(r.message.method, "POST");
  EXPECT_EQ(r.message.target, "/api/v1/results?site=lab");
  EXPECT_EQ(r.message.version_minor, 1);
  ASSERT_EQ(r.message.headers.fields.size(), 5u);
  EXPECT_EQ(r.message.headers.get("host"), "example.test:8080");
  EXPECT_EQ(r.message.headers.get("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r.message.headers.get("x-empty"), "");
  EXPECT_EQ(r.message.headers.get("X-Padded"), "value with  spaces");
  EXPECT_FALSE(r.message.headers.get("missing").has_value());
  EXPECT_EQ(r.message.content_length, 13u);
  EXPECT_EQ(r.message.body, "{\"ok\":true}\r\n");
  EXPECT_EQ(r.consumed, kPost.size());
  EXPECT_EQ(r.message.header_bytes, kPost.size() - 13);
}

TEST(HttpRequestParser, EveryPrefixNeedsMoreAndTheWholeGivesTheSameResult) {
  for (std::size_t cut = 0; cut < kPost.size(); ++cut) {
    auto r = parseRequest(std::string_view(kPost).substr(0, cut));
    ASSERT_TRUE(r.needMore()) << "cut at " << cut << ": " << r.error.message;
  }
  // Feeding the message in two pieces whose boundary moves over every byte: once the second piece
  // arrives the result is the same as for the whole message.
  for (std::size_t cut = 0; cut <= kPost.size(); ++cut) {
    std::string buf = kPost.substr(0, cut);
    auto first = parseRequest(buf);
    if (cut < kPost.size()) {
      ASSERT_TRUE(first.needMore());
    }
    buf += kPost.substr(cut);
    auto r = parseRequest(buf);
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.consumed, kPost.size());
    EXPECT_EQ(r.message.body, "{\"ok\":true}\r\n");
    EXPECT_EQ(r.message.headers.get("x-padded"), "value with  spaces");
  }
}

TEST(HttpRequestParser, PipelinedBytesAreLeftForTheNextCall) {
  std::string two = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.0\r\n\r\n";
  auto first = parseRequest(two);
  ASSERT_TRUE(first.done());
  EXPECT_EQ(first.message.target, "/a");
  EXPECT_EQ(first.consumed, std::string("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").size());
  EXPECT_TRUE(first.message.body.empty());
  auto second = parseRequest(std::string_view(two).substr(first.consumed));
  ASSERT_TRUE(second.done());
  EXPECT_EQ(second.message.target, "/b");
  EXPECT_EQ(second.message.version_minor, 0);
  EXPECT_EQ(first.consumed + second.consumed, two.size());
}

struct BadCase {
  const char* name;
  std::string input;
  ErrorKind kind;
  std::size_t offset;
};

TEST(HttpRequestParser, RejectsMalformedWithOffset) {
  const std::vector<BadCase> cases = {
      {"space before method", " GET / HTTP/1.1\r\n\r\n", ErrorKind::kMalformed, 0},
      {"binary method", "GE\x01T / HTTP/1.1\r\n\r\n", ErrorKind::kMalformed, 2},
      {"missing target", "GET  HTTP/1.1\r\n\r\n", ErrorKind::kMalformed, 4},
      {"no version", "GET /\r\n\r\n", ErrorKind::kMalformed, 4},
      {"bad version", "GET / HTTX/1.1\r\n\r\n", ErrorKind::kMalformed, 6},
      {"http 2", "GET / HTTP/2.0\r\n\r\n", ErrorKind::kUnsupported, 6},
      {"bare LF", "GET / HTTP/1.1\nHost: x\r\n\r\n", ErrorKind::kMalformed, 14},
      {"obs-fold", "GET / HTTP/1.1\r\nX-A: a\r\n  folded\r\n\r\n", ErrorKind::kMalformed, 24},
      {"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", ErrorKind::kMalformed, 20},
      {"no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", ErrorKind::kMalformed, 16},
      {"NUL in value", std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26), ErrorKind::kMalformed, 20},
      {"negative CL", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", ErrorKind::kMalformed, 33},
      {"non-digit CL", "POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n", ErrorKind::kMalformed, 33},
      {"empty CL", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", ErrorKind::kMalformed, 32},
      {"absurd CL", "POST / HTTP/1.1\r\nContent-Length: 999999999999999999999999\r\n\r\n", ErrorKind::kMalformed,
       33},
      {"conflicting CL", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
       ErrorKind::kMalformed, 52},
      {"conflicting CL list", "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello!", ErrorKind::kMalformed, 33},
      {"chunked request", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", ErrorKind::kUnsupported, 36},
  };
  for (const auto& c : cases) {
    auto r = parseRequest(c.input);
    ASSERT_TRUE(r.failed()) << c.name;
    EXPECT_EQ(r.error_kind, c.kind) << c.name << ": " << r.error.message;
    EXPECT_EQ(r.error.offset, c.offset) << c.name << ": " << r.error.message;
    EXPECT_FALSE(r.error.message.empty());
  }
}

TEST(HttpRequestParser, AgreeingDuplicateContentLengthIsAccepted) {
  auto r = parseRequest("POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3, 3\r\n\r\nabc");
  ASSERT_TRUE(r.done()) << r.error.message;
  EXPECT_EQ(r.message.body, "abc");
}

TEST(HttpRequestParser, GarbageFailsBeforeALineEnds) {
  // A TLS ClientHello sent to the plain port: rejected on its first byte, not after a timeout.
  auto r = parseRequest(std::string("\x16\x03\x01\x02\x00\x01", 6));
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error.offset, 0u);
}

TEST(HttpRequestParser, HeaderLimits) {
  ParseLimits limits;
  limits.max_header_bytes = 64;
  std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(100, 'a') + "\r\n\r\n";
  auto r = parseRequest(big, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error_kind, ErrorKind::kHeaderTooLarge);
  EXPECT_EQ(r.error.offset, 64u);
  // The same verdict while the header is still arriving, once the limit is reached.
  auto partial = parseRequest(std::string_view(big).substr(0, 64), limits);
  ASSERT_TRUE(partial.failed());
  EXPECT_EQ(partial.error_kind, ErrorKind::kHeaderTooLarge);
  EXPECT_TRUE(parseRequest(std::string_view(big).substr(0, 63), limits).needMore());

  // Exactly at the limit is fine.
  std::string fits = "GET / HTTP/1.1\r\nX: " + std::string(64 - 16 - 3 - 4, 'b') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), 64u);
  EXPECT_TRUE(parseRequest(fits, limits).done());

  ParseLimits few;
  few.max_header_count = 2;
  auto many = parseRequest("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", few);
  ASSERT_TRUE(many.failed());
  EXPECT_EQ(many.error_kind, ErrorKind::kHeaderTooLarge);
  EXPECT_EQ(many.error.offset, 28u);

  ParseLimits short_line;
  short_line.max_start_line_bytes = 16;
  auto longline = parseRequest("GET /" + std::string(40, 'p'), short_line);
  ASSERT_TRUE(longline.failed());
  EXPECT_EQ(longline.error_kind, ErrorKind::kHeaderTooLarge);
}

TEST(HttpRequestParser, BodyLimitIsDecidedFromContentLengthAlone) {
  ParseLimits limits;
  limits.max_body_bytes = 10;
  // No body bytes have arrived yet: the verdict must not wait for them.
  std::string head = "POST /up HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
  auto r = parseRequest(head, limits);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error_kind, ErrorKind::kBodyTooLarge);
  EXPECT_EQ(r.error.offset, head.size());
  auto ok = parseRequest("POST /up HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits);
  EXPECT_TRUE(ok.done());
}

const std::string kChunked =
    "HTTP/1.1 200 OK\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "5\r\nHello\r\n"
    "7;name=value\r\n, world\r\n"
    "A\r\n0123456789\r\n"
    "0\r\n"
    "Trailer-One: x\r\n"
    "\r\n";

TEST(HttpResponseParser, DecodesChunkedBody) {
  std::string buf = kChunked + "HTTP/1.1 204 No Content\r\n\r\n";
  auto r = parseResponse(buf);
  ASSERT_TRUE(r.done()) << r.error.message;
  EXPECT_EQ(r.message.status, 200);
  EXPECT_EQ(r.message.reason, "OK");
  EXPECT_TRUE(r.message.chunked);
  EXPECT_EQ(r.message.body(), "Hello, world0123456789");
  EXPECT_EQ(r.consumed, kChunked.size());
  EXPECT_EQ(r.message.headers.get("content-type"), "text/plain");

  for (std::size_t cut = 0; cut < kChunked.size(); ++cut) {
    auto p = parseResponse(std::string_view(kChunked).substr(0, cut));
    ASSERT_TRUE(p.needMore()) << "cut at " << cut << ": " << p.error.message;
  }
}

TEST(HttpResponseParser, ChunkedErrors) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  struct Case {
    const char* name;
    std::string body;
    std::size_t offset_in_body;
    ErrorKind kind;
  };
  const std::vector<Case> cases = {
      {"non-hex size", "zz\r\n", 0, ErrorKind::kMalformed},
      {"garbage after size", "5 x\r\nHello\r\n", 1, ErrorKind::kMalformed},
      {"huge size", "1000000000000000\r\n", 0, ErrorKind::kMalformed},
      {"missing CRLF after data", "3\r\nabcX\r\n0\r\n\r\n", 6, ErrorKind::kMalformed},
      {"empty size line", "\r\n", 0, ErrorKind::kMalformed},
  };
  for (const auto& c : cases) {
    auto r = parseResponse(head + c.body);
    ASSERT_TRUE(r.failed()) << c.name;
    EXPECT_EQ(r.error_kind, c.kind) << c.name;
    EXPECT_EQ(r.error.offset, head.size() + c.offset_in_body) << c.name << ": " << r.error.message;
  }
  ParseLimits limits;
  limits.max_body_bytes = 8;
  auto big = parseResponse(head + "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", limits);
  ASSERT_TRUE(big.failed());
  EXPECT_EQ(big.error_kind, ErrorKind::kBodyTooLarge);
  EXPECT_EQ(big.error.offset, head.size() + 10);
}

TEST(HttpResponseParser, ContentLengthAndReadUntilClose) {
  auto cl = parseResponse("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope+extra");
  ASSERT_TRUE(cl.done());
  EXPECT_EQ(cl.message.status, 404);
  EXPECT_EQ(cl.message.reason, "Not Found");
  EXPECT_EQ(cl.message.body(), "nope");
  EXPECT_EQ(cl.consumed, std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\n").size() + 4);

  std::string until_close = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it";
  EXPECT_TRUE(parseResponse(until_close).needMore());
  auto eof = parseResponse(until_close, {}, ResponseContext{.request_was_head = false, .at_eof = true});
  ASSERT_TRUE(eof.done());
  EXPECT_EQ(eof.message.version_minor, 0);
  EXPECT_EQ(eof.message.body(), "all of it");
  EXPECT_EQ(eof.consumed, until_close.size());

  ParseLimits small;
  small.max_body_bytes = 4;
  auto too_big = parseResponse(until_close, small);
  ASSERT_TRUE(too_big.failed());
  EXPECT_EQ(too_big.error_kind, ErrorKind::kBodyTooLarge);

  auto no_reason = parseResponse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(no_reason.done()) << no_reason.error.message;
  EXPECT_EQ(no_reason.message.reason, "");
}

TEST(HttpResponseParser, NoBodyForHeadAnd1xx204And304) {
  // Content-Length on these describes the would-be body; the bytes after the head belong to the next
  // message.
  const std::string next = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for (const char* head : {"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
                           "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
                           "HTTP/1.1 100 Continue\r\n\r\n"}) {
    auto r = parseResponse(std::string(head) + next);
    ASSERT_TRUE(r.done()) << head;
    EXPECT_EQ(r.consumed, std::string(head).size()) << head;
    EXPECT_TRUE(r.message.body().empty());
  }
  std::string head_resp = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
  auto r = parseResponse(head_resp, {}, ResponseContext{.request_was_head = true, .at_eof = false});
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r.consumed, head_resp.size());
  EXPECT_TRUE(r.message.body().empty());
  // Without the HEAD context the same bytes wait for 1234 bytes of body.
  EXPECT_TRUE(parseResponse(head_resp).needMore());
}

TEST(HttpResponseParser, RejectsNonHttpEarly) {
  auto sip = parseResponse("SIP/2.0 200 OK\r\n");
  ASSERT_TRUE(sip.failed());
  EXPECT_EQ(sip.error.offset, 0u);
  EXPECT_TRUE(parseResponse("HTT").needMore());
  auto bad_status = parseResponse("HTTP/1.1 2x0 OK\r\n\r\n");
  ASSERT_TRUE(bad_status.failed());
  EXPECT_EQ(bad_status.error.offset, 9u);
  auto conflicting = parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
  ASSERT_TRUE(conflicting.failed());
  EXPECT_EQ(conflicting.error_kind, ErrorKind::kMalformed);
}

}  // namespace
}  // namespace vs::proto::http

namespace vs::proto::http {
namespace {

// Seeded mutations of valid messages: whatever the bytes, the parser stays inside the buffer and
// within its limits (the fuzz target checks the same invariants with coverage guidance).
TEST(HttpParserRobustness, MutatedMessagesKeepInvariants) {
  std::mt19937 rng(20240601);
  const std::vector<std::string> seeds = {kPost, kChunked,
                                          "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
                                          "GET /x?y=%41 HTTP/1.0\r\nA: b\r\n\r\n"};
  ParseLimits limits;
  limits.max_header_bytes = 128;
  limits.max_body_bytes = 32;
  for (int round = 0; round < 5000; ++round) {
    std::string m = seeds[static_cast<std::size_t>(round) % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      std::size_t at = rng() % m.size();
      switch (rng() % 3) {
        case 0: m[at] = static_cast<char>(rng() % 256); break;
        case 1: m.erase(at, 1 + rng() % 3); break;
        default: m.insert(at, std::string(1 + rng() % 3, static_cast<char>(rng() % 256))); break;
      }
    }
    auto req = parseRequest(m, limits);
    if (req.done()) {
      ASSERT_LE(req.consumed, m.size());
      ASSERT_LE(req.message.body.size(), limits.max_body_bytes);
    }
    if (req.failed()) {
      ASSERT_LE(req.error.offset, m.size());
    }
    auto resp = parseResponse(m, limits, ResponseContext{.request_was_head = false, .at_eof = true});
    if (resp.done()) {
      ASSERT_LE(resp.consumed, m.size());
      ASSERT_LE(resp.message.body().size(), limits.max_body_bytes);
    }
    if (resp.failed()) {
      ASSERT_LE(resp.error.offset, m.size());
    }
  }
}

}  // namespace
}  // namespace vs::proto::http
