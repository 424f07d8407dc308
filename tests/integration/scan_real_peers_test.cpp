// A scan against real infrastructure: Kamailio as the SIP peer, dnsmasq as the DNS server (both started
// here on loopback), closed ports, a non-resolving name; and inside a namespace made for the test, a
// filtered address (silently dropped) and an unreachable one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"

namespace vs::itest {
namespace {

using nlohmann::json;

const json* findResult(const json& scan, const std::string& check_id, const std::string& target_substr = "") {
  for (const auto& r : scan["results"]) {
    if (r["check_id"] == check_id && r["target"].get<std::string>().find(target_substr) != std::string::npos) return &r;
  }
  return nullptr;
}

TEST(ScanRealPeers, KamailioDnsmasqClosedPortsAndNxdomain) {
  if (!haveProgram("kamailio") || !haveProgram("dnsmasq")) GTEST_SKIP() << "kamailio or dnsmasq not installed";
  TempDir dir;
  Kamailio kam(dir);
  ASSERT_TRUE(kam.ready()) << "Kamailio did not start:\n" << kam.log();
  Dnsmasq dns(dir, {"sbc.voipscope.test=127.0.0.1"});
  ASSERT_TRUE(dns.ready()) << "dnsmasq did not start";
  std::uint16_t closed = freeUdpAndTcpPort();

  std::string p = std::to_string(kam.port());
  writeFile(dir.path() / "t.yaml", R"(template: itest
version: "1"
targets:
  sbc: ["sbc.voipscope.test:)" + p + R"("]
checks:
  - id: dns-sbc
    type: dns
    targets: sbc.voipscope.test
    family: ipv4
    expect_addresses: [127.0.0.1]
    remediation: fix dns
  - id: dns-missing
    type: dns
    targets: missing.voipscope.test
    remediation: the name does not exist
  - id: sip-udp
    type: sip_options
    targets: sbc
    transport: udp
    remediation: fix sip udp
  - id: sip-tcp
    type: sip_options
    targets: sbc
    transport: tcp
    remediation: fix sip tcp
  - id: sip-nobody
    type: sip_options
    targets: "127.0.0.1:)" + std::to_string(closed) + R"("
    transport: udp
    timeout_ms: 1500
    remediation: nothing listens
  - id: tls-port
    type: tcp_port
    targets: "127.0.0.1:)" + std::to_string(closed) + R"("
    remediation: open 5061
  - id: sip-port
    type: tcp_port
    targets: sbc
    remediation: open 5060
  - id: later
    type: tcp_port
    targets: "127.0.0.1:9"
    enabled: false
    remediation: not yet
)");
  auto r = run({voipscopeBinary(), "scan", "--template", dir.file("t.yaml"), "--json", "--dns-server", dns.server(),
                "--site", "itest"},
               60s);
  ASSERT_EQ(r.exit_code, 2) << r.all;  // failures were planted
  json scan = json::parse(r.out);
  ASSERT_EQ(scan["results"].size(), 8u) << r.out;

  const json* d = findResult(scan, "dns-sbc");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)["status"], "PASS") << d->dump();
  EXPECT_EQ((*d)["evidence"]["addresses"], "127.0.0.1");

  const json* nx = findResult(scan, "dns-missing");
  ASSERT_TRUE(nx);
  EXPECT_EQ((*nx)["status"], "FAIL");
  EXPECT_NE((*nx)["message"].get<std::string>().find("NXDOMAIN"), std::string::npos) << nx->dump();
  EXPECT_EQ((*nx)["remediation"], "the name does not exist");

  for (const char* id : {"sip-udp", "sip-tcp"}) {
    const json* s = findResult(scan, id);
    ASSERT_TRUE(s) << id;
    EXPECT_EQ((*s)["status"], "PASS") << s->dump();
    // The evidence is Kamailio's own answer, not something we made up.
    std::string resp = (*s)["evidence"]["sip_response"];
    EXPECT_EQ(resp.rfind("SIP/2.0 200 OK\r\n", 0), 0u) << resp;
    EXPECT_NE(resp.find("Server: kamailio ("), std::string::npos) << resp;
    EXPECT_NE((*s)["evidence"]["server"].get<std::string>().find("kamailio"), std::string::npos);
    EXPECT_GT((*s)["measurements"][0]["value"].get<double>(), 0.0);
    EXPECT_TRUE((*s)["remediation"].get<std::string>().empty());
  }

  const json* nobody = findResult(scan, "sip-nobody");
  ASSERT_TRUE(nobody);
  EXPECT_EQ((*nobody)["status"], "FAIL");
  EXPECT_NE((*nobody)["message"].get<std::string>().find("refused"), std::string::npos) << nobody->dump();

