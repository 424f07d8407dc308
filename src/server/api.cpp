#include "server/api.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "core/id.h"
#include "core/json.h"
#include "core/time.h"
#include "web_assets.h"

namespace vs::server {
namespace {

using nlohmann::json;
using io::HttpServerRequest;
using io::HttpServerResponse;

HttpServerResponse jsonResponse(int status, const json& body) {
  HttpServerResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpServerResponse errorResponse(int status, std::string message) {
  return jsonResponse(status, json{{"error", std::move(message)}});
}

int intParam(const HttpServerRequest& req, std::string_view name, int fallback) {
  std::string v = req.queryParam(name);
  int out = fallback;
  if (v.empty()) return fallback;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) return fallback;
  return out;
}

json summaryJson(const store::ScanSummary& s) {
  return json{{"id", s.id},
              {"site", s.site},
              {"template", {{"name", s.template_name}, {"version", s.template_version}}},
              {"hostname", s.hostname},
              {"started_at", formatIso8601(s.started_at_ms)},
              {"received_at", formatIso8601(s.received_at_ms)},
              {"duration_ms", s.duration_ms},
              {"summary",
               {{"pass", s.counts.pass},
                {"warn", s.counts.warn},
                {"fail", s.counts.fail},
                {"skip", s.counts.skip},
                {"error", s.counts.error}}}};
}

class Api {
 public:
  Api(store::Store& store, ApiOptions options) : store_(store), options_(std::move(options)) {}

  HttpServerResponse handle(const HttpServerRequest& req) {
    const std::string& path = req.path;
    if (path == "/api/v1/scans") {
      if (req.method == "POST") return postScan(req);
      if (req.method == "GET") return listScans(req);
      return methodNotAllowed("GET, POST");
    }
    constexpr std::string_view kScanPrefix = "/api/v1/scans/";
    if (path.rfind(kScanPrefix, 0) == 0) {
      if (req.method != "GET") return methodNotAllowed("GET");
      return getScan(path.substr(kScanPrefix.size()));
    }
    if (path == "/api/v1/health") {
      auto n = store_.countScans();
      if (!n) return errorResponse(503, "store unavailable: " + n.error().message);
      return jsonResponse(200, json{{"status", "ok"}, {"scans", *n}});
    }
    if (path.rfind("/api/", 0) == 0) return errorResponse(404, "no such endpoint: " + path);
    if (req.method != "GET" && req.method != "HEAD") return methodNotAllowed("GET");
    return asset(path);
  }

 private:
  static HttpServerResponse methodNotAllowed(std::string allow) {
    auto r = errorResponse(405, "method not allowed");
    r.headers.emplace_back("Allow", std::move(allow));
    return r;
  }

  HttpServerResponse postScan(const HttpServerRequest& req) {
    const std::string* auth = req.header("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!auth || auth->size() < kBearer.size() || auth->compare(0, kBearer.size(), kBearer) != 0 ||
        !tokenMatches(std::string_view(*auth).substr(kBearer.size()), options_.token)) {
      auto r = errorResponse(401, "missing or invalid bearer token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"voipscope\"");
      return r;
    }
    const std::string* ct = req.header("Content-Type");
    if (!ct || ct->rfind("application/json", 0) != 0) {
      return errorResponse(415, "Content-Type must be application/json");
    }
    auto scan = scanFromJson(req.body);
    if (!scan) return errorResponse(400, "invalid scan: " + scan.error().message);
    auto put = store_.putScan(*scan);
    if (!put) return errorResponse(503, "not stored: " + put.error().message);
    switch (*put) {
      case store::PutOutcome::kCreated:
        return jsonResponse(201, json{{"id", scan->id}, {"stored", true}, {"duplicate", false}});
      case store::PutOutcome::kDuplicate:
        return jsonResponse(200, json{{"id", scan->id}, {"stored", true}, {"duplicate", true}});
      case store::PutOutcome::kConflict:
        return errorResponse(409, "scan " + scan->id + " is already stored with different content");
    }
    return errorResponse(500, "unexpected store outcome");
  }

  HttpServerResponse listScans(const HttpServerRequest& req) {
    store::ListQuery q;
    q.limit = std::clamp(intParam(req, "limit", 100), 1, 1000);
    q.offset = std::max(0, intParam(req, "offset", 0));
    q.site = req.queryParam("site");
    auto list = store_.listScans(q);
    if (!list) return errorResponse(503, "store unavailable: " + list.error().message);
    auto total = store_.countScans();
    if (!total) return errorResponse(503, "store unavailable: " + total.error().message);
    json arr = json::array();
    for (const auto& s : *list) arr.push_back(summaryJson(s));
    return jsonResponse(200, json{{"scans", std::move(arr)}, {"total", *total}});
  }

  HttpServerResponse getScan(std::string_view id) {
    if (!isValidScanId(id)) return errorResponse(404, "no such scan");
    auto scan = store_.getScan(id);
    if (!scan) return errorResponse(503, "store unavailable: " + scan.error().message);
    if (!scan->has_value()) return errorResponse(404, "no such scan");
    HttpServerResponse r;
    r.status = 200;
    r.content_type = "application/json";
    r.body = toJson(**scan);
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }

  static HttpServerResponse asset(const std::string& path) {
    const web::Asset* a = web::findAsset(path);
    // The dashboard routes with #fragments, so any other page path gets the app shell.
    if (!a) a = web::findAsset("/");
    if (!a) return errorResponse(404, "dashboard assets not built");
    HttpServerResponse r;
    r.status = 200;
    r.content_type = std::string(a->content_type);
    r.body = std::string(a->body);
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
  }

  store::Store& store_;
  ApiOptions options_;
};

}  // namespace

bool tokenMatches(std::string_view presented, std::string_view expected) {
  if (expected.empty()) return false;
  // Constant time in the length of the expected token.
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    unsigned char p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff |= static_cast<unsigned char>(p ^ static_cast<unsigned char>(expected[i]));
  }
  return diff == 0;
}

io::HttpHandler makeApiHandler(store::Store& store, ApiOptions options) {
  auto api = std::make_shared<Api>(store, std::move(options));
  return [api](const io::HttpServerRequest& req) { return api->handle(req); };
}

}  // namespace vs::server
