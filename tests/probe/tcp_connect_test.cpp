#include <gtest/gtest.h>

#include "support/run_coroutine.h"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <cerrno>
#include <chrono>

#include "probe/responders.h"
#include "probe/tcp_connect.h"
#include "probe/tcp_connect_detail.h"

using namespace std::chrono_literals;
using vs::probe::TcpOutcome;

namespace {

using vs::testing::runFor;

std::unique_ptr<vs::io::Resolver> makeResolver(asio::io_context& ioc, std::uint16_t dns_port) {
  vs::io::ResolverOptions o;
  o.servers = {"127.0.0.1:" + std::to_string(dns_port)};
  o.use_hosts_file = false;
  o.timeout = 500ms;
  o.tries = 1;
  auto r = vs::io::Resolver::create(ioc.get_executor(), o);
  EXPECT_TRUE(r);
  return r ? std::move(r.value()) : nullptr;
}

class TcpConnect : public ::testing::Test {
 protected:
  void SetUp() override {
    vs::probe::DnsResponderOptions o;
    o.records["listener.voipscope.test"] = {"127.0.0.1"};
    auto d = vs::probe::DnsResponder::start(ioc_.get_executor(), o);
    ASSERT_TRUE(d) << d.error().message;
    dns_ = std::move(d.value());
    resolver_ = makeResolver(ioc_, dns_->port());
    ASSERT_TRUE(resolver_);
  }
  void TearDown() override {
    resolver_.reset();
    dns_.reset();
  }
  asio::io_context ioc_;
  std::unique_ptr<vs::probe::DnsResponder> dns_;
  std::unique_ptr<vs::io::Resolver> resolver_;
};

TEST_F(TcpConnect, ConnectsToAListenerByNameAndByLiteral) {
  asio::ip::tcp::acceptor acceptor(ioc_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    vs::probe::TcpConnectParams p;
    p.host = "listener.voipscope.test";
    p.port = port;
    p.timeout = 2000ms;
    auto r = co_await vs::probe::tcpConnect(*resolver_, p);
    EXPECT_EQ(r.outcome, TcpOutcome::kConnected) << r.detail;
    EXPECT_EQ(r.address, "127.0.0.1:" + std::to_string(port));
    EXPECT_GE(r.connect_ms, 0.0);
    EXPECT_LT(r.connect_ms, 2000.0);
    EXPECT_TRUE(r.detail.empty());
    p.host = "127.0.0.1";
    auto lit = co_await vs::probe::tcpConnect(*resolver_, p);
    EXPECT_EQ(lit.outcome, TcpOutcome::kConnected) << lit.detail;
  }());
}

TEST_F(TcpConnect, IPv6LoopbackAddressIsBracketed) {
  std::error_code ec;
  asio::ip::tcp::acceptor acceptor(ioc_);
  acceptor.open(asio::ip::tcp::v6(), ec);
  if (!ec) acceptor.bind(asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  const auto port = acceptor.local_endpoint().port();
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    vs::probe::TcpConnectParams p;
    p.host = "::1";
    p.port = port;
    auto r = co_await vs::probe::tcpConnect(*resolver_, p);
    EXPECT_EQ(r.outcome, TcpOutcome::kConnected) << r.detail;
    EXPECT_EQ(r.address, "[::1]:" + std::to_string(port));
  }());
}

TEST_F(TcpConnect, ClosedPortIsRefused) {
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor a(ioc_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    vs::probe::TcpConnectParams p;
    p.host = "127.0.0.1";
    p.port = port;
    p.timeout = 2000ms;
    auto r = co_await vs::probe::tcpConnect(*resolver_, p);
    EXPECT_EQ(r.outcome, TcpOutcome::kRefused) << r.detail;
    EXPECT_FALSE(r.detail.empty());
    EXPECT_LT(r.connect_ms, 2000.0);
    EXPECT_EQ(r.address, "127.0.0.1:" + std::to_string(port));
  }());
}

TEST_F(TcpConnect, UnresolvableNameCarriesTheResolverMessage) {
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    vs::probe::TcpConnectParams p;
    p.host = "gone.voipscope.test";
    p.port = 5060;
    auto r = co_await vs::probe::tcpConnect(*resolver_, p);
    EXPECT_EQ(r.outcome, TcpOutcome::kResolveFailed);
    EXPECT_EQ(r.detail, "gone.voipscope.test: name does not exist (NXDOMAIN)");
    EXPECT_TRUE(r.address.empty());
  }());
}

TEST(TcpConnectErrors, MapsOsErrorsToOutcomes) {
  using vs::probe::detail::classifyConnectError;
  const auto sys = [](int e) { return std::error_code(e, std::system_category()); };
  EXPECT_EQ(classifyConnectError(sys(ECONNREFUSED)), TcpOutcome::kRefused);
  EXPECT_EQ(classifyConnectError(asio::error::connection_refused), TcpOutcome::kRefused);
  EXPECT_EQ(classifyConnectError(sys(EHOSTUNREACH)), TcpOutcome::kUnreachable);
  EXPECT_EQ(classifyConnectError(sys(ENETUNREACH)), TcpOutcome::kUnreachable);
  EXPECT_EQ(classifyConnectError(asio::error::host_unreachable), TcpOutcome::kUnreachable);
  EXPECT_EQ(classifyConnectError(asio::error::network_unreachable), TcpOutcome::kUnreachable);
  EXPECT_EQ(classifyConnectError(sys(ETIMEDOUT)), TcpOutcome::kTimeout);
  EXPECT_EQ(classifyConnectError(sys(EACCES)), TcpOutcome::kError);
  EXPECT_EQ(classifyConnectError(sys(EADDRNOTAVAIL)), TcpOutcome::kError);
  EXPECT_EQ(classifyConnectError(std::make_error_code(std::errc::connection_refused)), TcpOutcome::kRefused);
  // Same number, different meaning: only OS error codes are mapped.
  EXPECT_EQ(classifyConnectError(std::error_code(ECONNREFUSED, std::iostream_category())), TcpOutcome::kError);
}

TEST(TcpConnectErrors, OutcomeNames) {
  EXPECT_EQ(vs::probe::toString(TcpOutcome::kConnected), "connected");
  EXPECT_EQ(vs::probe::toString(TcpOutcome::kRefused), "refused");
  EXPECT_EQ(vs::probe::toString(TcpOutcome::kTimeout), "timeout");
  EXPECT_EQ(vs::probe::toString(TcpOutcome::kUnreachable), "unreachable");
  EXPECT_EQ(vs::probe::toString(TcpOutcome::kResolveFailed), "resolve_failed");
  EXPECT_EQ(vs::probe::toString(TcpOutcome::kError), "error");
}

}  // namespace
