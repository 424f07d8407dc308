// The c-ares resolver against the built-in DNS responder, both on loopback.
#include <gtest/gtest.h>

#include "support/run_coroutine.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/this_coro.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "io/dns.h"
#include "probe/responders.h"

using namespace std::chrono_literals;
using vs::io::AddressFamily;
using vs::io::Resolver;
using vs::io::ResolverOptions;

namespace {

// Runs one test coroutine; fails (never hangs) if it does not finish within `limit`.
using vs::testing::runFor;

std::vector<std::string> strings(const std::vector<asio::ip::address>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}

class ResolverVsResponder : public ::testing::Test {
 protected:
  void SetUp() override {
    vs::probe::DnsResponderOptions o;
    o.records["sbc1.voipscope.test"] = {"198.18.0.10", "2001:db8::10", "198.18.0.12", "2001:db8::12", "198.18.0.11"};
    o.records["v4only.voipscope.test"] = {"198.18.0.20"};
    o.records["v6only.voipscope.test"] = {"2001:db8::30"};
    o.records["pbx"] = {"198.18.0.40"};  // single label: no search list may be appended
    auto r = vs::probe::DnsResponder::start(ioc_.get_executor(), o);
    ASSERT_TRUE(r) << r.error().message;
    responder_ = std::move(r.value());
  }

  std::unique_ptr<Resolver> makeResolver(bool hosts = false) {
    ResolverOptions o;
    o.servers = {"127.0.0.1:" + std::to_string(responder_->port())};
    o.use_hosts_file = hosts;
    o.timeout = 1000ms;
    o.tries = 2;
    auto r = Resolver::create(ioc_.get_executor(), o);
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::move(r.value()) : nullptr;
  }

  asio::io_context ioc_;
  std::unique_ptr<vs::probe::DnsResponder> responder_;
};

TEST_F(ResolverVsResponder, AnswersEqualConfiguredRecordsInOrder) {
  auto resolver = makeResolver();
  ASSERT_TRUE(resolver);
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    auto any = co_await resolver->resolve("sbc1.voipscope.test", AddressFamily::kAny);
    EXPECT_TRUE(any) << (any ? "" : any.error().message);
    if (any) {
      EXPECT_EQ(strings(any->addresses), (std::vector<std::string>{"198.18.0.10", "198.18.0.12", "198.18.0.11",
                                                                   "2001:db8::10", "2001:db8::12"}));
      EXPECT_GT(any->elapsed_ms, 0.0);
      EXPECT_LT(any->elapsed_ms, 1000.0);
    }
    auto v4 = co_await resolver->resolve("sbc1.voipscope.test", AddressFamily::kV4);
    EXPECT_TRUE(v4);
    if (v4) {
      EXPECT_EQ(strings(v4->addresses), (std::vector<std::string>{"198.18.0.10", "198.18.0.12", "198.18.0.11"}));
    }
    auto v6 = co_await resolver->resolve("SBC1.VoipScope.Test.", AddressFamily::kV6);  // case, trailing dot
    EXPECT_TRUE(v6) << (v6 ? "" : v6.error().message);
    if (v6) {
      EXPECT_EQ(strings(v6->addresses), (std::vector<std::string>{"2001:db8::10", "2001:db8::12"}));
    }
  }());
}

