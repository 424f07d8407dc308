// The SQLite Store: one connection behind a mutex. Writes are one IMMEDIATE transaction each, and with WAL
// plus synchronous=FULL a COMMIT that returned has been fsync'd, which is what kCreated promises.
#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include "core/id.h"
#include "core/json.h"
#include "core/status.h"
#include "core/time.h"
#include "store/detail_sqlite.h"
#include "store/migrations.h"
#include "store/store.h"

namespace vs::store {
namespace {

using detail::Db;
using detail::Stmt;
using detail::StmtUse;
using detail::Transaction;

constexpr int kBusyTimeoutMs = 5000;
constexpr int kMaxListLimit = 1000;

constexpr const char* kSummaryColumns =
    "id, site, template_name, template_version, hostname, started_at_ms, received_at_ms, duration_ms,"
    " n_pass, n_warn, n_fail, n_skip, n_error";

// Statements prepared once per connection and reused.
struct Statements {
  Stmt select_json;
  Stmt insert_scan;
  Stmt insert_result;
  Stmt list_all;
  Stmt list_site;
  Stmt count;
};

Result<Statements> prepareAll(Db& db) {
  Statements s;
  struct Item {
    Stmt* stmt;
    std::string sql;
  };
  const Item items[] = {
      {&s.select_json, "SELECT json FROM scans WHERE id = ?1"},
      {&s.insert_scan,
       "INSERT INTO scans (id, site, template_name, template_version, hostname, started_at_ms, received_at_ms,"
       " duration_ms, n_pass, n_warn, n_fail, n_skip, n_error, json)"
       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"},
      {&s.insert_result,
       "INSERT INTO check_results (scan_id, idx, check_id, type, category, target, status, message,"
       " remediation, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      {&s.list_all, std::string("SELECT ") + kSummaryColumns +
                        " FROM scans ORDER BY started_at_ms DESC, id LIMIT ?1 OFFSET ?2"},
      {&s.list_site, std::string("SELECT ") + kSummaryColumns +
                         " FROM scans WHERE site = ?3 ORDER BY started_at_ms DESC, id LIMIT ?1 OFFSET ?2"},
      {&s.count, "SELECT count(*) FROM scans"},
  };
  for (const Item& it : items) {
    auto stmt = db.prepare(it.sql);
    if (!stmt) return stmt.error();
    *it.stmt = std::move(*stmt);
  }
  return s;
}

ScanSummary readSummary(const Stmt& st) {
  ScanSummary s;
  s.id = st.text(0);
  s.site = st.text(1);
  s.template_name = st.text(2);
  s.template_version = st.text(3);
  s.hostname = st.text(4);
  s.started_at_ms = st.int64(5);
  s.received_at_ms = st.int64(6);
  s.duration_ms = st.real(7);
  s.counts.pass = static_cast<int>(st.int64(8));
  s.counts.warn = static_cast<int>(st.int64(9));
  s.counts.fail = static_cast<int>(st.int64(10));
  s.counts.skip = static_cast<int>(st.int64(11));
  s.counts.error = static_cast<int>(st.int64(12));
  return s;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(Db db, Statements statements) : db_(std::move(db)), st_(std::move(statements)) {}

  Result<PutOutcome> putScan(const Scan& scan) override {
    // The id becomes a primary key the clients and the API agree on; anything else is bad input.
    if (!isValidScanId(scan.id)) return makeError("scan id: expected 32 lowercase hex digits");
    const std::string json = toJson(scan);
    const StatusCounts counts = scan.counts();

    std::lock_guard lock(mu_);
    auto tx = Transaction::beginImmediate(db_);
    if (!tx) return tx.error();
    {
      StmtUse q(st_.select_json);
      q->bind(1, scan.id);
      auto row = q->step();
      if (!row) return row.error();
      if (*row) {
        // Nothing to write either way: ~Transaction rolls back the read-only transaction.
        return q->text(0) == json ? PutOutcome::kDuplicate : PutOutcome::kConflict;
      }
    }
    {
      StmtUse ins(st_.insert_scan);
      ins->bind(1, scan.id)
          .bind(2, scan.site)
          .bind(3, scan.template_name)
          .bind(4, scan.template_version)
          .bind(5, scan.host.hostname)
          .bind(6, scan.started_at_ms)
          .bind(7, nowUnixMs())
          .bind(8, scan.duration_ms)
          .bind(9, counts.pass)
          .bind(10, counts.warn)
          .bind(11, counts.fail)
          .bind(12, counts.skip)
          .bind(13, counts.error)
          .bind(14, json);
      if (auto r = ins->run(); !r) return r.error();
    }
    for (std::size_t i = 0; i < scan.results.size(); ++i) {
      const CheckResult& r = scan.results[i];
      StmtUse ins(st_.insert_result);
      ins->bind(1, scan.id)
          .bind(2, static_cast<std::int64_t>(i))
          .bind(3, r.check_id)
          .bind(4, r.type)
          .bind(5, toString(r.category))
          .bind(6, r.target)
          .bind(7, toString(r.status))
          .bind(8, r.message)
          .bind(9, r.remediation)
          .bind(10, r.duration_ms);
      if (auto res = ins->run(); !res) return res.error();
    }
    if (auto r = tx->commit(); !r) return r.error();
    return PutOutcome::kCreated;
  }

  Result<std::optional<Scan>> getScan(std::string_view id) override {
    std::string json;
    {
      std::lock_guard lock(mu_);
      StmtUse q(st_.select_json);
      q->bind(1, id);
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) return std::optional<Scan>();
      json = q->text(0);
    }
    // Parsing outside the lock: it can be the slow part for a large scan.
    auto scan = scanFromJson(json);
    if (!scan) return makeError("stored scan " + std::string(id) + ": " + scan.error().message);
    return std::optional<Scan>(std::move(*scan));
  }

  Result<std::vector<ScanSummary>> listScans(const ListQuery& query) override {
    const int limit = std::clamp(query.limit, 1, kMaxListLimit);
    const int offset = std::max(query.offset, 0);
    std::lock_guard lock(mu_);
    StmtUse q(query.site.empty() ? st_.list_all : st_.list_site);
    q->bind(1, limit).bind(2, offset);
    if (!query.site.empty()) q->bind(3, query.site);
    std::vector<ScanSummary> out;
    for (;;) {
      auto row = q->step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back(readSummary(*q));
    }
    return out;
  }

  Result<std::int64_t> countScans() override {
    std::lock_guard lock(mu_);
    StmtUse q(st_.count);
    auto row = q->step();
    if (!row) return row.error();
    if (!*row) return makeError("sqlite: count returned no row");
    return q->int64(0);
  }

  Result<std::string> pragma(std::string_view name) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return c == '_' || (c >= 'a' && c <= 'z');
        })) {
      return makeError("pragma: invalid name");
    }
    // A pragma name cannot be a bound parameter; the check above keeps this constant-like.
    const std::string sql = "PRAGMA " + std::string(name);
    std::lock_guard lock(mu_);
    return db_.queryText(sql.c_str());
  }

 private:
  std::mutex mu_;
  // Declared before st_ so that statements are finalized first (close_v2 would cope, but this is tidier).
  Db db_;
  Statements st_;
};

