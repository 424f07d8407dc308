#pragma once
// Move-only RAII over the SQLite C API, private to src/store. sqlite3.h stays in detail_sqlite.cpp so that
// nothing that includes this header (tests included) depends on SQLite's macros.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace vs::store::detail {

class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // 1-based indexes, like SQLite. Text is copied, so temporaries are fine. A failed bind is reported by the
  // next step() rather than here, which keeps call sites to one check per statement.
  Stmt& bind(int index, std::string_view text);
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, double value);

  // true: a row is ready to read; false: the statement is done.
  [[nodiscard]] Result<bool> step();
  // Steps to completion, ignoring rows (INSERT, UPDATE, ...).
  [[nodiscard]] VoidResult run();

  std::string text(int column) const;
  std::int64_t int64(int column) const;
  double real(int column) const;

  // Ready for the next use: rewinds and drops bindings. A statement left mid-SELECT would pin a read
  // snapshot and block WAL checkpoints, so cached statements are always reset after use.
  void reset() noexcept;

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void noteBind(int rc) noexcept;

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = 0;
};

// Resets a cached statement when the scope ends, on every path.
class StmtUse {
 public:
  explicit StmtUse(Stmt& stmt) noexcept : stmt_(stmt) { stmt_.reset(); }
  ~StmtUse() { stmt_.reset(); }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  Stmt* operator->() noexcept { return &stmt_; }
  Stmt& operator*() noexcept { return stmt_; }

 private:
  Stmt& stmt_;
};

class Db {
 public:
  Db() = default;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Opens or creates the file. Errors name the path and, when there is one, the OS's reason.
  static Result<Db> open(const std::string& path);

  // Constant SQL only (schema, BEGIN/COMMIT, pragmas): data always goes through prepare() and bind().
  [[nodiscard]] VoidResult exec(const char* sql);
  [[nodiscard]] Result<Stmt> prepare(std::string_view sql);
  // Runs a constant query expected to yield one row and returns its first column as text.
  [[nodiscard]] Result<std::string> queryText(const char* sql);

  // "sqlite: <SQLite's message for the last failure on this connection>", one line.
  std::string lastError() const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front, so a transaction that reads before it writes cannot fail
// half-way with SQLITE_BUSY on lock upgrade. Rolls back unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> beginImmediate(Db& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  [[nodiscard]] VoidResult commit();
  void rollback() noexcept;

 private:
  explicit Transaction(Db& db) : db_(&db) {}
  Db* db_ = nullptr;  // null once committed or rolled back
};

// Test hook: the value of a pragma on the store's own connection (synchronous, journal_mode, ...), which a
// second connection cannot see. `name` must be a bare identifier; the store must come from openSqliteStore.
Result<std::string> pragmaValue(Store& store, std::string_view name);

}  // namespace vs::store::detail
