#include "io/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace vs::io {

std::array<std::byte, 32> hmacSha256(std::string_view key, std::span<const std::byte> data) {
  std::array<std::byte, 32> out{};
  unsigned int len = 0;
  // Fails only on allocation failure; the all-zero result then fails every comparison, which drops the
  // packet rather than accepting it.
  (void)HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
             data.size(), reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

}  // namespace vs::io
