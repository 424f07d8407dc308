#include "server/service.h"

#include "server/api.h"

namespace vs::server {

Result<std::unique_ptr<Service>> Service::start(ServiceOptions options) {
  if (options.token.empty()) return makeError("a token is required (--token or VOIPSCOPE_TOKEN)");
  auto store = store::openSqliteStore(options.db);
  if (!store) return makeError(options.db + ": " + store.error().message);
  auto svc = std::unique_ptr<Service>(new Service());
  svc->store_ = std::move(*store);
  io::HttpServerOptions ho;
  ho.listen = options.listen;
  ho.threads = options.threads;
  ho.max_body_bytes = options.max_body_bytes;
  auto http = io::HttpServer::start(ho, makeApiHandler(*svc->store_, ApiOptions{options.token}));
  if (!http) return makeError("listen on " + options.listen + ": " + http.error().message);
  svc->http_ = std::move(*http);
  return svc;
}

std::string Service::url() const { return "http://" + http_->address(); }

}  // namespace vs::server
