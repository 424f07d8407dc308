#pragma once
// Where the shared corpus of real SIP/RTP captures (with tshark's reference figures) is:
// $VOIPSCOPE_SHARED_DIR/corpus, else ../shared/corpus beside the source tree (set by tests/CMakeLists.txt).
#include <cstdlib>
#include <filesystem>

namespace vs::test {

inline std::filesystem::path corpusDir() {
  if (const char* e = std::getenv("VOIPSCOPE_SHARED_DIR")) return std::filesystem::path(e) / "corpus";
  return std::filesystem::path(VOIPSCOPE_SHARED_DIR) / "corpus";
}

}  // namespace vs::test
