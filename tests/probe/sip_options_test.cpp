#include <gtest/gtest.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <functional>

#include "core/time.h"
#include "probe/responders.h"
#include "probe/sip_options.h"
#include "probe/sip_test_support.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

using namespace std::chrono_literals;
using testing::FakeResolver;
using testing::runFor;
using asio::ip::tcp;
using asio::ip::udp;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

// A UDP peer on loopback whose answer to each datagram is decided by the test: `reply` returns the
// datagrams to send back (possibly none) and the delay before sending them.
struct ScriptedUdpServer {
  struct Answer {
    std::vector<std::string> datagrams;
    std::chrono::milliseconds delay{0};
  };
  using Script = std::function<Answer(const std::string& request, int index)>;

  ScriptedUdpServer(asio::io_context& ioc, Script s)
      : socket(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), script(std::move(s)) {
    asio::co_spawn(ioc, loop(), asio::detached);
  }
  ~ScriptedUdpServer() {
    std::error_code ec;
    socket.close(ec);
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }

  asio::awaitable<void> loop() {
    std::array<char, 65536> buf{};
    udp::endpoint from;
    while (socket.is_open()) {
      auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buf), from, kTuple);
      if (ec) co_return;
      auto answer = script(std::string(buf.data(), n), received++);
      if (answer.datagrams.empty()) continue;
      asio::co_spawn(socket.get_executor(), sendLater(std::move(answer), from), asio::detached);
    }
  }
  asio::awaitable<void> sendLater(Answer a, udp::endpoint to) {
    asio::steady_timer t(socket.get_executor(), a.delay);
    co_await t.async_wait(kTuple);
    for (const auto& d : a.datagrams) co_await socket.async_send_to(asio::buffer(d), to, kTuple);
  }

  udp::socket socket;
  Script script;
  int received = 0;
};

std::string respondTo(const std::string& request, int code, const std::string& call_id_override = "") {
  auto m = proto::sip::parseMessage(request);
  if (!m.ok()) return "";
  proto::sip::ResponseParams rp;
  rp.status_code = code;
  rp.server = "scripted";
  auto out = proto::sip::buildResponse(*m, rp);
  if (!call_id_override.empty()) {
    auto at = out.find(std::string(m->callId()));
    out.replace(at, m->callId().size(), call_id_override);
  }
  return out;
}

SipOptionsParams udpParams(std::uint16_t port, std::chrono::milliseconds timeout) {
  SipOptionsParams p;
  p.host = "127.0.0.1";
  p.port = port;
  p.timeout = timeout;
  return p;
}

class SipOptionsTest : public ::testing::Test {
 protected:
  asio::io_context ioc;
  FakeResolver resolver;
};

TEST_F(SipOptionsTest, UdpAgainstResponder) {
  SipResponderOptions ro;
  ro.server_header = "test-responder/1.0";
  auto responder = SipResponder::start(ioc.get_executor(), ro);
  ASSERT_TRUE(responder.ok()) << responder.error().message;
  auto p = udpParams((*responder)->port(), 2000ms);
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kResponse) << r->detail;
  EXPECT_EQ(r->status_code, 200);
  EXPECT_EQ(r->reason, "OK");
  EXPECT_EQ(r->status_line, "SIP/2.0 200 OK");
  EXPECT_EQ(r->server, "test-responder/1.0");
  EXPECT_EQ(r->raw_response.rfind("SIP/2.0 200", 0), 0u);
  EXPECT_EQ(r->raw_request.rfind("OPTIONS sip:127.0.0.1:" + std::to_string(p.port) + " SIP/2.0\r\n", 0), 0u);
  EXPECT_EQ(r->remote_address, "127.0.0.1:" + std::to_string(p.port));
  EXPECT_EQ(r->local_address.rfind("127.0.0.1:", 0), 0u);
  EXPECT_EQ(r->retransmissions, 0);
  EXPECT_GT(r->rtt_ms, 0);
  EXPECT_LT(r->rtt_ms, 500);
  EXPECT_EQ((*responder)->requestsAnswered(), 1u);
}

TEST_F(SipOptionsTest, TcpAgainstResponderWith403) {
  SipResponderOptions ro;
  ro.status_code = 403;
  auto responder = SipResponder::start(ioc.get_executor(), ro);
  ASSERT_TRUE(responder.ok()) << responder.error().message;
  auto p = udpParams((*responder)->port(), 2000ms);
  p.transport = SipTransport::kTcp;
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kResponse) << r->detail;
  EXPECT_EQ(r->status_code, 403);
  EXPECT_EQ(r->reason, "Forbidden");
  EXPECT_EQ(r->server, "voipscope-responder");
  EXPECT_EQ(r->raw_response.rfind("SIP/2.0 403 Forbidden\r\n", 0), 0u);
  EXPECT_NE(r->raw_request.find("Via: SIP/2.0/TCP 127.0.0.1:"), std::string::npos);
}

