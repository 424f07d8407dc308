#include "io/http_client.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <ctime>
#include <memory>

#include "core/time.h"
#include "io/detail_http_common.h"
#include "io/detail_tls.h"
#include "proto/endpoint.h"
#include "proto/http/parser.h"
#include "proto/http/serializer.h"

namespace vs::io {

namespace http = vs::proto::http;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

const std::string* HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (http::equalsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

namespace {

constexpr std::string_view kUserAgent = "voipscope/0.1";
// Response heads from real servers carry cookies and policies: more room than the server grants.
constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

struct Url {
  bool tls = false;
  std::string host;
  bool host_is_ipv6 = false;
  std::uint16_t port = 0;
  std::string target;
  std::string host_header;
};

Result<Url> parseUrl(const std::string& text) {
  auto ep = proto::parseEndpoint(text);
  if (!ep) return ep.error();
  if (ep->scheme != "http" && ep->scheme != "https") {
    return makeError("'" + text + "': not an http:// or https:// URL");
  }
  Url url;
  url.tls = ep->scheme == "https";
  url.host = ep->host;
  url.host_is_ipv6 = ep->host_is_ipv6;
  std::uint16_t default_port = url.tls ? 443 : 80;
  url.port = ep->port.value_or(default_port);
  url.target = ep->path;
  if (auto hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
  if (url.target.empty()) url.target = "/";
  url.host_header = url.host_is_ipv6 ? "[" + url.host + "]" : url.host;
  if (url.port != default_port) url.host_header += ":" + std::to_string(url.port);
  return url;
}

std::optional<asio::ip::address> ipLiteral(const std::string& host) {
  std::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return addr;
}

bool isLocalhost(const std::string& host) { return http::equalsIgnoreCase(host, "localhost"); }

// The connection's sockets live here, outside the coroutine that uses them, so the deadline branch can
// close them: a closed socket ends any pending operation whatever its cancellation support.
struct Connection {
  explicit Connection(const asio::any_io_executor& ex) : socket(ex) {}
  std::optional<asio::ssl::context> ssl_ctx;
  tcp::socket socket;
  std::optional<asio::ssl::stream<tcp::socket&>> tls;
  std::string stage = "resolve";  // for the timeout message
  std::string peer;
};

Result<Ok> setupTls(Connection& conn, const HttpRequest& request, const Url& url) {
  std::error_code ec;
  conn.ssl_ctx.emplace(asio::ssl::context::tls_client);
  auto& ctx = *conn.ssl_ctx;
  ctx.set_default_verify_paths(ec);
  if (!request.ca_file.empty()) {
    ctx.load_verify_file(request.ca_file, ec);
    if (ec) return makeError("TLS: cannot load CA file " + request.ca_file + ": " + detail::describe(ec));
  }
  // Verification runs during the handshake either way; with verify_none its verdict is recorded rather
  // than aborting, so the caller still sees the certificate of a server that fails it.
  ctx.set_verify_mode(asio::ssl::verify_none);
  conn.tls.emplace(conn.socket, ctx);
  SSL* ssl = conn.tls->native_handle();
  detail::setPeerName(ssl, url.host);
  return Ok{};
}

bool isEof(const std::error_code& ec) {
  return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
}

template <class Stream>
asio::awaitable<Result<HttpResponse>> exchange(Stream& stream, const std::string& bytes, const HttpRequest& request,
                                               Connection& conn, HttpResponse out) {
  conn.stage = "response";
  std::error_code write_ec;
  co_await asio::async_write(stream, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, write_ec));
  // A server may answer (413, 401) and close before reading all we send: still read what it said.

  http::ParseLimits limits;
  limits.max_header_bytes = kMaxResponseHeaderBytes;
  limits.max_body_bytes = request.max_body_bytes;
  http::ResponseContext context;
  context.request_was_head = request.method == "HEAD";

  std::string buf;
  std::size_t start = 0;  // after interim (1xx) responses
  std::vector<char> chunk(kReadChunk);
  while (true) {
    auto outcome = http::parseResponse(std::string_view(buf).substr(start), limits, context);
    if (outcome.done()) {
      const auto& m = outcome.message;
      if (m.status >= 100 && m.status < 200 && m.status != 101) {
        start += outcome.consumed;
        continue;
      }
      out.status = m.status;
      out.reason = std::string(m.reason);
      for (const auto& f : m.headers.fields) out.headers.emplace_back(std::string(f.name), std::string(f.value));
      out.body = std::string(m.body());
      co_return out;
    }
    if (outcome.failed()) {
      if (outcome.error_kind == http::ErrorKind::kBodyTooLarge) {
        co_return makeError("response from " + conn.peer + ": body exceeds " + std::to_string(request.max_body_bytes) +
                            " bytes");
      }
      co_return makeError("invalid response from " + conn.peer + ": " + outcome.error.message + " (offset " +
                          std::to_string(start + outcome.error.offset) + ")");
    }
    if (context.at_eof) {
      if (write_ec && buf.empty()) {
        co_return makeError("send request to " + conn.peer + ": " + detail::describe(write_ec));
      }
      co_return makeError(buf.empty() ? "connection to " + conn.peer + " closed without a response"
                                      : "connection to " + conn.peer + " closed before the response was complete");
    }
    std::error_code ec;
    std::size_t n = co_await stream.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    buf.append(chunk.data(), n);
    if (isEof(ec) || (ec && write_ec)) {
      context.at_eof = true;
    } else if (ec) {
      co_return makeError("receive from " + conn.peer + ": " + detail::describe(ec));
    }
  }
}

asio::awaitable<Result<HttpResponse>> run(Resolver* resolver, const HttpRequest& request, Connection& conn) {
  const auto started = SteadyClock::now();
  auto url = parseUrl(request.url);
  if (!url) co_return url.error();

  std::vector<asio::ip::address> addresses;
  if (auto ip = ipLiteral(url->host)) {
    addresses.push_back(*ip);
  } else if (isLocalhost(url->host)) {
    addresses.push_back(asio::ip::make_address("127.0.0.1"));
    addresses.push_back(asio::ip::make_address("::1"));
  } else {
    if (!resolver) co_return makeError("resolve " + url->host + ": no resolver available for host names");
    conn.stage = "resolve " + url->host;
    auto answer = co_await resolver->resolve(url->host, AddressFamily::kAny);
    if (!answer) co_return answer.error();
    if (answer->addresses.empty()) co_return makeError("resolve " + url->host + ": no addresses");
    addresses = answer->addresses;
  }

  std::string request_bytes;
  {
    http::HeaderList headers;
    bool has_host = false;
    bool has_agent = false;
    for (const auto& [n, v] : request.headers) {
      if (http::equalsIgnoreCase(n, "connection")) continue;
      has_host = has_host || http::equalsIgnoreCase(n, "host");
      has_agent = has_agent || http::equalsIgnoreCase(n, "user-agent");
      headers.emplace_back(n, v);
    }
    if (!has_host) headers.insert(headers.begin(), {"Host", url->host_header});
    if (!has_agent) headers.emplace_back("User-Agent", std::string(kUserAgent));
    headers.emplace_back("Connection", "close");
    auto built = http::buildRequest(request.method, url->target, headers, request.body);
    if (!built) co_return built.error();
    request_bytes = std::move(built).value();
  }

  std::string errors;
  const auto connect_start = SteadyClock::now();
  bool connected = false;
  for (const auto& addr : addresses) {
    tcp::endpoint ep(addr, url->port);
    conn.peer = detail::formatEndpoint(ep);
    conn.stage = "connect to " + conn.peer;
    std::error_code ec;
    if (conn.socket.is_open()) conn.socket.close(ec);
    co_await conn.socket.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      connected = true;
      break;
    }
    if (!errors.empty()) errors += "; ";
    errors += "connect to " + conn.peer + ": " + detail::describe(ec);
  }
  if (!connected) co_return makeError(errors);

  HttpResponse out;
  out.remote_address = conn.peer;
  out.connect_ms = elapsedMs(connect_start);
  std::error_code nodelay_ec;
  conn.socket.set_option(tcp::no_delay(true), nodelay_ec);

  Result<HttpResponse> result = makeError("");
  if (url->tls) {
    auto setup = setupTls(conn, request, *url);
    if (!setup) co_return setup.error();
    conn.stage = "TLS handshake with " + conn.peer;
    std::error_code ec;
    co_await conn.tls->async_handshake(asio::ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return makeError("TLS handshake failed: " + detail::describe(ec));
    TlsInfo info = detail::collectTlsInfo(conn.tls->native_handle());
    if (request.verify_tls && !info.verified) {
      co_return makeError("TLS certificate of " + url->host + " not trusted: " + info.verify_error + " (subject " +
                          info.subject + ")");
    }
    out.tls = std::move(info);
    result = co_await exchange(*conn.tls, request_bytes, request, conn, std::move(out));
  } else {
    result = co_await exchange(conn.socket, request_bytes, request, conn, std::move(out));
  }
  if (result) result->total_ms = elapsedMs(started);
  co_return result;
}

asio::awaitable<void> watchdog(asio::steady_timer& timer, Connection& conn) {
  co_await timer.async_wait(asio::use_awaitable);
  std::error_code ec;
  conn.socket.close(ec);
}

// Both branches of the race touch `conn`: run them on one strand whatever executor the caller has.
asio::awaitable<std::optional<Result<HttpResponse>>> onStrand(asio::any_io_executor ex, Resolver* resolver,
                                                              HttpRequest request) {
  Connection conn(ex);
  asio::steady_timer timer(ex, request.timeout);
  try {
    auto raced = co_await (run(resolver, request, conn) || watchdog(timer, conn));
    if (raced.index() == 0) co_return std::move(std::get<0>(raced));
  } catch (const std::exception& e) {
    co_return Result<HttpResponse>(makeError(std::string("HTTP request failed: ") + e.what()));
  }
  std::string ms = std::to_string(request.timeout.count());
  if (conn.stage == "response") co_return Result<HttpResponse>(makeError("no response within " + ms + " ms"));
  co_return Result<HttpResponse>(makeError(conn.stage + ": no answer within " + ms + " ms"));
}

}  // namespace

asio::awaitable<Result<HttpResponse>> httpRequest(asio::any_io_executor executor, Resolver* resolver,
                                                  HttpRequest request) {
  asio::any_io_executor strand = asio::make_strand(executor);
  auto r = co_await asio::co_spawn(strand, onStrand(strand, resolver, std::move(request)), asio::use_awaitable);
  if (!r) co_return makeError("HTTP request failed");
  co_return std::move(*r);
}

Result<HttpResponse> httpRequestBlocking(HttpRequest request, const ResolverOptions& resolver_options) {
  asio::io_context io;
  std::unique_ptr<Resolver> resolver;
  auto url = parseUrl(request.url);
  if (!url) return url.error();
  if (!ipLiteral(url->host) && !isLocalhost(url->host)) {
    auto created = Resolver::create(io.get_executor(), resolver_options);
    if (!created) return created.error();
    resolver = std::move(created).value();
  }
  std::optional<Result<HttpResponse>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<std::optional<Result<HttpResponse>>> {
        co_return co_await httpRequest(io.get_executor(), resolver.get(), std::move(request));
      },
      [&](std::exception_ptr e, std::optional<Result<HttpResponse>> r) {
        if (e || !r) {
          result = Result<HttpResponse>(makeError("HTTP request failed"));
        } else {
          result = std::move(r);
        }
      });
  io.run();
  if (!result) return makeError("HTTP request did not complete");
  return std::move(*result);
}

}  // namespace vs::io
