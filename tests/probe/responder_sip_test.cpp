#include <gtest/gtest.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <fmt/format.h>

#include "probe/responders.h"
#include "probe/sip_test_support.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using testing::runFor;
using asio::ip::tcp;
using asio::ip::udp;
namespace sip = proto::sip;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string request(std::string_view method, std::string_view call_id, std::uint32_t cseq = 1) {
  return fmt::format(
      "{m} sip:responder@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK{c}\r\n"
      "From: <sip:t@127.0.0.1>;tag=ft\r\nTo: <sip:responder@127.0.0.1>\r\nCall-ID: {c}\r\nCSeq: {n} {m}\r\n"
      "Content-Length: 0\r\n\r\n",
      fmt::arg("m", method), fmt::arg("c", call_id), fmt::arg("n", cseq));
}

// Sends datagrams in order, then collects what comes back until `quiet` passes without a datagram.
asio::awaitable<std::vector<std::string>> udpExchange(std::uint16_t port, std::vector<std::string> out,
                                                      std::chrono::milliseconds quiet) {
  auto ex = co_await asio::this_coro::executor;
  udp::socket s(ex, udp::endpoint(udp::v4(), 0));
  udp::endpoint to(asio::ip::make_address("127.0.0.1"), port);
  for (const auto& d : out) co_await s.async_send_to(asio::buffer(d), to, kTuple);
  std::vector<std::string> in;
  std::array<char, 65536> buf{};
  asio::steady_timer t(ex);
  while (in.size() < 100) {
    t.expires_after(quiet);
    auto r = co_await (s.async_receive(asio::buffer(buf), kTuple) || t.async_wait(kTuple));
    if (r.index() == 1) break;
    auto [ec, n] = std::get<0>(r);
    if (ec) break;
    in.emplace_back(buf.data(), n);
  }
  co_return in;
}

// Writes each chunk with a pause in between, then reads until `quiet` passes without bytes.
asio::awaitable<std::string> tcpExchange(std::uint16_t port, std::vector<std::string> chunks,
                                         std::chrono::milliseconds quiet) {
  auto ex = co_await asio::this_coro::executor;
  tcp::socket s(ex);
  auto [cec] = co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), kTuple);
  if (cec) co_return "connect failed: " + cec.message();
  asio::steady_timer t(ex);
  for (const auto& c : chunks) {
    co_await asio::async_write(s, asio::buffer(c), kTuple);
    t.expires_after(20ms);
    co_await t.async_wait(kTuple);
  }
  std::string in;
  std::array<char, 16384> buf{};
  while (in.size() < 1'000'000) {
    t.expires_after(quiet);
    auto r = co_await (s.async_read_some(asio::buffer(buf), kTuple) || t.async_wait(kTuple));
    if (r.index() == 1) break;
    auto [ec, n] = std::get<0>(r);
    if (ec) break;
    in.append(buf.data(), n);
  }
  co_return in;
}

// Splits a byte stream into responses with the codec's own framing, checked by the parse below.
std::vector<std::string> splitResponses(std::string wire) {
  std::vector<std::string> out;
  while (true) {
    auto f = sip::frameStream(wire);
    if (f.status != sip::StreamFrame::Status::kMessage) break;
    out.push_back(wire.substr(f.skip, f.length));
    wire.erase(0, f.skip + f.length);
  }
  EXPECT_TRUE(wire.empty()) << wire;
  return out;
}

class SipResponderTest : public ::testing::Test {
 protected:
  asio::io_context ioc;
};

