#pragma once
// The client side of POST /api/v1/scans, and the outbox flush. An outbox entry is removed only when the
// server answered 201 or 200 AND its JSON body echoes {"id": <that id>, "stored": true}: anything else
// (server down, timeout, 5xx, 4xx, a 2xx that does not confirm) leaves it to be sent again.
#include <chrono>
#include <string>
#include <vector>

#include "store/outbox.h"

namespace vs::server {

struct UploadOptions {
  std::string url;  // server base URL ("http://host:8080") or the full .../api/v1/scans URL
  std::string token;
  std::chrono::milliseconds timeout{15000};
  std::string ca_file;
  bool insecure = false;  // skip TLS verification (the token is then sent to an unverified server)
};

std::string scansEndpoint(std::string_view base_url);

struct UploadAttempt {
  std::string id;
  bool confirmed = false;
  int http_status = 0;  // 0: no HTTP answer
  std::string detail;   // one line: why not confirmed, or "stored" / "already stored"
};

UploadAttempt uploadOne(const store::OutboxEntry& entry, const UploadOptions& options);

struct FlushReport {
  int pending_before = 0;
  int confirmed = 0;
  int failed = 0;
  int remaining = 0;
  std::vector<UploadAttempt> attempts;
  std::vector<std::string> problems;  // unreadable outbox files, remove failures
};

// Sends every entry, oldest first. Stops early after `stop_after_transport_failures` consecutive
// failures where the server gave no HTTP answer at all (it is down: no point trying the rest now).
FlushReport flushOutbox(store::Outbox& outbox, const UploadOptions& options, int stop_after_transport_failures = 2);

}  // namespace vs::server
