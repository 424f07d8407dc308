#pragma once
// OpenSSL helpers shared by the TLS users inside src/io (the HTTP client and TlsConnection).
#include <string>

#include "io/tls_stream.h"

struct ssl_st;

namespace vs::io::detail {

// The peer certificate's subject, issuer and expiry, and the verification verdict.
TlsInfo collectTlsInfo(ssl_st* ssl);
// SNI and the name verification checks (an IP literal is checked against the certificate's IP SANs).
void setPeerName(ssl_st* ssl, const std::string& host);

}  // namespace vs::io::detail