TEST_F(SipResponderTest, UdpAnswersOptionsAnd501AndIgnoresAckAndGarbage) {
  SipResponderOptions o;
  o.status_code = 503;
  o.server_header = "resp/2";
  auto responder = SipResponder::start(ioc.get_executor(), o);
  ASSERT_TRUE(responder.ok()) << responder.error().message;
  std::vector<std::string> out = {"\x00\x01garbage", request("OPTIONS", "c1"), request("ACK", "c2"),
                                  request("INVITE", "c3"), "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"};
  auto in = runFor(ioc, udpExchange((*responder)->port(), out, 300ms));
  ASSERT_TRUE(in);
  ASSERT_EQ(in->size(), 2u);
  auto a = sip::parseMessage((*in)[0]);
  auto b = sip::parseMessage((*in)[1]);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->statusLine().code, 503);
  EXPECT_EQ(a->callId(), "c1");
  EXPECT_EQ(a->header("Server"), "resp/2");
  EXPECT_EQ(a->topVia()->branch, "z9hG4bKc1");
  EXPECT_FALSE(a->toTag().empty());
  EXPECT_EQ(b->statusLine().code, 501);
  EXPECT_EQ(b->callId(), "c3");
  EXPECT_EQ(b->cseq()->method, "INVITE");
  EXPECT_EQ((*responder)->requestsAnswered(), 2u);
}

TEST_F(SipResponderTest, TcpTwoMessagesInOneSegmentAndOneAcrossSegments) {
  auto responder = SipResponder::start(ioc.get_executor(), {});
  ASSERT_TRUE(responder.ok());
  auto two = request("OPTIONS", "t1") + request("OPTIONS", "t2", 2);
  auto split = request("OPTIONS", "t3", 3);
  auto cut = split.size() / 2;
  std::vector<std::string> chunks = {two + split.substr(0, cut), split.substr(cut, 10), split.substr(cut + 10)};
  auto wire = runFor(ioc, tcpExchange((*responder)->port(), chunks, 300ms));
  ASSERT_TRUE(wire);
  auto responses = splitResponses(*wire);
  ASSERT_EQ(responses.size(), 3u) << *wire;
  const char* ids[] = {"t1", "t2", "t3"};
  for (std::size_t i = 0; i < 3; ++i) {
    auto m = sip::parseMessage(responses[i], false);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->statusLine().code, 200);
    EXPECT_EQ(m->callId(), ids[i]);
    EXPECT_EQ(m->cseq()->number, i + 1);
    EXPECT_EQ(m->header("Server"), "voipscope-responder");
  }
  EXPECT_EQ((*responder)->requestsAnswered(), 3u);
}

TEST_F(SipResponderTest, TcpGarbageIsDroppedAndTheResponderKeepsServing) {
  auto responder = SipResponder::start(ioc.get_executor(), {});
  ASSERT_TRUE(responder.ok());
  std::vector<std::string> junk = {"SIP/2.0 200 OK\r\nContent-Length: nope\r\n\r\n"};
  auto first = runFor(ioc, tcpExchange((*responder)->port(), junk, 200ms));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->empty());
  auto second = runFor(ioc, tcpExchange((*responder)->port(), {request("OPTIONS", "after")}, 200ms));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->rfind("SIP/2.0 200 OK\r\n", 0), 0u) << *second;
  EXPECT_EQ((*responder)->requestsAnswered(), 1u);
}

TEST_F(SipResponderTest, SamePortForUdpAndTcpAndExplicitPortConflicts) {
  auto a = SipResponder::start(ioc.get_executor(), {});
  ASSERT_TRUE(a.ok());
  auto port = (*a)->port();
  EXPECT_NE(port, 0);
  // The TCP side is listening on the UDP port number.
  tcp::socket probe(ioc);
  std::error_code ec;
  probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_FALSE(ec) << ec.message();

  SipResponderOptions same;
  same.port = port;
  auto b = SipResponder::start(ioc.get_executor(), same);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("cannot bind"), std::string::npos);

  SipResponderOptions bad;
  bad.bind_address = "not-an-ip";
  EXPECT_FALSE(SipResponder::start(ioc.get_executor(), bad).ok());
}

TEST_F(SipResponderTest, DestroyingTheResponderStopsIt) {
  std::uint16_t port;
  {
    auto r = SipResponder::start(ioc.get_executor(), {});
    ASSERT_TRUE(r.ok());
    port = (*r)->port();
  }
  ioc.restart();
  ioc.run_for(50ms);  // let the close run
  auto in = runFor(ioc, udpExchange(port, {request("OPTIONS", "gone")}, 200ms));
  ASSERT_TRUE(in);
  EXPECT_TRUE(in->empty());
}

}  // namespace
}  // namespace vs::probe
