#pragma once
#include <string>

#include "core/model.h"

namespace vs::cli {

struct UploadSettings {
  std::string url;
  std::string token;
  std::string outbox_dir;  // empty: the default
  std::string ca_file;
  bool insecure = false;
};

// Writes the scan to the outbox (durably), then flushes the whole outbox (older scans too).
// Prints one line per outcome to stderr. True when this scan was confirmed stored.
bool enqueueAndFlush(const Scan& scan, const UploadSettings& settings, std::string_view command);

}  // namespace vs::cli
