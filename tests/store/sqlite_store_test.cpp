#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "core/time.h"
#include "store/detail_sqlite.h"
#include "store/store.h"
#include "test_support.h"

namespace vs::store {
namespace {

using testing::idFor;
using testing::makeScan;
using testing::TempDir;

// A second, independent connection: the ground truth about what is in the file, bypassing the Store.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
    if (rc != SQLITE_OK) ADD_FAILURE() << "raw open: " << sqlite3_errstr(rc);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  std::string text(const char* sql, const std::string& param = {}) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "prepare " << sql << ": " << sqlite3_errmsg(db_);
      return {};
    }
    if (!param.empty()) {
      sqlite3_bind_text(st, 1, param.c_str(), static_cast<int>(param.size()), nullptr);
    }
    std::string out;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      const unsigned char* p = sqlite3_column_text(st, 0);
      if (p != nullptr) out.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
    } else {
      ADD_FAILURE() << "step " << sql << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_finalize(st);
    return out;
  }
  std::int64_t integer(const char* sql, const std::string& param = {}) { return std::stoll(text(sql, param)); }
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) ADD_FAILURE() << sql << ": " << err;
    sqlite3_free(err);
  }

 private:
  sqlite3* db_ = nullptr;
};

ListQuery query(int limit, int offset = 0, std::string site = {}) {
  ListQuery q;
  q.limit = limit;
  q.offset = offset;
  q.site = std::move(site);
  return q;
}

std::unique_ptr<Store> openOrFail(const std::filesystem::path& path) {
  auto s = openSqliteStore(path.string());
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : nullptr;
}

// A scan with everything the JSON mapping carries, including a raw SIP response with CRLFs and UTF-8.
Scan richScan() {
  Scan s = makeScan(idFor(0xabc), "berlin-office", 1767225600123, {Status::kPass, Status::kWarn, Status::kFail});
  s.host = {"prüf-host", "Debian 12", "0.1.0-dev"};
  s.results[0].measurements = {{"rtt", 12.345, "ms"}, {"loss", 0.5, "%"}, {"count", 3, "count"}};
  s.results[0].evidence["sip_response"] =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nServer: Zürich-SBC \xE6\x97\xA5\xE6\x9C\xAC"
      "\r\nContent-Length: 0\r\n\r\n";
  s.results[0].evidence["note"] = "tab\there, quote \" and backslash \\";
  s.results[1].category = Category::kPerformance;
  s.results[1].type = "rtp_stream";
  s.results[1].measurements = {{"jitter", 31.75, "ms"}};
  s.results[2].category = Category::kDns;
  s.results[2].message = "NXDOMAIN for _sip._udp.example.com";
  s.results[2].measurements.clear();
  return s;
}

TEST(SqliteStore, RoundTripKeepsEveryField) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  Scan scan = richScan();
  auto put = store->putScan(scan);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(*put, PutOutcome::kCreated);

  auto got = store->getScan(scan.id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, scan);
  EXPECT_EQ((**got).results[0].evidence.at("sip_response"), scan.results[0].evidence.at("sip_response"));

  auto missing = store->getScan(idFor(0xdef));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(SqliteStore, InvalidUtf8IsStoredReplacedAndStillDeduplicated) {
  // toJson replaces invalid UTF-8 (a hostile peer's bytes) with U+FFFD instead of failing the scan.
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  Scan scan = makeScan(idFor(7), "s", 1000, {Status::kPass});
  scan.results[0].evidence["sip_response"] = "SIP/2.0 200 OK\r\nServer: \xFF\xFE\r\n\r\n";
  ASSERT_EQ(*store->putScan(scan), PutOutcome::kCreated);
  auto got = store->getScan(scan.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((**got).results[0].evidence.at("sip_response"), "SIP/2.0 200 OK\r\nServer: \xEF\xBF\xBD\xEF\xBF\xBD\r\n\r\n");
  EXPECT_EQ(*store->putScan(scan), PutOutcome::kDuplicate);
}

TEST(SqliteStore, DuplicateWritesNothing) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  Scan scan = richScan();
  ASSERT_EQ(*store->putScan(scan), PutOutcome::kCreated);
  RawDb raw(dir / "scans.db");
  std::string received_first = raw.text("SELECT received_at_ms FROM scans WHERE id = ?", scan.id);

  auto again = store->putScan(scan);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, PutOutcome::kDuplicate);
  EXPECT_EQ(*store->countScans(), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM scans"), 1);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM check_results"), 3);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM check_results WHERE scan_id = ?", scan.id), 3);
  EXPECT_EQ(raw.text("SELECT received_at_ms FROM scans WHERE id = ?", scan.id), received_first);
}

