#pragma once
#include <string>
#include <string_view>

namespace vs {

// 128 random bits as 32 lowercase hex digits (from the OS's random source).
std::string newScanId();
bool isValidScanId(std::string_view id);
// n random bytes as 2n hex digits (Call-IDs, tags, branches).
std::string randomHex(std::size_t bytes);

}  // namespace vs
