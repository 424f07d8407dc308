#include <gtest/gtest.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cmath>
#include <functional>
#include <map>

#include "core/time.h"
#include "probe/latency.h"
#include "probe/responders.h"
#include "probe/sip_test_support.h"

namespace vs::probe {
namespace {

using namespace std::chrono_literals;
using testing::FakeResolver;
using testing::runFor;
using asio::ip::udp;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Echo peer for the 'VSL1' probes: reply delay and drops are decided per sequence number by the test.
struct DelayingEcho {
  struct Plan {
    std::function<std::chrono::milliseconds(std::uint32_t)> delay = [](std::uint32_t) { return 0ms; };
    std::function<bool(std::uint32_t)> drop = [](std::uint32_t) { return false; };
    int copies = 1;
  };

  DelayingEcho(asio::io_context& ioc, Plan p)
      : socket(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), plan(std::move(p)) {
    asio::co_spawn(ioc, loop(), asio::detached);
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }

  asio::awaitable<void> loop() {
    std::array<char, 65536> buf{};
    udp::endpoint from;
    while (true) {
      auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buf), from, kTuple);
      if (ec) co_return;
      arrivals.push_back(SteadyClock::now());
      std::string packet(buf.data(), n);
      sizes.push_back(n);
      magic_ok = magic_ok && packet.substr(0, 4) == "VSL1";
      std::uint32_t seq = 0;
      for (std::size_t i = 4; i < 8 && i < n; ++i) seq = (seq << 8) | static_cast<unsigned char>(packet[i]);
      if (plan.drop(seq)) continue;
      asio::co_spawn(socket.get_executor(), replyLater(std::move(packet), from, seq, arrivals.back()),
                     asio::detached);
    }
  }
  asio::awaitable<void> replyLater(std::string packet, udp::endpoint to, std::uint32_t seq,
                                   SteadyClock::time_point arrived) {
    asio::steady_timer t(socket.get_executor(), plan.delay(seq));
    co_await t.async_wait(kTuple);
    // What the delay really was: on a loaded machine the timer fires late.
    held_ms[seq] = elapsedMs(arrived);
    for (int i = 0; i < plan.copies; ++i) co_await socket.async_send_to(asio::buffer(packet), to, kTuple);
  }

  udp::socket socket;
  Plan plan;
  std::vector<SteadyClock::time_point> arrivals;
  std::vector<std::size_t> sizes;
  std::map<std::uint32_t, double> held_ms;
  bool magic_ok = true;
};

class LatencyTest : public ::testing::Test {
 protected:
  asio::io_context ioc;
  FakeResolver resolver;
};

