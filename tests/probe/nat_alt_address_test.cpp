// The reflector's second address (ReflectorOptions::alt_address) on loopback (127.0.0.1 and 127.0.0.2,
// both on lo): every reply advertises it, each reply leaves from the socket the probe's flags ask for
// (the source address and port the test's own socket sees are the ground truth), and the NAT probe uses
// it: with no NAT in between, all three probes see our own address and every answer gets in.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "io/dns.h"
#include "probe/nat_probe.h"
#include "probe/reflector.h"
#include "proto/reflect/message.h"
#include "proto/rtp/rtp.h"
#include "support/run_coroutine.h"

namespace vs::probe {
namespace {

namespace rf = proto::reflect;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

struct ReflectorThread {
  explicit ReflectorThread(std::string altAddress) {
    ReflectorOptions o;
    o.bind_address = "127.0.0.1";
    o.port = 0;
    o.alt_address = std::move(altAddress);
    o.sip_tcp = false;
    auto r = Reflector::start(ioc.get_executor(), o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (r.ok()) reflector = std::move(*r);
    thread = std::thread([this] { ioc.run(); });
  }
  ~ReflectorThread() {
    work.reset();
    asio::post(ioc, [this] { reflector.reset(); });
    ioc.stop();
    thread.join();
  }
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ioc.get_executor()};
  std::unique_ptr<Reflector> reflector;
  std::thread thread;
};

struct Answer {
  udp::endpoint from;
  std::optional<rf::AltAddress> alt;
};

// One probe with `flags` to `to`; the answer's source and advertised address, nullopt after 2 s.
std::optional<Answer> ask(udp::socket& sock, const udp::endpoint& to, std::uint8_t flags, std::uint32_t session) {
  rf::Probe p;
  p.common.session = session;
  p.common.flags = flags;
  std::vector<std::byte> payload(160);
  EXPECT_TRUE(rf::writeProbe(payload, p).ok());
  proto::rtp::RtpHeader h;
  h.ssrc = session;
  sock.send_to(asio::buffer(proto::rtp::buildRtp(h, payload)), to);
  std::array<std::byte, 2048> buf{};
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < until) {
    udp::endpoint from;
    std::error_code ec;
    const auto n = sock.receive_from(asio::buffer(buf), from, 0, ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(10ms);
      continue;
    }
    if (ec) continue;
    auto rtp = proto::rtp::parseRtp(std::span<const std::byte>(buf.data(), n));
    if (!rtp.ok()) continue;
    auto reply = rf::parseReply(rtp->payload);
    if (!reply.ok() || reply->common.session != session) continue;
    return Answer{from, rf::altAddress(reply->tlvs)};
  }
  return std::nullopt;
}

TEST(ReflectorAltAddress, RepliesLeaveFromTheAskedSocketAndAdvertiseTheSecondAddress) {
  ReflectorThread rt("127.0.0.2");
  ASSERT_TRUE(rt.reflector);
  EXPECT_EQ(rt.reflector->altAddress(), "127.0.0.2");
  const auto a = asio::ip::make_address("127.0.0.1"), b = asio::ip::make_address("127.0.0.2");
  const auto p1 = rt.reflector->port(), p2 = rt.reflector->altPort();
  asio::io_context ioc;
  udp::socket sock(ioc, udp::endpoint(a, 0));
  sock.non_blocking(true);
  struct Case {
    udp::endpoint to;
    std::uint8_t flags;
    udp::endpoint from;
  };
  const std::vector<Case> cases = {
      {{a, p1}, 0, {a, p1}},
      {{a, p1}, rf::kFlagReplyFromAltPort, {a, p2}},
      {{a, p1}, rf::kFlagReplyFromAltAddress, {b, p1}},
      {{a, p1}, rf::kFlagReplyFromAltAddress | rf::kFlagReplyFromAltPort, {b, p2}},
      {{b, p1}, 0, {b, p1}},
      {{b, p2}, 0, {b, p2}},
      {{b, p2}, rf::kFlagReplyFromAltAddress, {a, p2}},
      {{b, p1}, rf::kFlagReplyFromAltAddress | rf::kFlagReplyFromAltPort, {a, p2}},
  };
  std::uint32_t session = 100;
  for (const auto& c : cases) {
    auto got = ask(sock, c.to, c.flags, ++session);
    ASSERT_TRUE(got) << "no answer to " << c.to << " flags " << int{c.flags};
    EXPECT_EQ(got->from, c.from) << "to " << c.to << " flags " << int{c.flags};
    ASSERT_TRUE(got->alt);
    EXPECT_EQ(got->alt->family, 4);
    EXPECT_EQ(got->alt->address[0], 127);
    EXPECT_EQ(got->alt->address[3], 2);
  }
}

TEST(ReflectorAltAddress, WithoutOneTheAddressFlagIsIgnoredAndNothingIsAdvertised) {
  ReflectorThread rt("");
  ASSERT_TRUE(rt.reflector);
  EXPECT_EQ(rt.reflector->altAddress(), "");
  const auto a = asio::ip::make_address("127.0.0.1");
  asio::io_context ioc;
  udp::socket sock(ioc, udp::endpoint(a, 0));
  sock.non_blocking(true);
  auto got = ask(sock, {a, rt.reflector->port()}, rf::kFlagReplyFromAltAddress, 7);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->from, udp::endpoint(a, rt.reflector->port()));
  EXPECT_FALSE(got->alt);
}

