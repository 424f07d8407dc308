#pragma once
// The client's outbox: every scan that is to be uploaded is written here first (temp file, fsync, rename,
// fsync of the directory) and removed only when the server has confirmed a durable commit of that id.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"

namespace vs::store {

struct OutboxEntry {
  std::string id;
  std::filesystem::path path;
  std::string json;  // the scan's JSON exactly as it will be uploaded
};

class Outbox {
 public:
  // Creates the directory (mode 0700) if needed.
  static Result<Outbox> open(std::filesystem::path dir);

  // Default location: $VOIPSCOPE_OUTBOX, else $XDG_STATE_HOME/voipscope/outbox, else ~/.local/state/voipscope/outbox.
  static std::filesystem::path defaultDir();

  // Durable when it returns: <dir>/<id>.json. Adding the same id again replaces it atomically.
  Result<std::filesystem::path> add(const Scan& scan);
  // Oldest first. A file that cannot be read or parsed is reported in `problems` and left in place.
  Result<std::vector<OutboxEntry>> list(std::vector<std::string>* problems = nullptr) const;
  VoidResult remove(std::string_view id);
  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit Outbox(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace vs::store