TEST_F(LatencyTest, LossAndJitterMatchTheServersDelays) {
  DelayingEcho::Plan plan;
  plan.delay = [](std::uint32_t seq) { return std::chrono::milliseconds(seq * 2); };
  plan.drop = [](std::uint32_t seq) { return seq % 5 == 4; };
  DelayingEcho echo(ioc, plan);
  LatencyParams p;
  p.host = "127.0.0.1";
  p.port = echo.port();
  p.count = 20;
  p.interval = 20ms;
  p.timeout = 500ms;
  auto r = runFor(ioc, measureLatency(resolver, p));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->ok) << r->detail;
  EXPECT_EQ(r->sent, 20);
  EXPECT_EQ(r->received, 16);
  EXPECT_DOUBLE_EQ(r->loss_pct, 20.0);
  EXPECT_EQ(r->late, 0);
  EXPECT_EQ(r->duplicates, 0);
  EXPECT_EQ(r->remote_address, "127.0.0.1:" + std::to_string(p.port));
  ASSERT_EQ(r->rtt_ms.size(), 20u);

  // The expected figures come from the delay list alone.
  std::vector<double> delays;
  for (std::uint32_t seq = 0; seq < 20; ++seq) {
    bool lost = seq % 5 == 4;
    EXPECT_EQ(r->rtt_ms[seq].has_value(), !lost) << seq;
    if (lost) continue;
    delays.push_back(seq * 2.0);
    EXPECT_GE(*r->rtt_ms[seq], seq * 2.0) << seq;
    // Loose: a loaded CI machine can wake us a few ms late; the jitter check below is the precise one.
    EXPECT_LT(*r->rtt_ms[seq], seq * 2.0 + 15.0) << seq;
  }
  auto meanAbsDiff = [](const std::vector<double>& v) {
    double sum = 0;
    for (std::size_t i = 1; i < v.size(); ++i) sum += std::abs(v[i] - v[i - 1]);
    return sum / static_cast<double>(v.size() - 1);
  };
  EXPECT_DOUBLE_EQ(meanAbsDiff(delays), 2.4);  // 11 steps of 2 ms and 4 of 4 ms (across each drop)
  // Against the delays the server really applied: only loopback transit and wake-ups differ.
  std::vector<double> held;
  for (const auto& [seq, ms] : echo.held_ms) held.push_back(ms);
  ASSERT_EQ(held.size(), 16u);
  // Tolerances allow for timer wake-ups on a loaded 2-core CI machine under sanitizers; a prober that
  // matched replies by arrival order or lost the schedule would be off by far more.
  EXPECT_NEAR(r->jitter_ms, meanAbsDiff(held), 2.0);
  EXPECT_NEAR(r->jitter_ms, meanAbsDiff(delays), 4.0);
  EXPECT_GE(r->min_ms, 0.0);
  EXPECT_LT(r->min_ms, 15.0);
  EXPECT_GE(r->max_ms, 36.0);  // seq 18; seq 19 is dropped
  EXPECT_LT(r->max_ms, 36.0 + 15.0);
  EXPECT_EQ(echo.sizes.size(), 20u);
  for (auto n : echo.sizes) EXPECT_EQ(n, 172u);
  EXPECT_TRUE(echo.magic_ok);
}

TEST_F(LatencyTest, ReplyAfterTheTimeoutIsLateAndLost) {
  DelayingEcho::Plan plan;
  plan.delay = [](std::uint32_t seq) { return seq == 1 ? 250ms : 5ms; };
  DelayingEcho echo(ioc, plan);
  LatencyParams p;
  p.host = "localhost";
  p.port = echo.port();
  p.count = 6;
  p.interval = 50ms;
  p.timeout = 150ms;
  p.payload_bytes = 40;
  auto r = runFor(ioc, measureLatency(resolver, p));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->ok) << r->detail;
  EXPECT_EQ(r->sent, 6);
  EXPECT_EQ(r->received, 5);
  EXPECT_EQ(r->late, 1);
  EXPECT_FALSE(r->rtt_ms[1].has_value());
  EXPECT_NEAR(r->loss_pct, 100.0 / 6.0, 1e-9);
  for (auto n : echo.sizes) EXPECT_EQ(n, 40u);
}

TEST_F(LatencyTest, DuplicatesAreCountedOnce) {
  DelayingEcho::Plan plan;
  plan.copies = 2;
  DelayingEcho echo(ioc, plan);
  LatencyParams p;
  p.host = "127.0.0.1";
  p.port = echo.port();
  p.count = 5;
  p.interval = 20ms;
  p.timeout = 200ms;
  auto r = runFor(ioc, measureLatency(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->received, 5);
  EXPECT_EQ(r->duplicates, 4);  // the last probe's second copy may arrive after the run ended
  EXPECT_DOUBLE_EQ(r->loss_pct, 0.0);
}

TEST_F(LatencyTest, ScheduleIsNotDelayedByReplies) {
  DelayingEcho::Plan plan;
  plan.delay = [](std::uint32_t) { return 100ms; };
  DelayingEcho echo(ioc, plan);
  LatencyParams p;
  p.host = "127.0.0.1";
  p.port = echo.port();
  p.count = 10;
  p.interval = 30ms;
  p.timeout = 500ms;
  auto t0 = SteadyClock::now();
  auto r = runFor(ioc, measureLatency(resolver, p));
  auto took = elapsedMs(t0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->received, 10);
  ASSERT_EQ(echo.arrivals.size(), 10u);
  double spacing = elapsedMs(echo.arrivals.front(), echo.arrivals.back()) / 9.0;
  // Sending after each reply would space probes 130 ms apart; on schedule they are 30 ms apart.
  EXPECT_NEAR(spacing, 30.0, 5.0);
  // Ends once everything is answered: last send at 270 ms plus 100 ms, not at the 500 ms timeout
  // (which would end it at 770 ms or later).
  EXPECT_GE(took, 370);
  EXPECT_LT(took, 700);
  EXPECT_NEAR(r->avg_ms, 100.0, 10.0);
}

TEST_F(LatencyTest, SipModeAgainstResponder) {
  auto responder = SipResponder::start(ioc.get_executor(), {});
  ASSERT_TRUE(responder.ok());
  LatencyParams p;
  p.host = "127.0.0.1";
  p.port = (*responder)->port();
  p.mode = LatencyMode::kSip;
  p.count = 5;
  p.interval = 20ms;
  p.timeout = 300ms;
  auto r = runFor(ioc, measureLatency(resolver, p));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->ok) << r->detail;
  EXPECT_EQ(r->sent, 5);
  EXPECT_EQ(r->received, 5);
  EXPECT_EQ((*responder)->requestsAnswered(), 5u);
  for (const auto& rtt : r->rtt_ms) EXPECT_TRUE(rtt.has_value());
}

