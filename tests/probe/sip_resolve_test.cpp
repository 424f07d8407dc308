// RFC 3263 / RFC 2782 choices made by probe/sip_resolve over a scripted resolver: NAPTR order and
// preference, services we do not speak, SRV priority and weight, "." targets, fallbacks and errors.
#include "probe/sip_resolve.h"

#include <gtest/gtest.h>

#include <map>

#include "sip_test_support.h"

namespace vs::probe {
namespace {

using testing::runFor;

class ScriptedResolver : public io::Resolver {
 public:
  std::map<std::string, std::vector<asio::ip::address>> a;
  std::map<std::string, std::vector<io::NaptrRecord>> naptr;
  std::map<std::string, std::vector<io::SrvRecord>> srv;
  std::vector<std::string> asked;  // "NAPTR name", "SRV name", "A name" in order

  asio::awaitable<Result<io::ResolveAnswer>> resolve(std::string host, io::AddressFamily) override {
    asked.push_back("A " + host);
    std::error_code ec;
    auto literal = asio::ip::make_address(host, ec);
    if (!ec) co_return io::ResolveAnswer{{literal}, 0};
    auto it = a.find(host);
    if (it == a.end()) co_return makeError(host + ": name does not exist (NXDOMAIN)");
    co_return io::ResolveAnswer{it->second, 0};
  }
  asio::awaitable<Result<std::vector<io::NaptrRecord>>> queryNaptr(std::string name) override {
    asked.push_back("NAPTR " + name);
    co_return naptr[name];
  }
  asio::awaitable<Result<std::vector<io::SrvRecord>>> querySrv(std::string name) override {
    asked.push_back("SRV " + name);
    co_return srv[name];
  }
};

// Result<T> has no default state, which co_spawn's completion needs: carried in an optional.
asio::awaitable<std::optional<Result<SipDestination>>> resolveWrapped(ScriptedResolver& r, SipDestinationQuery q) {
  co_return co_await resolveSipDestination(r, std::move(q));
}

Result<SipDestination> resolveNow(ScriptedResolver& r, SipDestinationQuery q) {
  asio::io_context ioc;
  auto out = runFor(ioc, resolveWrapped(r, std::move(q)));
  if (!out || !*out) return makeError("did not finish");
  return std::move(**out);
}

asio::ip::address ip(const char* s) { return asio::ip::make_address(s); }

TEST(OrderSrv, PriorityFirstThenWeightedDraw) {
  std::vector<io::SrvRecord> in{{20, 0, 1, "c"}, {10, 30, 2, "a"}, {10, 70, 3, "b"}, {10, 0, 4, "z"}};
  // Draw 0 picks the first record whose running sum reaches it: the zero-weight one is ordered first.
  auto zero = orderSrv(in, [](std::uint32_t) { return 0u; });
  ASSERT_EQ(zero.size(), 4u);
  EXPECT_EQ(zero[0].target, "z");
  EXPECT_EQ(zero[1].target, "a");
  EXPECT_EQ(zero[2].target, "b");
  EXPECT_EQ(zero[3].target, "c");
  // Running sums over (z 0, a 30, b 70) are 0, 30, 100: a draw of 31 picks b, then (z, a) with total 30.
  std::vector<std::uint32_t> draws{31, 30};
  std::size_t i = 0;
  auto drawn = orderSrv(in, [&](std::uint32_t total) {
    auto d = i < draws.size() ? draws[i++] : 0u;
    EXPECT_LE(d, total);
    return d;
  });
  EXPECT_EQ(drawn[0].target, "b");
  EXPECT_EQ(drawn[1].target, "a");
  EXPECT_EQ(drawn[2].target, "z");
  EXPECT_EQ(drawn[3].target, "c");
}

TEST(OrderSrv, WeightsShareTheDrawsInProportion) {
  std::vector<io::SrvRecord> in{{1, 1, 1, "light"}, {1, 3, 2, "heavy"}};
  int heavy_first = 0;
  // Every draw 0..4 once: sums are light 1, heavy 4, so draws 0 and 1 pick light, 2, 3, 4 heavy.
  for (std::uint32_t d = 0; d <= 4; ++d) {
    auto o = orderSrv(in, [d](std::uint32_t) { return d; });
    heavy_first += o[0].target == "heavy";
  }
  EXPECT_EQ(heavy_first, 3);
}

TEST(ResolveSip, NumericIpAsksNothing) {
  ScriptedResolver r;
  auto d = resolveNow(r, {"192.0.2.1", 5070, true, SipTransport::kTcp, true});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->address, ip("192.0.2.1"));
  EXPECT_EQ(d->port, 5070);
  EXPECT_EQ(d->transport, SipTransport::kTcp);
  EXPECT_TRUE(d->how.empty());
  EXPECT_EQ(r.asked, std::vector<std::string>{"A 192.0.2.1"});  // the literal check only
}

TEST(ResolveSip, ExplicitPortAsksOnlyForAddresses) {
  ScriptedResolver r;
  r.a["sbc.example.test"] = {ip("192.0.2.7")};
  r.naptr["sbc.example.test"] = {{10, 10, "s", "SIP+D2T", "", "_sip._tcp.sbc.example.test"}};
  auto d = resolveNow(r, {"sbc.example.test", 5099, true, SipTransport::kUdp, false});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 5099);
  EXPECT_EQ(d->transport, SipTransport::kUdp);
  EXPECT_EQ(r.asked, std::vector<std::string>{"A sbc.example.test"});
}

