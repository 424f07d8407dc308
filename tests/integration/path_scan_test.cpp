// The `icmp` and `traceroute` scan checks on the four-namespace path (injected delay and nft drops as
// ground truth), and reverse DNS of trace hops through a dnsmasq the test starts in the client namespace.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>

#include "harness.h"
#include "path_topology.h"

namespace vs::itest {
namespace {

using nlohmann::json;

const json* findResult(const json& scan, const std::string& check_id) {
  for (const auto& r : scan["results"]) {
    if (r["check_id"] == check_id) return &r;
  }
  return nullptr;
}

double measurement(const json& r, const std::string& name) {
  for (const auto& m : r["measurements"]) {
    if (m["name"] == name) return m["value"].get<double>();
  }
  ADD_FAILURE() << "no measurement " << name << " in " << r.dump();
  return -1;
}

TEST(PathScan, IcmpAndTracerouteChecksGradeTheInjectedImpairments) {
  PathTopology t{std::chrono::milliseconds(40)};
  if (!t.ok()) GTEST_SKIP() << "path topology unavailable: " << t.why();
  TempDir dir;
  // The server drops every 5th echo request: 2 of 10.
  writeFile(dir.path() / "drop.nft",
            "table inet vs_drop {\n chain in {\n  type filter hook input priority 0;\n"
            "  icmp type echo-request numgen inc mod 5 == 2 counter drop\n }\n}\n");
  ASSERT_TRUE(t.in(t.server(), {"nft", "-f", dir.file("drop.nft")})) << t.why();
  writeFile(dir.path() / "t.yaml", R"(template: path-itest
version: "1"
checks:
  - id: ping-server
    type: icmp
    targets: 198.18.2.2
    count: 10
    interval_ms: 50
    timeout_ms: 1000
    latency_warn_ms: 100
    loss_warn_pct: 5
    loss_fail_pct: 50
    remediation: check the path
  - id: path-server
    type: traceroute
    targets: 198.18.2.2
    mode: tcp
    port: 5060
    max_hops: 8
    probes: 2
    cycles: 2
    interval_ms: 200
    timeout_ms: 1000
    jump_warn_ms: 30
    hops_warn: 2
    hops_fail: 5
    remediation: check the routers
)");
  auto r = run(concat(t.client(), {voipscopeBinary(), "scan", "--template", dir.file("t.yaml"), "--json"}),
               std::chrono::seconds(120));
  auto j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.all;
  EXPECT_EQ(r.exit_code, 1) << r.all;  // warnings only

  auto dropped = run(concat(t.server(), {"nft", "list", "table", "inet", "vs_drop"}), std::chrono::seconds(10));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dropped.out, m, std::regex("counter packets ([0-9]+)")));
  const double drops = std::stod(m[1]);
  const json* ping = findResult(j, "ping-server");
  ASSERT_NE(ping, nullptr) << j.dump(2);
  EXPECT_EQ((*ping)["status"], "WARN") << ping->dump(2);
  EXPECT_DOUBLE_EQ(drops, 2);
  EXPECT_DOUBLE_EQ(measurement(*ping, "received"), 10 - drops);
  EXPECT_DOUBLE_EQ(measurement(*ping, "loss"), drops * 10);
  EXPECT_GE(measurement(*ping, "rtt_min"), 40);
  EXPECT_LT(measurement(*ping, "rtt_avg"), 60);  // loaded machine, and the traceroute runs alongside

  const json* path = findResult(j, "path-server");
  ASSERT_NE(path, nullptr) << j.dump(2);
  EXPECT_EQ((*path)["status"], "WARN") << path->dump(2);  // 3 hops > hops_warn 2, and the 40 ms jump
  EXPECT_DOUBLE_EQ(measurement(*path, "hops"), 3);
  EXPECT_NEAR(measurement(*path, "max_jump"), 40, 5);
  EXPECT_DOUBLE_EQ(measurement(*path, "loss"), 0);
  EXPECT_EQ((*path)["evidence"]["path"], "198.18.0.1 > 198.18.1.2 > 198.18.2.2");
  const std::string msg = (*path)["message"];
  EXPECT_NE(msg.find("at hop 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("hops, latency jump over threshold"), std::string::npos) << msg;
}

TEST(PathScan, TraceShowsReverseDnsFromTheGivenServer) {
  if (!haveProgram("dnsmasq")) GTEST_SKIP() << "dnsmasq not installed";
  PathTopology t;
  if (!t.ok()) GTEST_SKIP() << "path topology unavailable: " << t.why();
  TempDir dir;
  Dnsmasq dns(dir, {"r1.voipscope.test=198.18.0.1", "r2.voipscope.test=198.18.1.2", "sbc.voipscope.test=198.18.2.2"},
              t.client());
  ASSERT_TRUE(dns.ready()) << "dnsmasq did not start";
  auto r = run(concat(t.client(), {voipscopeBinary(), "trace", "--json", "--dns-server", dns.server(), "-q", "1",
                                   "--max-hops", "5", "-W", "1", "sbc.voipscope.test"}),
               std::chrono::seconds(60));
  auto j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.all;
  EXPECT_EQ(j["address"], "198.18.2.2");
  ASSERT_EQ(j["hops"].size(), 3u) << j.dump(2);
  EXPECT_EQ(j["hops"][0]["names"][0], "r1.voipscope.test");
  EXPECT_EQ(j["hops"][1]["names"][0], "r2.voipscope.test");
  EXPECT_EQ(j["hops"][2]["names"][0], "sbc.voipscope.test");
  // The table shows "name (address)".
  auto text = run(concat(t.client(), {voipscopeBinary(), "trace", "--dns-server", dns.server(), "-q", "1",
                                      "--max-hops", "5", "-W", "1", "198.18.2.2"}),
                  std::chrono::seconds(60));
  EXPECT_NE(text.out.find("r2.voipscope.test (198.18.1.2)"), std::string::npos) << text.all;
}

}  // namespace
}  // namespace vs::itest
