#pragma once
// A TLS client connection over TCP on the event loop (OpenSSL through Asio; the OpenSSL and asio/ssl
// headers stay in tls_stream.cpp). Used by the SIP probes for sips: / transport=tls. The peer's
// certificate is always collected, verified or not, so a failing certificate can still be shown.
#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/result.h"

namespace vs::io {

struct TlsInfo {
  std::string version;  // "TLSv1.3"
  std::string subject;  // "CN=prov.example.com,O=..."
  std::string issuer;
  std::int64_t not_after_ms = 0;  // Unix ms
  bool verified = false;
  std::string verify_error;  // empty when verified
};

struct TlsClientOptions {
  bool verify = true;   // false: --insecure, the certificate is shown but not checked
  std::string ca_file;  // extra trust anchor (PEM) on top of the system's
};

// Trust settings shared by every connection of a run (the CA file is read once).
class TlsClientContext {
 public:
  static Result<std::shared_ptr<TlsClientContext>> create(const TlsClientOptions& options);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;
  bool verify() const { return verify_; }

 private:
  friend class TlsConnection;
  struct Impl;
  TlsClientContext(std::unique_ptr<Impl> impl, bool verify);
  std::unique_ptr<Impl> impl_;
  bool verify_;
};

class TlsConnection {
 public:
  TlsConnection(asio::any_io_executor executor, std::shared_ptr<TlsClientContext> context);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // The TCP socket under TLS: open, set options and connect it before handshake().
  asio::ip::tcp::socket& socket();

  // server_name is sent as SNI and checked against the certificate (an IP literal against its IP SANs).
  // Fails with one line ("TLS handshake with 127.0.0.1:5061 failed: ...", "certificate of ... not trusted:
  // self-signed certificate (subject CN=...)") and then the connection is closed; the info of a
  // certificate that failed verification is still returned through `seen` when given.
  asio::awaitable<Result<TlsInfo>> handshake(std::string server_name, std::chrono::milliseconds timeout,
                                             TlsInfo* seen = nullptr);
  // Writes all of `bytes`.
  asio::awaitable<std::error_code> write(std::string_view bytes);
  asio::awaitable<std::pair<std::error_code, std::size_t>> readSome(std::span<char> buffer);
  // Closes the socket: pending operations end with operation_aborted. No close_notify is sent.
  void close();
  bool isOpen() const;

  // "connection closed by peer" for EOF / truncation, OpenSSL's reason otherwise.
  static std::string describe(const std::error_code& ec);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs::io
