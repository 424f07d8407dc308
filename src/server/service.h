#pragma once
// The server as one object: SQLite store + API handler + HTTP server. Used by `serve` and `demo`.
#include <memory>
#include <string>

#include "core/result.h"
#include "io/http_server.h"
#include "store/store.h"

namespace vs::server {

struct ServiceOptions {
  std::string listen = "127.0.0.1:8080";
  std::string db = "voipscope.db";
  std::string token;
  int threads = 4;
  std::size_t max_body_bytes = 16u << 20;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> start(ServiceOptions options);
  std::string url() const;  // "http://127.0.0.1:8080"
  store::Store& store() { return *store_; }
  void stop() { http_->stop(); }

 private:
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<io::HttpServer> http_;  // destroyed first: it calls into the store
};

}  // namespace vs::server
