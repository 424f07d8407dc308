// Resolver behaviour that needs no DNS responder: literals, option validation, timeouts, refusals,
// shutdown with lookups in flight, descriptor hygiene. Every server here is a loopback socket.
#include <gtest/gtest.h>

#include "support/run_coroutine.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "io/dns.h"

using namespace std::chrono_literals;
using vs::io::AddressFamily;
using vs::io::Resolver;
using vs::io::ResolverOptions;

namespace {

using vs::testing::runFor;

std::size_t openFds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// A UDP socket that receives queries and never answers them.
struct SilentServer {
  explicit SilentServer(asio::io_context& ioc)
      : socket(ioc, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  std::string address() const { return "127.0.0.1:" + std::to_string(socket.local_endpoint().port()); }
  asio::ip::udp::socket socket;
};

std::unique_ptr<Resolver> make(asio::io_context& ioc, ResolverOptions o) {
  auto r = Resolver::create(ioc.get_executor(), std::move(o));
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(r.value()) : nullptr;
}

TEST(Resolver, IpLiteralsResolveToThemselvesWithoutAnyServer) {
  asio::io_context ioc;
  SilentServer silent(ioc);  // would time out if anything were actually asked
  ResolverOptions o;
  o.servers = {silent.address()};
  o.use_hosts_file = false;
  auto resolver = make(ioc, o);
  ASSERT_TRUE(resolver);
  runFor(ioc, [&]() -> asio::awaitable<void> {
    auto v4 = co_await resolver->resolve("192.0.2.1", AddressFamily::kAny);
    EXPECT_TRUE(v4);
    if (v4) {
      EXPECT_EQ(v4->addresses.size(), 1U);
      EXPECT_EQ(v4->addresses.at(0), asio::ip::make_address("192.0.2.1"));
      EXPECT_EQ(v4->elapsed_ms, 0.0);
    }
    auto v6 = co_await resolver->resolve("2001:db8::1", AddressFamily::kV6);
    EXPECT_TRUE(v6);
    if (v6) {
      EXPECT_EQ(v6->addresses.at(0), asio::ip::make_address("2001:db8::1"));
    }
    auto bracketed = co_await resolver->resolve("[2001:db8::2]", AddressFamily::kAny);
    EXPECT_TRUE(bracketed);
    if (bracketed) {
      EXPECT_EQ(bracketed->addresses.at(0), asio::ip::make_address("2001:db8::2"));
    }
    auto mismatch = co_await resolver->resolve("192.0.2.1", AddressFamily::kV6);
    EXPECT_FALSE(mismatch);
    auto empty = co_await resolver->resolve("", AddressFamily::kAny);
    EXPECT_FALSE(empty);
  }(), 2s);
}

TEST(Resolver, RejectsMalformedServers) {
  asio::io_context ioc;
  for (const char* bad : {"", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:53x", "[::1", "[::1]x",
                          "[::1]:", "[1.2.3.4]:53", "dns.example.com", "dns.example.com:53", "1.2.3.4 ", "::g"}) {
    ResolverOptions o;
    o.servers = {"127.0.0.1", bad};
    auto r = Resolver::create(ioc.get_executor(), o);
    EXPECT_FALSE(r) << "accepted \"" << bad << "\"";
    if (!r) {
      EXPECT_NE(r.error().message.find(std::string("\"") + bad + "\""), std::string::npos) << r.error().message;
    }
  }
  for (const char* good : {"127.0.0.1", "127.0.0.1:5353", "[::1]:5353", "[::1]", "::1", "2001:db8::53"}) {
    ResolverOptions o;
    o.servers = {good};
    auto r = Resolver::create(ioc.get_executor(), o);
    EXPECT_TRUE(r) << good << ": " << (r ? "" : r.error().message);
  }
}

TEST(Resolver, SilentServerTimesOutWithinTheConfiguredBudget) {
  asio::io_context ioc;
  SilentServer silent(ioc);
  ResolverOptions o;
  o.servers = {silent.address()};
  o.use_hosts_file = false;
  o.timeout = 300ms;
  o.tries = 1;
  auto resolver = make(ioc, o);
  ASSERT_TRUE(resolver);
  runFor(ioc, [&]() -> asio::awaitable<void> {
    for (auto family : {AddressFamily::kV4, AddressFamily::kAny}) {
      const auto start = std::chrono::steady_clock::now();
      auto r = co_await resolver->resolve("sbc.voipscope.test", family);
      const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      EXPECT_FALSE(r);
      if (!r) {
        EXPECT_EQ(r.error().message.rfind("sbc.voipscope.test: no answer from DNS server within ", 0), 0U)
            << r.error().message;
      }
      EXPECT_GE(ms, 250.0);
      EXPECT_LT(ms, 1000.0);
    }
  }(), 5s);
  // The queries did reach the socket: the timeout is the server's silence, not a send failure.
  EXPECT_GT(silent.socket.available(), 0U);
}

TEST(Resolver, ClosedPortIsReportedAsRefused) {
  asio::io_context ioc;
  std::string address;
  {
    SilentServer gone(ioc);
    address = gone.address();
  }
  ResolverOptions o;
  o.servers = {address};
  o.use_hosts_file = false;
  o.timeout = 2000ms;
  o.tries = 1;
  auto resolver = make(ioc, o);
  ASSERT_TRUE(resolver);
  runFor(ioc, [&]() -> asio::awaitable<void> {
    auto r = co_await resolver->resolve("sbc.voipscope.test", AddressFamily::kV4);
    EXPECT_FALSE(r);
    if (!r) {
      EXPECT_EQ(r.error().message, "sbc.voipscope.test: DNS server refused (is it running?)");
    }
  }(), 5s);
}

TEST(Resolver, HostsFileAnswersLocalhostWithoutAskingTheServer) {
  asio::io_context ioc;
  SilentServer silent(ioc);
  ResolverOptions o;
  o.servers = {silent.address()};
  o.use_hosts_file = true;
  o.timeout = 2000ms;
  auto resolver = make(ioc, o);
  ASSERT_TRUE(resolver);
  runFor(ioc, [&]() -> asio::awaitable<void> {
    auto r = co_await resolver->resolve("localhost", AddressFamily::kV4);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (r) {
      EXPECT_EQ(r->addresses.at(0), asio::ip::make_address("127.0.0.1"));
      EXPECT_LT(r->elapsed_ms, 1000.0);  // not via the silent server's timeout
    }
  }(), 5s);
  EXPECT_EQ(silent.socket.available(), 0U);
}

TEST(Resolver, DestroyingItCompletesPendingLookupsWithAnError) {
  asio::io_context ioc;
  SilentServer silent(ioc);
  ResolverOptions o;
  o.servers = {silent.address()};
  o.use_hosts_file = false;
  o.timeout = 5000ms;
  o.tries = 3;
  auto resolver = make(ioc, o);
  ASSERT_TRUE(resolver);
  int completed = 0;
  std::vector<std::string> messages;
  runFor(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    for (auto family : {AddressFamily::kAny, AddressFamily::kV4, AddressFamily::kV6}) {
      asio::co_spawn(
          ex,
          [&, family]() -> asio::awaitable<void> {
            auto r = co_await resolver->resolve("pending.voipscope.test", family);
            if (!r) messages.push_back(r.error().message);
            ++completed;
          },
          asio::detached);
    }
    asio::steady_timer t(ex);
    t.expires_after(100ms);
    co_await t.async_wait(asio::use_awaitable);
    EXPECT_EQ(completed, 0);
    resolver.reset();
    for (int i = 0; i < 100 && completed < 3; ++i) {
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
  }(), 3s);
  EXPECT_EQ(completed, 3);
  ASSERT_EQ(messages.size(), 3U);
  for (const auto& m : messages) EXPECT_EQ(m, "pending.voipscope.test: resolver shut down");
}

TEST(Resolver, LeavesNoDescriptorsBehind) {
  asio::io_context ioc;
  SilentServer silent(ioc);
  ioc.poll();  // let Asio open its reactor descriptors before counting
  const std::size_t before = openFds();
  for (int round = 0; round < 3; ++round) {
    ResolverOptions o;
    o.servers = {silent.address()};
    o.use_hosts_file = false;
    o.timeout = 100ms;
    o.tries = 1;
    auto resolver = make(ioc, o);
    ASSERT_TRUE(resolver);
    runFor(ioc, [&]() -> asio::awaitable<void> {
      (void)co_await resolver->resolve("a.voipscope.test", AddressFamily::kAny);  // opens c-ares sockets
      asio::co_spawn(
          ioc, [&]() -> asio::awaitable<void> { (void)co_await resolver->resolve("b.voipscope.test", AddressFamily::kAny); },
          asio::detached);
      asio::steady_timer t(ioc);
      t.expires_after(20ms);
      co_await t.async_wait(asio::use_awaitable);  // "b" has started and is waiting on the silent server
      // the resolver is destroyed below while "b" is in flight
    }(), 3s);
    resolver.reset();
    ioc.restart();
    ioc.run_for(200ms);  // let the aborted handlers run
  }
  EXPECT_EQ(openFds(), before);
}

}  // namespace
