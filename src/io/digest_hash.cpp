#include "io/digest_hash.h"

#include <openssl/evp.h>

#include <array>
#include <cstdlib>

namespace vs::io {

std::string digestHash(proto::sip::DigestHashFunction function, std::string_view data) {
  const EVP_MD* md = function == proto::sip::DigestHashFunction::kSha256 ? EVP_sha256() : EVP_md5();
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  // One-shot EVP_Digest only fails on allocation failure or a disabled algorithm (MD5 under a FIPS-only
  // provider); an empty digest then fails the peer's check instead of sending a made-up response.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0x0f]);
  }
  return hex;
}

}  // namespace vs::io
