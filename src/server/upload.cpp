#include "server/upload.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "io/http_client.h"

namespace vs::server {

std::string scansEndpoint(std::string_view base_url) {
  std::string url(base_url);
  constexpr std::string_view kPath = "/api/v1/scans";
  if (url.size() >= kPath.size() && url.compare(url.size() - kPath.size(), kPath.size(), kPath) == 0) return url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(kPath);
}

UploadAttempt uploadOne(const store::OutboxEntry& entry, const UploadOptions& options) {
  UploadAttempt a;
  a.id = entry.id;
  io::HttpRequest req;
  req.method = "POST";
  req.url = scansEndpoint(options.url);
  req.headers = {{"Authorization", "Bearer " + options.token}, {"Content-Type", "application/json"}};
  req.body = entry.json;
  req.timeout = options.timeout;
  req.verify_tls = !options.insecure;
  req.ca_file = options.ca_file;
  req.max_body_bytes = 1u << 20;
  auto resp = io::httpRequestBlocking(std::move(req));
  if (!resp) {
    a.detail = resp.error().message;
    return a;
  }
  a.http_status = resp->status;
  nlohmann::json body = nlohmann::json::parse(resp->body, nullptr, false);
  std::string server_error;
  if (body.is_object() && body.contains("error") && body["error"].is_string()) server_error = body["error"].get<std::string>();
  if (resp->status != 201 && resp->status != 200) {
    a.detail = fmt::format("server answered {} {}{}", resp->status, resp->reason,
                           server_error.empty() ? "" : ": " + server_error);
    return a;
  }
  // A 2xx alone proves nothing: the server must echo the id it committed.
  bool echoes_id = body.is_object() && body.contains("id") && body["id"].is_string() &&
                   body["id"].get<std::string>() == entry.id;
  bool stored = body.is_object() && body.contains("stored") && body["stored"].is_boolean() && body["stored"].get<bool>();
  if (!echoes_id || !stored) {
    a.detail = fmt::format("server answered {} but did not confirm storing scan {}", resp->status, entry.id);
    return a;
  }
  a.confirmed = true;
  a.detail = resp->status == 201 ? "stored" : "already stored";
  return a;
}

FlushReport flushOutbox(store::Outbox& outbox, const UploadOptions& options, int stop_after_transport_failures) {
  FlushReport report;
  auto entries = outbox.list(&report.problems);
  if (!entries) {
    report.problems.push_back(entries.error().message);
    return report;
  }
  report.pending_before = static_cast<int>(entries->size());
  int transport_failures = 0;
  for (const auto& e : *entries) {
    if (stop_after_transport_failures > 0 && transport_failures >= stop_after_transport_failures) break;
    UploadAttempt a = uploadOne(e, options);
    if (a.confirmed) {
      ++report.confirmed;
      transport_failures = 0;
      if (auto rm = outbox.remove(e.id); !rm) report.problems.push_back(rm.error().message);
    } else {
      ++report.failed;
      transport_failures = a.http_status == 0 ? transport_failures + 1 : 0;
    }
    report.attempts.push_back(std::move(a));
  }
  auto left = outbox.list(nullptr);
  report.remaining = left ? static_cast<int>(left->size()) : report.pending_before - report.confirmed;
  return report;
}

}  // namespace vs::server
