// `voipscope scan` with the nat and sip_alg checks against `voipscope reflect`, the NAT and the SIP ALG
// built by the test itself (tests/integration/nat_topology.h): nftables masquerade (endpoint-independent)
// -> nat PASS naming the router's address; snat per destination address (the reflector's second address
// shows it) -> WARN naming address-dependent; snat per destination port -> WARN; a UDP conntrack timeout
// of 8 s in the router -> a binding that dies within min_binding_s warns; an ALG relay the router's
// nftables redirects SIP into -> sip_alg FAIL naming exactly what the relay rewrote; loopback without
// NAT -> PASS, and the ALG relay on loopback (no root needed) -> FAIL.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "harness.h"
#include "nat_topology.h"
#include "support/sip_alg_relay.h"

namespace vs::itest {
namespace {

using nlohmann::json;

struct ScanRun {
  int exit_code = -1;
  json j;
  std::string text;  // the report, no colours
  std::string all;
};

// The same template twice: the JSON for the fields, the report for the [STATUS] lines.
ScanRun scan(const std::vector<std::string>& prefix, const std::string& yaml, std::chrono::seconds deadline = 60s) {
  TempDir dir;
  writeFile(dir.file("t.yaml"), yaml);
  ScanRun s;
  auto r = run(concat(prefix, {voipscopeBinary(), "scan", "-t", dir.file("t.yaml"), "--json"}), deadline);
  s.exit_code = r.exit_code;
  s.all = r.all;
  s.j = json::parse(r.out, nullptr, false);
  auto text = run(concat(prefix, {voipscopeBinary(), "scan", "-t", dir.file("t.yaml"), "--no-color"}), deadline);
  s.text = text.out;
  s.all += "\n" + text.all;
  return s;
}

const json& result(const ScanRun& s, const std::string& id) {
  static const json kNone;
  if (s.j.is_discarded()) return kNone;
  for (const auto& r : s.j["results"]) {
    if (r["check_id"] == id) return r;
  }
  return kNone;
}

double measurement(const json& r, const std::string& name) {
  for (const auto& m : r["measurements"]) {
    if (m["name"] == name) return m["value"].get<double>();
  }
  ADD_FAILURE() << "no measurement " << name << " in " << r.dump();
  return -1;
}

// The report line of a check: "[STATUS]  target  message".
bool hasLine(const std::string& text, const std::string& status, const std::string& target, const std::string& msg) {
  return text.find("[" + status + "]  " + target + "  " + msg) != std::string::npos;
}

std::string natTemplate(const std::string& natTarget, const std::string& algTarget, const std::string& extra = "") {
  return "template: t\nversion: 1\nchecks:\n"
         "  - id: nat\n    type: nat\n    targets: \"" + natTarget + "\"\n" + extra +
         "    remediation: use a media relay or make the mapping endpoint-independent\n"
         "  - id: alg\n    type: sip_alg\n    targets: \"" + algTarget + "\"\n"
         "    remediation: disable SIP ALG on the router\n";
}

TEST(NatScan, MasqueradePassesWithTheRoutersAddressAndNoSipRewrite) {
  NatTopology t(kMasquerade);
  if (!t.ok()) GTEST_SKIP() << t.why();
  auto reflect = startReflectorIn(t, "5004", true);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto s = scan(t.in(t.client()), natTemplate("198.19.0.2:5004", "198.19.0.2:5004"));
  ASSERT_FALSE(s.j.is_discarded()) << s.all;
  EXPECT_EQ(s.exit_code, 0) << s.all;
  const auto& nat = result(s, "nat");
  ASSERT_FALSE(nat.is_null()) << s.j.dump(2);
  EXPECT_EQ(nat["status"], "PASS") << nat.dump(2);
  const std::string local = nat["evidence"]["local"];
  ASSERT_EQ(local.rfind("198.18.1.2:", 0), 0U) << local;
  const auto port = local.substr(local.find(':') + 1);
  // Ground truth: masquerade to the router's outside address, source port kept (Linux keeps it when free).
  EXPECT_EQ(nat["evidence"]["public_address"], "198.19.0.1:" + port);
  EXPECT_EQ(nat["evidence"]["public_address_alt_port"], "198.19.0.1:" + port);
  EXPECT_EQ(nat["evidence"]["public_address_alt_address"], "198.19.0.1:" + port);
  EXPECT_EQ(nat["evidence"]["mapping"], "endpoint-independent");
  EXPECT_EQ(nat["evidence"]["filtering"], "address-and-port-dependent");
  EXPECT_EQ(nat["evidence"]["nat"], "yes");
  EXPECT_EQ(nat["message"], "NAT " + local + " -> 198.19.0.1:" + port + " (port kept), endpoint-independent mapping");
  EXPECT_FALSE(nat.contains("remediation") && !nat["remediation"].get<std::string>().empty()) << nat.dump(2);

  // nftables NAT without a SIP helper rewrites headers only, never the SIP payload.
  const auto& alg = result(s, "alg");
  EXPECT_EQ(alg["status"], "PASS") << alg.dump(2);
  EXPECT_EQ(measurement(alg, "rewritten_fields"), 0);
  EXPECT_EQ(alg["evidence"]["options"], "200, unchanged");
  EXPECT_EQ(alg["evidence"]["invite"], "488, unchanged");

  EXPECT_TRUE(std::regex_search(s.text, std::regex(R"(\[PASS\]  198\.19\.0\.2:5004  NAT 198\.18\.1\.2:\d+ -> )"
                                                   R"(198\.19\.0\.1:\d+ \(port kept\), endpoint-independent mapping)")))
      << s.text;
  EXPECT_TRUE(hasLine(s.text, "PASS", "198.19.0.2:5004", "OPTIONS and INVITE came back unchanged")) << s.text;
}

TEST(NatScan, SnatPerDestinationAddressWarnsNamingAddressDependent) {
  NatTopology t(kAddressDependent);
  if (!t.ok()) GTEST_SKIP() << t.why();
  auto reflect = startReflectorIn(t, "5004", true);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto s = scan(t.in(t.client()), natTemplate("198.19.0.2:5004", "198.19.0.2:5004"));
  ASSERT_FALSE(s.j.is_discarded()) << s.all;
  EXPECT_EQ(s.exit_code, 1) << s.all;  // warnings only
  const auto& nat = result(s, "nat");
  EXPECT_EQ(nat["status"], "WARN") << nat.dump(2);
  const std::string local = nat["evidence"]["local"];
  ASSERT_EQ(local.rfind("198.18.1.2:", 0), 0U) << local;
  const auto port = local.substr(local.find(':') + 1);
  // Ground truth: one outside address per destination address (the snat rules), the port kept.
  EXPECT_EQ(nat["evidence"]["public_address"], "198.19.0.1:" + port);
  EXPECT_EQ(nat["evidence"]["public_address_alt_port"], "198.19.0.1:" + port);
  EXPECT_EQ(nat["evidence"]["public_address_alt_address"], "198.19.0.4:" + port);
  EXPECT_EQ(nat["evidence"]["mapping"], "address-dependent");
  const std::string msg = nat["message"];
  EXPECT_NE(msg.find("NAT " + local + " -> 198.19.0.1:" + port + " (port kept), address-dependent mapping (seen as 198.19.0.1:" +
                     port + " by the reflector's first address, 198.19.0.4:" + port + " by its second)"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("address-and-port-dependent"), std::string::npos) << msg;
  EXPECT_EQ(nat["remediation"], "use a media relay or make the mapping endpoint-independent");
  EXPECT_TRUE(std::regex_search(s.text, std::regex(R"(\[WARN\]  198\.19\.0\.2:5004  NAT 198\.18\.1\.2:\d+ -> )"
                                                   R"(198\.19\.0\.1:\d+ \(port kept\), address-dependent mapping)")))
      << s.text;
}

TEST(NatScan, SnatPerDestinationPortWarnsAsSymmetricNat) {
  NatTopology t(kPortDependent);
  if (!t.ok()) GTEST_SKIP() << t.why();
  auto reflect = startReflectorIn(t);
  ASSERT_TRUE(reflect) << "reflector did not start";
  auto s = scan(t.in(t.client()), natTemplate("198.19.0.2:5004", "198.19.0.2:5004"));
  ASSERT_FALSE(s.j.is_discarded()) << s.all;
  EXPECT_EQ(s.exit_code, 1) << s.all;  // warnings only
  const auto& nat = result(s, "nat");
  EXPECT_EQ(nat["status"], "WARN") << nat.dump(2);
  // Ground truth: the two snat rules' port ranges, one per destination port.
  const std::regex first(R"(198\.19\.0\.1:40\d\d\d)"), second(R"(198\.19\.0\.1:41\d\d\d)");
  const std::string mapped = nat["evidence"]["public_address"], alt = nat["evidence"]["public_address_alt_port"];
  EXPECT_TRUE(std::regex_match(mapped, first)) << mapped;
  EXPECT_TRUE(std::regex_match(alt, second)) << alt;
  EXPECT_EQ(nat["evidence"]["mapping"], "address-and-port-dependent");
  // Linux keeps the source port when it already lies in the rule's range (40000-40999) and is free: the
  // client's random port does so about once in 29 runs.
  const std::string local = nat["evidence"]["local"];
  const int local_port = std::stoi(local.substr(local.rfind(':') + 1));
  const bool kept = local_port >= 40000 && local_port <= 40999;
  EXPECT_EQ(nat["evidence"]["port_preserved"], kept ? "yes" : "no") << local << " -> " << mapped;
  const std::string msg = nat["message"];
  EXPECT_NE(msg.find("-> " + mapped + (kept ? " (port kept)" : "") + ", address-and-port-dependent mapping (seen as " +
                     mapped + " by the reflector's first port, " + alt + " by its second)"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("symmetric NAT"), std::string::npos) << msg;
  EXPECT_EQ(nat["remediation"], "use a media relay or make the mapping endpoint-independent");
  EXPECT_EQ(result(s, "alg")["status"], "PASS") << result(s, "alg").dump(2);
  EXPECT_TRUE(hasLine(s.text, "WARN", "198.19.0.2:5004", "NAT 198.18.1.2:")) << s.text;
  EXPECT_NE(s.text.find("use a media relay or make the mapping endpoint-independent"), std::string::npos) << s.text;
}

TEST(NatScan, SipAlgOnTheRouterFailsNamingTheRewrittenFields) {
  NatTopology t(kMasquerade);
  if (!t.ok()) GTEST_SKIP() << t.why();
  // The router sends SIP (UDP 5060) from the client into the ALG relay, which forwards it to the reflector
  // with the client's address replaced by the router's public one, as a real ALG does; conntrack gives
  // the relay's answers the reflector's address on the way back.
  testsupport::SipAlgRelay::Options o;
  o.netns = t.router();
  o.bind_ip = "0.0.0.0";
  o.bind_port = 15060;
  o.server_ip = "198.19.0.2";
  o.server_port = 5060;
  o.from = "198.18.1.2";
  o.to = "198.19.0.1";
  testsupport::SipAlgRelay alg(o);
  ASSERT_TRUE(alg.ok()) << "could not bind the relay in the router namespace";
  ASSERT_TRUE(t.nft("table ip vsalg {\n chain pre {\n  type nat hook prerouting priority -100;\n"
                    "  iifname \"vr0\" udp dport 5060 redirect to :15060\n }\n}\n"))
      << t.why();
  auto reflect = startReflectorIn(t);
  auto sipReflect = startReflectorIn(t, "5060");
  ASSERT_TRUE(reflect && sipReflect) << "reflectors did not start";

  auto s = scan(t.in(t.client()), natTemplate("198.19.0.2:5004", "198.19.0.2:5060"));
  ASSERT_FALSE(s.j.is_discarded()) << s.all;
  EXPECT_EQ(s.exit_code, 2) << s.all;
  EXPECT_EQ(alg.rewritten(), 6);  // the relay's own record: OPTIONS, INVITE and its ACK, in each of the two scans
  EXPECT_EQ(result(s, "nat")["status"], "PASS") << result(s, "nat").dump(2);  // the NAT itself is fine
  const auto& r = result(s, "alg");
  EXPECT_EQ(r["status"], "FAIL") << r.dump(2);
  // Ground truth: the relay replaced 198.18.1.2 with 198.19.0.1 on the Via, Contact and SDP c= lines; both
  // addresses have 10 characters, so Content-Length stays.
  const std::string msg = r["message"];
  EXPECT_TRUE(std::regex_match(msg, std::regex(R"(SIP ALG on the path rewrote OPTIONS: Via sent-by 198\.18\.1\.2:(\d+) -> )"
                                               R"(198\.19\.0\.1:\1, Contact 198\.18\.1\.2:\1 -> 198\.19\.0\.1:\1, )"
                                               R"(SDP c=IN IP4 198\.18\.1\.2 -> c=IN IP4 198\.19\.0\.1 )"
                                               R"(\(INVITE rewritten likewise\))")))
      << msg;
  EXPECT_EQ(measurement(r, "rewritten_fields"), 6);
  std::set<std::string> rewrites;
  for (const auto& [k, v] : r["evidence"].items()) {
    if (k.rfind("rewrite_", 0) == 0) rewrites.insert(std::regex_replace(v.get<std::string>(), std::regex(R"(:\d+)"), ":P"));
  }
  EXPECT_EQ(rewrites, (std::set<std::string>{
                          "OPTIONS Via sent-by 198.18.1.2:P -> 198.19.0.1:P",
                          "OPTIONS Contact 198.18.1.2:P -> 198.19.0.1:P",
                          "OPTIONS SDP c=IN IP4 198.18.1.2 -> c=IN IP4 198.19.0.1",
                          "INVITE Via sent-by 198.18.1.2:P -> 198.19.0.1:P",
                          "INVITE Contact 198.18.1.2:P -> 198.19.0.1:P",
                          "INVITE SDP c=IN IP4 198.18.1.2 -> c=IN IP4 198.19.0.1",
                      }));
  EXPECT_EQ(r["remediation"], "disable SIP ALG on the router");
  EXPECT_TRUE(hasLine(s.text, "FAIL", "198.19.0.2:5060", "SIP ALG on the path rewrote OPTIONS: Via sent-by 198.18.1.2:"))
      << s.text;
  EXPECT_NE(s.text.find("disable SIP ALG on the router"), std::string::npos) << s.text;
}

TEST(NatScan, BindingShorterThanMinBindingWarns) {
  NatTopology t(kMasquerade);
  if (!t.ok()) GTEST_SKIP() << t.why();
  // The router forgets an idle UDP flow after 8 s.
  for (const char* key : {"net.netfilter.nf_conntrack_udp_timeout=8", "net.netfilter.nf_conntrack_udp_timeout_stream=8"}) {
    auto s = run(concat(t.in(t.router()), {"sysctl", "-qw", key}), 10s);
    if (s.exit_code != 0) GTEST_SKIP() << "conntrack timeouts are not per namespace here: " << s.all;
  }
  auto reflect = startReflectorIn(t);
  ASSERT_TRUE(reflect) << "reflector did not start";
  // Two requirements on the same NAT, in one scan (the lifetime probes run in parallel): 10 s is not met
  // (intervals 5, 10, 12: 8 s lies between 5 and 10), 6 s is (5, 6, 10, 12: 8 s lies between 6 and 10).
  const std::string yaml =
      "template: t\nversion: 1\nchecks:\n"
      "  - id: strict\n    type: nat\n    targets: \"198.19.0.2:5004\"\n    max_idle_s: 12\n    min_binding_s: 10\n"
      "    remediation: raise the UDP timeout\n"
      "  - id: lenient\n    type: nat\n    targets: \"198.19.0.2:5004\"\n    max_idle_s: 12\n    min_binding_s: 6\n"
      "    remediation: raise the UDP timeout\n";
  TempDir dir;
  writeFile(dir.file("t.yaml"), yaml);
  auto r = run(concat(t.in(t.client()), {voipscopeBinary(), "scan", "-t", dir.file("t.yaml"), "--json"}), 120s);
  auto j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.all;
  EXPECT_EQ(r.exit_code, 1) << r.all;
  ScanRun s;
  s.j = j;
  const auto& strict = result(s, "strict");
  EXPECT_EQ(strict["status"], "WARN") << strict.dump(2);
  EXPECT_EQ(strict["evidence"]["binding_probes"], "5s:alive 10s:expired 12s:expired") << strict.dump(2);
  EXPECT_EQ(measurement(strict, "binding_survived"), 5);
  EXPECT_EQ(measurement(strict, "binding_expired"), 10);
  EXPECT_NE(strict["message"].get<std::string>().find(
                "UDP binding expired after 10 s of silence (survived 5 s), below 10 s"),
            std::string::npos)
      << strict["message"];
  const auto& lenient = result(s, "lenient");
  EXPECT_EQ(lenient["status"], "PASS") << lenient.dump(2);
  EXPECT_EQ(lenient["evidence"]["binding_probes"], "5s:alive 6s:alive 10s:expired 12s:expired") << lenient.dump(2);
  EXPECT_NE(lenient["message"].get<std::string>().find("UDP binding survived 6 s idle, expired by 10 s"),
            std::string::npos)
      << lenient["message"];
}

TEST(NatScan, DirectPassesAndTheAlgRelayOnLoopbackFails) {
  Process reflect({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--port", "0", "--duration", "60"});
  auto m = reflect.waitForLine(std::regex(R"re("port":(\d+),"alt_port":(\d+))re"), 10s);
  ASSERT_TRUE(m) << reflect.output();
  const std::string port = (*m)[1], altPort = (*m)[2];
  testsupport::SipAlgRelay alg(static_cast<std::uint16_t>(std::stoi(port)), "127.0.0.1", "198.18.200.7");
  ASSERT_TRUE(alg.ok());
  const std::string target = "127.0.0.1:" + port;
  const std::string yaml = natTemplate(target, target, "    alt_port: " + altPort + "\n") +
                           "  - id: alg-relay\n    type: sip_alg\n    targets: \"" + target + "\"\n    sip_port: " +
                           std::to_string(alg.port()) + "\n    remediation: disable SIP ALG on the router\n";
  auto s = scan({}, yaml);
  ASSERT_FALSE(s.j.is_discarded()) << s.all;
  EXPECT_EQ(s.exit_code, 2) << s.all;
  const auto& nat = result(s, "nat");
  EXPECT_EQ(nat["status"], "PASS") << nat.dump(2);
  EXPECT_EQ(nat["evidence"]["nat"], "no");
  const std::string local = nat["evidence"]["local"];
  EXPECT_EQ(nat["evidence"]["public_address"], local);
  EXPECT_EQ(nat["message"], "no NAT: the reflector sees our own address " + local +
                                ", endpoint-independent mapping (to one reflector address: address-dependent not ruled out)");
  EXPECT_EQ(result(s, "alg")["status"], "PASS") << result(s, "alg").dump(2);

  const auto& viaRelay = result(s, "alg-relay");
  EXPECT_EQ(viaRelay["status"], "FAIL") << viaRelay.dump(2);
  // The relay writes a 12-character address over a 9-character one and fixes Content-Length: +3.
  std::smatch cl;
  const std::string msg = viaRelay["message"];
  ASSERT_TRUE(std::regex_search(msg, cl, std::regex(R"(Content-Length (\d+) -> (\d+))"))) << msg;
  EXPECT_EQ(std::stoi(cl[2]), std::stoi(cl[1]) + 3);
  EXPECT_TRUE(std::regex_search(msg, std::regex(R"(^SIP ALG on the path rewrote OPTIONS: Via sent-by 127\.0\.0\.1:(\d+) -> )"
                                                R"(198\.18\.200\.7:\1, Contact 127\.0\.0\.1:\1 -> 198\.18\.200\.7:\1, )")))
      << msg;
  EXPECT_EQ(measurement(viaRelay, "rewritten_fields"), 8);  // Via, Contact, Content-Length, SDP c=; twice
  EXPECT_EQ(alg.rewritten(), 6);                            // OPTIONS, INVITE, ACK in each of the two scans
  EXPECT_TRUE(hasLine(s.text, "PASS", target, "no NAT: the reflector sees our own address 127.0.0.1:")) << s.text;
  EXPECT_TRUE(hasLine(s.text, "FAIL", target, "SIP ALG on the path rewrote OPTIONS")) << s.text;
}

TEST(NatScan, SipAlgOverTcpPassesDirectAndFailsThroughATcpAlg) {
  Process reflect({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--port", "0", "--duration", "60"});
  auto m = reflect.waitForLine(std::regex(R"re("port":(\d+),"alt_port":\d+,"sip_tcp_port":(\d+))re"), 10s);
  ASSERT_TRUE(m) << reflect.output();
  const std::string target = "127.0.0.1:" + std::string((*m)[1]);
  const auto tcpPort = static_cast<std::uint16_t>(std::stoi((*m)[2]));
  testsupport::SipAlgTcpRelay alg(tcpPort, "127.0.0.1", "198.18.200.7");
  ASSERT_TRUE(alg.ok());
  auto check = [&](const std::string& id, std::uint16_t sipPort) {
    return "  - id: " + id + "\n    type: sip_alg\n    targets: \"" + target + "\"\n    transport: tcp\n    sip_port: " +
           std::to_string(sipPort) + "\n    remediation: disable SIP ALG on the router\n";
  };
  auto s = scan({}, "template: t\nversion: 1\nchecks:\n" + check("direct", tcpPort) + check("via-alg", alg.port()));
  ASSERT_FALSE(s.j.is_discarded()) << s.all;
  EXPECT_EQ(s.exit_code, 2) << s.all;
  const auto& direct = result(s, "direct");
  EXPECT_EQ(direct["status"], "PASS") << direct.dump(2);
  EXPECT_EQ(direct["evidence"]["transport"], "tcp");
  const auto& via = result(s, "via-alg");
  EXPECT_EQ(via["status"], "FAIL") << via.dump(2);
  EXPECT_EQ(via["evidence"]["transport"], "tcp");
  EXPECT_EQ(measurement(via, "rewritten_fields"), 8);  // Via, Contact, Content-Length, SDP c=; OPTIONS and INVITE
  EXPECT_EQ(alg.rewritten(), 6);                       // OPTIONS, INVITE, ACK in each of the two scans
  EXPECT_TRUE(std::regex_search(via["message"].get<std::string>(),
                                std::regex(R"(^SIP ALG on the path rewrote OPTIONS: Via sent-by 127\.0\.0\.1:(\d+) -> )"
                                           R"(198\.18\.200\.7:\1, Contact 127\.0\.0\.1:\1 -> 198\.18\.200\.7:\1, )")))
      << via["message"];
  EXPECT_TRUE(hasLine(s.text, "FAIL", target, "SIP ALG on the path rewrote OPTIONS")) << s.text;
}

TEST(NatScan, NoReflectorFailsTheNatCheckAndLeavesTheAlgUnmeasured) {
  const auto port = std::to_string(freeUdpAndTcpPort());
  auto s = scan({}, natTemplate("127.0.0.1:" + port, "127.0.0.1:" + port));
  ASSERT_FALSE(s.j.is_discarded()) << s.all;
  EXPECT_EQ(s.exit_code, 2) << s.all;
  EXPECT_EQ(result(s, "nat")["status"], "FAIL");
  EXPECT_EQ(result(s, "alg")["status"], "ERROR");
  EXPECT_NE(result(s, "alg")["message"].get<std::string>().find("SIP ALG not tested: no answer from a reflector"),
            std::string::npos)
      << result(s, "alg").dump(2);
  EXPECT_TRUE(hasLine(s.text, "FAIL", "127.0.0.1:" + port, "no answer from a reflector")) << s.text;
  EXPECT_NE(s.text.find("[ERROR] 127.0.0.1:" + port + "  SIP ALG not tested"), std::string::npos) << s.text;
}

}  // namespace
}  // namespace vs::itest