Result<Db> configure(Db db, const std::string& path) {
  auto prefixed = [&path](const Error& e) {
    // "sqlite: <path>: <reason>", so the operator sees which file is the problem.
    std::string msg = e.message;
    if (msg.rfind("sqlite: ", 0) == 0) msg = msg.substr(8);
    return makeError("sqlite: " + path + ": " + msg);
  };
  // Set first so that the statements below also wait for another process's lock instead of failing.
  const std::string busy = "PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs);
  if (auto r = db.exec(busy.c_str()); !r) return prefixed(r.error());
  if (auto r = db.exec("PRAGMA foreign_keys = ON"); !r) return prefixed(r.error());
  // Reads the file header, so this is where a file that is not a database is first noticed.
  auto mode = db.queryText("PRAGMA journal_mode = WAL");
  if (!mode) return prefixed(mode.error());
  if (*mode != "wal" && !(path == ":memory:" && *mode == "memory")) {
    return makeError("sqlite: " + path + ": cannot use WAL journal mode (got '" + *mode + "')");
  }
  if (auto r = db.exec("PRAGMA synchronous = FULL"); !r) return prefixed(r.error());
  if (auto r = detail::migrate(db); !r) return prefixed(r.error());
  return db;
}

}  // namespace

Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path) {
  auto db = Db::open(path);
  if (!db) return db.error();
  auto ready = configure(std::move(*db), path);
  if (!ready) return ready.error();
  auto statements = prepareAll(*ready);
  if (!statements) return statements.error();
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(*ready), std::move(*statements)));
}

namespace detail {

Result<std::string> pragmaValue(Store& store, std::string_view name) {
  auto* sqlite = dynamic_cast<SqliteStore*>(&store);
  if (sqlite == nullptr) return makeError("pragma: not a SQLite store");
  return sqlite->pragma(name);
}

}  // namespace detail
}  // namespace vs::store
