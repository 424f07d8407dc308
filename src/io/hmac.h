#pragma once
// HMAC-SHA256 from OpenSSL for the reflector's shared-secret check (openssl headers stay in the .cpp).
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace vs::io {

std::array<std::byte, 32> hmacSha256(std::string_view key, std::span<const std::byte> data);

}  // namespace vs::io
