#include "io/tls_stream.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <asio/experimental/as_tuple.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <ctime>
#include <fmt/format.h>
#include <optional>

#include "io/detail_http_common.h"
#include "io/detail_tls.h"

namespace vs::io {
namespace {

constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

// "CN=localhost,O=Example": RFC 2253 order, UTF-8 kept as is.
std::string nameToString(const X509_NAME* name) {
  if (!name) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return "";
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB));
  char* data = nullptr;
  long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  if (len <= 0 || !data) return "";
  return std::string(data, static_cast<std::size_t>(len));
}

std::int64_t asn1TimeToUnixMs(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

namespace detail {

TlsInfo collectTlsInfo(ssl_st* ssl) {
  TlsInfo info;
  info.version = SSL_get_version(ssl);
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
  if (cert) {
    info.subject = nameToString(X509_get_subject_name(cert.get()));
    info.issuer = nameToString(X509_get_issuer_name(cert.get()));
    info.not_after_ms = asn1TimeToUnixMs(X509_get0_notAfter(cert.get()));
  }
  long result = SSL_get_verify_result(ssl);
  info.verified = cert && result == X509_V_OK;
  if (!info.verified) {
    info.verify_error = cert ? X509_verify_cert_error_string(result) : "no certificate presented";
  }
  return info;
}

void setPeerName(ssl_st* ssl, const std::string& host) {
  std::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
    SSL_set1_host(ssl, host.c_str());
  }
}

}  // namespace detail

struct TlsClientContext::Impl {
  asio::ssl::context ctx{asio::ssl::context::tls_client};
};

TlsClientContext::TlsClientContext(std::unique_ptr<Impl> impl, bool verify)
    : impl_(std::move(impl)), verify_(verify) {}
TlsClientContext::~TlsClientContext() = default;

Result<std::shared_ptr<TlsClientContext>> TlsClientContext::create(const TlsClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  impl->ctx.set_default_verify_paths(ec);
  if (!options.ca_file.empty()) {
    impl->ctx.load_verify_file(options.ca_file, ec);
    if (ec) return makeError("cannot load CA file " + options.ca_file + ": " + detail::describe(ec));
  }
  // Verification runs during the handshake either way; with verify_none its verdict is recorded rather
  // than aborting, so the caller still sees the certificate of a server that fails it.
  impl->ctx.set_verify_mode(asio::ssl::verify_none);
  return std::shared_ptr<TlsClientContext>(new TlsClientContext(std::move(impl), options.verify));
}

struct TlsConnection::Impl {
  Impl(asio::any_io_executor ex, std::shared_ptr<TlsClientContext> c)
      : context(std::move(c)), socket(ex), stream(socket, context->impl_->ctx) {}
  std::shared_ptr<TlsClientContext> context;
  asio::ip::tcp::socket socket;
  asio::ssl::stream<asio::ip::tcp::socket&> stream;
};

TlsConnection::TlsConnection(asio::any_io_executor executor, std::shared_ptr<TlsClientContext> context)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(context))) {}

TlsConnection::~TlsConnection() { close(); }

asio::ip::tcp::socket& TlsConnection::socket() { return impl_->socket; }

void TlsConnection::close() {
  std::error_code ignored;
  if (impl_->socket.is_open()) impl_->socket.close(ignored);
}

bool TlsConnection::isOpen() const { return impl_->socket.is_open(); }

std::string TlsConnection::describe(const std::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return "connection closed by peer";
  return detail::describe(ec);
}

asio::awaitable<Result<TlsInfo>> TlsConnection::handshake(std::string server_name, std::chrono::milliseconds timeout,
                                                          TlsInfo* seen) {
  std::error_code ec;
  auto remote = impl_->socket.remote_endpoint(ec);
  const std::string peer = ec ? server_name : detail::formatEndpoint(remote);
  detail::setPeerName(impl_->stream.native_handle(), server_name);
  // The deadline closes the socket, which ends the handshake whatever state OpenSSL is in.
  auto timer = std::make_shared<asio::steady_timer>(impl_->socket.get_executor());
  auto timed_out = std::make_shared<bool>(false);
  timer->expires_after(timeout);
  timer->async_wait([timer, timed_out, sock = &impl_->socket](std::error_code tec) {
    if (tec) return;
    *timed_out = true;
    std::error_code ignored;
    sock->close(ignored);
  });
  auto [hec] = co_await impl_->stream.async_handshake(asio::ssl::stream_base::client, kAsTuple);
  timer->cancel();
  if (*timed_out) {
    close();
    co_return makeError(fmt::format("TLS handshake with {} timed out after {} ms", peer, timeout.count()));
  }
  if (hec) {
    close();
    co_return makeError(fmt::format("TLS handshake with {} failed: {}", peer, describe(hec)));
  }
  TlsInfo info = detail::collectTlsInfo(impl_->stream.native_handle());
  if (seen) *seen = info;
  if (impl_->context->verify() && !info.verified) {
    close();
    co_return makeError(fmt::format("TLS certificate of {} not trusted: {} (subject {})", server_name,
                                    info.verify_error, info.subject.empty() ? "none" : info.subject));
  }
  co_return info;
}

asio::awaitable<std::error_code> TlsConnection::write(std::string_view bytes) {
  auto [ec, n] = co_await asio::async_write(impl_->stream, asio::buffer(bytes.data(), bytes.size()), kAsTuple);
  (void)n;
  co_return ec;
}

asio::awaitable<std::pair<std::error_code, std::size_t>> TlsConnection::readSome(std::span<char> buffer) {
  auto [ec, n] = co_await impl_->stream.async_read_some(asio::buffer(buffer.data(), buffer.size()), kAsTuple);
  co_return std::make_pair(ec, n);
}

}  // namespace vs::io
