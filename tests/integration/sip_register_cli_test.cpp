// `voipscope sip register` against Kamailio as a digest-authenticating registrar on loopback
// (kamailio_registrar.h): right and wrong password, CSV rows, the unregister on exit, exit codes.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness.h"
#include "kamailio_registrar.h"

namespace vs::itest {
namespace {


int countMatches(const std::string& text, const std::regex& re) {
  return static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

RunResult registerRun(const KamailioRegistrar& k, const std::vector<std::string>& args,
                      std::vector<std::string> env = {}) {
  return run(concat({voipscopeBinary(), "sip", "register", "127.0.0.1:" + std::to_string(k.port()),
                     "--domain", "voipscope.test", "-t", "8000"},
                    args),
             60s, std::move(env));
}

TEST(SipRegisterCli, RightPasswordRegistersThreeTimesAndUnregisters) {
  if (!KamailioRegistrar::available()) GTEST_SKIP() << "kamailio is not installed";
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  TempDir dir;
  auto csv = dir.file("reg.csv");
  auto r = registerRun(k, {"--user", "alice", "--password", "s3cret", "-c", "3", "--interval", "200", "-w", csv});
  EXPECT_EQ(r.exit_code, 0) << r.all << k.log();

  // One line per successful attempt: "#N  <call-id>  <ms> ms  SIP/2.0 200 OK".
  static const std::regex ok_line(R"(#(\d)  (\S+)  [0-9.]+ ms  SIP/2\.0 200 OK)");
  EXPECT_EQ(countMatches(r.out, ok_line), 3) << r.out;
  // One session: every attempt carries the same Call-ID.
  std::set<std::string> call_ids;
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), ok_line); it != std::sregex_iterator(); ++it) {
    call_ids.insert((*it)[2]);
  }
  EXPECT_EQ(call_ids.size(), 1u) << r.out;

  EXPECT_NE(r.out.find("3 attempts, 3 registered, 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("registration failure rate 0.0 %\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("alerting threshold"), std::string::npos) << r.out;
  // The registrar's answer to Expires: 0 no longer lists our Contact.
  EXPECT_NE(r.out.find("unregister: SIP/2.0 200 OK in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("binding removed"), std::string::npos) << r.out;

  auto rows = fileLines(csv);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_EQ(rows[0], "time,unix_timestamp,registrar,latency_ms,call_id,status_line,transport,target");
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto f = csvFields(rows[i]);
    ASSERT_EQ(f.size(), 8u) << rows[i];
    EXPECT_EQ(f[2], "127.0.0.1:" + std::to_string(k.port()));
    EXPECT_GT(std::stod(f[3]), 0.0) << rows[i];
    EXPECT_EQ(call_ids.count(f[4]), 1u) << rows[i];
    EXPECT_EQ(f[5], "SIP/2.0 200 OK");
    EXPECT_EQ(f[6], "udp");
  }
}

TEST(SipRegisterCli, WrongPasswordFailsEveryAttempt) {
  if (!KamailioRegistrar::available()) GTEST_SKIP() << "kamailio is not installed";
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  // The password comes from the environment here, the documented alternative to --password.
  auto r = registerRun(k, {"--user", "alice", "-c", "2", "--interval", "200", "-w", "-"},
                       {"VOIPSCOPE_SIP_PASSWORD=wrong-password"});
  EXPECT_EQ(r.exit_code, 2) << r.all;
  static const std::regex fail_line(R"(#\d  \S+  rejected: SIP/2\.0 401 Unauthorized)");
  EXPECT_EQ(countMatches(r.out, fail_line), 2) << r.out;
  EXPECT_NE(r.out.find("2 attempts, 0 registered, 2 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("registration failure rate 100.0 %, above the 5 % alerting threshold"), std::string::npos)
      << r.out;
}

TEST(SipRegisterCli, TcpRegistersToo) {
  if (!KamailioRegistrar::available()) GTEST_SKIP() << "kamailio is not installed";
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  auto r = registerRun(k, {"--user", "alice", "--password", "s3cret", "-c", "1", "--transport", "tcp", "-w", "-"});
  EXPECT_EQ(r.exit_code, 0) << r.all << k.log();
  EXPECT_NE(r.out.find("1 attempts, 1 registered, 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("binding removed"), std::string::npos) << r.out;
}

TEST(SipRegisterCli, SigtermUnregistersBeforeExiting) {
  if (!KamailioRegistrar::available()) GTEST_SKIP() << "kamailio is not installed";
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  Process p({voipscopeBinary(), "sip", "register", "127.0.0.1:" + std::to_string(k.port()), "--domain",
             "voipscope.test", "--user", "alice", "--password", "s3cret", "--interval", "200", "-w", "-"});
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(p.waitForLine(std::regex(R"(#2  \S+  [0-9.]+ ms  SIP/2\.0 200 OK)"), 20s)) << p.output();
  // SIGTERM to the binary alone (Process::terminate() would not drain the output after the exit).
  ASSERT_EQ(kill(p.pid(), SIGTERM), 0);
  EXPECT_EQ(p.wait(20s), std::optional<int>(0)) << p.output();
  EXPECT_NE(p.stdoutText().find("binding removed"), std::string::npos) << p.output();
  EXPECT_NE(p.stdoutText().find("registration failure rate 0.0 %"), std::string::npos) << p.output();
}

TEST(SipRegisterCli, MissingUserIsUsageError) {
  auto r = run({voipscopeBinary(), "sip", "register", "127.0.0.1:5060", "--password", "x", "-w", "-"}, 30s);
  EXPECT_EQ(r.exit_code, 3) << r.all;
  EXPECT_NE(r.all.find("--user"), std::string::npos) << r.all;
}

TEST(SipRegisterCli, UnresolvableRegistrarIsRuntimeError) {
  std::uint16_t no_dns = freeUdpAndTcpPort();  // nothing answers DNS there: refused at once
  auto r = run({voipscopeBinary(), "sip", "register", "registrar.voipscope.test", "--user", "alice", "--password",
                "x", "-c", "2", "-w", "-", "--dns-server", "127.0.0.1:" + std::to_string(no_dns)},
               30s);
  EXPECT_EQ(r.exit_code, 4) << r.all;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.all.rfind("voipscope sip register: ", 0), 0u) << r.all;
}

}  // namespace
}  // namespace vs::itest
