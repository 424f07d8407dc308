#pragma once
// A small HTTP/1.1 server on Asio: a pool of threads runs the handler, which may block (e.g. on a
// database commit). Limits are enforced before the handler sees anything; violations are answered with
// a JSON error body ({"error": "..."}) and the connection is closed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace vs::io {

struct HttpServerRequest {
  std::string method;
  std::string target;  // as sent: "/api/v1/scans?limit=5"
  std::string path;    // "/api/v1/scans" (percent-decoded)
  std::string query;   // "limit=5"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // "127.0.0.1:53422"

  const std::string* header(std::string_view name) const;  // case-insensitive
  std::string queryParam(std::string_view name) const;      // "" when absent
};

struct HttpServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using HttpHandler = std::function<HttpServerResponse(const HttpServerRequest&)>;

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // "ADDR:PORT", "[::1]:PORT"; port 0 picks a free one
  int threads = 4;
  std::size_t max_header_bytes = 16 * 1024;     // larger: 431
  std::size_t max_body_bytes = 16u << 20;       // larger: 413 (checked from Content-Length before reading)
  std::chrono::milliseconds read_timeout{15000};  // a request must arrive whole within this: else 408
  std::size_t max_connections = 256;
};

class HttpServer {
 public:
  // Binds and starts serving on its own threads before returning.
  static Result<std::unique_ptr<HttpServer>> start(HttpServerOptions options, HttpHandler handler);
  virtual ~HttpServer() = default;  // stops and joins
  virtual std::uint16_t port() const = 0;
  virtual std::string address() const = 0;  // "127.0.0.1:34567"
  virtual void stop() = 0;
};

}  // namespace vs::io