TEST(SqliteStore, ConflictKeepsStoredContent) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  Scan original = richScan();
  ASSERT_EQ(*store->putScan(original), PutOutcome::kCreated);

  Scan other = original;
  other.results[1].status = Status::kPass;
  other.results.push_back(testing::makeResult("extra", Status::kError));
  auto put = store->putScan(other);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(*put, PutOutcome::kConflict);

  auto got = store->getScan(original.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, original);
  RawDb raw(dir / "scans.db");
  EXPECT_EQ(raw.integer("SELECT count(*) FROM check_results"), 3);
  EXPECT_EQ(raw.text("SELECT status FROM check_results WHERE scan_id = ? AND idx = 1", original.id), "WARN");
  EXPECT_EQ(raw.integer("SELECT n_warn FROM scans WHERE id = ?", original.id), 1);
}

TEST(SqliteStore, CheckResultRowsMirrorTheScan) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  Scan scan = richScan();
  ASSERT_EQ(*store->putScan(scan), PutOutcome::kCreated);
  RawDb raw(dir / "scans.db");
  EXPECT_EQ(raw.text("SELECT check_id || '|' || type || '|' || category || '|' || status FROM check_results"
                     " WHERE scan_id = ? AND idx = 2",
                     scan.id),
            "check-2|sip_options|dns|FAIL");
  EXPECT_EQ(raw.text("SELECT message FROM check_results WHERE scan_id = ? AND idx = 2", scan.id),
            "NXDOMAIN for _sip._udp.example.com");
  // The json column is the canonical mapping, byte for byte.
  EXPECT_EQ(raw.text("SELECT json FROM scans WHERE id = ?", scan.id), toJson(scan));
  // Deleting a scan takes its rows with it (foreign key with ON DELETE CASCADE).
  raw.exec("PRAGMA foreign_keys = ON");
  raw.exec(("DELETE FROM scans WHERE id = '" + scan.id + "'").c_str());
  EXPECT_EQ(raw.integer("SELECT count(*) FROM check_results"), 0);
}

TEST(SqliteStore, RejectsInvalidScanId) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  Scan scan = makeScan("ABC", "s", 1, {Status::kPass});
  auto put = store->putScan(scan);
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().message.find("id"), std::string::npos);
  EXPECT_EQ(*store->countScans(), 0);
}

TEST(SqliteStore, PragmasAreWalAndFull) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  auto sync = detail::pragmaValue(*store, "synchronous");
  ASSERT_TRUE(sync.ok()) << sync.error().message;
  EXPECT_EQ(*sync, "2");
  EXPECT_EQ(*detail::pragmaValue(*store, "foreign_keys"), "1");
  EXPECT_EQ(*detail::pragmaValue(*store, "busy_timeout"), "5000");
  EXPECT_EQ(*detail::pragmaValue(*store, "journal_mode"), "wal");
  EXPECT_FALSE(detail::pragmaValue(*store, "synchronous; DROP TABLE scans").ok());

  // WAL mode is persistent: another connection sees it, and the header's format bytes (18, 19) say 2.
  RawDb raw(dir / "scans.db");
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
  std::ifstream f(dir / "scans.db", std::ios::binary);
  char header[20] = {};
  f.read(header, sizeof header);
  ASSERT_TRUE(f.good());
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
}

