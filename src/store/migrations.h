#pragma once
// Numbered schema migrations for the SQLite store. A migration is never edited once released: a change
// to the schema is a new, higher-numbered migration.
#include "core/result.h"
#include "store/detail_sqlite.h"

namespace vs::store::detail {

// The schema version this build creates and reads.
int latestSchemaVersion();

// Applies every migration above the database's recorded version, all in one IMMEDIATE transaction, and
// records each in schema_version. A database newer than this build is an error (reading it could misread).
VoidResult migrate(Db& db);

}  // namespace vs::store::detail