TEST_F(SipOptionsTest, TcpAgainstResponder200) {
  auto responder = SipResponder::start(ioc.get_executor(), {});
  ASSERT_TRUE(responder.ok());
  auto p = udpParams((*responder)->port(), 2000ms);
  p.transport = SipTransport::kTcp;
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kResponse) << r->detail;
  EXPECT_EQ(r->status_code, 200);
  EXPECT_EQ(r->raw_response.rfind("SIP/2.0 200", 0), 0u);
}

std::uint16_t closedUdpPort(asio::io_context& ioc) {
  udp::socket s(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return s.local_endpoint().port();  // closed when s goes out of scope
}

TEST_F(SipOptionsTest, UdpNobodyListeningIsRefusedQuickly) {
  auto p = udpParams(closedUdpPort(ioc), 3000ms);
  auto t0 = SteadyClock::now();
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kRefused) << r->detail;
  EXPECT_LT(elapsedMs(t0), 400);
  EXPECT_NE(r->detail.find("ICMP port unreachable"), std::string::npos);
}

TEST_F(SipOptionsTest, TcpRefused) {
  std::uint16_t port;
  {
    tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto p = udpParams(port, 2000ms);
  p.transport = SipTransport::kTcp;
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kRefused) << r->detail;
}

TEST_F(SipOptionsTest, SilentPeerTimesOutOnTimeWithRetransmissions) {
  ScriptedUdpServer server(ioc, [](const std::string&, int) { return ScriptedUdpServer::Answer{}; });
  auto p = udpParams(server.port(), 1600ms);
  auto t0 = SteadyClock::now();
  auto r = runFor(ioc, sipOptions(resolver, p));
  auto took = elapsedMs(t0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kTimeout) << r->detail;
  EXPECT_GE(took, 1600);
  EXPECT_LE(took, 1700);
  // Timer A: sends at 0, 500 and 1500 ms.
  EXPECT_EQ(r->retransmissions, 2);
  EXPECT_EQ(server.received, 3);
}

TEST_F(SipOptionsTest, NoRetransmitWhenDisabled) {
  ScriptedUdpServer server(ioc, [](const std::string&, int) { return ScriptedUdpServer::Answer{}; });
  auto p = udpParams(server.port(), 1200ms);
  p.retransmit = false;
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kTimeout);
  EXPECT_EQ(r->retransmissions, 0);
  EXPECT_EQ(server.received, 1);
}

TEST_F(SipOptionsTest, LateAnswerToFirstTransmissionCountsFromFirstSend) {
  ScriptedUdpServer server(ioc, [](const std::string& req, int index) {
    if (index != 0) return ScriptedUdpServer::Answer{};
    return ScriptedUdpServer::Answer{{respondTo(req, 200)}, 1200ms};
  });
  auto p = udpParams(server.port(), 3000ms);
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kResponse) << r->detail;
  EXPECT_GE(r->retransmissions, 1);
  EXPECT_GE(r->rtt_ms, 1200);
  EXPECT_LT(r->rtt_ms, 1400);
  EXPECT_EQ(r->server, "scripted");
}

TEST_F(SipOptionsTest, ProvisionalThenFinal) {
  ScriptedUdpServer server(ioc, [](const std::string& req, int index) {
    if (index != 0) return ScriptedUdpServer::Answer{};
    return ScriptedUdpServer::Answer{{respondTo(req, 100), respondTo(req, 486)}, 10ms};
  });
  auto r = runFor(ioc, sipOptions(resolver, udpParams(server.port(), 2000ms)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kResponse) << r->detail;
  EXPECT_EQ(r->provisional, 1);
  EXPECT_EQ(r->status_code, 486);
  EXPECT_EQ(r->raw_response.rfind("SIP/2.0 486 Busy Here\r\n", 0), 0u);
}

TEST_F(SipOptionsTest, ResponseWithOtherCallIdIsNotMatched) {
  ScriptedUdpServer server(ioc, [](const std::string& req, int) {
    return ScriptedUdpServer::Answer{{respondTo(req, 200, "someone-else@192.0.2.9")}, 0ms};
  });
  auto p = udpParams(server.port(), 1000ms);
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kTimeout) << r->detail;
  EXPECT_NE(r->detail.find(std::to_string(server.received) + " non-matching responses ignored"), std::string::npos)
      << r->detail;
}

