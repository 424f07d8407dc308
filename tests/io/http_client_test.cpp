#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "io/http_client.h"

namespace vs::io {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

// A loopback peer that answers every connection with fixed bytes (or never answers), recording what
// it received. Runs on its own thread; the destructor stops it.
class CannedServer {
 public:
  explicit CannedServer(std::string response, bool answer = true)
      : response_(std::move(response)), answer_(answer), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io_, acceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~CannedServer() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  asio::awaitable<void> acceptLoop() {
    while (true) {
      auto sock = co_await acceptor_.async_accept(asio::use_awaitable);
      asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket sock) {
    std::string got;
    std::array<char, 4096> chunk{};
    std::error_code ec;
    while (got.find("\r\n\r\n") == std::string::npos) {
      std::size_t n = co_await sock.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      got.append(chunk.data(), n);
      if (ec) break;
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(got);
    }
    if (!answer_) {
      // Hold the connection open and silent until the client gives up.
      while (!ec) co_await sock.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    co_await asio::async_write(sock, asio::buffer(response_), asio::redirect_error(asio::use_awaitable, ec));
    sock.shutdown(tcp::socket::shutdown_both, ec);
  }

  std::string response_;
  bool answer_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

HttpRequest get(std::string url) {
  HttpRequest r;
  r.url = std::move(url);
  return r;
}

HttpRequest withMethod(HttpRequest r, std::string method) {
  r.method = std::move(method);
  return r;
}

HttpRequest withLimit(HttpRequest r, std::size_t max_body) {
  r.max_body_bytes = max_body;
  return r;
}

HttpRequest withTimeout(HttpRequest r, std::chrono::milliseconds t) {
  r.timeout = t;
  return r;
}

Result<HttpResponse> fetch(HttpRequest request, Resolver* resolver = nullptr) {
  asio::io_context io;
  std::optional<Result<HttpResponse>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { result = co_await httpRequest(io.get_executor(), resolver, request); },
      [](std::exception_ptr) {});
  io.run_for(request.timeout + 5s);
  if (!result) return makeError("test: request did not finish");
  return std::move(*result);
}

TEST(HttpClient, SendsHostAgentLengthAndClose) {
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  HttpRequest req;
  req.method = "PUT";
  req.url = server.url("/x/y?z=1#fragment");
  req.body = "payload";
  req.headers = {{"X-Trace", "abc"}, {"Connection", "keep-alive"}};
  auto resp = fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "ok");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const std::string& r = reqs[0];
  EXPECT_EQ(r.rfind("PUT /x/y?z=1 HTTP/1.1\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nUser-Agent: voipscope/"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nX-Trace: abc\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nContent-Length: 7\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\r\nConnection: close\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("keep-alive"), std::string::npos) << r;
  EXPECT_EQ(r.substr(r.size() - 7), "payload");
}

TEST(HttpClient, ReadsChunkedBody) {
  CannedServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n");
  auto resp = fetch(get(server.url()));
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->body, "Wikipedia in\r\n\r\nchunks.");
}

TEST(HttpClient, ReadsUntilCloseAndSkipsInterimResponses) {
  CannedServer server("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nServer: old\r\n\r\nno length here");
  auto resp = fetch(get(server.url()));
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(*resp->header("server"), "old");
  EXPECT_EQ(resp->body, "no length here");
}

TEST(HttpClient, HeadResponseHasNoBody) {
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n");
  auto resp = fetch(withMethod(get(server.url()), "HEAD"));
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  EXPECT_TRUE(resp->body.empty());
}

TEST(HttpClient, BodyLimit) {
  CannedServer by_length("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'a'));
  auto r1 = fetch(withLimit(get(by_length.url()), 99));
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.error().message.find("exceeds 99 bytes"), std::string::npos) << r1.error().message;

  CannedServer chunked("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + std::string(64, 'b') +
                       "\r\n40\r\n" + std::string(64, 'b') + "\r\n0\r\n\r\n");
  auto r2 = fetch(withLimit(get(chunked.url()), 100));
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("exceeds 100 bytes"), std::string::npos) << r2.error().message;
  auto r3 = fetch(withLimit(get(chunked.url()), 128));
  ASSERT_TRUE(r3.ok()) << r3.error().message;
  EXPECT_EQ(r3->body.size(), 128u);

  CannedServer until_close("HTTP/1.0 200 OK\r\n\r\n" + std::string(500, 'c'));
  auto r4 = fetch(withLimit(get(until_close.url()), 499));
  ASSERT_FALSE(r4.ok());
}

TEST(HttpClient, MalformedAndTruncatedResponses) {
  CannedServer sip("SIP/2.0 200 OK\r\n\r\n");
  auto r1 = fetch(get(sip.url()));
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().message.rfind("invalid response from 127.0.0.1:", 0), 0u) << r1.error().message;

  CannedServer truncated("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
  auto r2 = fetch(get(truncated.url()));
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("closed before the response was complete"), std::string::npos)
      << r2.error().message;

  CannedServer empty("");
  auto r3 = fetch(get(empty.url()));
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().message.find("closed without a response"), std::string::npos) << r3.error().message;
}

TEST(HttpClient, TimesOutAgainstASilentServer) {
  CannedServer silent("", /*answer=*/false);
  auto start = std::chrono::steady_clock::now();
  auto resp = fetch(withTimeout(get(silent.url()), 300ms));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().message, "no response within 300 ms");
  EXPECT_GE(elapsed, 290ms);
  EXPECT_LT(elapsed, 2000ms);
  EXPECT_EQ(silent.requests().size(), 1u);  // the request was sent; only the answer is missing
}

TEST(HttpClient, ConnectionRefusedNamesTheAddress) {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  auto resp = fetch(get("http://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().message, "connect to 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST(HttpClient, BadUrlsAndNamesWithoutResolver) {
  auto r1 = fetch(get("ftp://127.0.0.1/"));
  ASSERT_FALSE(r1.ok());
  auto r2 = fetch(get("not a url"));
  ASSERT_FALSE(r2.ok());
  auto r3 = fetch(get("http://example.invalid/"));
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().message.find("example.invalid"), std::string::npos) << r3.error().message;
  auto r4 = fetch(withMethod(get("http://127.0.0.1:1/"), "GET /"));
  ASSERT_FALSE(r4.ok());
  EXPECT_NE(r4.error().message.find("method"), std::string::npos) << r4.error().message;
}

TEST(HttpClient, LocalhostWithoutResolver) {
  CannedServer server("HTTP/1.1 204 No Content\r\n\r\n");
  auto resp = fetch(get("http://localhost:" + std::to_string(server.port()) + "/"));
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 204);
  EXPECT_EQ(resp->remote_address, "127.0.0.1:" + std::to_string(server.port()));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find("\r\nHost: localhost:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
}

TEST(HttpClient, BlockingVariantWithIpLiteral) {
  CannedServer server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  auto resp = httpRequestBlocking(get(server.url("/b")));
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->body, "hello");
  EXPECT_GT(resp->total_ms, 0.0);
}

}  // namespace
}  // namespace vs::io
