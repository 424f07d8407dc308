// `sip ping --dscp 46` marks the OPTIONS it sends: tcpdump (started here, bounded by -c and a deadline,
// filtered to one port) captures them on lo and tshark reads the DSCP of each, for the IPv4 TOS byte and
// the IPv6 traffic class. A run without --dscp is the control (DSCP 0), so the option is what changes it.
#include <unistd.h>

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "harness.h"

namespace vs::itest {
namespace {

bool haveIpv6Lo() {
  auto r = run({"ip", "-6", "addr", "show", "dev", "lo"}, 10s);
  return r.exit_code == 0 && r.out.find("::1/128") != std::string::npos;
}

struct Captured {
  std::vector<std::string> rows;  // "dscp,method" per packet
  std::string why;                // set when the capture could not be made
};

// Captures the first `count` UDP datagrams to `port` on lo while `sip ping` runs with `extra` options.
Captured captureDscp(const TempDir& dir, const std::string& host, bool v6, std::uint16_t port, int count,
                     const std::vector<std::string>& extra) {
  Captured c;
  auto pcap = dir.file(std::string("dscp") + (v6 ? "6" : "4") + std::to_string(extra.size()) + ".pcap");
  Process dump({"tcpdump", "-i", "lo", "-n", "-U", "-c", std::to_string(count), "-w", pcap,
                std::string(v6 ? "ip6" : "ip") + " and udp dst port " + std::to_string(port)});
  if (!dump.waitForLine(std::regex("listening on"), 10s)) {
    c.why = "tcpdump did not start: " + dump.output();
    return c;
  }
  auto target = v6 ? "[" + host + "]:" + std::to_string(port) : host + ":" + std::to_string(port);
  auto r = run(concat({voipscopeBinary(), "sip", "ping", target, "-c", std::to_string(count), "-I", "50", "-t", "200",
                       "-w", "-", "-q"},
                      extra),
               30s);
  if (r.exit_code < 0) {
    c.why = "voipscope did not finish: " + r.all;
    return c;
  }
  if (!dump.wait(10s)) {
    c.why = "tcpdump did not see " + std::to_string(count) + " packets: " + dump.output();
    return c;
  }
  auto fields = run({"tshark", "-r", pcap, "-T", "fields", "-E", "separator=,", "-e",
                     v6 ? "ipv6.tclass.dscp" : "ip.dsfield.dscp", "-e", "sip.Method", "-d",
                     "udp.port==" + std::to_string(port) + ",sip"},
                    30s);
  std::istringstream lines(fields.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) c.rows.push_back(line);
  }
  return c;
}

class SipDscp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveProgram("tcpdump") || !haveProgram("tshark")) GTEST_SKIP() << "tcpdump or tshark not installed";
    if (geteuid() != 0) GTEST_SKIP() << "capturing on lo needs root";
  }
  TempDir dir_;
};

TEST_F(SipDscp, Ipv4TosCarriesDscp46) {
  auto port = freeUdpAndTcpPort();  // nothing answers: only what we send matters
  auto marked = captureDscp(dir_, "127.0.0.1", false, port, 3, {"--dscp", "46"});
  ASSERT_TRUE(marked.why.empty()) << marked.why;
  EXPECT_EQ(marked.rows, (std::vector<std::string>{"46,OPTIONS", "46,OPTIONS", "46,OPTIONS"}));
  auto plain = captureDscp(dir_, "127.0.0.1", false, port, 2, {});
  ASSERT_TRUE(plain.why.empty()) << plain.why;
  EXPECT_EQ(plain.rows, (std::vector<std::string>{"0,OPTIONS", "0,OPTIONS"}));
}

TEST_F(SipDscp, Ipv6TrafficClassCarriesDscp46) {
  if (!haveIpv6Lo()) GTEST_SKIP() << "::1 is not available here";
  auto port = freeUdpAndTcpPort();
  auto marked = captureDscp(dir_, "::1", true, port, 3, {"--dscp", "46", "-6"});
  ASSERT_TRUE(marked.why.empty()) << marked.why;
  EXPECT_EQ(marked.rows, (std::vector<std::string>{"46,OPTIONS", "46,OPTIONS", "46,OPTIONS"}));
}

}  // namespace
}  // namespace vs::itest
