// The sip ping engine against in-process peers on loopback (one io_context, as in production): a scripted
// UDP responder that misbehaves on purpose per CSeq, the built-in SipResponder, and TCP servers that refuse
// or hang up. Assertions are exact counts; timing only decides which side of a timeout a reply lands on,
// with wide margins.
#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <functional>
#include <set>

#include "probe/detail_net.h"
#include "probe/responders.h"
#include "probe/sip_pinger.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"
#include "sip_test_support.h"

namespace vs::probe {
namespace {

using namespace std::chrono_literals;
using asio::ip::udp;
namespace sip = proto::sip;

struct Reply {
  std::string bytes;
  std::chrono::milliseconds delay{0};
  bool from_other_port = false;
};
using Script = std::function<std::vector<Reply>(const sip::Message& request, std::uint32_t cseq)>;

// A UDP peer on the test's io_context that answers each request as `script` says.
class ScriptedPeer {
 public:
  ScriptedPeer(asio::io_context& ioc, Script script)
      : ioc_(ioc), main_(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        other_(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), script_(std::move(script)) {
    asio::co_spawn(ioc, loop(), asio::detached);
  }
  ~ScriptedPeer() {
    std::error_code ignored;
    main_.close(ignored);
    other_.close(ignored);
  }
  std::uint16_t port() const { return main_.local_endpoint().port(); }
  std::set<std::uint16_t> source_ports;

 private:
  asio::awaitable<void> loop() {
    std::array<char, 65536> buf{};
    while (true) {
      udp::endpoint from;
      auto [ec, n] = co_await main_.async_receive_from(asio::buffer(buf), from, detail::kAsTuple);
      if (ec) co_return;
      source_ports.insert(from.port());
      std::string request(buf.data(), n);
      auto m = sip::parseMessage(std::string_view(request));
      if (!m.ok() || !m->cseq()) continue;
      for (auto& reply : script_(*m, m->cseq()->number)) {
        asio::co_spawn(ioc_, sendLater(std::move(reply), from), asio::detached);
      }
    }
  }
  asio::awaitable<void> sendLater(Reply reply, udp::endpoint to) {
    asio::steady_timer t(ioc_);
    t.expires_after(reply.delay);
    co_await t.async_wait(detail::kAsTuple);
    auto& sock = reply.from_other_port ? other_ : main_;
    std::error_code ec;
    sock.send_to(asio::buffer(reply.bytes), to, 0, ec);
  }

  asio::io_context& ioc_;
  udp::socket main_;
  udp::socket other_;
  Script script_;
};

std::string ok(const sip::Message& request, int code = 200) {
  sip::ResponseParams rp;
  rp.status_code = code;
  return sip::buildResponse(request, rp);
}

struct Outcome {
  std::vector<PingResult> results;
  std::vector<LateReply> late;
  std::vector<HeaderRewrite> rewrites;
  std::optional<Result<std::vector<TargetReport>>> report;
};

Outcome runPinger(asio::io_context& ioc, SipPingOptions o,
                  std::function<void(SipPinger&, const PingResult&)> on_result = {}) {
  testing::FakeResolver resolver;
  Outcome out;
  SipPingCallbacks cb;
  SipPinger* self = nullptr;
  cb.on_result = [&](const PingResult& r) {
    out.results.push_back(r);
    if (on_result) on_result(*self, r);
  };
  cb.on_late = [&](const LateReply& l) { out.late.push_back(l); };
  cb.on_rewrite = [&](std::size_t, const HeaderRewrite& rw) { out.rewrites.push_back(rw); };
  SipPinger pinger(ioc.get_executor(), resolver, o, cb);
  self = &pinger;
  auto drive = [&]() -> asio::awaitable<void> {
    out.report.emplace(co_await pinger.run());
    ioc.stop();
  };
  asio::co_spawn(ioc, drive(), asio::detached);
  ioc.restart();
  ioc.run_for(20s);
  return out;
}

SipPingOptions options(std::uint16_t port, std::uint64_t count) {
  SipPingOptions o;
  o.targets = {"127.0.0.1:" + std::to_string(port)};
  o.count = count;
  o.interval = 40ms;
  o.timeout = 300ms;
  return o;
}

TEST(SipPinger, MatchesByTransactionAndCountsEveryKindOfNoise) {
  asio::io_context ioc;
  ScriptedPeer peer(ioc, [](const sip::Message& req, std::uint32_t cseq) -> std::vector<Reply> {
    auto good = ok(req);
    switch (cseq) {
      case 1: return {{"\x01\x02 not sip\r\n\r\n"}, {good, 150ms}};  // garbage, then a slow answer
      case 2: return {{good, 600ms}};                                // after the 300 ms timeout: late
      case 3: return {{"SIP/2.0 200 OK\r\nX-Pad: " + std::string(60000, 'x')}};  // 60 kB, never ends
      case 4: {                                                      // no Call-ID
        auto at = good.find("Call-ID:");
        return {{good.erase(at, good.find("\r\n", at) + 2 - at)}};
      }
      case 5: return {{ok(req, 100)}, {ok(req, 403)}};               // provisional, then final
      case 6: {                                                      // our Call-ID, another branch
        auto at = good.find(";branch=z9hG4bK") + 15;
        return {{good.replace(at, 4, "XXXX")}};
      }
      case 7: return {{good}, {good}};                               // duplicate
      case 8: return {{good, 0ms, true}};                            // from another port
      default: return {{good}};
    }
  });
  auto out = runPinger(ioc, options(peer.port(), 10));
  ASSERT_TRUE(out.report && out.report->ok());
  ASSERT_EQ(out.results.size(), 10u);
  std::vector<bool> received;
  for (std::size_t i = 0; i < out.results.size(); ++i) {
    EXPECT_EQ(out.results[i].seq, i + 1) << "reported in send order";
    received.push_back(out.results[i].received);
  }
  // Received: 1 (slow but in time), 5 (403), 7, 8 (foreign), 9, 10. Lost: 2 (late), 3, 4, 6.
  EXPECT_EQ(received, (std::vector<bool>{true, false, false, false, true, false, true, true, true, true}));
  EXPECT_GE(out.results[0].rtt_ms, 140.0);  // matched to ping 1 although ping 2..4 went out meanwhile
  EXPECT_EQ(out.results[4].status_code, 403);
  EXPECT_EQ(out.results[4].provisional, 1);
  EXPECT_TRUE(out.results[7].foreign_source);
  EXPECT_FALSE(out.results[8].foreign_source);
  EXPECT_EQ(out.results[1].reason, "timeout");
  ASSERT_EQ(out.late.size(), 1u);
  EXPECT_EQ(out.late[0].seq, 2u);
  EXPECT_GE(out.late[0].rtt_ms, 300.0);

  const auto& c = (**out.report)[0].counters;
  EXPECT_EQ(c.unparseable, 3u);  // garbage, 60 kB without an end, no Call-ID
  EXPECT_EQ(c.unmatched, 1u);    // wrong branch
  EXPECT_EQ(c.duplicates, 1u);
  EXPECT_EQ(c.foreign_replies, 1u);
  EXPECT_EQ(c.provisional, 1u);
  // The wrong branch is also a Via rewrite, reported once with both values.
  ASSERT_EQ(out.rewrites.size(), 1u);
  EXPECT_EQ(out.rewrites[0].header, "Via");
  EXPECT_EQ(out.rewrites[0].seq, 6u);
  EXPECT_NE(out.rewrites[0].received.find("branch=z9hG4bKXXXX"), std::string::npos);
}

TEST(SipPinger, RewritesReportedOncePerHeader) {
  asio::io_context ioc;
  ScriptedPeer peer(ioc, [](const sip::Message& req, std::uint32_t) -> std::vector<Reply> {
    auto good = ok(req);
    auto tag = good.find(";tag=", good.find("From:"));
    good.replace(tag + 5, 4, "ALG0");                               // From tag
    auto to = good.find("To: <sip:");
    good.replace(to + 9, 0, "alg@");                                 // To URI gains a user
    return {{good}};
  });
  auto out = runPinger(ioc, options(peer.port(), 4));
  ASSERT_EQ(out.results.size(), 4u);
  for (const auto& r : out.results) EXPECT_TRUE(r.received);  // Call-ID, CSeq and branch intact
  ASSERT_EQ(out.rewrites.size(), 2u);
  EXPECT_EQ(out.rewrites[0].header, "From");
  EXPECT_EQ(out.rewrites[1].header, "To");
  EXPECT_EQ(out.rewrites[1].sent, "sip:127.0.0.1:" + std::to_string(peer.port()));
  EXPECT_EQ(out.rewrites[1].received, "sip:alg@127.0.0.1:" + std::to_string(peer.port()));
  EXPECT_EQ((**out.report)[0].rewrites.size(), 2u);
}

TEST(SipPinger, OneSourcePortByDefaultANewOnePerPingOnRequest) {
  for (bool new_port : {false, true}) {
    asio::io_context ioc;
    ScriptedPeer peer(ioc, [](const sip::Message& req, std::uint32_t) -> std::vector<Reply> { return {{ok(req)}}; });
    auto o = options(peer.port(), 5);
    o.new_port_per_ping = new_port;
    auto out = runPinger(ioc, o);
    ASSERT_EQ(out.results.size(), 5u);
    for (const auto& r : out.results) EXPECT_TRUE(r.received) << r.reason;
    EXPECT_EQ(peer.source_ports.size(), new_port ? 5u : 1u);
  }
}

TEST(SipPinger, StopEndsAnEndlessRun) {
  asio::io_context ioc;
  SipResponderOptions so;
  auto responder = SipResponder::start(ioc.get_executor(), so);
  ASSERT_TRUE(responder.ok());
  auto o = options((*responder)->port(), 0);
  o.interval = 20ms;
  auto out = runPinger(ioc, o, [](SipPinger& p, const PingResult& r) {
    if (r.seq == 3) p.stop();
  });
  ASSERT_TRUE(out.report && out.report->ok());
  EXPECT_EQ(out.results.size(), 3u);
}

TEST(SipPinger, TcpRefusedThenReconnectsAfterHangups) {
  {
    asio::io_context ioc;
    asio::ip::tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    auto port = a.local_endpoint().port();
    a.close();
    auto o = options(port, 3);
    o.transport = SipTransport::kTcp;
    auto out = runPinger(ioc, o);
    ASSERT_EQ(out.results.size(), 3u);
    for (const auto& r : out.results) {
      EXPECT_FALSE(r.received);
      EXPECT_NE(r.reason.find("refused"), std::string::npos) << r.reason;
    }
  }
  // A server that answers one request per connection and hangs up: each ping after the first reconnects.
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  auto serve = [&]() -> asio::awaitable<void> {
    while (true) {
      auto [ec, conn] = co_await acceptor.async_accept(detail::kAsTuple);
      if (ec) co_return;
      std::string buf;
      std::array<char, 4096> chunk{};
      while (sip::frameStream(buf).status != sip::StreamFrame::Status::kMessage) {
        auto [rec, n] = co_await conn.async_read_some(asio::buffer(chunk), detail::kAsTuple);
        if (rec) break;
        buf.append(chunk.data(), n);
      }
      auto frame = sip::frameStream(buf);
      if (frame.status != sip::StreamFrame::Status::kMessage) continue;
      std::string msg = buf.substr(frame.skip, frame.length);
      auto m = sip::parseMessage(msg, false);
      if (m.ok()) co_await asio::async_write(conn, asio::buffer(ok(*m)), detail::kAsTuple);
      conn.close();
    }
  };
  asio::co_spawn(ioc, serve(), asio::detached);
  auto o = options(acceptor.local_endpoint().port(), 3);
  o.transport = SipTransport::kTcp;
  o.interval = 100ms;
  auto out = runPinger(ioc, o);
  ASSERT_TRUE(out.report && out.report->ok());
  ASSERT_EQ(out.results.size(), 3u);
  for (const auto& r : out.results) EXPECT_TRUE(r.received) << r.reason;
  EXPECT_EQ((**out.report)[0].counters.connects, 3u);
  EXPECT_EQ((**out.report)[0].counters.reconnects, 2u);
}

TEST(SipPinger, UnresolvableTargetFailsBeforeSending) {
  asio::io_context ioc;
  SipPingOptions o;
  o.targets = {"sbc.invalid"};
  o.count = 3;
  auto out = runPinger(ioc, o);
  ASSERT_TRUE(out.report.has_value());
  ASSERT_FALSE(out.report->ok());
  EXPECT_NE(out.report->error().message.find("sbc.invalid"), std::string::npos);
  EXPECT_TRUE(out.results.empty());
}

TEST(SipPinger, Ipv6Loopback) {
  asio::io_context ioc;
  SipResponderOptions so;
  so.bind_address = "::1";
  auto responder = SipResponder::start(ioc.get_executor(), so);
  if (!responder.ok()) GTEST_SKIP() << "::1 unavailable: " << responder.error().message;
  SipPingOptions o;
  o.targets = {"[::1]:" + std::to_string((*responder)->port())};
  o.family = io::AddressFamily::kV6;
  o.count = 3;
  o.interval = 30ms;
  auto out = runPinger(ioc, o);
  ASSERT_EQ(out.results.size(), 3u);
  for (const auto& r : out.results) EXPECT_TRUE(r.received) << r.reason;
  EXPECT_EQ(out.results[0].responder, "[::1]:" + std::to_string((*responder)->port()));
}

TEST(ParsePingTargets, FormsAndErrors) {
  SipPingOptions o;
  o.targets = {"sbc.example.com", "192.0.2.1:5070", "sip:alice@[2001:db8::1]:5080;transport=tcp", "SIP:Host.Example"};
  auto t = parsePingTargets(o);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ((*t)[0].port, 5060);
  EXPECT_EQ((*t)[1].host, "192.0.2.1");
  EXPECT_EQ((*t)[1].port, 5070);
  EXPECT_EQ((*t)[2].host, "2001:db8::1");
  EXPECT_EQ((*t)[2].port, 5080);
  EXPECT_EQ((*t)[2].transport, SipTransport::kTcp);
  EXPECT_EQ((*t)[3].host, "host.example");
  // RFC 3263 inputs: what the user fixed (port, transport) and what DNS may still choose.
  EXPECT_FALSE((*t)[0].explicit_port);
  EXPECT_FALSE((*t)[0].explicit_transport);
  EXPECT_TRUE((*t)[1].explicit_port);
  EXPECT_TRUE((*t)[2].explicit_transport);
  // TLS: sips: or ;transport=tls, default port 5061; an explicit port stays.
  o.targets = {"sips:sbc.example.com", "sip:x;transport=tls", "sips:[::1]:5071"};
  auto tls = parsePingTargets(o);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  for (const auto& target : *tls) EXPECT_EQ(target.transport, SipTransport::kTls) << target.text;
  EXPECT_EQ((*tls)[0].port, 5061);
  EXPECT_EQ((*tls)[1].port, 5061);
  EXPECT_EQ((*tls)[2].port, 5071);
  EXPECT_TRUE((*tls)[0].explicit_transport);
  // -p applies to every target without a port, and counts as explicit (no SRV).
  o.targets = {"sbc.example.com"};
  o.default_port = 5080;
  auto given = parsePingTargets(o);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ((*given)[0].port, 5080);
  EXPECT_TRUE((*given)[0].explicit_port);
  for (std::string bad : {"https://x/", "sip:x;transport=sctp", "a b"}) {
    o.targets = {bad};
    EXPECT_FALSE(parsePingTargets(o).ok()) << bad;
  }
}

}  // namespace
}  // namespace vs::probe
