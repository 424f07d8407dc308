#include "store/detail_sqlite.h"

#include <sqlite3.h>

#include <cstdint>
#include <system_error>
#include <utility>

namespace vs::store::detail {
namespace {

// SQLITE_TRANSIENT is a C cast of -1 to a function pointer; spelled out here to stay -Wold-style-cast clean.
sqlite3_destructor_type transient() noexcept {
  return reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));
}

std::string messageOf(sqlite3* db, int rc) {
  // With no handle (out of memory on open) only the generic text for the code is available.
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return std::string("sqlite: ") + (msg != nullptr ? msg : "unknown error");
}

}  // namespace

// ---- Stmt ----

Stmt::Stmt(Stmt&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(std::exchange(other.bind_rc_, 0)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = std::exchange(other.bind_rc_, 0);
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

void Stmt::noteBind(int rc) noexcept {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Stmt& Stmt::bind(int index, std::string_view text) {
  noteBind(sqlite3_bind_text64(stmt_, index, text.data(), static_cast<sqlite3_uint64>(text.size()), transient(),
                               SQLITE_UTF8));
  return *this;
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  noteBind(sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)));
  return *this;
}

Stmt& Stmt::bind(int index, double value) {
  noteBind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}

Result<bool> Stmt::step() {
  if (bind_rc_ != SQLITE_OK) return makeError(std::string("sqlite: bind: ") + sqlite3_errstr(bind_rc_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return makeError(messageOf(db_, rc));
}

VoidResult Stmt::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.error();
    if (!*r) return Ok{};
  }
}

std::string Stmt::text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);  // after column_text, as SQLite documents
  if (p == nullptr || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::int64_t Stmt::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Stmt::real(int column) const { return sqlite3_column_double(stmt_, column); }

void Stmt::reset() noexcept {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = SQLITE_OK;
}

// ---- Db ----

Db::Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

// close_v2 defers the close until the last statement is finalized, so member order cannot leak a handle.
Db::~Db() { sqlite3_close_v2(db_); }

Result<Db> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);  // owns the handle even when open failed
  if (rc != SQLITE_OK) {
    std::string msg = "sqlite: " + path + ": " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    if (raw != nullptr) {
      if (int err = sqlite3_system_errno(raw); err != 0) {
        msg += " (" + std::error_code(err, std::generic_category()).message() + ")";
      }
    }
    return makeError(std::move(msg));
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

VoidResult Db::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return makeError(messageOf(db_, rc));
  return Ok{};
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw,
                              nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return makeError(messageOf(db_, rc));
  }
  return Stmt(db_, raw);
}

Result<std::string> Db::queryText(const char* sql) {
  auto stmt = prepare(sql);
  if (!stmt) return stmt.error();
  auto row = stmt->step();
  if (!row) return row.error();
  if (!*row) return makeError(std::string("sqlite: no row from: ") + sql);
  return stmt->text(0);
}

std::string Db::lastError() const { return messageOf(db_, SQLITE_ERROR); }

// ---- Transaction ----

Result<Transaction> Transaction::beginImmediate(Db& db) {
  auto r = db.exec("BEGIN IMMEDIATE");
  if (!r) return r.error();
  return Transaction(db);
}

Transaction::~Transaction() { rollback(); }

VoidResult Transaction::commit() {
  if (db_ == nullptr) return makeError("sqlite: commit without an open transaction");
  auto r = db_->exec("COMMIT");
  if (!r) {
    rollback();  // a failed COMMIT (e.g. SQLITE_BUSY, I/O error) leaves the transaction open
    return r.error();
  }
  db_ = nullptr;
  return Ok{};
}

void Transaction::rollback() noexcept {
  if (db_ == nullptr) return;
  // Fails harmlessly when SQLite already rolled back on its own (after some I/O errors).
  (void)db_->exec("ROLLBACK");
  db_ = nullptr;
}

}  // namespace vs::store::detail