TEST(ReflectorAltAddress, AWildcardBindOrTheSameAddressIsRefused) {
  asio::io_context ioc;
  ReflectorOptions o;
  o.port = 0;
  o.sip_tcp = false;
  o.alt_address = "127.0.0.2";
  o.bind_address = "0.0.0.0";
  auto r = Reflector::start(ioc.get_executor(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("--alt-address"), std::string::npos) << r.error().message;
  o.bind_address = "127.0.0.2";
  EXPECT_FALSE(Reflector::start(ioc.get_executor(), o).ok());
  o.bind_address = "127.0.0.1";
  o.alt_address = "::1";
  EXPECT_FALSE(Reflector::start(ioc.get_executor(), o).ok());
}

NatResult natOnce(const Reflector& r) {
  NatProbeParams p;
  p.host = "127.0.0.1";
  p.port = r.port();
  p.alt_port = r.altPort();
  p.sip = false;
  p.wait = 500ms;
  asio::io_context ioc;
  auto resolver = io::Resolver::create(ioc.get_executor(), {});
  EXPECT_TRUE(resolver.ok());
  NatResult out;
  vs::testing::runFor(ioc, [&]() -> asio::awaitable<void> { out = co_await runNatProbe(**resolver, p); }(), 30s);
  return out;
}

TEST(NatProbeAltAddress, NoNatOnLoopbackIsEndpointIndependentBothWays) {
  ReflectorThread rt("127.0.0.2");
  ASSERT_TRUE(rt.reflector);
  auto r = natOnce(*rt.reflector);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_FALSE(r.nat);
  EXPECT_EQ(r.alt_address, "127.0.0.2");
  // Ground truth: no NAT, so every reflector socket sees our own address and port.
  EXPECT_EQ(r.mapped, r.local_address);
  EXPECT_EQ(r.mapped_alt, r.local_address);
  EXPECT_EQ(r.mapped_alt_address, r.local_address);
  EXPECT_EQ(r.mapping, "endpoint-independent");
  EXPECT_TRUE(r.mapping_address_tested);
  EXPECT_EQ(r.filtering, "endpoint-independent") << r.filtering_detail;
}

TEST(NatProbeAltAddress, OneAddressLeavesAddressDependentOpen) {
  ReflectorThread rt("");
  ASSERT_TRUE(rt.reflector);
  auto r = natOnce(*rt.reflector);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(r.alt_address.empty());
  EXPECT_TRUE(r.mapped_alt_address.empty());
  EXPECT_EQ(r.mapping, "endpoint-independent");
  EXPECT_FALSE(r.mapping_address_tested);
  EXPECT_EQ(r.filtering, "endpoint-independent or address-dependent") << r.filtering_detail;
}

}  // namespace
}  // namespace vs::probe