  const json* tls = findResult(scan, "tls-port");
  ASSERT_TRUE(tls);
  EXPECT_EQ((*tls)["status"], "FAIL");
  EXPECT_EQ((*tls)["evidence"]["outcome"], "refused");
  EXPECT_EQ((*tls)["remediation"], "open 5061");

  const json* sp = findResult(scan, "sip-port");
  ASSERT_TRUE(sp);
  EXPECT_EQ((*sp)["status"], "PASS") << sp->dump();  // Kamailio's TCP listener

  const json* later = findResult(scan, "later");
  ASSERT_TRUE(later);
  EXPECT_EQ((*later)["status"], "SKIP");
  EXPECT_EQ(scan["summary"]["pass"], 4);
  EXPECT_EQ(scan["summary"]["fail"], 3);
  EXPECT_EQ(scan["summary"]["skip"], 1);
  EXPECT_EQ(scan["site"], "itest");
}

TEST(ScanRealPeers, ReportGroupsLinesAndShowsRemediation) {
  if (!haveProgram("kamailio")) GTEST_SKIP() << "kamailio not installed";
  TempDir dir;
  Kamailio kam(dir);
  ASSERT_TRUE(kam.ready()) << kam.log();
  std::uint16_t closed = freeUdpAndTcpPort();
  writeFile(dir.path() / "t.yaml", "template: itest\nversion: \"2\"\nchecks:\n"
                                   "  - id: sip-udp\n    type: sip_options\n    targets: \"127.0.0.1:" +
                                       std::to_string(kam.port()) +
                                       "\"\n    remediation: x\n"
                                       "  - id: tls-port\n    type: tcp_port\n    targets: \"127.0.0.1:" +
                                       std::to_string(closed) + "\"\n    remediation: Allow TCP 5061 outbound.\n");
  auto r = run({voipscopeBinary(), "scan", "--template", dir.file("t.yaml"), "--no-color"}, 60s);
  EXPECT_EQ(r.exit_code, 2) << r.all;
  EXPECT_NE(r.out.find("template itest 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nConnectivity\n  [FAIL]  127.0.0.1:" + std::to_string(closed) + "  connection refused"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("          Fix: Allow TCP 5061 outbound.\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nVoIP / SIP\n  [PASS]  127.0.0.1:" + std::to_string(kam.port()) + "/udp  200 OK in "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Results: 1 pass 1 fail 0 warn 0 skip 0 error"), std::string::npos) << r.out;
}

TEST(ScanRealPeers, FilteredAndUnreachableAreToldApartInANamespace) {
  NetNs ns;
  if (!ns.ok()) GTEST_SKIP() << "no network namespace: " << ns.why();
  TempDir dir;
  writeFile(dir.path() / "t.yaml", std::string("template: itest\nversion: \"1\"\nchecks:\n") +
                                       "  - id: filtered\n    type: tcp_port\n    targets: \"" +
                                       NetNs::kFilteredAddress + ":5061\"\n    timeout_ms: 1200\n    remediation: x\n" +
                                       "  - id: unreachable\n    type: tcp_port\n    targets: \"" +
                                       NetNs::kUnreachableAddress + ":5061\"\n    remediation: x\n" +
                                       "  - id: sip-filtered\n    type: sip_options\n    targets: \"" +
                                       NetNs::kFilteredAddress + ":5060\"\n    timeout_ms: 1200\n    remediation: x\n");
  auto r = run(concat(ns.prefix(), {voipscopeBinary(), "scan", "--template", dir.file("t.yaml"), "--json"}), 60s);
  ASSERT_EQ(r.exit_code, 2) << r.all;
  json scan = json::parse(r.out);
  const json* f = findResult(scan, "filtered");
  ASSERT_TRUE(f);
  EXPECT_EQ((*f)["status"], "FAIL");
  EXPECT_EQ((*f)["evidence"]["outcome"], "timeout") << f->dump();
  const json* u = findResult(scan, "unreachable");
  ASSERT_TRUE(u);
  EXPECT_EQ((*u)["status"], "FAIL");
  EXPECT_EQ((*u)["evidence"]["outcome"], "unreachable") << u->dump();
  const json* sf = findResult(scan, "sip-filtered");
  ASSERT_TRUE(sf);
  EXPECT_EQ((*sf)["status"], "FAIL");
  EXPECT_NE((*sf)["message"].get<std::string>().find("no SIP response within 1200 ms"), std::string::npos)
      << sf->dump();
  // Concurrency, as a property rather than a speed: the checks overlapped, so the scan took less than
  // the sum of its checks (sequential running would make it at least the sum).
  double sum = 0;
  for (const auto& res : scan["results"]) sum += res["duration_ms"].get<double>();
  EXPECT_LT(scan["duration_ms"].get<double>(), 0.75 * sum) << "checks did not run concurrently";
}

}  // namespace
}  // namespace vs::itest
