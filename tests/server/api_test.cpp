#include "server/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/json.h"
#include "store/store.h"
#include "test_util.h"

namespace vs::server {
namespace {

using vs::testing::makeScan;
using vs::testing::TempDir;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::openSqliteStore(dir_.file("api.db"));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    handler_ = makeApiHandler(*store_, ApiOptions{"s3cret-token"});
  }

  io::HttpServerResponse post(const std::string& body, std::string auth = "Bearer s3cret-token",
                              std::string ct = "application/json") {
    io::HttpServerRequest req;
    req.method = "POST";
    req.target = req.path = "/api/v1/scans";
    if (!auth.empty()) req.headers.emplace_back("Authorization", auth);
    if (!ct.empty()) req.headers.emplace_back("Content-Type", ct);
    req.body = body;
    return handler_(req);
  }
  io::HttpServerResponse get(const std::string& path, const std::string& query = "") {
    io::HttpServerRequest req;
    req.method = "GET";
    req.path = path;
    req.query = query;
    req.target = query.empty() ? path : path + "?" + query;
    return handler_(req);
  }
  std::int64_t count() { return *store_->countScans(); }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
  io::HttpHandler handler_;
};

nlohmann::json body(const io::HttpServerResponse& r) { return nlohmann::json::parse(r.body); }

TEST_F(ApiTest, CreatedOnlyAfterStoreThenReplayIsOkAndNotStoredTwice) {
  Scan s = makeScan(vs::testing::idN(1));
  auto r = post(toJson(s));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body(r)["id"], s.id);
  EXPECT_EQ(body(r)["stored"], true);
  EXPECT_EQ(count(), 1);
  auto stored = store_->getScan(s.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, s);

  auto again = post(toJson(s, 2));  // same scan, different formatting
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body(again)["duplicate"], true);
  EXPECT_EQ(count(), 1);

  Scan changed = s;
  changed.site = "Other";
  auto conflict = post(toJson(changed));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(count(), 1);
  EXPECT_EQ((*store_->getScan(s.id))->site, "HQ");
}

TEST_F(ApiTest, AuthIsRequiredAndChecked) {
  std::string json = toJson(makeScan(vs::testing::idN(2)));
  for (const std::string& auth : {std::string(), std::string("Bearer wrong"), std::string("Bearer s3cret-tokenX"),
                                  std::string("Basic s3cret-token"), std::string("Bearer ")}) {
    auto r = post(json, auth);
    EXPECT_EQ(r.status, 401) << "auth='" << auth << "'";
    EXPECT_TRUE(body(r).contains("error"));
  }
  EXPECT_EQ(count(), 0);
  EXPECT_TRUE(tokenMatches("abc", "abc"));
  EXPECT_FALSE(tokenMatches("abc", ""));
  EXPECT_FALSE(tokenMatches("", ""));
}

TEST_F(ApiTest, BadBodiesAre4xxWithJsonErrorAndChangeNothing) {
  std::string json = toJson(makeScan(vs::testing::idN(3)));
  auto truncated = post(json.substr(0, json.size() / 2));
  EXPECT_EQ(truncated.status, 400);
  EXPECT_NE(body(truncated)["error"].get<std::string>().find("invalid JSON at byte"), std::string::npos);

  auto wrong_type = post(json, "Bearer s3cret-token", "text/plain");
  EXPECT_EQ(wrong_type.status, 415);

  auto not_a_scan = post(R"({"hello":"world"})");
  EXPECT_EQ(not_a_scan.status, 400);
  EXPECT_NE(body(not_a_scan)["error"].get<std::string>().find("schema: missing"), std::string::npos)
      << not_a_scan.body;
  EXPECT_EQ(count(), 0);
}

TEST_F(ApiTest, ListAndGet) {
  for (int i = 1; i <= 3; ++i) {
    Scan s = makeScan(vs::testing::idN(10 + i), i == 2 ? "Branch" : "HQ");
    s.started_at_ms += i * 1000;
    ASSERT_EQ(post(toJson(s)).status, 201);
  }
  auto list = get("/api/v1/scans");
  ASSERT_EQ(list.status, 200);
  auto j = body(list);
  EXPECT_EQ(j["total"], 3);
  ASSERT_EQ(j["scans"].size(), 3u);
  EXPECT_EQ(j["scans"][0]["id"], vs::testing::idN(13));  // newest first
  EXPECT_EQ(j["scans"][0]["summary"]["pass"], 1);
  EXPECT_EQ(j["scans"][0]["template"]["name"], "demo");

  auto site = body(get("/api/v1/scans", "site=Branch&limit=5"));
  ASSERT_EQ(site["scans"].size(), 1u);
  EXPECT_EQ(site["scans"][0]["id"], vs::testing::idN(12));

  auto one = get("/api/v1/scans/" + vs::testing::idN(12));
  ASSERT_EQ(one.status, 200);
  auto parsed = scanFromJson(one.body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->site, "Branch");

  EXPECT_EQ(get("/api/v1/scans/" + vs::testing::idN(99)).status, 404);
  EXPECT_EQ(get("/api/v1/scans/..%2F..%2Fetc").status, 404);
  EXPECT_EQ(get("/api/v1/nothing").status, 404);
  EXPECT_EQ(body(get("/api/v1/health"))["scans"], 3);
}

}  // namespace
}  // namespace vs::server
