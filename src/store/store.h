#pragma once
// The Store interface. SQLite (embedded default) implements it now; PostgreSQL later, tested by the same
// suite. Implementations are safe to call from several threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace vs::store {

enum class PutOutcome {
  kCreated,    // committed durably (fsync'd) before this returns
  kDuplicate,  // the same scan (same id, same content) was already stored: nothing written
  kConflict,   // the id is stored with different content: nothing written
};

struct ScanSummary {
  std::string id;
  std::string site;
  std::string template_name;
  std::string template_version;
  std::string hostname;
  std::int64_t started_at_ms = 0;
  std::int64_t received_at_ms = 0;
  double duration_ms = 0;
  StatusCounts counts;
};

struct ListQuery {
  int limit = 100;  // clamped to [1, 1000]
  int offset = 0;
  std::string site;  // exact match; empty: all sites
};

class Store {
 public:
  virtual ~Store() = default;
  virtual Result<PutOutcome> putScan(const Scan& scan) = 0;
  virtual Result<std::optional<Scan>> getScan(std::string_view id) = 0;
  // Newest first (by started_at, then id).
  virtual Result<std::vector<ScanSummary>> listScans(const ListQuery& query) = 0;
  virtual Result<std::int64_t> countScans() = 0;
};

// Opens (creating and migrating) a SQLite database: WAL journal, synchronous=FULL so every commit is
// fsync'd before putScan returns.
Result<std::unique_ptr<Store>> openSqliteStore(const std::string& path);

}  // namespace vs::store