TEST(SqliteStore, CommittedScanIsVisibleToAnotherProcess) {
  TempDir dir;
  const std::string path = (dir / "scans.db").string();
  auto store = openOrFail(path);
  ASSERT_TRUE(store);
  Scan scan = richScan();
  ASSERT_EQ(*store->putScan(scan), PutOutcome::kCreated);

  // The writer's connection stays open: the child must read the commit from the WAL, not a checkpoint.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto child = openSqliteStore(path);
    int code = 1;
    if (child.ok()) {
      auto n = (*child)->countScans();
      auto got = (*child)->getScan(scan.id);
      if (n.ok() && *n == 1 && got.ok() && got->has_value() && **got == scan) code = 0;
    }
    ::_exit(code);
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "child did not finish in 30 s";
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(SqliteStore, ReopenKeepsDataAndDoesNotRerunMigrations) {
  TempDir dir;
  const auto path = dir / "scans.db";
  Scan scan = richScan();
  {
    auto store = openOrFail(path);
    ASSERT_TRUE(store);
    ASSERT_EQ(*store->putScan(scan), PutOutcome::kCreated);
  }
  for (int round = 0; round < 2; ++round) {
    auto store = openOrFail(path);
    ASSERT_TRUE(store);
    EXPECT_EQ(*store->countScans(), 1);
    auto got = store->getScan(scan.id);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ(**got, scan);
    EXPECT_EQ(*store->putScan(scan), PutOutcome::kDuplicate);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.integer("SELECT count(*) FROM schema_version"), 1);
  EXPECT_EQ(raw.integer("SELECT max(version) FROM schema_version"), 1);
}

TEST(SqliteStore, RefusesDatabaseFromNewerBuild) {
  TempDir dir;
  const auto path = dir / "scans.db";
  { ASSERT_TRUE(openOrFail(path)); }
  {
    RawDb raw(path);
    raw.exec("INSERT INTO schema_version (version, applied_at_ms) VALUES (99, 0)");
  }
  auto store = openSqliteStore(path.string());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("99"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST(SqliteStore, OpenErrorsAreValues) {
  auto bad_dir = openSqliteStore("/proc/voipscope/x.db");
  ASSERT_FALSE(bad_dir.ok());
  EXPECT_NE(bad_dir.error().message.find("/proc/voipscope/x.db"), std::string::npos) << bad_dir.error().message;
  EXPECT_EQ(bad_dir.error().message.find('\n'), std::string::npos);

  TempDir dir;
  const auto garbage = dir / "garbage.db";
  {
    std::ofstream f(garbage, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>((i * 131 + 7) & 0xff));
  }
  auto not_db = openSqliteStore(garbage.string());
  ASSERT_FALSE(not_db.ok());
  EXPECT_NE(not_db.error().message.find("file is not a database"), std::string::npos) << not_db.error().message;
  EXPECT_NE(not_db.error().message.find(garbage.string()), std::string::npos) << not_db.error().message;
  // The garbage is the user's file: opening must not have overwritten it.
  EXPECT_EQ(std::filesystem::file_size(garbage), 4096u);
}

TEST(SqliteStore, ListScansOrderPagingAndSiteFilter) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  const std::int64_t before = nowUnixMs();
  using S = Status;
  // ids 3 and 4 share a start time: the id (ascending) breaks the tie.
  const std::vector<Scan> scans = {
      makeScan(idFor(1), "berlin", 1000, {S::kPass, S::kPass}),
      makeScan(idFor(2), "paris", 5000, {S::kFail, S::kWarn, S::kSkip}),
      makeScan(idFor(4), "berlin", 3000, {S::kError}),
      makeScan(idFor(3), "berlin", 3000, {}),
      makeScan(idFor(5), "paris", 2000, {S::kPass, S::kWarn, S::kWarn, S::kFail, S::kError}),
  };
  for (const Scan& s : scans) ASSERT_EQ(*store->putScan(s), PutOutcome::kCreated);
  const std::int64_t after = nowUnixMs();

  auto ids = [](const std::vector<ScanSummary>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) out.push_back(s.id);
    return out;
  };
  auto all = store->listScans({});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(ids(*all), (std::vector<std::string>{idFor(2), idFor(3), idFor(4), idFor(5), idFor(1)}));

  const ScanSummary& p = (*all)[0];
  EXPECT_EQ(p.site, "paris");
  EXPECT_EQ(p.template_name, "generic-sip");
  EXPECT_EQ(p.template_version, "1.2.0");
  EXPECT_EQ(p.hostname, "probe-host");
  EXPECT_EQ(p.started_at_ms, 5000);
  EXPECT_DOUBLE_EQ(p.duration_ms, 1500.25);
  EXPECT_GE(p.received_at_ms, before);
  EXPECT_LE(p.received_at_ms, after);
  EXPECT_EQ(p.counts, (StatusCounts{.pass = 0, .warn = 1, .fail = 1, .skip = 1, .error = 0}));
  EXPECT_EQ((*all)[3].counts, (StatusCounts{.pass = 1, .warn = 2, .fail = 1, .skip = 0, .error = 1}));
  EXPECT_EQ((*all)[4].counts, (StatusCounts{.pass = 2}));
  EXPECT_EQ((*all)[1].counts, StatusCounts{});

  auto page = store->listScans(query(2, 1));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(ids(*page), (std::vector<std::string>{idFor(3), idFor(4)}));
  auto tail = store->listScans(query(10, 4));
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(ids(*tail), (std::vector<std::string>{idFor(1)}));
  auto beyond = store->listScans(query(10, 50));
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(beyond->empty());

  auto berlin = store->listScans(query(100, 0, "berlin"));
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ(ids(*berlin), (std::vector<std::string>{idFor(3), idFor(4), idFor(1)}));
  auto paris_page = store->listScans(query(1, 1, "paris"));
  ASSERT_TRUE(paris_page.ok());
  EXPECT_EQ(ids(*paris_page), (std::vector<std::string>{idFor(5)}));
  auto nowhere = store->listScans(query(100, 0, "nowhere"));
  ASSERT_TRUE(nowhere.ok());
  EXPECT_TRUE(nowhere->empty());

  // Out-of-range arguments are clamped, not errors: limit to [1, 1000], offset to >= 0.
  auto zero = store->listScans(query(0));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(ids(*zero), (std::vector<std::string>{idFor(2)}));
  auto negative = store->listScans(query(100000, -3));
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative->size(), 5u);
}

