// A phone that cannot register, captured: Kamailio as a registrar with digest authentication on loopback,
// and three `voipscope sip register` sessions (each one Call-ID) while tcpdump captures: the right
// password (401, then 200), a wrong password (401 to every REGISTER, with credentials or without) and an
// unknown user (403). tshark gives each Call-ID's REGISTER final statuses; `calls` must name the two
// refused sessions, with tshark's counts, and not the one that registered, and its plain table must say
// how many refused registrations it leaves out.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "integration/kamailio_registrar.h"

namespace {

using namespace std::chrono_literals;
using vs::itest::KamailioRegistrar;
using vs::itest::Process;
using vs::itest::run;
using vs::itest::TempDir;

TEST(CallsRegisterRefused, RefusedRegistrationsAreNamedWithTsharksCounts) {
  for (const char* tool : {"tcpdump", "tshark"}) {
    if (!vs::itest::haveProgram(tool)) GTEST_SKIP() << tool << " missing";
  }
  if (!KamailioRegistrar::available()) GTEST_SKIP() << "kamailio is not installed";
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  TempDir dir;
  const auto port = std::to_string(k.port());
  const auto pcap = (dir.path() / "register.pcap").string();
  Process tcpdump({"timeout", "60", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-c", "500", "-w", pcap,
                   "udp port " + port});
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  auto reg = [&](const std::string& user, const std::string& password) {
    return run({vs::itest::voipscopeBinary(), "sip", "register", "127.0.0.1:" + port, "--domain", "voipscope.test",
                "--user", user, "--password", password, "-c", "2", "--interval", "200", "-t", "4000", "-w", "-"},
               60s);
  };
  EXPECT_EQ(reg("alice", "s3cret").exit_code, 0);
  EXPECT_EQ(reg("alice", "wrong-password").exit_code, 2);
  EXPECT_EQ(reg("mallory", "anything").exit_code, 2);
  std::this_thread::sleep_for(300ms);
  tcpdump.terminate();
  tcpdump.wait(10s);

  // tshark: per Call-ID, the final responses to REGISTER.
  auto t = run({"tshark", "-r", pcap, "-Y", "sip.Status-Code >= 200 && sip.CSeq.method == \"REGISTER\"", "-T",
                "fields", "-E", "separator=/t", "-e", "sip.Call-ID", "-e", "sip.Status-Code"});
  ASSERT_EQ(t.exit_code, 0) << t.all;
  std::map<std::string, std::map<int, int>> finals;
  std::istringstream in(t.out);
  for (std::string line; std::getline(in, line);) {
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    ++finals[line.substr(0, tab)][std::stoi(line.substr(tab + 1))];
  }
  ASSERT_EQ(finals.size(), 3U) << t.out;
  std::map<std::string, int> refused;  // Call-ID -> refusals, for the sessions never answered 2xx
  int registered = 0;
  for (const auto& [cid, by] : finals) {
    int bad = 0;
    bool ok = false;
    for (const auto& [status, n] : by) {
      ok = ok || (status >= 200 && status < 300);
      if (status >= 400) bad += n;
    }
    if (ok) ++registered;
    else refused[cid] = bad;
  }
  ASSERT_EQ(registered, 1) << t.out;
  ASSERT_EQ(refused.size(), 2U) << t.out;

  auto j = run({vs::itest::voipscopeBinary(), "calls", "--all", "--json", pcap});
  ASSERT_EQ(j.exit_code, 0) << j.all;
  const auto doc = nlohmann::json::parse(j.out);
  int named = 0;
  for (const auto& call : doc["calls"]) {
    for (const auto& leg : call["legs"]) {
      const auto cid = leg["call_id"].get<std::string>();
      ASSERT_EQ(finals.count(cid), 1U) << cid;
      const bool is_refused = refused.count(cid) > 0;
      EXPECT_EQ(leg["findings"], is_refused ? nlohmann::json::array({"register_refused"}) : nlohmann::json::array())
          << leg.dump();
      named += is_refused ? 1 : 0;
    }
  }
  EXPECT_EQ(named, 2);

  auto all = run({vs::itest::voipscopeBinary(), "calls", "--all", pcap});
  ASSERT_EQ(all.exit_code, 0) << all.all;
  for (const auto& [cid, n] : refused) {
    const auto& by = finals[cid];
    const bool challenged = by.count(401) > 0;
    std::string codes;
    for (const auto& [status, c] : by) codes += (codes.empty() ? "" : ", ") + std::to_string(status) + " x" + std::to_string(c);
    const std::string want = "REGISTER refused " + std::to_string(n) + " times, never accepted (" + codes + ")" +
                             (challenged ? ": a 401/407 after the credentials is a wrong user or password" : "\n");
    EXPECT_NE(all.out.find(want), std::string::npos) << want << "\n" << all.out;
  }
  EXPECT_NE(all.out.find("; REGISTER refused 2\n"), std::string::npos) << all.out;

  auto plain = run({vs::itest::voipscopeBinary(), "calls", pcap});
  ASSERT_EQ(plain.exit_code, 0) << plain.all;
  EXPECT_NE(plain.out.find("3 Call-IDs without an INVITE not listed (REGISTER, OPTIONS, ...), 2 of them REGISTER "
                           "refused: --all lists them"),
            std::string::npos)
      << plain.out;
}

}  // namespace
