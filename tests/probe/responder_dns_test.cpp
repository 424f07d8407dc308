// The DNS responder on the wire: hand-built queries in, exact bytes out, garbage dropped.
#include <gtest/gtest.h>

#include "support/run_coroutine.h"

#include <asio/co_spawn.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "probe/responders.h"

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using asio::ip::udp;

namespace {

using vs::testing::runFor;

std::vector<std::uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<std::uint8_t> out;
  for (int v : list) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

// id, then RD, one question: "<label>.test" with the given type.
std::vector<std::uint8_t> query(int id, const std::string& label, int qtype) {
  auto q = bytes({id >> 8, id & 0xFF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
  q.push_back(static_cast<std::uint8_t>(label.size()));
  q.insert(q.end(), label.begin(), label.end());
  const auto tail = bytes({4, 't', 'e', 's', 't', 0, 0, qtype, 0, 1});
  q.insert(q.end(), tail.begin(), tail.end());
  return q;
}

// One reply, or nullopt after `wait`.
asio::awaitable<std::optional<std::vector<std::uint8_t>>> receive(udp::socket& s, std::chrono::milliseconds wait) {
  std::vector<std::uint8_t> buf(2048);
  asio::steady_timer t(s.get_executor());
  t.expires_after(wait);
  auto r = co_await (s.async_receive(asio::buffer(buf), asio::experimental::as_tuple(asio::use_awaitable)) ||
                     t.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
  if (r.index() == 1) co_return std::nullopt;
  auto [ec, n] = std::get<0>(r);
  if (ec) co_return std::nullopt;
  buf.resize(n);
  co_return buf;
}

class DnsResponderWire : public ::testing::Test {
 protected:
  void SetUp() override {
    vs::probe::DnsResponderOptions o;
    o.records["Sbc.TEST."] = {"192.0.2.7", "2001:db8::7"};  // normalised to "sbc.test"
    o.records["a4.test"] = {"192.0.2.8"};
    auto r = vs::probe::DnsResponder::start(ioc_.get_executor(), o);
    ASSERT_TRUE(r) << r.error().message;
    responder_ = std::move(r.value());
    client_.open(udp::v4());
    client_.connect(udp::endpoint(asio::ip::make_address("127.0.0.1"), responder_->port()));
  }
  asio::io_context ioc_;
  std::unique_ptr<vs::probe::DnsResponder> responder_;
  udp::socket client_{ioc_};
};

TEST_F(DnsResponderWire, AnswersAWithExactBytes) {
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    co_await client_.async_send(asio::buffer(query(0x1234, "SBC", 1)), asio::use_awaitable);
    auto reply = co_await receive(client_, 2s);
    EXPECT_TRUE(reply);
    if (!reply) co_return;
    const auto want = bytes({0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
                             3, 'S', 'B', 'C', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
                             0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7});
    EXPECT_EQ(*reply, want);
  }());
}

TEST_F(DnsResponderWire, NxdomainNodataAndOtherTypes) {
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    co_await client_.async_send(asio::buffer(query(1, "nothere", 1)), asio::use_awaitable);
    auto nx = co_await receive(client_, 2s);
    EXPECT_TRUE(nx);
    if (nx) {
      EXPECT_EQ((*nx)[3] & 0x0F, 3);  // NXDOMAIN
      EXPECT_EQ((*nx)[7], 0);
    }
    co_await client_.async_send(asio::buffer(query(2, "a4", 28)), asio::use_awaitable);  // AAAA of an A-only name
    auto nodata = co_await receive(client_, 2s);
    EXPECT_TRUE(nodata);
    if (nodata) {
      EXPECT_EQ((*nodata)[0], 0);
      EXPECT_EQ((*nodata)[1], 2);
      EXPECT_EQ((*nodata)[3] & 0x0F, 0);  // NOERROR
      EXPECT_EQ((*nodata)[7], 0);         // no answers
    }
    co_await client_.async_send(asio::buffer(query(3, "sbc", 15)), asio::use_awaitable);  // MX
    auto mx = co_await receive(client_, 2s);
    EXPECT_TRUE(mx);
    if (mx) {
      EXPECT_EQ((*mx)[3] & 0x0F, 0);
      EXPECT_EQ((*mx)[7], 0);
    }
    co_await client_.async_send(asio::buffer(query(4, "sbc", 28)), asio::use_awaitable);
    auto aaaa = co_await receive(client_, 2s);
    EXPECT_TRUE(aaaa);
    if (aaaa) {
      EXPECT_EQ((*aaaa)[7], 1);
      EXPECT_EQ(aaaa->size(), 26U + 12U + 16U);
      if (aaaa->size() >= 16) {
        EXPECT_EQ(std::vector<std::uint8_t>(aaaa->end() - 16, aaaa->end()),
                  bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}));
      }
    }
  }());
}

TEST_F(DnsResponderWire, DropsGarbageAndResponsesThenStillAnswers) {
  runFor(ioc_, [&]() -> asio::awaitable<void> {
    const std::vector<std::vector<std::uint8_t>> garbage = {
        {},
        bytes({0x00}),
        bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}),                         // 11 bytes: short header
        bytes({0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1}),  // pointer loop
        bytes({0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 's', 'b'}),           // truncated label
    };
    for (const auto& g : garbage) co_await client_.async_send(asio::buffer(g), asio::use_awaitable);
    auto response = query(0x0909, "sbc", 1);
    response[2] |= 0x80;  // a response: answering it could start a ping-pong between two servers
    co_await client_.async_send(asio::buffer(response), asio::use_awaitable);
    co_await client_.async_send(asio::buffer(query(0x4242, "sbc", 1)), asio::use_awaitable);
    auto reply = co_await receive(client_, 2s);
    EXPECT_TRUE(reply);
    if (reply) {
      EXPECT_EQ((*reply)[0], 0x42);  // the first datagram back answers the one valid query
      EXPECT_EQ((*reply)[1], 0x42);
      EXPECT_EQ((*reply)[7], 1);
    }
    auto extra = co_await receive(client_, 200ms);
    EXPECT_FALSE(extra) << "garbage was answered";
  }());
}

TEST(DnsResponderStart, RejectsBadAddresses) {
  asio::io_context ioc;
  vs::probe::DnsResponderOptions o;
  o.records["x.test"] = {"not-an-ip"};
  auto r = vs::probe::DnsResponder::start(ioc.get_executor(), o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not-an-ip"), std::string::npos);
  vs::probe::DnsResponderOptions b;
  b.bind_address = "300.1.1.1";
  EXPECT_FALSE(vs::probe::DnsResponder::start(ioc.get_executor(), b));
}

}  // namespace
