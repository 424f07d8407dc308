#include <gtest/gtest.h>

#include "proto/http/parser.h"
#include "proto/http/serializer.h"
#include "proto/http/target.h"

namespace vs::proto::http {
namespace {

TEST(HttpSerializer, RequestHasExactBytesAndContentLength) {
  auto r = buildRequest("POST", "/api?x=1", {{"Host", "h:8080"}, {"Content-Length", "999"}}, "body!");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "POST /api?x=1 HTTP/1.1\r\nHost: h:8080\r\nContent-Length: 5\r\n\r\nbody!");

  auto empty = buildRequest("GET", "/", {}, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpSerializer, ResponseRoundTripsThroughTheParser) {
  auto r = buildResponse(404, "", {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}},
                         "{\"error\":\"x\"}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->substr(0, 24), "HTTP/1.1 404 Not Found\r\n");
  auto parsed = parseResponse(*r);
  ASSERT_TRUE(parsed.done()) << parsed.error.message;
  EXPECT_EQ(parsed.message.status, 404);
  EXPECT_EQ(parsed.message.headers.get("content-length"), "13");
  EXPECT_FALSE(parsed.message.headers.get("transfer-encoding").has_value());
  EXPECT_EQ(parsed.message.body(), "{\"error\":\"x\"}");
  EXPECT_EQ(parsed.consumed, r->size());
}

TEST(HttpSerializer, RefusesHeaderInjection) {
  EXPECT_FALSE(buildRequest("GET", "/", {{"X-A", "a\r\nInjected: 1"}}, "").ok());
  EXPECT_FALSE(buildRequest("GET", "/", {{"Bad Name", "v"}}, "").ok());
  EXPECT_FALSE(buildRequest("GET", "/a b", {}, "").ok());
  EXPECT_FALSE(buildRequest("G T", "/", {}, "").ok());
  EXPECT_FALSE(buildResponse(200, "OK\r\nX: y", {}, "").ok());
  EXPECT_FALSE(buildResponse(42, "", {}, "").ok());
  EXPECT_TRUE(buildRequest("GET", "/", {{"X-Tab", "a\tb"}}, "").ok());
}

TEST(HttpTarget, SplitsPathAndQuery) {
  auto a = splitTarget("/api/v1/scans?limit=5&site=x#frag");
  EXPECT_EQ(a.path, "/api/v1/scans");
  EXPECT_EQ(a.query, "limit=5&site=x");
  auto b = splitTarget("/plain");
  EXPECT_EQ(b.path, "/plain");
  EXPECT_EQ(b.query, "");
  auto c = splitTarget("http://host:80/p/q?z=1");
  EXPECT_EQ(c.path, "/p/q");
  EXPECT_EQ(c.query, "z=1");
  auto d = splitTarget("http://host");
  EXPECT_EQ(d.path, "/");
}

TEST(HttpTarget, PercentDecoding) {
  EXPECT_EQ(*percentDecode("/a%20b/%2Fc%41"), "/a b//cA");
  EXPECT_EQ(*percentDecode("a+b"), "a+b");
  EXPECT_EQ(*percentDecode("a+b", true), "a b");
  auto bad = percentDecode("/ok/%zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().offset, 4u);
  auto truncated = percentDecode("/x%4");
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().offset, 2u);
  EXPECT_FALSE(percentDecode("%").ok());
}

TEST(HttpTarget, QueryParameters) {
  auto q = parseQuery("limit=5&name=a%20b+c&flag&&empty=&bad=%zz");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"limit", "5"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"name", "a b c"}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_EQ(q[4], (std::pair<std::string, std::string>{"bad", "%zz"}));
}

}  // namespace
}  // namespace vs::proto::http
