// The durable-upload promise, end to end with the real binary: scans made while the server is down wait
// in the outbox; when it comes back a flush delivers each exactly once; a second flush sends nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "io/http_client.h"

namespace vs::itest {
namespace {

using nlohmann::json;

json getJson(const std::string& url) {
  io::HttpRequest req;
  req.url = url;
  req.timeout = std::chrono::milliseconds(5000);
  auto r = io::httpRequestBlocking(req);
  if (!r) return json{{"harness_error", r.error().message}};
  return json::parse(r->body, nullptr, false);
}

std::size_t outboxFiles(const std::filesystem::path& dir) {
  std::size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().extension() == ".json";
  return n;
}

std::string quickTemplate(const TempDir& dir) {
  // One fast, deterministic check: a closed port on loopback.
  std::uint16_t closed = freeUdpAndTcpPort();
  writeFile(dir.path() / "q.yaml", "template: quick\nversion: \"1\"\nchecks:\n  - id: closed\n    type: tcp_port\n"
                                   "    targets: \"127.0.0.1:" + std::to_string(closed) + "\"\n    remediation: x\n");
  return dir.file("q.yaml");
}

TEST(UploadOutage, ScansWaitInTheOutboxAndAreDeliveredExactlyOnce) {
  TempDir dir;
  std::string tmpl = quickTemplate(dir);
  std::string outbox = dir.file("outbox");
  std::uint16_t port = freeUdpAndTcpPort();
  std::string url = "http://127.0.0.1:" + std::to_string(port);

  // Server down: both scans run, report, and stay in the outbox (exit 4: not uploaded).
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto r = run({voipscopeBinary(), "scan", "--template", tmpl, "--json", "--upload", url, "--token", "tok",
                  "--outbox", outbox},
                 60s);
    EXPECT_EQ(r.exit_code, 4) << r.all;
    ids.push_back(json::parse(r.out)["id"]);
    EXPECT_NE(r.all.find("kept in the outbox"), std::string::npos) << r.all;
  }
  EXPECT_EQ(outboxFiles(outbox), 2u);

  Process server({voipscopeBinary(), "serve", "--listen", "127.0.0.1:" + std::to_string(port), "--db",
                  dir.file("srv.db"), "--token", "tok"});
  ASSERT_TRUE(server.waitForLine(std::regex("listening on"), 20s)) << server.output();

  auto flush = run({voipscopeBinary(), "upload", "--flush", "--url", url, "--token", "tok", "--outbox", outbox}, 60s);
  EXPECT_EQ(flush.exit_code, 0) << flush.all;
  EXPECT_NE(flush.out.find("sent 2 of 2, 0 left"), std::string::npos) << flush.out;
  EXPECT_EQ(outboxFiles(outbox), 0u);

  json list = getJson(url + "/api/v1/scans");
  ASSERT_EQ(list["total"], 2) << list.dump();
  std::set<std::string> stored;
  for (const auto& s : list["scans"]) stored.insert(s["id"].get<std::string>());
  EXPECT_EQ(stored, std::set<std::string>(ids.begin(), ids.end()));

  auto again = run({voipscopeBinary(), "upload", "--flush", "--url", url, "--token", "tok", "--outbox", outbox}, 60s);
  EXPECT_EQ(again.exit_code, 0) << again.all;
  EXPECT_NE(again.out.find("sent 0 of 0"), std::string::npos) << again.out;
  EXPECT_EQ(getJson(url + "/api/v1/scans")["total"], 2);

  // A later scan also delivers itself (and anything older) on its own.
  auto third = run({voipscopeBinary(), "scan", "--template", tmpl, "--json", "--upload", url, "--token", "tok",
                    "--outbox", outbox},
                   60s);
  EXPECT_EQ(third.exit_code, 2) << third.all;  // the verdict: the planted closed port fails
  EXPECT_EQ(getJson(url + "/api/v1/scans")["total"], 3);
  EXPECT_EQ(outboxFiles(outbox), 0u);
}

TEST(UploadOutage, WrongTokenKeepsTheScanAndSaysWhy) {
  TempDir dir;
  std::string tmpl = quickTemplate(dir);
  Process server({voipscopeBinary(), "serve", "--listen", "127.0.0.1:0", "--db", dir.file("srv.db"), "--token",
                  "right"});
  auto m = server.waitForLine(std::regex("listening on (http://\\S+)/"), 20s);
  ASSERT_TRUE(m) << server.output();
  std::string url = (*m)[1];
  auto r = run({voipscopeBinary(), "scan", "--template", tmpl, "--upload", url, "--token", "wrong", "--outbox",
                dir.file("outbox")},
               60s);
  EXPECT_EQ(r.exit_code, 4) << r.all;
  EXPECT_NE(r.all.find("401"), std::string::npos) << r.all;
  EXPECT_EQ(outboxFiles(dir.file("outbox")), 1u);
  EXPECT_EQ(getJson(url + "/api/v1/scans")["total"], 0);
}

}  // namespace
}  // namespace vs::itest