TEST_F(LatencyTest, NobodyListeningLosesEverything) {
  std::uint16_t port;
  {
    udp::socket s(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = s.local_endpoint().port();
  }
  LatencyParams p;
  p.host = "127.0.0.1";
  p.port = port;
  p.count = 3;
  p.interval = 10ms;
  p.timeout = 100ms;
  auto r = runFor(ioc, measureLatency(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->sent, 3);
  EXPECT_EQ(r->received, 0);
  EXPECT_DOUBLE_EQ(r->loss_pct, 100.0);
  EXPECT_NE(r->detail.find("ICMP port unreachable"), std::string::npos) << r->detail;
}

TEST_F(LatencyTest, UnresolvableHostIsNotOk) {
  LatencyParams p;
  p.host = "nowhere.invalid";
  p.port = 9;
  auto r = runFor(ioc, measureLatency(resolver, p));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->detail.find("NXDOMAIN"), std::string::npos);
}

TEST(LatencyStats, HandMadeVectors) {
  LatencyResult r;
  r.sent = 5;
  r.received = 3;
  r.rtt_ms = {10.0, std::nullopt, 14.0, 11.0, std::nullopt};
  computeLatencyStats(r);
  EXPECT_DOUBLE_EQ(r.min_ms, 10.0);
  EXPECT_DOUBLE_EQ(r.max_ms, 14.0);
  EXPECT_DOUBLE_EQ(r.avg_ms, 35.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.jitter_ms, (4.0 + 3.0) / 2.0);  // lost probes are skipped, not counted as 0
  EXPECT_DOUBLE_EQ(r.loss_pct, 40.0);

  LatencyResult one;
  one.sent = 2;
  one.received = 1;
  one.rtt_ms = {std::nullopt, 7.5};
  computeLatencyStats(one);
  EXPECT_DOUBLE_EQ(one.min_ms, 7.5);
  EXPECT_DOUBLE_EQ(one.max_ms, 7.5);
  EXPECT_DOUBLE_EQ(one.jitter_ms, 0.0);
  EXPECT_DOUBLE_EQ(one.loss_pct, 50.0);

  LatencyResult none;
  none.sent = 4;
  none.rtt_ms.assign(4, std::nullopt);
  computeLatencyStats(none);
  EXPECT_DOUBLE_EQ(none.avg_ms, 0.0);
  EXPECT_DOUBLE_EQ(none.jitter_ms, 0.0);
  EXPECT_DOUBLE_EQ(none.loss_pct, 100.0);

  LatencyResult empty;
  computeLatencyStats(empty);
  EXPECT_DOUBLE_EQ(empty.loss_pct, 0.0);

  LatencyResult saw;
  saw.sent = saw.received = 4;
  saw.rtt_ms = {20.0, 10.0, 30.0, 25.0};
  computeLatencyStats(saw);
  EXPECT_DOUBLE_EQ(saw.jitter_ms, (10.0 + 20.0 + 5.0) / 3.0);
  EXPECT_DOUBLE_EQ(saw.avg_ms, 21.25);
}

}  // namespace
}  // namespace vs::probe
