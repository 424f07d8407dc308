// `voipscope trace` over a real four-namespace path (client -> r1 -> r2 -> server): the hop list, the
// destination, a latency jump made by a known injected delay, loss that stays at one hop (r1 dropping
// half its ICMP time-exceeded) vs loss on the last link, TCP to a listener on 5060, IPv6, and the
// fixed flow identifiers seen on the wire (tcpdump + tshark). Ground truth: the injected delay and the
// nft counters of what was dropped.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "path_topology.h"

namespace vs::itest {
namespace {

using nlohmann::json;

#define REQUIRE_TOPOLOGY(topo)                                                     \
  do {                                                                             \
    if (!(topo).ok()) GTEST_SKIP() << "path topology unavailable: " << (topo).why(); \
  } while (0)

std::vector<std::string> traceCmd(const PathTopology& t, std::vector<std::string> args) {
  return concat(concat(t.client(), {voipscopeBinary(), "trace", "-n", "--json"}), args);
}

json runJson(const std::vector<std::string>& argv, int* exit_code = nullptr) {
  auto r = run(argv, std::chrono::seconds(120));
  if (exit_code) *exit_code = r.exit_code;
  auto j = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << r.all;
  return j.is_discarded() ? json::object() : j;
}

std::vector<std::string> hopAddresses(const json& j) {
  std::vector<std::string> out;
  for (const auto& h : j["hops"]) out.push_back(h["addresses"].empty() ? "" : h["addresses"][0].get<std::string>());
  return out;
}

// The packets of one nft counter ("counter packets N bytes M").
std::uint64_t nftCounter(const PathTopology& t, const std::vector<std::string>& ns, const std::string& table) {
  (void)t;
  auto r = run(concat(ns, {"nft", "list", "table", "inet", table}), std::chrono::seconds(10));
  std::smatch m;
  static const std::regex re("counter packets ([0-9]+)");
  if (!std::regex_search(r.out, m, re)) {
    ADD_FAILURE() << "no counter in:\n" << r.all;
    return 0;
  }
  return std::stoull(m[1]);
}

bool nft(PathTopology& t, const std::vector<std::string>& ns, const std::string& ruleset, const TempDir& dir) {
  auto file = dir.file("rules.nft");
  writeFile(file, ruleset);
  return t.in(ns, {"nft", "-f", file});
}

TEST(PathTrace, UdpHopsDestinationAndInjectedDelayJump) {
  constexpr int kDelayMs = 40;
  PathTopology t{std::chrono::milliseconds(kDelayMs)};
  REQUIRE_TOPOLOGY(t);
  int rc = -1;
  auto j = runJson(traceCmd(t, {PathTopology::kServer4, "-c", "3", "-q", "3", "--max-hops", "8", "-W", "2",
                                "-i", "0.2"}),
                   &rc);
  EXPECT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(hopAddresses(j), (std::vector<std::string>{PathTopology::kR1, PathTopology::kR2, PathTopology::kServer4}));
  EXPECT_TRUE(j["reached"].get<bool>());
  EXPECT_EQ(j["hop_count"], 3);
  ASSERT_EQ(j["latency_jumps"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["latency_jumps"][0]["hop"], 2);
  EXPECT_EQ(j["latency_jumps"][0]["from_hop"], 1);
  const double delta = j["latency_jumps"][0]["delta_ms"];
  EXPECT_NEAR(delta, kDelayMs, 5.0);
  std::printf("[figures] injected %d ms between r1 and r2: jump at hop 2 measured %.3f ms\n", kDelayMs, delta);
  // Every probe of every hop accounted: 3 rounds x 3 probes, none lost on a clean path.
  for (const auto& h : j["hops"]) {
    EXPECT_EQ(h["sent"], 9) << h.dump();
    EXPECT_EQ(h["received"], 9) << h.dump();
  }
  EXPECT_TRUE(j["losses"].empty());
  EXPECT_GT(t.delayedPackets(), 0u);
  // The text report names the jump.
  auto text = run(concat(t.client(), {voipscopeBinary(), "trace", "-n", PathTopology::kServer4, "-q", "2",
                                      "--max-hops", "6"}),
                  std::chrono::seconds(60));
  EXPECT_NE(text.out.find("ms at hop 2 (198.18.1.2) over hop 1"), std::string::npos) << text.all;
  EXPECT_NE(text.out.find("destination 198.18.2.2 reached at hop 3"), std::string::npos) << text.all;
}

TEST(PathTrace, RateLimitedRouterIsLossAtOneHopOnly) {
  PathTopology t;
  REQUIRE_TOPOLOGY(t);
  TempDir dir;
  // r1 drops every second ICMP time exceeded it generates: what an ICMP rate limit looks like.
  ASSERT_TRUE(nft(t, t.r1(),
                  "table inet vs_rl {\n chain out {\n  type filter hook output priority 0;\n"
                  "  icmp type time-exceeded numgen inc mod 2 == 0 counter drop\n }\n}\n",
                  dir))
      << t.why();
  int rc = -1;
  auto j = runJson(traceCmd(t, {PathTopology::kServer4, "-c", "4", "-q", "3", "--max-hops", "6", "-W", "1",
                                "-i", "0.2"}),
                   &rc);
  const auto dropped = nftCounter(t, t.r1(), "vs_rl");
  ASSERT_EQ(j["hops"].size(), 3u) << j.dump(2);
  EXPECT_GT(dropped, 0u);
  const auto& h1 = j["hops"][0];
  EXPECT_EQ(h1["sent"].get<int>() - h1["received"].get<int>(), static_cast<int>(dropped)) << h1.dump();
  EXPECT_EQ(j["hops"][1]["received"], j["hops"][1]["sent"]);
  EXPECT_EQ(j["hops"][2]["received"], j["hops"][2]["sent"]);
  ASSERT_EQ(j["losses"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["losses"][0]["hop"], 1);
  EXPECT_EQ(j["losses"][0]["kind"], "single_hop");
  EXPECT_EQ(j["losses"][0]["lost"], dropped);
  EXPECT_EQ(rc, 0);  // the destination lost nothing
}

TEST(PathTrace, LossOnLastLinkCarriesToDestinationWithTheDroppedCount) {
  PathTopology t;
  REQUIRE_TOPOLOGY(t);
  TempDir dir;
  // The server drops every third probe that reached it with TTL 1, i.e. exactly the probes whose TTL
  // was the destination's hop count (probes sent with more TTL are not counted by the trace either).
  ASSERT_TRUE(nft(t, t.server(),
                  "table inet vs_loss {\n chain in {\n  type filter hook input priority 0;\n"
                  "  ip ttl 1 udp dport 33434 numgen inc mod 3 == 0 counter drop\n }\n}\n",
                  dir))
      << t.why();
  int rc = -1;
  auto j = runJson(traceCmd(t, {PathTopology::kServer4, "-c", "5", "-q", "3", "--max-hops", "6", "-W", "1",
                                "-i", "0.2"}),
                   &rc);
  const auto dropped = nftCounter(t, t.server(), "vs_loss");
  ASSERT_EQ(j["hops"].size(), 3u) << j.dump(2);
  EXPECT_GE(dropped, 4u);
  const auto& dest = j["hops"][2];
  EXPECT_EQ(dest["sent"], 15);
  EXPECT_EQ(dest["sent"].get<int>() - dest["received"].get<int>(), static_cast<int>(dropped)) << dest.dump();
  EXPECT_EQ(j["hops"][0]["received"], j["hops"][0]["sent"]);
  EXPECT_EQ(j["hops"][1]["received"], j["hops"][1]["sent"]);
  ASSERT_EQ(j["losses"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["losses"][0]["kind"], "carries_to_destination");
  EXPECT_EQ(j["losses"][0]["hop"], 3);
  EXPECT_EQ(j["losses"][0]["destination_lost"], dropped);
  EXPECT_EQ(rc, 1);  // warnings: the destination lost probes
}

TEST(PathTrace, TcpSynToSipPortReachesListener) {
  PathTopology t;
  REQUIRE_TOPOLOGY(t);
  ASSERT_TRUE(t.listenTcpInServer(5060));
  TempDir dir;
  // Count SYNs arriving at the server on 5060 (ground truth for "reached the listener").
  ASSERT_TRUE(nft(t, t.server(),
                  "table inet vs_syn {\n chain in {\n  type filter hook input priority 0;\n"
                  "  tcp dport 5060 tcp flags & (syn|ack) == syn counter\n }\n}\n",
                  dir));
  int rc = -1;
  auto j = runJson(traceCmd(t, {PathTopology::kServer4, "-m", "tcp", "-p", "5060", "-q", "2", "--max-hops", "5",
                                "-W", "1"}),
                   &rc);
  EXPECT_EQ(rc, 0) << j.dump(2);
  EXPECT_EQ(hopAddresses(j), (std::vector<std::string>{PathTopology::kR1, PathTopology::kR2, PathTopology::kServer4}));
  EXPECT_TRUE(j["reached"].get<bool>());
  EXPECT_EQ(j["flow"]["dst_port"], 5060);
  EXPECT_EQ(j["hops"][2]["received"], 2);
  EXPECT_GE(nftCounter(t, t.server(), "vs_syn"), 2u);
  // IPv6 and the same port.
  auto j6 = runJson(traceCmd(t, {PathTopology::kServer6, "-m", "tcp", "-p", "5060", "-q", "1", "--max-hops", "5",
                                 "-W", "1"}));
  EXPECT_EQ(hopAddresses(j6),
            (std::vector<std::string>{PathTopology::kR1v6, PathTopology::kR2v6, PathTopology::kServer6}));
  EXPECT_TRUE(j6["reached"].get<bool>());
}

TEST(PathTrace, IcmpModeAndIpv6Udp) {
  PathTopology t;
  REQUIRE_TOPOLOGY(t);
  auto j = runJson(traceCmd(t, {PathTopology::kServer4, "-m", "icmp", "-q", "2", "--max-hops", "5", "-W", "1"}));
  EXPECT_EQ(hopAddresses(j), (std::vector<std::string>{PathTopology::kR1, PathTopology::kR2, PathTopology::kServer4}));
  EXPECT_TRUE(j["reached"].get<bool>());
  auto j6 = runJson(traceCmd(t, {PathTopology::kServer6, "-q", "2", "--max-hops", "5", "-W", "1"}));
  EXPECT_EQ(hopAddresses(j6),
            (std::vector<std::string>{PathTopology::kR1v6, PathTopology::kR2v6, PathTopology::kServer6}));
  EXPECT_TRUE(j6["reached"].get<bool>());
  for (const auto& h : j6["hops"]) EXPECT_EQ(h["received"], 2) << h.dump();
}

// Captures the probes on the client's link and checks the flow fields with tshark: constant 5-tuple
// (UDP, TCP) or constant ICMP type/code/checksum/id, while the field that tells probes apart differs.
TEST(PathTrace, FlowIdentifiersStayConstantOnTheWire) {
  if (!haveProgram("tcpdump") || !haveProgram("tshark")) GTEST_SKIP() << "tcpdump or tshark missing";
  PathTopology t;
  REQUIRE_TOPOLOGY(t);
  TempDir dir;
  struct Case {
    std::string mode, target, filter, fields, varying;
  };
  const std::vector<Case> cases = {
      {"udp", PathTopology::kServer4, "udp and dst host 198.18.2.2", "ip.src,ip.dst,udp.srcport,udp.dstport",
       "udp.checksum"},
      {"tcp", PathTopology::kServer4, "tcp and dst host 198.18.2.2", "ip.src,ip.dst,tcp.srcport,tcp.dstport",
       "tcp.seq_raw"},
      {"icmp", PathTopology::kServer4, "icmp and dst host 198.18.2.2",
       "ip.src,ip.dst,icmp.type,icmp.code,icmp.checksum,icmp.ident", "icmp.seq"},
      // IPv6 load balancers also hash the flow label: it must not change either.
      {"udp", PathTopology::kServer6, "udp and dst host fd00:2::2",
       "ipv6.src,ipv6.dst,ipv6.flow,udp.srcport,udp.dstport", "udp.checksum"},
  };
  for (const auto& c : cases) {
    auto pcap = dir.file(c.mode + c.target + ".pcap");
    Process cap(concat(t.client(), {"tcpdump", "-i", "vc", "-n", "-U", "--immediate-mode", "-w", pcap, c.filter}));
    ASSERT_TRUE(cap.waitForLine(std::regex("listening on"), std::chrono::seconds(10))) << cap.output();
    auto r = run(concat(t.client(), {voipscopeBinary(), "trace", "-n", "--json", "-m", c.mode, "-q", "3", "-c", "2",
                                     "-i", "0.2", "--max-hops", "5", "-W", "2", c.target}),
                 std::chrono::seconds(60));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cap.terminate();
    (void)cap.wait(std::chrono::seconds(5));
    std::vector<std::string> argv = {"tshark", "-r", pcap, "-T", "fields", "-E", "separator=,"};
    std::stringstream fs(c.fields + "," + c.varying);
    for (std::string f; std::getline(fs, f, ',');) argv.insert(argv.end(), {"-e", f});
    auto fields = run(argv, std::chrono::seconds(30));
    std::set<std::string> flows, ids;
    int packets = 0;
    std::stringstream ls(fields.out);
    for (std::string line; std::getline(ls, line);) {
      if (line.empty()) continue;
      ++packets;
      auto cut = line.rfind(',');
      flows.insert(line.substr(0, cut));
      ids.insert(line.substr(cut + 1));
    }
    // 2 rounds: round 1 sends 5 hops x 3, round 2 only up to the destination (3 hops x 3).
    EXPECT_EQ(packets, 24) << c.mode << ":\n" << fields.all << "\ntcpdump: " << cap.output() << "\n" << r.all;
    EXPECT_EQ(flows.size(), 1u) << c.mode << ":\n" << fields.out;
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(packets)) << c.mode << ": probes must be told apart\n" << fields.out;
  }
}

}  // namespace
}  // namespace vs::itest
