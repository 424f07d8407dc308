#pragma once
// The HTTP API and dashboard routes (docs/api.md):
//   POST /api/v1/scans        bearer token; 201 only after a durable commit, 200 for a replay of the same scan
//   GET  /api/v1/scans        summaries, newest first (?limit=&offset=&site=)
//   GET  /api/v1/scans/{id}   one scan (the result-model JSON)
//   GET  /api/v1/health
//   GET  /...                 the embedded dashboard
#include <string>

#include "io/http_server.h"
#include "store/store.h"

namespace vs::server {

struct ApiOptions {
  std::string token;  // required for POST; compared in constant time
};

// The returned handler keeps a reference to `store`, which must outlive it.
io::HttpHandler makeApiHandler(store::Store& store, ApiOptions options);

bool tokenMatches(std::string_view presented, std::string_view expected);

}  // namespace vs::server
