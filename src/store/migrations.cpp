#include "store/migrations.h"

#include <array>
#include <cstdint>
#include <string>

#include "core/time.h"

namespace vs::store::detail {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// The json column is the canonical toJson(scan) text: the source of truth for getScan and for telling a
// duplicate upload from a conflicting one. The other columns are derived from it, for listing and queries.
constexpr const char* kMigration1 = R"sql(
CREATE TABLE scans (
  id               TEXT PRIMARY KEY NOT NULL,
  site             TEXT NOT NULL,
  template_name    TEXT NOT NULL,
  template_version TEXT NOT NULL,
  hostname         TEXT NOT NULL,
  started_at_ms    INTEGER NOT NULL,
  received_at_ms   INTEGER NOT NULL,
  duration_ms      REAL NOT NULL,
  n_pass           INTEGER NOT NULL,
  n_warn           INTEGER NOT NULL,
  n_fail           INTEGER NOT NULL,
  n_skip           INTEGER NOT NULL,
  n_error          INTEGER NOT NULL,
  json             TEXT NOT NULL
);
CREATE INDEX scans_by_started ON scans (started_at_ms DESC, id);
CREATE INDEX scans_by_site ON scans (site, started_at_ms DESC, id);
CREATE TABLE check_results (
  scan_id     TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  idx         INTEGER NOT NULL,
  check_id    TEXT NOT NULL,
  type        TEXT NOT NULL,
  category    TEXT NOT NULL,
  target      TEXT NOT NULL,
  status      TEXT NOT NULL,
  message     TEXT NOT NULL,
  remediation TEXT NOT NULL,
  duration_ms REAL NOT NULL,
  PRIMARY KEY (scan_id, idx)
);
CREATE INDEX check_results_by_check ON check_results (check_id, status);
)sql";

constexpr std::array kMigrations = {
    Migration{1, kMigration1},
};

}  // namespace

int latestSchemaVersion() { return kMigrations.back().version; }

VoidResult migrate(Db& db) {
  auto tx = Transaction::beginImmediate(db);
  if (!tx) return tx.error();
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                       " version INTEGER PRIMARY KEY NOT NULL, applied_at_ms INTEGER NOT NULL)");
      !r) {
    return r.error();
  }
  auto current_text = db.queryText("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!current_text) return current_text.error();
  int current = std::stoi(*current_text);
  if (current > latestSchemaVersion()) {
    return makeError("sqlite: database schema version " + std::to_string(current) +
                     " is newer than this build supports (" + std::to_string(latestSchemaVersion()) + ")");
  }

  auto record = db.prepare("INSERT INTO schema_version (version, applied_at_ms) VALUES (?1, ?2)");
  if (!record) return record.error();
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    if (auto r = db.exec(m.sql); !r) {
      return makeError(r.error().message + " (in migration " + std::to_string(m.version) + ")");
    }
    record->reset();
    record->bind(1, m.version).bind(2, nowUnixMs());
    if (auto r = record->run(); !r) return r.error();
  }
  return tx->commit();
}

}  // namespace vs::store::detail
