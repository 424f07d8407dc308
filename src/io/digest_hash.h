#pragma once
// The hash behind proto/sip/digest.h, from OpenSSL (openssl/evp.h stays in the .cpp).
#include <string>
#include <string_view>

#include "proto/sip/digest.h"

namespace vs::io {

// Lowercase hex digest; matches proto::sip::DigestHash so it can be passed as the hasher.
std::string digestHash(proto::sip::DigestHashFunction function, std::string_view data);

}  // namespace vs::io
