#include "core/id.h"

#include <random>

namespace vs {

std::string randomHex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local std::random_device rd;
  thread_local std::mt19937_64 gen(static_cast<std::uint64_t>(rd()) << 32 ^ rd());
  std::string out;
  out.reserve(bytes * 2);
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    if (i % 8 == 0) word = gen();
    auto b = static_cast<unsigned>(word & 0xff);
    word >>= 8;
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::string newScanId() {
  // Scan ids must not collide across sites: take them straight from the OS's random source.
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    unsigned v = rd();
    for (int j = 0; j < 8; ++j) {
      out.push_back(kHex[v & 0xf]);
      v >>= 4;
    }
  }
  return out;
}

bool isValidScanId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace vs