TEST_F(SipOptionsTest, GarbageRepliesAreCountedNotFatal) {
  ScriptedUdpServer server(ioc, [](const std::string&, int index) {
    std::string junk = "\x01\x02 not sip at all \xff";
    if (index == 1) junk = "SIP/2.0 200 OK\r\nContent-Length: 50\r\n\r\nshort";
    return ScriptedUdpServer::Answer{{junk}, 0ms};
  });
  auto p = udpParams(server.port(), 1000ms);
  auto t0 = SteadyClock::now();
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kTimeout) << r->detail;
  EXPECT_LE(elapsedMs(t0), 1100);
  EXPECT_EQ(server.received, 2);  // sends at 0 and 500 ms
  EXPECT_NE(r->detail.find("2 unparseable datagrams received"), std::string::npos) << r->detail;
}

TEST_F(SipOptionsTest, UnresolvableHost) {
  SipOptionsParams p;
  p.host = "no-such-host.invalid";
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kResolveFailed);
  EXPECT_NE(r->detail.find("NXDOMAIN"), std::string::npos);
}

// A TCP peer that accepts and then runs `serve` on the connection.
struct TcpPeer {
  TcpPeer(asio::io_context& ioc, std::function<asio::awaitable<void>(tcp::socket&)> s)
      : acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), serve(std::move(s)) {
    asio::co_spawn(ioc, run(), asio::detached);
  }
  asio::awaitable<void> run() {
    auto [ec, sock] = co_await acceptor.async_accept(kTuple);
    if (ec) co_return;
    conn = std::make_unique<tcp::socket>(std::move(sock));
    co_await serve(*conn);
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  tcp::acceptor acceptor;
  std::function<asio::awaitable<void>(tcp::socket&)> serve;
  std::unique_ptr<tcp::socket> conn;
};

TEST_F(SipOptionsTest, TcpOversizedResponseIsBad) {
  TcpPeer peer(ioc, [](tcp::socket& s) -> asio::awaitable<void> {
    std::array<char, 4096> buf{};
    co_await s.async_read_some(asio::buffer(buf), kTuple);
    std::string head = "SIP/2.0 200 OK\r\n";
    std::string filler(1000, 'a');
    std::string blob = head;
    while (blob.size() < 300 * 1024) blob += "X-Filler: " + filler + "\r\n";
    co_await asio::async_write(s, asio::buffer(blob), kTuple);
    asio::steady_timer t(s.get_executor(), 2s);
    co_await t.async_wait(kTuple);
  });
  auto p = udpParams(peer.port(), 1500ms);
  p.transport = SipTransport::kTcp;
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kBadResponse) << r->detail;
  EXPECT_NE(r->detail.find("response larger than 262144 bytes"), std::string::npos) << r->detail;
}

TEST_F(SipOptionsTest, TcpResponseSplitAcrossSegmentsAfterAProvisional) {
  TcpPeer peer(ioc, [](tcp::socket& s) -> asio::awaitable<void> {
    std::string req;
    std::array<char, 4096> buf{};
    while (req.find("\r\n\r\n") == std::string::npos) {
      auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), kTuple);
      if (ec) co_return;
      req.append(buf.data(), n);
    }
    auto wire = respondTo(req, 100) + respondTo(req, 404);
    auto half = wire.size() - 30;
    co_await asio::async_write(s, asio::buffer(wire.data(), half), kTuple);
    asio::steady_timer t(s.get_executor(), 50ms);
    co_await t.async_wait(kTuple);
    co_await asio::async_write(s, asio::buffer(wire.data() + half, wire.size() - half), kTuple);
    t.expires_after(1s);
    co_await t.async_wait(kTuple);
  });
  auto p = udpParams(peer.port(), 1500ms);
  p.transport = SipTransport::kTcp;
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kResponse) << r->detail;
  EXPECT_EQ(r->status_code, 404);
  EXPECT_EQ(r->provisional, 1);
  EXPECT_GE(r->rtt_ms, 50);
}

TEST_F(SipOptionsTest, TcpSilentPeerTimesOut) {
  TcpPeer peer(ioc, [](tcp::socket& s) -> asio::awaitable<void> {
    asio::steady_timer t(s.get_executor(), 3s);
    co_await t.async_wait(kTuple);
  });
  auto p = udpParams(peer.port(), 800ms);
  p.transport = SipTransport::kTcp;
  auto t0 = SteadyClock::now();
  auto r = runFor(ioc, sipOptions(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, SipOutcome::kTimeout) << r->detail;
  EXPECT_LE(elapsedMs(t0), 900);
}

TEST(SipOptionsNames, ToString) {
  EXPECT_EQ(toString(SipTransport::kUdp), "udp");
  EXPECT_EQ(toString(SipTransport::kTcp), "tcp");
  EXPECT_EQ(toString(SipOutcome::kRefused), "refused");
  EXPECT_EQ(toString(SipOutcome::kBadResponse), "bad_response");
}

}  // namespace
}  // namespace vs::probe
