// Replays a fuzz target's corpus in the normal test run (no libFuzzer needed): every file, and every
// prefix of the small ones, since truncation is the commonest real-world damage.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void runOne(const std::string& bytes) {
  // A copy per call so the sanitizers see reads past the end of exactly this input.
  std::vector<std::uint8_t> buf(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(buf.data(), buf.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t files = 0, inputs = 0;
  runOne("");
  ++inputs;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path dir(argv[i]);
    if (!std::filesystem::exists(dir)) {
      std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
      return 1;
    }
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      runOne(bytes);
      ++files;
      ++inputs;
      if (bytes.size() <= 8192) {
        for (std::size_t n = 0; n < bytes.size(); ++n, ++inputs) runOne(bytes.substr(0, n));
      }
    }
  }
  if (files == 0) {
    std::fprintf(stderr, "replay: no corpus files found\n");
    return 1;
  }
  std::printf("replay: %zu files, %zu inputs, no crash\n", files, inputs);
  return 0;
}
