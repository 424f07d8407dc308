#pragma once
// Where the shared corpus of real SIP/RTP captures (with tshark's reference figures) is:
// $VOIPSCOPE_SHARED_DIR/corpus, else ../shared/corpus beside the source tree (set by tests/CMakeLists.txt).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace vs::test {

inline std::filesystem::path corpusDir() {
  if (const char* e = std::getenv("VOIPSCOPE_SHARED_DIR")) return std::filesystem::path(e) / "corpus";
  return std::filesystem::path(VOIPSCOPE_SHARED_DIR) / "corpus";
}

// Every capture file of the corpus (pcap, pcapng, gzip-compressed too), not the reference JSON, in path
// order.
inline std::vector<std::filesystem::path> corpusCaptures() {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpusDir())) {
    const auto& p = entry.path();
    const auto name = p.filename().string();
    if (!entry.is_regular_file() || p.string().find("/reference/") != std::string::npos) continue;
    if (name.find(".pcap") == std::string::npos || name.ends_with(".json")) continue;
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vs::test
