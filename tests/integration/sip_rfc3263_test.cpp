// RFC 3263 target resolution in `voipscope sip ping`, against dnsmasq serving NAPTR, SRV and A records
// for voipscope.test on loopback (--dns-server) and Kamailio answering on a random UDP+TCP port that only
// the SRV records name: a reply proves the SRV port was used; the CSV's transport column shows which
// transport NAPTR chose.
#include <gtest/gtest.h>

#include <regex>

#include "harness.h"

namespace vs::itest {
namespace {

RunResult ping(const std::vector<std::string>& args) { return run(concat({voipscopeBinary(), "sip", "ping"}, args), 60s); }

int receivedCount(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"((\d+) sent, (\d+) received)"))) return std::stoi(m[2]);
  return -1;
}

class SipRfc3263 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveProgram("kamailio") || !haveProgram("dnsmasq")) GTEST_SKIP() << "kamailio or dnsmasq not installed";
    kam_ = std::make_unique<Kamailio>(dir_);
    ASSERT_TRUE(kam_->ready()) << kam_->log();
    const auto port = std::to_string(kam_->port());
    const auto dead = std::to_string(freeUdpAndTcpPort());  // nothing listens: choosing it would lose every ping
    dns_ = std::make_unique<Dnsmasq>(
        dir_, std::vector<std::string>{"sip1.voipscope.test=127.0.0.1", "aonly.voipscope.test=127.0.0.1"},
        std::vector<std::string>{},
        std::vector<std::string>{
            // NAPTR: TCP preferred (order 10) over UDP (order 20, which leads to the dead port).
            "--naptr-record=sbc.voipscope.test,20,10,S,SIP+D2U,,_sip._udp.sbc.voipscope.test",
            "--naptr-record=sbc.voipscope.test,10,10,S,SIP+D2T,,_sip._tcp.sbc.voipscope.test",
            // SRV: priority 10 is Kamailio, priority 20 the dead port.
            "--srv-host=_sip._tcp.sbc.voipscope.test,sip1.voipscope.test," + dead + ",20,10",
            "--srv-host=_sip._tcp.sbc.voipscope.test,sip1.voipscope.test," + port + ",10,10",
            "--srv-host=_sip._udp.sbc.voipscope.test,sip1.voipscope.test," + port + ",10,10",
            // SRV without NAPTR.
            "--srv-host=_sip._udp.srvonly.voipscope.test,sip1.voipscope.test," + port + ",0,0",
        });
    ASSERT_TRUE(dns_->ready());
  }

  std::vector<std::string> common(const std::string& csv) {
    return {"-c", "3", "-I", "50", "-t", "1000", "-w", csv, "--dns-server", dns_->server()};
  }
  std::string port() const { return std::to_string(kam_->port()); }

  TempDir dir_;
  std::unique_ptr<Kamailio> kam_;
  std::unique_ptr<Dnsmasq> dns_;
};

TEST_F(SipRfc3263, NaptrChoosesTcpThenSrvPortThenAddress) {
  auto csv = dir_.file("naptr.csv");
  auto r = ping(concat({"sbc.voipscope.test"}, common(csv)));
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(receivedCount(r.out), 3);
  EXPECT_NE(r.out.find("resolved sbc.voipscope.test via NAPTR SIP+D2T -> SRV _sip._tcp.sbc.voipscope.test -> "
                       "sip1.voipscope.test:" + port() + " -> 127.0.0.1\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--- sbc.voipscope.test (127.0.0.1:" + port() + ")"), std::string::npos) << r.out;
  auto rows = fileLines(csv);
  ASSERT_EQ(rows.size(), 4u);
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(csvFields(rows[i])[6], "tcp") << rows[i];
}

TEST_F(SipRfc3263, GivenTransportSkipsNaptrAndUsesItsSrv) {
  auto csv = dir_.file("udp.csv");
  auto r = ping(concat({"sbc.voipscope.test", "--transport", "udp"}, common(csv)));
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(receivedCount(r.out), 3);
  EXPECT_NE(r.out.find("resolved sbc.voipscope.test via SRV _sip._udp.sbc.voipscope.test -> sip1.voipscope.test:" +
                       port() + " -> 127.0.0.1\n"),
            std::string::npos)
      << r.out;
  auto rows = fileLines(csv);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(csvFields(rows[1])[6], "udp");
}

TEST_F(SipRfc3263, SrvWithoutNaptr) {
  auto r = ping(concat({"srvonly.voipscope.test"}, common("-")));
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(receivedCount(r.out), 3);
  EXPECT_NE(r.out.find("resolved srvonly.voipscope.test via SRV _sip._udp.srvonly.voipscope.test -> "
                       "sip1.voipscope.test:" + port() + " -> 127.0.0.1\n"),
            std::string::npos)
      << r.out;
}

TEST_F(SipRfc3263, ExplicitPortMeansAddressRecordsOnly) {
  auto r = ping(concat({"aonly.voipscope.test:" + port()}, common("-")));
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(receivedCount(r.out), 3);
  EXPECT_NE(r.out.find("resolved aonly.voipscope.test:" + port() + " via A/AAAA (port given) -> 127.0.0.1\n"),
            std::string::npos)
      << r.out;
}

TEST_F(SipRfc3263, NoNaptrNoSrvFallsBackToAddressAndDefaultPort) {
  // Whatever answers on 5060 here (usually nothing): only the choice of address and port is asserted.
  auto r = ping({"aonly.voipscope.test", "-c", "1", "-t", "300", "-w", "-", "--dns-server", dns_->server()});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.all;
  EXPECT_NE(r.out.find("resolved aonly.voipscope.test via A/AAAA (no NAPTR or SRV) -> 127.0.0.1\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--- aonly.voipscope.test (127.0.0.1:5060)"), std::string::npos) << r.out;
}

TEST_F(SipRfc3263, NxdomainIsOneClearLine) {
  auto r = ping({"nope.voipscope.test", "-c", "1", "-w", "-", "--dns-server", dns_->server()});
  EXPECT_EQ(r.exit_code, 4) << r.all;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.all, "voipscope sip ping: nope.voipscope.test: name does not exist (NXDOMAIN)\n");
}

}  // namespace
}  // namespace vs::itest
