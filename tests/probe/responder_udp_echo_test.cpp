#include <gtest/gtest.h>

#include "support/run_coroutine.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <random>
#include <vector>

#include "probe/responders.h"

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using asio::ip::udp;

namespace {

using vs::testing::runFor;

TEST(UdpEchoResponder, EchoesEveryDatagramUnchangedAndCountsThem) {
  asio::io_context ioc;
  auto started = vs::probe::UdpEcho::start(ioc.get_executor(), {});
  ASSERT_TRUE(started) << started.error().message;
  auto echo = std::move(started.value());
  ASSERT_NE(echo->port(), 0);
  EXPECT_EQ(echo->packetsEchoed(), 0U);

  udp::socket client(ioc, udp::endpoint(udp::v4(), 0));
  const udp::endpoint target(asio::ip::make_address("127.0.0.1"), echo->port());
  std::mt19937 rng(7);
  constexpr int kCount = 100;
  int identical = 0, from_echo = 0;
  runFor(ioc, [&]() -> asio::awaitable<void> {
    std::vector<std::uint8_t> in(65536);
    asio::steady_timer t(ioc);
    for (int i = 0; i < kCount; ++i) {
      // Sizes from empty to a jumbo-ish 9000 bytes, RTP-sized ones included.
      const std::size_t size = i == 0 ? 0 : (i == 1 ? 9000 : (i % 3 == 0 ? 172 : rng() % 1500));
      std::vector<std::uint8_t> out(size);
      for (auto& b : out) b = static_cast<std::uint8_t>(rng());
      co_await client.async_send_to(asio::buffer(out), target, asio::use_awaitable);
      t.expires_after(2s);
      udp::endpoint from;
      auto r = co_await (client.async_receive_from(asio::buffer(in), from, asio::experimental::as_tuple(asio::use_awaitable)) ||
                         t.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
      if (r.index() == 1) {
        ADD_FAILURE() << "datagram " << i << " not echoed within 2 s";
        co_return;
      }
      auto [ec, n] = std::get<0>(r);
      EXPECT_FALSE(ec) << ec.message();
      if (from == target) ++from_echo;
      if (n == out.size() && std::equal(out.begin(), out.end(), in.begin())) ++identical;
    }
  }());
  EXPECT_EQ(identical, kCount);
  EXPECT_EQ(from_echo, kCount);
  EXPECT_EQ(echo->packetsEchoed(), static_cast<std::uint64_t>(kCount));
}

TEST(UdpEchoResponder, BindErrorsAreValues) {
  asio::io_context ioc;
  vs::probe::UdpEchoOptions bad;
  bad.bind_address = "not-an-address";
  EXPECT_FALSE(vs::probe::UdpEcho::start(ioc.get_executor(), bad));
  // The port is taken by a first echo: a second one on it must fail, not steal it.
  auto first = vs::probe::UdpEcho::start(ioc.get_executor(), {});
  ASSERT_TRUE(first);
  vs::probe::UdpEchoOptions same;
  same.port = first.value()->port();
  auto second = vs::probe::UdpEcho::start(ioc.get_executor(), same);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find(std::to_string(same.port)), std::string::npos);
}

}  // namespace
