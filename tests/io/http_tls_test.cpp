#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "io/http_client.h"

namespace vs::io {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

constexpr long kValiditySeconds = 30L * 24 * 3600;

std::string bioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  return len > 0 && data ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

// Self-signed CN=localhost with SAN DNS:localhost and IP:127.0.0.1, valid 30 days from now.
TestCert makeSelfSigned() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                          &EVP_PKEY_free);
  EXPECT_TRUE(key);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), &X509_free);
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), kValiditySeconds);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("voipscope test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    EXPECT_NE(ext, nullptr);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(x.get(), key.get(), EVP_sha256()), 0);

  TestCert out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(cert_bio.get(), x.get());
  out.cert_pem = bioToString(cert_bio.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bioToString(key_bio.get());
  return out;
}

// A TLS peer that completes the handshake, then answers a fixed response to whatever request arrives,
// counting the application bytes it received on each connection.
class TlsTestServer {
 public:
  explicit TlsTestServer(const TestCert& cert, const char* address = "127.0.0.1")
      : ctx_(asio::ssl::context::tls_server), acceptor_(io_, tcp::endpoint(asio::ip::make_address(address), 0)) {
    ctx_.use_certificate(asio::buffer(cert.cert_pem), asio::ssl::context::pem);
    ctx_.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
    asio::co_spawn(io_, acceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsTestServer() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::atomic<int> handshakes{0};
  std::atomic<int> finished{0};  // connections whose reading is over
  std::atomic<std::size_t> request_bytes{0};

  // Bounded wait for `n` connections to be done.
  bool waitFinished(int n) {
    for (int i = 0; i < 200 && finished.load() < n; ++i) std::this_thread::sleep_for(10ms);
    return finished.load() >= n;
  }

 private:
  asio::awaitable<void> acceptLoop() {
    while (true) {
      auto sock = co_await acceptor_.async_accept(asio::use_awaitable);
      asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket sock) {
    asio::ssl::stream<tcp::socket> stream(std::move(sock), ctx_);
    std::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ++finished;
      co_return;
    }
    ++handshakes;
    std::string got;
    std::array<char, 4096> chunk{};
    while (got.find("\r\n\r\n") == std::string::npos) {
      std::size_t n = co_await stream.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      got.append(chunk.data(), n);
      if (ec) break;
    }
    request_bytes += got.size();
    ++finished;
    if (ec) co_return;
    std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nsecure";
    co_await asio::async_write(stream, asio::buffer(response), asio::redirect_error(asio::use_awaitable, ec));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::io_context io_;
  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

Result<HttpResponse> fetch(HttpRequest request) {
  asio::io_context io;
  std::optional<Result<HttpResponse>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { result = co_await httpRequest(io.get_executor(), nullptr, request); },
      [](std::exception_ptr) {});
  io.run_for(request.timeout + 5s);
  if (!result) return makeError("test: request did not finish");
  return std::move(*result);
}

class HttpTls : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = makeSelfSigned();
    ca_path_ = std::filesystem::path(::testing::TempDir()) /
               ("voipscope_http_tls_" + std::to_string(::getpid()) + ".pem");
    std::ofstream(ca_path_) << cert_.cert_pem;
    server_ = std::make_unique<TlsTestServer>(cert_);
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove(ca_path_, ec);
  }
  HttpRequest request(std::string_view host = "localhost") const {
    HttpRequest r;
    r.url = "https://" + std::string(host) + ":" + std::to_string(server_->port()) + "/secure";
    r.timeout = 3000ms;
    return r;
  }

  TestCert cert_;
  std::filesystem::path ca_path_;
  std::unique_ptr<TlsTestServer> server_;
};

std::int64_t expectedNotAfterMs() {
  auto now = std::chrono::system_clock::now() + std::chrono::seconds(kValiditySeconds);
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

TEST_F(HttpTls, TrustedWithCaFile) {
  for (std::string_view host : {"localhost", "127.0.0.1"}) {
    HttpRequest req = request(host);
    req.ca_file = ca_path_.string();
    auto resp = fetch(req);
    ASSERT_TRUE(resp.ok()) << host << ": " << resp.error().message;
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "secure");
    ASSERT_TRUE(resp->tls.has_value());
    const TlsInfo& tls = *resp->tls;
    EXPECT_TRUE(tls.verified) << tls.verify_error;
    EXPECT_TRUE(tls.verify_error.empty());
    EXPECT_NE(tls.subject.find("CN=localhost"), std::string::npos) << tls.subject;
    EXPECT_NE(tls.subject.find("O=voipscope test"), std::string::npos) << tls.subject;
    EXPECT_EQ(tls.issuer, tls.subject);  // self-signed
    EXPECT_EQ(tls.version.rfind("TLSv1.", 0), 0u) << tls.version;
    constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
    EXPECT_NEAR(static_cast<double>(tls.not_after_ms), static_cast<double>(expectedNotAfterMs()),
                static_cast<double>(kDayMs));
  }
}

TEST_F(HttpTls, UntrustedIsRefusedBeforeTheRequestIsSent) {
  HttpRequest req = request();
  req.verify_tls = true;
  auto resp = fetch(req);
  ASSERT_FALSE(resp.ok());
  const std::string& msg = resp.error().message;
  EXPECT_NE(msg.find("self-signed"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CN=localhost"), std::string::npos) << msg;
  ASSERT_TRUE(server_->waitFinished(1));
  EXPECT_EQ(server_->handshakes.load(), 1) << "the handshake itself should complete";
  EXPECT_EQ(server_->request_bytes.load(), 0u) << "request bytes were sent to an untrusted server";
}

TEST_F(HttpTls, HostnameMismatchIsAVerificationFailure) {
  // The certificate is trusted but names localhost / 127.0.0.1, not 127.0.0.2 (also loopback on Linux).
  std::unique_ptr<TlsTestServer> other;
  try {
    other = std::make_unique<TlsTestServer>(cert_, "127.0.0.2");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "cannot bind 127.0.0.2: " << e.what();
  }
  HttpRequest req;
  req.url = "https://127.0.0.2:" + std::to_string(other->port()) + "/";
  req.timeout = 3000ms;
  req.ca_file = ca_path_.string();
  auto resp = fetch(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_NE(resp.error().message.find("mismatch"), std::string::npos) << resp.error().message;
  ASSERT_TRUE(other->waitFinished(1));
  EXPECT_EQ(other->request_bytes.load(), 0u);

  req.verify_tls = false;
  auto unverified = fetch(req);
  ASSERT_TRUE(unverified.ok()) << unverified.error().message;
  ASSERT_TRUE(unverified->tls.has_value());
  EXPECT_FALSE(unverified->tls->verified);
  EXPECT_NE(unverified->tls->verify_error.find("mismatch"), std::string::npos) << unverified->tls->verify_error;
}

TEST_F(HttpTls, VerifyOffReturnsResponseAndReportsWhy) {
  HttpRequest req = request();
  req.verify_tls = false;
  auto resp = fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "secure");
  ASSERT_TRUE(resp->tls.has_value());
  EXPECT_FALSE(resp->tls->verified);
  EXPECT_FALSE(resp->tls->verify_error.empty());
  EXPECT_NE(resp->tls->subject.find("CN=localhost"), std::string::npos);
  ASSERT_TRUE(server_->waitFinished(1));
  EXPECT_GT(server_->request_bytes.load(), 0u);
}

TEST_F(HttpTls, HandshakeFailureAgainstPlainServer) {
  // A plain TCP peer that answers HTTP to the ClientHello.
  asio::io_context io;
  tcp::acceptor plain(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::thread peer([&] {
    std::error_code ec;
    tcp::socket s(io);
    plain.accept(s, ec);
    if (ec) return;
    std::array<char, 1024> buf{};
    s.read_some(asio::buffer(buf), ec);
    asio::write(s, asio::buffer(std::string("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")), ec);
    s.shutdown(tcp::socket::shutdown_both, ec);
  });
  HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(plain.local_endpoint().port()) + "/";
  req.timeout = 2000ms;
  auto resp = fetch(req);
  peer.join();
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().message.rfind("TLS handshake failed: ", 0), 0u) << resp.error().message;
}

TEST_F(HttpTls, MissingCaFileIsAnError) {
  HttpRequest req = request();
  req.ca_file = (std::filesystem::path(::testing::TempDir()) / "voipscope_no_such_ca.pem").string();
  auto resp = fetch(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_NE(resp.error().message.find("voipscope_no_such_ca.pem"), std::string::npos) << resp.error().message;
}

}  // namespace
}  // namespace vs::io