TEST(SqliteStore, ConcurrentPutsFromFourThreads) {
  TempDir dir;
  auto store = openOrFail(dir / "scans.db");
  ASSERT_TRUE(store);
  constexpr unsigned kThreads = 4, kPerThread = 25;
  std::vector<std::vector<std::string>> failures(kThreads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (unsigned i = 0; i < kPerThread; ++i) {
        Scan s = makeScan(idFor(1000 + t * kPerThread + i), "site-" + std::to_string(t),
                          static_cast<std::int64_t>(t * 100 + i), {Status::kPass, Status::kFail});
        auto r = store->putScan(s);
        if (!r.ok()) failures[t].push_back(r.error().message);
        else if (*r != PutOutcome::kCreated) failures[t].push_back("not created: " + s.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& f : failures) EXPECT_TRUE(f.empty()) << f.front();
  EXPECT_EQ(*store->countScans(), 100);
  RawDb raw(dir / "scans.db");
  EXPECT_EQ(raw.integer("SELECT count(*) FROM check_results"), 200);
  auto site2 = store->listScans(query(1000, 0, "site-2"));
  ASSERT_TRUE(site2.ok());
  EXPECT_EQ(site2->size(), 25u);
}

TEST(SqliteStore, TwoStoresOnOneFileShareData) {
  // Two connections (as two server processes would have) take turns on the write lock via busy_timeout.
  TempDir dir;
  auto a = openOrFail(dir / "scans.db");
  auto b = openOrFail(dir / "scans.db");
  ASSERT_TRUE(a && b);
  std::thread ta([&] {
    for (unsigned i = 0; i < 20; ++i) EXPECT_TRUE(a->putScan(makeScan(idFor(i), "a", i, {Status::kPass})).ok());
  });
  std::thread tb([&] {
    for (unsigned i = 0; i < 20; ++i) EXPECT_TRUE(b->putScan(makeScan(idFor(100 + i), "b", i, {})).ok());
  });
  ta.join();
  tb.join();
  EXPECT_EQ(*a->countScans(), 40);
  EXPECT_EQ(*b->countScans(), 40);
  EXPECT_EQ(*b->putScan(makeScan(idFor(3), "a", 3, {Status::kPass})), PutOutcome::kDuplicate);
}

}  // namespace
}  // namespace vs::store