TEST(ResolveSip, NaptrOrderThenPreferenceSkippingWhatWeDoNotSpeak) {
  ScriptedResolver r;
  r.naptr["example.test"] = {
      {20, 5, "s", "SIP+D2U", "", "_sip._udp.example.test"},
      {10, 50, "s", "SIP+D2T", "", "_sip._tcp.example.test"},
      {10, 10, "s", "SIP+D2S", "", "_sip._sctp.example.test"},  // SCTP: not ours
      {10, 20, "u", "E2U+sip", "!^.*$!sip:x@example.test!", ""},  // ENUM-style: not a SIP NAPTR
  };
  r.srv["_sip._tcp.example.test"] = {{10, 0, 5070, "edge.example.test"}};
  r.a["edge.example.test"] = {ip("192.0.2.9")};
  auto d = resolveNow(r, {"example.test", 5060, false, SipTransport::kUdp, false});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->transport, SipTransport::kTcp);
  EXPECT_EQ(d->port, 5070);
  EXPECT_EQ(d->address, ip("192.0.2.9"));
  EXPECT_EQ(d->how, "NAPTR SIP+D2T -> SRV _sip._tcp.example.test -> edge.example.test:5070 -> 192.0.2.9");
}

TEST(ResolveSip, NextSrvTargetWhenTheFirstHasNoAddress) {
  ScriptedResolver r;
  r.srv["_sip._udp.example.test"] = {{10, 0, 5060, "gone.example.test"}, {20, 0, 5062, "b.example.test"}};
  r.a["b.example.test"] = {ip("192.0.2.2")};
  auto d = resolveNow(r, {"example.test", 5060, false, SipTransport::kUdp, false});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->port, 5062);
  EXPECT_EQ(d->how, "SRV _sip._udp.example.test -> b.example.test:5062 -> 192.0.2.2");
}

TEST(ResolveSip, GivenTransportQueriesOnlyItsSrv) {
  ScriptedResolver r;
  r.srv["_sips._tcp.example.test"] = {{0, 0, 5063, "tls.example.test"}};
  r.a["tls.example.test"] = {ip("192.0.2.3")};
  auto d = resolveNow(r, {"example.test", 5061, false, SipTransport::kTls, true});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->transport, SipTransport::kTls);
  EXPECT_EQ(d->port, 5063);
  EXPECT_EQ(r.asked, (std::vector<std::string>{"SRV _sips._tcp.example.test", "A tls.example.test"}));
}

TEST(ResolveSip, DotTargetMeansNoServiceAndFallsThrough) {
  ScriptedResolver r;
  r.srv["_sip._udp.example.test"] = {{0, 0, 0, ""}};  // "."
  r.a["example.test"] = {ip("192.0.2.4")};
  auto d = resolveNow(r, {"example.test", 5060, false, SipTransport::kUdp, false});
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->port, 5060);
  EXPECT_EQ(d->how, "A/AAAA (no NAPTR or SRV) -> 192.0.2.4");
}

TEST(ResolveSip, NaptrLeadingNowhereIsAnErrorNamingThePath) {
  ScriptedResolver r;
  r.naptr["example.test"] = {{10, 10, "s", "SIP+D2T", "", "_sip._tcp.example.test"}};
  r.a["example.test"] = {ip("192.0.2.5")};  // RFC 3263: NAPTR present, so no fallback to A
  auto d = resolveNow(r, {"example.test", 5060, false, SipTransport::kUdp, false});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message,
            "example.test: NAPTR records lead to no address (NAPTR SIP+D2T -> SRV _sip._tcp.example.test: no records)");
}

TEST(ResolveSip, NxdomainKeepsTheResolversMessage) {
  ScriptedResolver r;
  auto d = resolveNow(r, {"nope.example.test", 5060, false, SipTransport::kUdp, false});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "nope.example.test: name does not exist (NXDOMAIN)");
}

}  // namespace
}  // namespace vs::probe
