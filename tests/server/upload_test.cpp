#include "server/upload.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <nlohmann/json.hpp>

#include "core/json.h"
#include "io/http_server.h"
#include "server/api.h"
#include "store/store.h"
#include "test_util.h"

namespace vs::server {
namespace {

using vs::testing::makeScan;
using vs::testing::TempDir;

std::unique_ptr<io::HttpServer> startServer(io::HttpHandler h) {
  io::HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  o.threads = 2;
  auto s = io::HttpServer::start(o, std::move(h));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : nullptr;
}

class UploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = store::Outbox::open(dir_.path() / "outbox");
    ASSERT_TRUE(o.ok()) << o.error().message;
    outbox_.emplace(std::move(*o));
  }
  std::size_t pending() { return outbox_->list(nullptr)->size(); }
  UploadOptions opts(const std::string& url) {
    UploadOptions u;
    u.url = url;
    u.token = "tok";
    u.timeout = std::chrono::milliseconds(3000);
    return u;
  }

  TempDir dir_;
  std::optional<store::Outbox> outbox_;
};

TEST_F(UploadTest, ServerThatAnswers200WithoutStoringDoesNotEmptyTheOutbox) {
  std::atomic<int> hits{0};
  auto liar = startServer([&](const io::HttpServerRequest&) {
    ++hits;
    io::HttpServerResponse r;
    r.status = 200;
    r.body = R"({"ok":true})";
    return r;
  });
  ASSERT_TRUE(liar);
  ASSERT_TRUE(outbox_->add(makeScan(vs::testing::idN(1))).ok());
  auto report = flushOutbox(*outbox_, opts("http://" + liar->address()));
  EXPECT_EQ(hits.load(), 1);
  EXPECT_EQ(report.confirmed, 0);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(pending(), 1u);
  ASSERT_EQ(report.attempts.size(), 1u);
  EXPECT_EQ(report.attempts[0].http_status, 200);
  EXPECT_NE(report.attempts[0].detail.find("did not confirm"), std::string::npos);
}

TEST_F(UploadTest, WrongIdEchoServerErrorAndAuthFailureAllKeepTheScan) {
  ASSERT_TRUE(outbox_->add(makeScan(vs::testing::idN(2))).ok());
  for (int variant = 0; variant < 3; ++variant) {
    auto srv = startServer([variant](const io::HttpServerRequest&) {
      io::HttpServerResponse r;
      if (variant == 0) {
        r.status = 201;
        r.body = R"({"id":"ffffffffffffffffffffffffffffffff","stored":true})";
      } else if (variant == 1) {
        r.status = 500;
        r.body = R"({"error":"disk full"})";
      } else {
        r.status = 401;
        r.body = R"({"error":"missing or invalid bearer token"})";
      }
      return r;
    });
    ASSERT_TRUE(srv);
    auto report = flushOutbox(*outbox_, opts("http://" + srv->address()));
    EXPECT_EQ(report.confirmed, 0) << variant;
    EXPECT_EQ(pending(), 1u) << variant;
    if (variant == 1) {
      EXPECT_NE(report.attempts[0].detail.find("disk full"), std::string::npos);
    }
  }
}

TEST_F(UploadTest, ServerDownStopsEarlyAndKeepsEverything) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(outbox_->add(makeScan(vs::testing::idN(20 + i))).ok());
  std::string url;
  {
    auto srv = startServer([](const io::HttpServerRequest&) { return io::HttpServerResponse{}; });
    ASSERT_TRUE(srv);
    url = "http://" + srv->address();
  }  // stopped: the port is now closed
  auto report = flushOutbox(*outbox_, opts(url));
  EXPECT_EQ(report.confirmed, 0);
  EXPECT_EQ(report.attempts.size(), 2u);  // gave up after two transport failures
  EXPECT_EQ(report.attempts[0].http_status, 0);
  EXPECT_EQ(report.remaining, 4);
}

TEST_F(UploadTest, RealApiConfirmsAndRemovesThenNothingIsSentTwice) {
  auto db = store::openSqliteStore(dir_.file("srv.db"));
  ASSERT_TRUE(db.ok());
  std::atomic<int> posts{0};
  auto api = makeApiHandler(**db, ApiOptions{"tok"});
  auto srv = startServer([&](const io::HttpServerRequest& req) {
    if (req.method == "POST") ++posts;
    return api(req);
  });
  ASSERT_TRUE(srv);
  ASSERT_TRUE(outbox_->add(makeScan(vs::testing::idN(30))).ok());
  ASSERT_TRUE(outbox_->add(makeScan(vs::testing::idN(31))).ok());
  auto report = flushOutbox(*outbox_, opts("http://" + srv->address() + "/"));
  EXPECT_EQ(report.confirmed, 2);
  EXPECT_EQ(report.remaining, 0);
  EXPECT_EQ(*(*db)->countScans(), 2);
  auto second = flushOutbox(*outbox_, opts("http://" + srv->address()));
  EXPECT_EQ(second.pending_before, 0);
  EXPECT_EQ(posts.load(), 2);

  // A scan the server already has (e.g. its 201 was lost on the way back) is confirmed by the 200 replay.
  ASSERT_TRUE(outbox_->add(makeScan(vs::testing::idN(30))).ok());
  auto replay = flushOutbox(*outbox_, opts("http://" + srv->address()));
  EXPECT_EQ(replay.confirmed, 1);
  EXPECT_EQ(replay.attempts[0].detail, "already stored");
  EXPECT_EQ(*(*db)->countScans(), 2);
}

TEST_F(UploadTest, AnswerLostToATimeoutIsResentAndConfirmedByTheReplayWithoutADuplicate) {
  auto db = store::openSqliteStore(dir_.file("slow.db"));
  ASSERT_TRUE(db.ok());
  auto api = makeApiHandler(**db, ApiOptions{"tok"});
  std::atomic<bool> slow{true};
  auto srv = startServer([&](const io::HttpServerRequest& req) {
    auto resp = api(req);  // committed before we stall: the 201 is what gets lost
    if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return resp;
  });
  ASSERT_TRUE(srv);
  ASSERT_TRUE(outbox_->add(makeScan(vs::testing::idN(40))).ok());
  UploadOptions o = opts("http://" + srv->address());
  o.timeout = std::chrono::milliseconds(400);
  auto first = flushOutbox(*outbox_, o);
  EXPECT_EQ(first.confirmed, 0);
  EXPECT_EQ(first.attempts[0].http_status, 0);  // no answer in time
  EXPECT_NE(first.attempts[0].detail.find("no response within"), std::string::npos) << first.attempts[0].detail;
  EXPECT_EQ(pending(), 1u);
  EXPECT_EQ(*(*db)->countScans(), 1);  // the server did store it

  slow = false;
  auto second = flushOutbox(*outbox_, o);
  EXPECT_EQ(second.confirmed, 1);
  EXPECT_EQ(second.attempts[0].http_status, 200);
  EXPECT_EQ(second.attempts[0].detail, "already stored");
  EXPECT_EQ(pending(), 0u);
  EXPECT_EQ(*(*db)->countScans(), 1);
}

TEST(ScansEndpoint, AcceptsBaseOrFullUrl) {
  EXPECT_EQ(scansEndpoint("http://h:1"), "http://h:1/api/v1/scans");
  EXPECT_EQ(scansEndpoint("http://h:1/"), "http://h:1/api/v1/scans");
  EXPECT_EQ(scansEndpoint("https://h/api/v1/scans"), "https://h/api/v1/scans");
}

}  // namespace
}  // namespace vs::server
