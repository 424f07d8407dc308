#include "io/http_server.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <charconv>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "io/detail_http_common.h"
#include "proto/http/parser.h"
#include "proto/http/serializer.h"
#include "proto/http/target.h"

namespace vs::io {

namespace http = vs::proto::http;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

const std::string* HttpServerRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (http::equalsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

std::string HttpServerRequest::queryParam(std::string_view name) const {
  for (auto& [n, v] : http::parseQuery(query)) {
    if (n == name) return v;
  }
  return "";
}

namespace {

// After the response, the peer may still be sending (a body we refused): read and discard a bounded
// amount for a short while, so closing does not reset the connection before the response is read.
constexpr std::size_t kMaxDrainBytes = 256 * 1024;
constexpr std::chrono::milliseconds kDrainTime{500};
constexpr std::size_t kReadChunk = 16 * 1024;

Result<tcp::endpoint> parseListen(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return makeError("listen address '" + std::string(text) + "': expected [IPv6]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return makeError("listen address '" + std::string(text) + "': expected ADDR:PORT");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535) {
    return makeError("listen address '" + std::string(text) + "': port must be a number from 0 to 65535");
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty() || host == "*") host = "0.0.0.0";
  std::error_code aec;
  auto addr = asio::ip::make_address(std::string(host), aec);
  if (aec) return makeError("listen address '" + std::string(text) + "': '" + std::string(host) + "' is not an IP address");
  return tcp::endpoint(addr, static_cast<std::uint16_t>(p));
}

HttpServerResponse errorResponse(int status, std::string_view message) {
  HttpServerResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"error\":\"" + detail::jsonEscape(message) + "\"}";
  return r;
}

int statusFor(http::ErrorKind kind) {
  switch (kind) {
    case http::ErrorKind::kHeaderTooLarge: return 431;
    case http::ErrorKind::kBodyTooLarge: return 413;
    case http::ErrorKind::kUnsupported: return 501;
    case http::ErrorKind::kMalformed: break;
  }
  return 400;
}

std::string serialize(const HttpServerResponse& r, bool head_only) {
  http::HeaderList headers;
  headers.reserve(r.headers.size() + 3);
  bool has_type = false;
  for (const auto& [n, v] : r.headers) {
    // We always close and always send nosniff, whatever the handler says.
    if (http::equalsIgnoreCase(n, "connection") || http::equalsIgnoreCase(n, "x-content-type-options")) continue;
    if (http::equalsIgnoreCase(n, "content-type")) has_type = true;
    headers.emplace_back(n, v);
  }
  if (!has_type && !r.content_type.empty()) headers.emplace_back("Content-Type", r.content_type);
  headers.emplace_back("X-Content-Type-Options", "nosniff");
  headers.emplace_back("Connection", "close");
  auto built = http::buildResponse(r.status, "", headers, r.body);
  if (!built) {
    // The handler produced something unsendable (a CR in a header value, a bad status).
    return serialize(errorResponse(500, "internal server error: " + built.error().message), head_only);
  }
  std::string out = std::move(built).value();
  if (head_only) out.resize(out.size() - r.body.size());
  return out;
}

struct ReadVerdict {
  int status = 0;  // 0: request complete; -1: peer went away, nothing to answer; else an error status
  std::string message;
  HttpServerRequest request;
};

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        pool_(static_cast<std::size_t>(std::max(1, options_.threads))),
        io_(std::make_unique<asio::io_context>(1)),
        acceptor_(std::in_place, *io_) {
    limits_.max_header_bytes = options_.max_header_bytes;
    limits_.max_start_line_bytes = std::min(http::kMaxStartLineBytes, options_.max_header_bytes);
    limits_.max_body_bytes = options_.max_body_bytes;
  }

  ~HttpServerImpl() override { stop(); }

  VoidResult listen(const tcp::endpoint& ep) {
    std::error_code ec;
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return makeError("listen on " + detail::formatEndpoint(ep) + ": " + detail::describe(ec));
    local_ = acceptor_->local_endpoint(ec);
    asio::co_spawn(*io_, acceptLoop(), asio::detached);
    io_thread_ = std::thread([this] { io_->run(); });
    return Ok{};
  }

  std::uint16_t port() const override { return local_.port(); }
  std::string address() const override { return detail::formatEndpoint(local_); }

  void stop() override {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    io_->stop();
    if (io_thread_.joinable()) io_thread_.join();
    // Handlers still running finish first: their connections' coroutines (owned by io_) hold the
    // requests they read. Then the loop goes, taking the suspended coroutines with it while every
    // member they refer to is still alive.
    pool_.join();
    acceptor_.reset();
    io_.reset();
  }

 private:
  asio::awaitable<void> acceptLoop() {
    while (true) {
      std::error_code ec;
      tcp::socket sock = co_await acceptor_->async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: back off instead of spinning.
        asio::steady_timer pause(*io_, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (active_ >= options_.max_connections) {
        refuse(sock);
        continue;
      }
      ++active_;
      asio::co_spawn(*io_, serve(std::move(sock)), asio::detached);
    }
  }

  // Over the connection limit: a best-effort 503 that never waits, then close.
  static void refuse(tcp::socket& sock) {
    std::error_code ec;
    sock.non_blocking(true, ec);
    std::string reply = serialize(errorResponse(503, "too many connections"), false);
    sock.write_some(asio::buffer(reply), ec);
    sock.close(ec);
  }

  asio::awaitable<ReadVerdict> readRequest(tcp::socket& sock) {
    std::string buf;
    std::vector<char> chunk(kReadChunk);
    bool continued = false;
    while (true) {
      auto outcome = http::parseRequest(buf, limits_);
      if (outcome.failed()) {
        co_return ReadVerdict{statusFor(outcome.error_kind), outcome.error.message, {}};
      }
      if (outcome.done()) co_return ReadVerdict{0, {}, toRequest(outcome.message)};
      std::error_code ec;
      const auto& msg = outcome.message;
      if (msg.header_bytes > 0) {
        if (!continued) {
          // curl and others wait up to a second for this before sending a body.
          continued = true;
          auto expect = msg.headers.get("expect");
          if (expect && http::equalsIgnoreCase(*expect, "100-continue")) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            co_await asio::async_write(sock, asio::buffer(kContinue), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return ReadVerdict{-1, {}, {}};
          }
        }
        // Head parsed, body pending: read exactly the rest in one operation.
        std::size_t have = buf.size();
        buf.resize(msg.header_bytes + msg.content_length);
        co_await asio::async_read(sock, asio::buffer(buf.data() + have, buf.size() - have),
                                  asio::redirect_error(asio::use_awaitable, ec));
      } else {
        std::size_t n = co_await sock.async_read_some(asio::buffer(chunk),
                                                      asio::redirect_error(asio::use_awaitable, ec));
        buf.append(chunk.data(), n);
      }
      if (ec) co_return ReadVerdict{-1, {}, {}};
    }
  }

  static HttpServerRequest toRequest(const http::Request& m) {
    HttpServerRequest r;
    r.method = std::string(m.method);
    r.target = std::string(m.target);
    auto parts = http::splitTarget(m.target);
    auto decoded = http::percentDecode(parts.path);
    r.path = decoded ? std::move(decoded).value() : std::string(parts.path);
    r.query = std::string(parts.query);
    r.headers.reserve(m.headers.fields.size());
    for (const auto& f : m.headers.fields) r.headers.emplace_back(std::string(f.name), std::string(f.value));
    r.body = std::string(m.body);
    return r;
  }

  HttpServerResponse invoke(const HttpServerRequest& req) {
    try {
      return handler_(req);
    } catch (...) {
      // Details stay on the server: a client gets no stack of internal messages.
      return errorResponse(500, "internal server error");
    }
  }

  asio::awaitable<void> serve(tcp::socket sock) {
    struct Release {
      std::atomic<std::size_t>& n;
      ~Release() { --n; }
    } release{active_};
    try {
      std::error_code ec;
      std::string remote = detail::formatEndpoint(sock.remote_endpoint(ec));
      asio::steady_timer deadline(*io_, options_.read_timeout);
      auto raced = co_await (readRequest(sock) || deadline.async_wait(asio::use_awaitable));

      HttpServerResponse response;
      bool head_only = false;
      if (raced.index() == 1) {
        response = errorResponse(408, "request not received within " +
                                          std::to_string(options_.read_timeout.count()) + " ms");
      } else {
        ReadVerdict verdict = std::move(std::get<0>(raced));
        if (verdict.status < 0) co_return;
        if (verdict.status > 0) {
          response = errorResponse(verdict.status, verdict.message);
        } else {
          verdict.request.remote = remote;
          head_only = verdict.request.method == "HEAD";
          const HttpServerRequest& req = verdict.request;
          // The handler may block (a database commit): it runs on the pool, not on the I/O thread.
          response = co_await asio::co_spawn(
              pool_, [this, &req]() -> asio::awaitable<HttpServerResponse> { co_return invoke(req); },
              asio::use_awaitable);
        }
      }

      std::string bytes = serialize(response, head_only);
      deadline.expires_after(options_.read_timeout);
      co_await (asio::async_write(sock, asio::buffer(bytes), asio::use_awaitable) ||
                deadline.async_wait(asio::use_awaitable));
      sock.shutdown(tcp::socket::shutdown_send, ec);
      deadline.expires_after(kDrainTime);
      co_await (drain(sock) || deadline.async_wait(asio::use_awaitable));
    } catch (const std::exception&) {
      // A reset connection or a failed write: nothing left to tell this peer.
    }
    std::error_code ec;
    sock.close(ec);
  }

  static asio::awaitable<void> drain(tcp::socket& sock) {
    std::vector<char> sink(kReadChunk);
    std::size_t total = 0;
    while (total < kMaxDrainBytes) {
      std::error_code ec;
      total += co_await sock.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  HttpServerOptions options_;
  HttpHandler handler_;
  http::ParseLimits limits_;
  std::atomic<std::size_t> active_{0};
  asio::thread_pool pool_;
  std::unique_ptr<asio::io_context> io_;
  std::optional<tcp::acceptor> acceptor_;
  tcp::endpoint local_;
  std::thread io_thread_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options, HttpHandler handler) {
  if (!handler) return makeError("HTTP server: no handler");
  auto ep = parseListen(options.listen);
  if (!ep) return ep.error();
  auto server = std::make_unique<HttpServerImpl>(std::move(options), std::move(handler));
  auto listening = server->listen(*ep);
  if (!listening) return listening.error();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace vs::io
