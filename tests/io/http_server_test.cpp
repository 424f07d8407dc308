#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "io/http_client.h"
#include "io/http_server.h"

namespace vs::io {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

// Sends raw bytes and collects everything the server sends until it closes, or until `limit`.
std::string rawExchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds limit = 3000ms) {
  asio::io_context io;
  tcp::socket sock(io);
  std::error_code ec;
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "connect failed: " + ec.message();
  asio::write(sock, asio::buffer(bytes), ec);
  std::string out;
  std::array<char, 4096> chunk{};
  std::function<void()> readMore = [&] {
    sock.async_read_some(asio::buffer(chunk), [&](std::error_code rec, std::size_t n) {
      out.append(chunk.data(), n);
      if (!rec) readMore();
    });
  };
  readMore();
  io.run_for(limit);
  return out;
}

Result<HttpResponse> fetch(HttpRequest request) {
  asio::io_context io;
  std::optional<Result<HttpResponse>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { result = co_await httpRequest(io.get_executor(), nullptr, request); },
      [](std::exception_ptr) {});
  io.run_for(request.timeout + 5s);  // the request's own deadline must end it long before this
  if (!result) return makeError("test: request did not finish");
  return std::move(*result);
}

std::unique_ptr<HttpServer> startServer(HttpHandler handler, HttpServerOptions options = {}) {
  options.listen = "127.0.0.1:0";
  auto server = HttpServer::start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
  if (!server.ok()) return nullptr;
  return std::move(server).value();
}

std::string url(const HttpServer& s, std::string_view path) { return "http://" + s.address() + std::string(path); }

TEST(HttpServer, GetRoundTripWithDecodedPathQueryAndHeaders) {
  std::atomic<int> calls{0};
  HttpServerRequest seen;
  auto server = startServer([&](const HttpServerRequest& req) {
    ++calls;
    seen = req;
    HttpServerResponse r;
    r.status = 201;
    r.content_type = "text/plain";
    r.headers = {{"X-Echo", req.header("x-custom") ? *req.header("x-custom") : "none"}};
    r.body = "hello " + req.queryParam("name");
    return r;
  });
  ASSERT_TRUE(server);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->address(), "127.0.0.1:" + std::to_string(server->port()));

  HttpRequest req;
  req.url = url(*server, "/api/a%20b?name=two+words&x=%41");
  req.headers = {{"X-Custom", "v1"}};
  auto resp = fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->reason, "Created");
  EXPECT_EQ(resp->body, "hello two words");
  ASSERT_NE(resp->header("x-echo"), nullptr);
  EXPECT_EQ(*resp->header("X-ECHO"), "v1");
  ASSERT_NE(resp->header("content-type"), nullptr);
  EXPECT_EQ(*resp->header("content-type"), "text/plain");
  ASSERT_NE(resp->header("x-content-type-options"), nullptr);
  EXPECT_EQ(*resp->header("x-content-type-options"), "nosniff");
  ASSERT_NE(resp->header("connection"), nullptr);
  EXPECT_EQ(*resp->header("connection"), "close");
  EXPECT_EQ(*resp->header("content-length"), "15");
  EXPECT_EQ(resp->header("missing"), nullptr);
  EXPECT_EQ(resp->remote_address, server->address());
  EXPECT_GE(resp->total_ms, resp->connect_ms);
  EXPECT_FALSE(resp->tls.has_value());

  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/api/a%20b?name=two+words&x=%41");
  EXPECT_EQ(seen.path, "/api/a b");
  EXPECT_EQ(seen.query, "name=two+words&x=%41");
  EXPECT_EQ(seen.queryParam("x"), "A");
  EXPECT_EQ(seen.queryParam("absent"), "");
  ASSERT_NE(seen.header("HOST"), nullptr);
  EXPECT_EQ(*seen.header("host"), server->address());
  ASSERT_NE(seen.header("user-agent"), nullptr);
  EXPECT_EQ(seen.header("user-agent")->rfind("voipscope/", 0), 0u);
  EXPECT_EQ(seen.remote.rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(seen.remote, server->address());
}

TEST(HttpServer, PostBodyRoundTrip) {
  auto server = startServer([](const HttpServerRequest& req) {
    HttpServerResponse r;
    r.body = "{\"len\":" + std::to_string(req.body.size()) + ",\"method\":\"" + req.method + "\"}";
    return r;
  });
  ASSERT_TRUE(server);
  HttpRequest req;
  req.method = "POST";
  req.url = url(*server, "/up");
  req.body = std::string(100000, 'x');  // more than one read
  req.headers = {{"Content-Type", "application/octet-stream"}};
  auto resp = fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "{\"len\":100000,\"method\":\"POST\"}");
  EXPECT_EQ(*resp->header("content-type"), "application/json");
}