TEST_F(ResolverVsResponder, SingleFamilyNamesAndFilters) {
  auto resolver = makeResolver();
  ASSERT_TRUE(resolver);
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    auto a = co_await resolver->resolve("v4only.voipscope.test", AddressFamily::kAny);
    EXPECT_TRUE(a);
    if (a) {
      EXPECT_EQ(strings(a->addresses), std::vector<std::string>{"198.18.0.20"});
    }
    auto b = co_await resolver->resolve("v6only.voipscope.test", AddressFamily::kAny);
    EXPECT_TRUE(b);
    if (b) {
      EXPECT_EQ(strings(b->addresses), std::vector<std::string>{"2001:db8::30"});
    }
    auto single = co_await resolver->resolve("pbx", AddressFamily::kV4);
    EXPECT_TRUE(single) << (single ? "" : single.error().message);
    if (single) {
      EXPECT_EQ(strings(single->addresses), std::vector<std::string>{"198.18.0.40"});
    }
    auto c = co_await resolver->resolve("v4only.voipscope.test", AddressFamily::kV6);
    EXPECT_FALSE(c);
    if (!c) {
      EXPECT_EQ(c.error().message, "v4only.voipscope.test: no A/AAAA records");
    }
    auto d = co_await resolver->resolve("v6only.voipscope.test", AddressFamily::kV4);
    EXPECT_FALSE(d);
    if (!d) {
      EXPECT_EQ(d.error().message, "v6only.voipscope.test: no A/AAAA records");
    }
  }());
}

TEST_F(ResolverVsResponder, UnknownNameIsNxdomain) {
  auto resolver = makeResolver();
  ASSERT_TRUE(resolver);
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    for (auto family : {AddressFamily::kAny, AddressFamily::kV4, AddressFamily::kV6}) {
      auto r = co_await resolver->resolve("nope.voipscope.test", family);
      EXPECT_FALSE(r);
      if (!r) {
        EXPECT_EQ(r.error().message, "nope.voipscope.test: name does not exist (NXDOMAIN)");
      }
    }
  }());
}

TEST_F(ResolverVsResponder, ManyConcurrentResolvesAllComplete) {
  auto resolver = makeResolver();
  ASSERT_TRUE(resolver);
  constexpr int kCount = 200;
  int ok = 0, nx = 0, wrong = 0, finished = 0;
  double slowest_ms = 0;
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < kCount; ++i) {
      asio::co_spawn(
          ex,
          [&, i]() -> asio::awaitable<void> {
            const bool known = i % 4 != 3;
            const std::string name = known ? (i % 2 == 0 ? "sbc1.voipscope.test" : "v4only.voipscope.test")
                                           : "missing" + std::to_string(i) + ".voipscope.test";
            auto r = co_await resolver->resolve(name, AddressFamily::kAny);
            if (r) slowest_ms = std::max(slowest_ms, r->elapsed_ms);
            if (known && r && r->addresses.size() == (i % 2 == 0 ? 5U : 1U)) {
              ++ok;
            } else if (!known && !r && r.error().message.find("NXDOMAIN") != std::string::npos) {
              ++nx;
            } else {
              ++wrong;
            }
            ++finished;
          },
          asio::detached);
    }
    asio::steady_timer t(ex);
    for (int spins = 0; finished < kCount && spins < 800; ++spins) {  // at most ~8 s
      t.expires_after(10ms);
      co_await t.async_wait(asio::use_awaitable);
    }
  }());
  EXPECT_EQ(finished, kCount);
  EXPECT_EQ(ok, kCount - kCount / 4);
  EXPECT_EQ(nx, kCount / 4);
  EXPECT_EQ(wrong, 0);
  // The per-try timeout is 1000 ms: anything slower means a datagram was lost and retried.
  EXPECT_LT(slowest_ms, 900.0);
}

TEST_F(ResolverVsResponder, LocalhostComesFromHostsFileOnlyWhenEnabled) {
  auto with_hosts = makeResolver(true);
  auto without = makeResolver(false);
  ASSERT_TRUE(with_hosts && without);
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    // The responder knows no "localhost", so an address can only come from /etc/hosts.
    auto r = co_await with_hosts->resolve("localhost", AddressFamily::kAny);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (r) {
      const auto s = strings(r->addresses);
      const bool loopback = std::find(s.begin(), s.end(), "127.0.0.1") != s.end() ||
                            std::find(s.begin(), s.end(), "::1") != s.end();
      EXPECT_TRUE(loopback) << testing::PrintToString(s);
    }
    // Without the hosts file, c-ares (RFC 6761 6.3) does not send "localhost" to a DNS server at all.
    auto n = co_await without->resolve("localhost", AddressFamily::kV4);
    EXPECT_FALSE(n);
  }());
}

}  // namespace
