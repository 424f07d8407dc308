#pragma once
// HTTP/1.1 client on the event loop (plain TCP or TLS via OpenSSL), with one overall deadline per request.
// Used by the `http` check and by the uploader. The request/response codec is proto/http.
#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "io/dns.h"
#include "io/tls_stream.h"

namespace vs::io {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port]/path or https://...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  // whole exchange: resolve + connect + TLS + request + response
  bool verify_tls = true;  // when true and verification fails, the request is NOT sent (error returned)
  std::string ca_file;     // extra trust anchor (PEM), e.g. a test's self-signed certificate
  std::size_t max_body_bytes = 8u << 20;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:8080"
  double connect_ms = 0;       // TCP connect
  double total_ms = 0;         // resolve to last body byte
  std::optional<TlsInfo> tls;

  // Case-insensitive; nullptr when absent.
  const std::string* header(std::string_view name) const;
};

// resolver may be null: then the host must be an IP literal or "localhost".
asio::awaitable<Result<HttpResponse>> httpRequest(asio::any_io_executor executor, Resolver* resolver,
                                                  HttpRequest request);

// Blocking convenience for command-line paths that have no event loop of their own (upload, flush).
Result<HttpResponse> httpRequestBlocking(HttpRequest request, const ResolverOptions& resolver_options = {});

}  // namespace vs::io