TEST(HttpServer, HeadGetsHeadersOnly) {
  auto server = startServer([](const HttpServerRequest&) {
    HttpServerResponse r;
    r.body = "0123456789";
    return r;
  });
  ASSERT_TRUE(server);
  std::string raw = rawExchange(server->port(), "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Length: 10\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(raw.size() - 4), "\r\n\r\n") << raw;  // no body bytes
}

TEST(HttpServer, OversizedContentLengthIs413WithoutCallingTheHandler) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.max_body_bytes = 100;
  auto server = startServer(
      [&](const HttpServerRequest&) {
        ++calls;
        return HttpServerResponse{};
      },
      options);
  ASSERT_TRUE(server);
  // Only the head is sent: the verdict must come from Content-Length, not from reading a body.
  std::string raw = rawExchange(server->port(), "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 413 ", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Type: application/json\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("X-Content-Type-Options: nosniff\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\n\r\n{\"error\":\""), std::string::npos) << raw;
  EXPECT_EQ(calls.load(), 0);

  // The client sees the 413 too, even though the server did not read the body.
  HttpRequest req;
  req.method = "POST";
  req.url = url(*server, "/up");
  req.body = std::string(5000, 'b');
  auto resp = fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 413);
  EXPECT_EQ(calls.load(), 0);

  // At the limit it is accepted.
  req.body = std::string(100, 'b');
  auto ok = fetch(req);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, HugeHeadersAre431) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  auto server = startServer(
      [&](const HttpServerRequest&) {
        ++calls;
        return HttpServerResponse{};
      },
      options);
  ASSERT_TRUE(server);
  std::string raw =
      rawExchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 431 ", 0), 0u) << raw.substr(0, 200);
  EXPECT_NE(raw.find("{\"error\":"), std::string::npos);
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, GarbageIs400) {
  auto server = startServer([](const HttpServerRequest&) { return HttpServerResponse{}; });
  ASSERT_TRUE(server);
  for (const std::string& garbage : {std::string("HELLO\x01 there\r\n\r\n"), std::string("GET / HTTP/1.1\r\nNo colon\r\n\r\n"),
                                    std::string("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")}) {
    std::string raw = rawExchange(server->port(), garbage);
    EXPECT_EQ(raw.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << raw;
    EXPECT_NE(raw.find("Content-Type: application/json\r\n"), std::string::npos) << raw;
    EXPECT_NE(raw.find("{\"error\":\""), std::string::npos) << raw;
  }
}

TEST(HttpServer, SlowPartialRequestIs408) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.read_timeout = 200ms;
  auto server = startServer(
      [&](const HttpServerRequest&) {
        ++calls;
        return HttpServerResponse{};
      },
      options);
  ASSERT_TRUE(server);
  auto start = std::chrono::steady_clock::now();
  std::string raw = rawExchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n", 3000ms);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(raw.rfind("HTTP/1.1 408 ", 0), 0u) << raw;
  EXPECT_NE(raw.find("{\"error\":\""), std::string::npos) << raw;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 2500ms);
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, HandlerExceptionIs500Json) {
  auto server = startServer([](const HttpServerRequest&) -> HttpServerResponse {
    throw std::runtime_error("database on fire");
  });
  ASSERT_TRUE(server);
  HttpRequest req;
  req.url = url(*server, "/boom");
  auto resp = fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 500);
  EXPECT_EQ(*resp->header("content-type"), "application/json");
  EXPECT_EQ(resp->body.rfind("{\"error\":\"", 0), 0u) << resp->body;
  EXPECT_EQ(resp->body.find("database on fire"), std::string::npos) << "internal details leaked";
  // The server keeps serving after a throwing handler.
  auto again = fetch(req);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 500);
}

