// `voipscope nat` against `voipscope reflect`, with the ground truth made by the test itself:
//  - three network namespaces (client 198.18.1.2 -> router -> reflector 198.19.0.2), the router doing
//    nftables masquerade (endpoint-independent: Linux keeps the source port), snat to a different
//    outside address per destination address (address-dependent; the reflector's second address tells it)
//    or to a different port range per destination port (address-and-port-dependent); the filtering of
//    all three is address-and-port-dependent (conntrack lets in only the exact flow), a UDP conntrack timeout the test
//    sets in the router's namespace (the binding lifetime);
//  - a SIP ALG relay (tests/support) rewriting Via, Contact, SDP c= and Content-Length on loopback.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>

#include "harness.h"
#include "nat_topology.h"
#include "support/sip_alg_relay.h"

namespace vs::itest {
namespace {

using nlohmann::json;

TEST(NatCli, MasqueradeIsEndpointIndependentAndThePublicAddressIsTheRouters) {
  NatTopology t(kMasquerade);
  if (!t.ok()) GTEST_SKIP() << t.why();
  auto reflect = startReflectorIn(t, "5004", true);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto r = run(concat(t.in(t.client()), {voipscopeBinary(), "nat", "198.19.0.2:5004", "--no-lifetime", "--no-sip",
                                         "--json"}),
               60s);
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto j = json::parse(r.out);
  EXPECT_TRUE(j["nat"].get<bool>());
  const auto local = j["local"].get<std::string>();
  EXPECT_EQ(local.rfind("198.18.1.2:", 0), 0U) << local;
  // Ground truth: the router's outside address; Linux masquerade keeps the source port when free.
  EXPECT_EQ(j["mapped"].get<std::string>(), "198.19.0.1:" + local.substr(local.find(':') + 1));
  EXPECT_EQ(j["mapped_alt_port"].get<std::string>(), j["mapped"].get<std::string>());
  EXPECT_EQ(j["reflector_alt_address"], "198.19.0.3");
  EXPECT_EQ(j["mapped_alt_address"].get<std::string>(), j["mapped"].get<std::string>());
  EXPECT_EQ(j["mapping"], "endpoint-independent");
  EXPECT_TRUE(j["mapping_address_tested"].get<bool>());
  // Conntrack lets in only the reply of the exact flow: answers from another port or address are dropped.
  EXPECT_EQ(j["filtering"], "address-and-port-dependent") << r.out;
}

TEST(NatCli, MasqueradeToAOneAddressReflectorSaysAddressDependentIsNotRuledOut) {
  NatTopology t(kMasquerade);
  if (!t.ok()) GTEST_SKIP() << t.why();
  auto reflect = startReflectorIn(t);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto r = run(concat(t.in(t.client()), {voipscopeBinary(), "nat", "198.19.0.2:5004", "--no-lifetime", "--no-sip"}),
               60s);
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_NE(r.out.find("mapping     endpoint-independent"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the reflector has one address: address-dependent not ruled out"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("filtering   address-and-port-dependent"), std::string::npos) << r.out;
}

TEST(NatCli, SnatPerDestinationAddressIsReportedAsAddressDependent) {
  NatTopology t(kAddressDependent);
  if (!t.ok()) GTEST_SKIP() << t.why();
  auto reflect = startReflectorIn(t, "5004", true);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto r = run(concat(t.in(t.client()), {voipscopeBinary(), "nat", "198.19.0.2:5004", "--no-lifetime", "--no-sip",
                                         "--json"}),
               60s);
  ASSERT_EQ(r.exit_code, 1) << r.all;  // a warning, like a symmetric NAT
  auto j = json::parse(r.out);
  const auto local = j["local"].get<std::string>();
  const auto port = local.substr(local.find(':') + 1);
  // Ground truth: the two snat rules, one outside address per destination address, the port kept.
  EXPECT_EQ(j["mapped"].get<std::string>(), "198.19.0.1:" + port);
  EXPECT_EQ(j["mapped_alt_port"].get<std::string>(), "198.19.0.1:" + port);
  EXPECT_EQ(j["mapped_alt_address"].get<std::string>(), "198.19.0.4:" + port);
  EXPECT_EQ(j["mapping"], "address-dependent");
  EXPECT_TRUE(j["mapping_address_tested"].get<bool>());
  EXPECT_EQ(j["filtering"], "address-and-port-dependent") << r.out;
}

// Filtering ground truth other than conntrack NAT's: a router that forwards everything, and one that lets
// in only what comes from an address the inside socket sent to (any port of it).
TEST(NatCli, FilteringRouterWithoutNatIsEndpointIndependentOrAddressDependent) {
  struct Case {
    const char* rules;
    const char* filtering;
  };
  for (const auto& c : {Case{kNoFilter, "endpoint-independent"}, Case{kAddressDependentFilter, "address-dependent"}}) {
    NatTopology t(c.rules);
    ASSERT_EQ(t.why().find("nft rules failed"), std::string::npos) << t.why();  // our rules, not the host
    if (!t.ok()) GTEST_SKIP() << t.why();
    auto reflect = startReflectorIn(t, "5004", true);
    ASSERT_TRUE(reflect) << "reflector did not start";
    auto r = run(concat(t.in(t.client()), {voipscopeBinary(), "nat", "198.19.0.2:5004", "--no-lifetime", "--no-sip",
                                           "--json"}),
                 60s);
    ASSERT_EQ(r.exit_code, 0) << r.all;
    auto j = json::parse(r.out);
    EXPECT_FALSE(j["nat"].get<bool>()) << r.out;
    EXPECT_EQ(j["mapped"], j["local"]);
    EXPECT_EQ(j["mapped_alt_address"], j["local"]);
    EXPECT_EQ(j["mapping"], "endpoint-independent");
    EXPECT_EQ(j["filtering"], c.filtering) << c.rules << r.out;
  }
}

TEST(NatCli, SnatPerDestinationPortIsReportedAsPortDependent) {
  NatTopology t(kPortDependent);
  if (!t.ok()) GTEST_SKIP() << t.why();
  auto reflect = startReflectorIn(t, "5004", true);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto r = run(concat(t.in(t.client()), {voipscopeBinary(), "nat", "198.19.0.2:5004", "--no-lifetime", "--no-sip",
                                         "--json"}),
               60s);
  ASSERT_EQ(r.exit_code, 1) << r.all;  // a warning: media through this NAT needs a relay or symmetric RTP
  auto j = json::parse(r.out);
  EXPECT_EQ(j["mapping"], "address-and-port-dependent");
  const std::regex first(R"(198\.19\.0\.1:40\d\d\d)"), second(R"(198\.19\.0\.1:41\d\d\d)");
  EXPECT_TRUE(std::regex_match(j["mapped"].get<std::string>(), first)) << j["mapped"];
  EXPECT_TRUE(std::regex_match(j["mapped_alt_port"].get<std::string>(), second)) << j["mapped_alt_port"];
  // The second address on the first port falls under the first rule (destination port 5004).
  EXPECT_TRUE(std::regex_match(j["mapped_alt_address"].get<std::string>(), first)) << j["mapped_alt_address"];
  EXPECT_TRUE(j["mapping_address_tested"].get<bool>());
  EXPECT_EQ(j["filtering"], "address-and-port-dependent") << r.out;
}

TEST(NatCli, BindingLifetimeBracketsTheRoutersConntrackTimeout) {
  NatTopology t(kMasquerade);
  if (!t.ok()) GTEST_SKIP() << t.why();
  // The router forgets an idle UDP flow after 8 s (both the unreplied and the stream timeouts).
  for (const char* key : {"net.netfilter.nf_conntrack_udp_timeout=8", "net.netfilter.nf_conntrack_udp_timeout_stream=8"}) {
    auto s = run(concat(t.in(t.router()), {"sysctl", "-qw", key}), 10s);
    if (s.exit_code != 0) GTEST_SKIP() << "conntrack timeouts are not per namespace here: " << s.all;
  }
  auto reflect = startReflectorIn(t);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto r = run(concat(t.in(t.client()), {voipscopeBinary(), "nat", "198.19.0.2:5004", "--no-sip", "--intervals",
                                         "3,5,12,20", "--json"}),
               90s);
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto j = json::parse(r.out);
  for (const auto& p : j["lifetime"]["probes"]) EXPECT_TRUE(p["accepted"].get<bool>()) << p.dump();
  ASSERT_FALSE(j["lifetime"]["survived_s"].is_null()) << r.out;
  ASSERT_FALSE(j["lifetime"]["failed_s"].is_null()) << r.out;
  const int survived = j["lifetime"]["survived_s"], failed = j["lifetime"]["failed_s"];
  EXPECT_LE(survived, 8);
  EXPECT_GT(failed, 8);
  EXPECT_EQ(survived, 5);
  EXPECT_EQ(failed, 12);
}

TEST(NatCli, SipAlgRewritesAreReportedExactlyAndNoneWithoutTheAlg) {
  Process reflect({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--port", "0", "--duration", "60"});
  auto m = reflect.waitForLine(std::regex(R"re("port":(\d+))re"), 10s);
  ASSERT_TRUE(m) << reflect.output();
  const auto port = static_cast<std::uint16_t>(std::stoi((*m)[1]));
  const std::string target = "127.0.0.1:" + std::to_string(port);

  auto direct = run({voipscopeBinary(), "nat", target, "--no-lifetime", "--json"}, 60s);
  ASSERT_EQ(direct.exit_code, 0) << direct.all;
  auto d = json::parse(direct.out);
  EXPECT_FALSE(d["nat"].get<bool>());
  EXPECT_FALSE(d["sip_alg"]["rewritten"].get<bool>());
  ASSERT_EQ(d["sip_alg"]["exchanges"].size(), 2U);
  for (const auto& x : d["sip_alg"]["exchanges"]) {
    EXPECT_TRUE(x["echoed"].get<bool>()) << x.dump();
    EXPECT_TRUE(x["rewrites"].empty()) << x.dump();
  }

  testsupport::SipAlgRelay alg(port, "127.0.0.1", "198.18.200.7");
  auto viaAlg = run({voipscopeBinary(), "nat", target, "--no-lifetime", "--sip-port", std::to_string(alg.port()),
                     "--json"},
                    60s);
  ASSERT_EQ(viaAlg.exit_code, 2) << viaAlg.all;
  EXPECT_EQ(alg.rewritten(), 3);  // the relay's own record: it changed the OPTIONS, the INVITE and its ACK
  auto a = json::parse(viaAlg.out);
  EXPECT_TRUE(a["sip_alg"]["rewritten"].get<bool>());
  ASSERT_EQ(a["sip_alg"]["exchanges"].size(), 2U);
  for (const auto& x : a["sip_alg"]["exchanges"]) {
    std::set<std::string> fields;
    for (const auto& w : x["rewrites"]) {
      fields.insert(w["field"].get<std::string>());
      const auto field = w["field"].get<std::string>();
      if (field == "Content-Length") {
        // Three characters longer address on the c= line.
        EXPECT_EQ(std::stoi(w["received"].get<std::string>()), std::stoi(w["sent"].get<std::string>()) + 3);
      } else {
        EXPECT_NE(w["sent"].get<std::string>().find("127.0.0.1"), std::string::npos) << w.dump();
        EXPECT_NE(w["received"].get<std::string>().find("198.18.200.7"), std::string::npos) << w.dump();
      }
    }
    EXPECT_EQ(fields, (std::set<std::string>{"Via sent-by", "Contact", "SDP c=", "Content-Length"})) << x.dump();
  }
  EXPECT_NE(run({voipscopeBinary(), "nat", target, "--no-lifetime", "--sip-port", std::to_string(alg.port())}, 60s)
                .out.find("SIP ALG rewrote"),
            std::string::npos);
}

TEST(NatCli, SipAlgOverTcpUnchangedDirectAndRewrittenThroughATcpAlg) {
  Process reflect({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--port", "0", "--duration", "60"});
  auto m = reflect.waitForLine(std::regex(R"re("port":(\d+),"alt_port":\d+,"sip_tcp_port":(\d+))re"), 10s);
  ASSERT_TRUE(m) << reflect.output();
  const std::string target = "127.0.0.1:" + std::string((*m)[1]);
  const auto tcpPort = static_cast<std::uint16_t>(std::stoi((*m)[2]));

  auto direct = run({voipscopeBinary(), "nat", target, "--no-lifetime", "--sip-transport", "tcp", "--sip-port",
                     std::to_string(tcpPort), "--json"},
                    60s);
  ASSERT_EQ(direct.exit_code, 0) << direct.all;
  auto d = json::parse(direct.out);
  EXPECT_EQ(d["sip_alg"]["transport"], "tcp");
  EXPECT_FALSE(d["sip_alg"]["rewritten"].get<bool>());
  ASSERT_EQ(d["sip_alg"]["exchanges"].size(), 2U);
  for (const auto& x : d["sip_alg"]["exchanges"]) EXPECT_TRUE(x["echoed"].get<bool>()) << x.dump();

  // The relay speaks TCP only: an answer through it proves the exchange went over TCP.
  testsupport::SipAlgTcpRelay alg(tcpPort, "127.0.0.1", "198.18.200.7");
  ASSERT_TRUE(alg.ok());
  auto viaAlg = run({voipscopeBinary(), "nat", target, "--no-lifetime", "--sip-transport", "tcp", "--sip-port",
                     std::to_string(alg.port()), "--json"},
                    60s);
  ASSERT_EQ(viaAlg.exit_code, 2) << viaAlg.all;
  EXPECT_EQ(alg.connections(), 2);  // one connection per request
  EXPECT_EQ(alg.rewritten(), 3);    // OPTIONS, INVITE and its ACK (sent on the INVITE's connection)
  auto a = json::parse(viaAlg.out);
  ASSERT_EQ(a["sip_alg"]["exchanges"].size(), 2U);
  for (const auto& x : a["sip_alg"]["exchanges"]) {
    std::set<std::string> fields;
    for (const auto& w : x["rewrites"]) fields.insert(w["field"].get<std::string>());
    EXPECT_EQ(fields, (std::set<std::string>{"Via sent-by", "Contact", "SDP c=", "Content-Length"})) << x.dump();
  }
  EXPECT_EQ(run({voipscopeBinary(), "nat", target, "--sip-transport", "sctp"}).exit_code, 3);
}

TEST(NatCli, NoReflectorAndBadArguments) {
  const auto port = freeUdpAndTcpPort();
  auto r = run({voipscopeBinary(), "nat", "127.0.0.1:" + std::to_string(port), "--no-lifetime", "--no-sip"}, 60s);
  EXPECT_EQ(r.exit_code, 4) << r.all;
  EXPECT_NE(r.all.find("no answer from a reflector"), std::string::npos) << r.all;
  EXPECT_EQ(run({voipscopeBinary(), "nat", "127.0.0.1", "--intervals", "5,abc"}).exit_code, 3);
  EXPECT_EQ(run({voipscopeBinary(), "nat", "127.0.0.1", "--max-idle", "0"}).exit_code, 3);
  EXPECT_EQ(run({voipscopeBinary(), "nat", "sip:x@y"}).exit_code, 3);
}

TEST(NatCli, ReflectAltAddressNeedsAConcreteBindAndIsAnnounced) {
  auto wild = run({voipscopeBinary(), "reflect", "--alt-address", "127.0.0.2", "--port", "0", "--duration", "1"});
  EXPECT_EQ(wild.exit_code, 3) << wild.all;
  EXPECT_NE(wild.all.find("--alt-address needs --bind"), std::string::npos) << wild.all;
  auto same = run({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--alt-address", "127.0.0.1", "--port", "0",
                   "--duration", "1"});
  EXPECT_EQ(same.exit_code, 3) << same.all;
  EXPECT_NE(same.all.find("another concrete address"), std::string::npos) << same.all;
  // Another family is caught when the addresses are parsed (a runtime error, like a bad --bind).
  auto family = run({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--alt-address", "::1", "--port", "0",
                     "--duration", "1"});
  EXPECT_EQ(family.exit_code, 4) << family.all;
  EXPECT_NE(family.all.find("same family"), std::string::npos) << family.all;
  Process ok({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--alt-address", "127.0.0.2", "--port", "0",
              "--duration", "5"});
  EXPECT_TRUE(ok.waitForLine(std::regex(R"re("port":\d+,"alt_port":\d+,.*"alt_address":"127\.0\.0\.2")re"), 10s))
      << ok.output();
  Process plain({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--port", "0", "--duration", "5"});
  EXPECT_TRUE(plain.waitForLine(std::regex(R"re("alt_address":null)re"), 10s)) << plain.output();
}

}  // namespace
}  // namespace vs::itest
