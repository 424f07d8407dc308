// Bad input through the real binary: a clear one-line error, the documented exit code (3 usage/template,
// 4 runtime) or a 4xx JSON answer, never a crash and never a changed store.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "io/http_client.h"

namespace vs::itest {
namespace {

using nlohmann::json;

TEST(BadInput, TemplateErrorsAreFileLineColAndExit3) {
  TempDir dir;
  writeFile(dir.path() / "bad.yaml", "template: bad\nversion: \"1\"\nchecks:\n  - id: x\n    type: sip_pong\n"
                                     "    targets: \"127.0.0.1:5060\"\n");
  auto lint = run({voipscopeBinary(), "template", "lint", dir.file("bad.yaml")});
  EXPECT_EQ(lint.exit_code, 3) << lint.all;
  EXPECT_NE(lint.out.find(dir.file("bad.yaml") + ":5:11: "), std::string::npos) << lint.out;
  EXPECT_NE(lint.out.find("sip_pong"), std::string::npos);

  auto scan = run({voipscopeBinary(), "scan", "--template", dir.file("bad.yaml")});
  EXPECT_EQ(scan.exit_code, 3) << scan.all;
  EXPECT_NE(scan.all.find(dir.file("bad.yaml") + ":5:11: "), std::string::npos) << scan.all;

  writeFile(dir.path() / "syntax.yaml", "template: bad\nchecks: [\n  - id: x\n");
  auto syn = run({voipscopeBinary(), "template", "lint", dir.file("syntax.yaml")});
  EXPECT_EQ(syn.exit_code, 3) << syn.all;
  EXPECT_NE(syn.out.find(dir.file("syntax.yaml") + ":"), std::string::npos) << syn.out;

  auto missing = run({voipscopeBinary(), "scan", "--template", dir.file("nope.yaml")});
  EXPECT_EQ(missing.exit_code, 3) << missing.all;
  EXPECT_NE(missing.all.find("cannot read"), std::string::npos) << missing.all;

  // Every shipped template lints clean.
  for (const char* t : {"hosted-ucaas", "asterisk-freepbx", "teams-direct-routing", "sip-trunk"}) {
    auto ok = run({voipscopeBinary(), "template", "lint", std::string(VOIPSCOPE_SOURCE_DIR) + "/templates/" + t + ".yaml"});
    EXPECT_EQ(ok.exit_code, 0) << t << "\n" << ok.all;
  }
}

TEST(BadInput, CommandLineMistakesExit3) {
  EXPECT_EQ(run({voipscopeBinary()}).exit_code, 3);
  EXPECT_EQ(run({voipscopeBinary(), "frobnicate"}).exit_code, 3);
  EXPECT_EQ(run({voipscopeBinary(), "scan"}).exit_code, 3);
  auto serve = run({voipscopeBinary(), "serve", "--listen", "127.0.0.1:0"}, 10s, {"VOIPSCOPE_TOKEN="});
  EXPECT_EQ(serve.exit_code, 3) << serve.all;
  EXPECT_NE(serve.all.find("token"), std::string::npos);
  auto version = run({voipscopeBinary(), "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("voipscope 0."), std::string::npos) << version.out;
}

TEST(BadInput, ServerRejectsBadRequestsWithJsonAndStoresNothing) {
  TempDir dir;
  Process server({voipscopeBinary(), "serve", "--listen", "127.0.0.1:0", "--db", dir.file("srv.db"), "--token", "tok"});
  auto m = server.waitForLine(std::regex("listening on (http://\\S+)/"), 20s);
  ASSERT_TRUE(m) << server.output();
  std::string base = (*m)[1];

  auto post = [&](std::string body, std::string token) {
    io::HttpRequest req;
    req.method = "POST";
    req.url = base + "/api/v1/scans";
    req.headers = {{"Content-Type", "application/json"}};
    if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
    req.body = std::move(body);
    req.timeout = std::chrono::milliseconds(10000);
    return io::httpRequestBlocking(req);
  };
  std::string valid = R"({"schema":1,"id":"0123456789abcdef0123456789abcdef","site":"s","template":{"name":"t","version":"1"},"started_at":"2026-01-01T00:00:00.000Z","duration_ms":1,"results":[]})";

  auto unauth = post(valid, "");
  ASSERT_TRUE(unauth.ok()) << unauth.error().message;
  EXPECT_EQ(unauth->status, 401);
  EXPECT_TRUE(json::parse(unauth->body).contains("error"));

  auto bad_token = post(valid, "nope");
  ASSERT_TRUE(bad_token.ok());
  EXPECT_EQ(bad_token->status, 401);

  auto truncated = post(valid.substr(0, 60), "tok");
  ASSERT_TRUE(truncated.ok());
  EXPECT_EQ(truncated->status, 400);
  EXPECT_NE(json::parse(truncated->body)["error"].get<std::string>().find("invalid JSON"), std::string::npos);

  // Over the 16 MiB request limit: refused from the header alone, before any body is read.
  std::string port = base.substr(base.rfind(':') + 1);
  std::string huge = rawExchange(static_cast<std::uint16_t>(std::stoi(port)),
                                 "POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n"
                                 "Content-Type: application/json\r\nContent-Length: 20971520\r\n\r\n",
                                 5s);
  EXPECT_EQ(huge.rfind("HTTP/1.1 413", 0), 0u) << huge;
  EXPECT_NE(huge.find("\"error\""), std::string::npos) << huge;

  io::HttpRequest list;
  list.url = base + "/api/v1/scans";
  auto l = io::httpRequestBlocking(list);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(json::parse(l->body)["total"], 0);

  auto good = post(valid, "tok");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->status, 201) << good->body;
  auto replay = post(valid, "tok");
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->status, 200) << replay->body;
  l = io::httpRequestBlocking(list);
  EXPECT_EQ(json::parse(l->body)["total"], 1);
}

}  // namespace
}  // namespace vs::itest