TEST(HttpServer, UnsendableHandlerHeaderIs500) {
  auto server = startServer([](const HttpServerRequest&) {
    HttpServerResponse r;
    r.headers = {{"X-Bad", "a\r\nSet-Cookie: injected"}};
    return r;
  });
  ASSERT_TRUE(server);
  std::string raw = rawExchange(server->port(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 500 ", 0), 0u) << raw;
  EXPECT_EQ(raw.find("Set-Cookie"), std::string::npos) << raw;
}

TEST(HttpServer, BlockingHandlersRunInParallel) {
  HttpServerOptions options;
  options.threads = 4;
  auto server = startServer(
      [](const HttpServerRequest&) {
        std::this_thread::sleep_for(300ms);
        return HttpServerResponse{200, "text/plain", {}, "slept"};
      },
      options);
  ASSERT_TRUE(server);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<Result<HttpResponse>>> futures;
  for (int i = 0; i < 4; ++i) {
    futures.push_back(std::async(std::launch::async, [&] {
      HttpRequest req;
      req.url = url(*server, "/slow");
      return fetch(req);
    }));
  }
  for (auto& f : futures) {
    auto r = f.get();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->body, "slept");
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 1000ms) << "4 x 300 ms handlers did not overlap";
}

TEST(HttpServer, SlowHandlersDoNotStallErrorsOnOtherConnections) {
  HttpServerOptions options;
  options.threads = 1;
  std::promise<void> release;
  auto released = release.get_future().share();
  auto server = startServer(
      [released](const HttpServerRequest&) {
        released.wait_for(3s);
        return HttpServerResponse{};
      },
      options);
  ASSERT_TRUE(server);
  auto blocked = std::async(std::launch::async, [&] {
    HttpRequest req;
    req.url = url(*server, "/block");
    return fetch(req);
  });
  std::this_thread::sleep_for(100ms);
  // The only handler thread is busy; a malformed request is still answered at once.
  auto start = std::chrono::steady_clock::now();
  std::string raw = rawExchange(server->port(), "BAD\x01\r\n\r\n", 2000ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
  EXPECT_EQ(raw.rfind("HTTP/1.1 400 ", 0), 0u) << raw;
  release.set_value();
  auto r = blocked.get();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, RefusesConnectionsOverTheLimit) {
  HttpServerOptions options;
  options.max_connections = 1;
  options.read_timeout = 2000ms;
  auto server = startServer([](const HttpServerRequest&) { return HttpServerResponse{}; }, options);
  ASSERT_TRUE(server);
  asio::io_context io;
  tcp::socket holder(io);
  holder.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  asio::write(holder, asio::buffer(std::string("GET / HTTP/1.1\r\n")));
  std::this_thread::sleep_for(100ms);
  std::string raw = rawExchange(server->port(), "GET / HTTP/1.1\r\n\r\n", 1500ms);
  EXPECT_EQ(raw.rfind("HTTP/1.1 503 ", 0), 0u) << raw;
  holder.close();
  // Once the first connection is gone, new ones are served again (bounded retries while it is reaped).
  std::string ok;
  for (int i = 0; i < 20 && ok.rfind("HTTP/1.1 200", 0) != 0; ++i) {
    std::this_thread::sleep_for(50ms);
    ok = rawExchange(server->port(), "GET / HTTP/1.1\r\n\r\n", 1500ms);
  }
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 ", 0), 0u) << ok;
}

TEST(HttpServer, StopIsIdempotentAndClosesTheListener) {
  auto server = startServer([](const HttpServerRequest&) { return HttpServerResponse{}; });
  ASSERT_TRUE(server);
  std::uint16_t port = server->port();
  server->stop();
  server->stop();
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  req.timeout = 1000ms;
  auto resp = fetch(req);
  EXPECT_FALSE(resp.ok());
  server.reset();  // destructor after stop: no double join
}

TEST(HttpServer, AnswersExpectContinueBeforeTheBody) {
  auto server = startServer([](const HttpServerRequest& req) { return HttpServerResponse{200, "text/plain", {}, req.body}; });
  ASSERT_TRUE(server);
  asio::io_context io;
  tcp::socket sock(io);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  asio::write(sock, asio::buffer(std::string("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")));
  std::string got;
  std::array<char, 1024> chunk{};
  std::function<void()> readUntilBlankLine = [&] {
    sock.async_read_some(asio::buffer(chunk), [&](std::error_code ec, std::size_t n) {
      got.append(chunk.data(), n);
      if (!ec && got.find("\r\n\r\n") == std::string::npos) readUntilBlankLine();
    });
  };
  readUntilBlankLine();
  io.run_for(2000ms);
  ASSERT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
  asio::write(sock, asio::buffer(std::string("hello")));
  got.clear();
  std::function<void()> readAll = [&] {
    sock.async_read_some(asio::buffer(chunk), [&](std::error_code ec, std::size_t n) {
      got.append(chunk.data(), n);
      if (!ec) readAll();
    });
  };
  io.restart();
  readAll();
  io.run_for(2000ms);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_EQ(got.substr(got.size() - 5), "hello");
}

TEST(HttpServer, StopWaitsForARunningHandler) {
  std::atomic<bool> handler_done{false};
  std::atomic<bool> entered{false};
  auto server = startServer([&](const HttpServerRequest&) {
    entered = true;
    std::this_thread::sleep_for(200ms);
    handler_done = true;
    return HttpServerResponse{};
  });
  ASSERT_TRUE(server);
  auto pending = std::async(std::launch::async, [&] {
    HttpRequest req;
    req.url = url(*server, "/");
    req.timeout = 2000ms;
    return fetch(req);
  });
  for (int i = 0; i < 100 && !entered; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(entered.load());
  server->stop();
  EXPECT_TRUE(handler_done.load()) << "stop() returned while a handler was still running";
  (void)pending.get();  // either answered or cut off; it must simply finish
  server.reset();
}

TEST(HttpServer, ListenAddresses) {
  auto bad = HttpServer::start({.listen = "nonsense"}, [](const HttpServerRequest&) { return HttpServerResponse{}; });
  EXPECT_FALSE(bad.ok());
  auto bad_port = HttpServer::start({.listen = "127.0.0.1:99999"},
                                    [](const HttpServerRequest&) { return HttpServerResponse{}; });
  EXPECT_FALSE(bad_port.ok());
  auto v6 = HttpServer::start({.listen = "[::1]:0"}, [](const HttpServerRequest&) {
    return HttpServerResponse{200, "text/plain", {}, "six"};
  });
  if (!v6.ok()) GTEST_SKIP() << "no IPv6 loopback: " << v6.error().message;
  EXPECT_EQ((*v6)->address(), "[::1]:" + std::to_string((*v6)->port()));
  HttpRequest req;
  req.url = "http://" + (*v6)->address() + "/";
  auto resp = fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->body, "six");
}

}  // namespace
}  // namespace vs::io
