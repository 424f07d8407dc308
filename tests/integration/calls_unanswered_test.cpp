// Requests nothing answered, captured: a registrar or server that is not there (a UDP port the test holds
// open and never reads, so no ICMP error either) gets `voipscope sip register` (one Call-ID, its REGISTERs
// retransmitted on Timer A) and `voipscope sip ping` (one Call-ID per OPTIONS, sent once: a measurement,
// not retransmitted) while tcpdump captures. tshark counts each Call-ID's requests and responses; `calls`
// must name every Call-ID whose requests (two or more) got no response at all, with tshark's count and the
// address they went to, and not the pings (one request: a capture may end right after a request);
// and on every corpus capture it must name exactly the Call-IDs without an INVITE that tshark shows sent
// twice or more and never answered.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "support/corpus.h"

namespace {

using namespace std::chrono_literals;
using namespace vs::itest;

// Per Call-ID, from tshark: requests other than ACK, responses, and whether an INVITE was among them.
struct TsharkLeg {
  int requests = 0, responses = 0;
  bool invite = false;
};
std::map<std::string, TsharkLeg> tsharkLegs(const std::string& pcap) {
  auto t = run({"tshark", "-r", pcap, "-d", "tcp.port==6060,sip", "-Y", "sip", "-T", "fields", "-E", "occurrence=f",
                "-e", "sip.Call-ID", "-e", "sip.Method", "-e", "sip.Status-Code"},
               120s);
  EXPECT_EQ(t.exit_code, 0) << t.all;
  std::map<std::string, TsharkLeg> out;
  std::istringstream in(t.out);
  for (std::string line; std::getline(in, line);) {
    auto f = tabFields(line);  // Call-ID, method, status
    f.resize(std::max<std::size_t>(f.size(), 3));
    const std::string &cid = f[0], &method = f[1], &status = f[2];
    if (cid.empty()) continue;
    auto& l = out[cid];
    if (!status.empty()) ++l.responses;
    else if (method == "INVITE") l.invite = true;
    if (status.empty() && !method.empty() && method != "ACK") ++l.requests;
  }
  return out;
}

bool unanswered(const TsharkLeg& l) { return !l.invite && l.responses == 0 && l.requests >= 2; }

bool hasFinding(const nlohmann::json& leg, const std::string& key) {
  for (const auto& k : leg["findings"]) {
    if (k == key) return true;
  }
  return false;
}

TEST(CallsUnanswered, RequestsNothingAnsweredAreNamedWithTsharksCountsAndTheirDestination) {
  for (const char* tool : {"tcpdump", "tshark"}) {
    if (!haveProgram(tool)) GTEST_SKIP() << tool << " missing";
  }
  // The black hole: bound, never read.
  const int hole = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(hole, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ASSERT_EQ(bind(hole, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(getsockname(hole, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const auto port = std::to_string(ntohs(a.sin_port));
  const std::string target = "127.0.0.1:" + port;

  TempDir dir;
  const auto pcap = (dir.path() / "unanswered.pcap").string();
  Process tcpdump({"timeout", "60", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-c", "500", "-w", pcap,
                   "udp port " + port});
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  auto reg = run({voipscopeBinary(), "sip", "register", target, "--domain", "voipscope.test", "--user", "alice",
                  "--password", "s3cret", "-c", "2", "--interval", "300", "-t", "2000"},
                 60s);
  EXPECT_NE(reg.exit_code, 0) << reg.all;
  auto ping = run({voipscopeBinary(), "sip", "ping", target, "-c", "2", "-I", "300", "-t", "2000"}, 60s);
  EXPECT_NE(ping.exit_code, 0) << ping.all;
  std::this_thread::sleep_for(300ms);
  tcpdump.terminate();
  tcpdump.wait(10s);
  close(hole);

  const auto legs = tsharkLegs(pcap);
  int want_named = 0;
  for (const auto& [cid, l] : legs) want_named += unanswered(l) ? 1 : 0;
  ASSERT_EQ(legs.size(), 3U);  // the registration, two pings
  ASSERT_EQ(want_named, 1);    // the registration: sent at least twice (Timer A), never answered

  auto j = run({voipscopeBinary(), "calls", "--all", "--json", pcap});
  ASSERT_EQ(j.exit_code, 0) << j.all;
  const auto doc = nlohmann::json::parse(j.out);
  auto all = run({voipscopeBinary(), "calls", "--all", pcap});
  ASSERT_EQ(all.exit_code, 0) << all.all;
  int named = 0;
  for (const auto& call : doc["calls"]) {
    for (const auto& leg : call["legs"]) {
      const auto cid = leg["call_id"].get<std::string>();
      ASSERT_EQ(legs.count(cid), 1U) << cid;
      const auto& l = legs.at(cid);
      const bool want_named_here = unanswered(l);
      EXPECT_EQ(leg["findings"], want_named_here ? nlohmann::json::array({"request_unanswered"}) : nlohmann::json::array())
          << leg.dump();
      if (!want_named_here) continue;
      ++named;
      EXPECT_EQ(leg["kind"], "non-call:REGISTER");
      const std::string method = leg["kind"].get<std::string>().substr(std::string("non-call:").size());
      const std::string want = method + " sent " + std::to_string(l.requests) +
                               " times, no answer at all (not even an error): " + target + " unreachable or filtered";
      EXPECT_NE(all.out.find(want), std::string::npos) << want << "\n" << all.out;
    }
  }
  EXPECT_EQ(named, 1);
  EXPECT_NE(all.out.find("; request unanswered 1\n"), std::string::npos) << all.out;

  auto plain = run({voipscopeBinary(), "calls", pcap});
  ASSERT_EQ(plain.exit_code, 0) << plain.all;
  EXPECT_NE(plain.out.find("3 Call-IDs without an INVITE not listed (REGISTER, OPTIONS, ...), 1 of them unanswered: "
                           "--all lists them"),
            std::string::npos)
      << plain.out;

  // --findings lists the unanswered registration without --all, and leaves out the pings (no finding).
  auto findings = run({voipscopeBinary(), "calls", "--findings", pcap});
  ASSERT_EQ(findings.exit_code, 0) << findings.all;
  EXPECT_NE(findings.out.find("REGISTER sent "), std::string::npos) << findings.out;
  EXPECT_EQ(findings.out.find("OPTIONS sent "), std::string::npos) << findings.out;
  EXPECT_NE(findings.out.find("2 Call-IDs without an INVITE not listed (REGISTER, OPTIONS, ...): --all lists them"),
            std::string::npos)
      << findings.out;
  auto findings_json = run({voipscopeBinary(), "calls", "--findings", "--json", pcap});
  ASSERT_EQ(findings_json.exit_code, 0) << findings_json.all;
  const auto fdoc = nlohmann::json::parse(findings_json.out);
  ASSERT_EQ(fdoc["calls"].size(), 1U) << findings_json.out;
  EXPECT_EQ(fdoc["calls"][0]["legs"][0]["findings"], nlohmann::json::array({"request_unanswered"}));
}

TEST(CallsUnanswered, EveryCorpusCaptureNamesExactlyTheCallIdsTsharkShowsUnanswered) {
  if (!haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  std::size_t compared = 0, answered_non_call = 0;
  for (const auto& p : vs::test::corpusCaptures()) {
    SCOPED_TRACE(p.string());
    const auto legs = tsharkLegs(p.string());
    auto j = run({voipscopeBinary(), "calls", "--all", "--json", p.string()}, 120s);
    ASSERT_TRUE(j.exit_code == 0 || j.exit_code == 1) << j.all;
    const auto doc = nlohmann::json::parse(j.out);
    for (const auto& call : doc["calls"]) {
      for (const auto& leg : call["legs"]) {
        const auto cid = leg["call_id"].get<std::string>();
        auto it = legs.find(cid);
        if (it == legs.end()) continue;  // SIP tshark does not decode here (WebSocket, a port it skips)
        EXPECT_EQ(hasFinding(leg, "request_unanswered"), unanswered(it->second)) << cid;
        ++compared;
        if (!it->second.invite && it->second.responses > 0) ++answered_non_call;
      }
    }
  }
  EXPECT_GE(compared, 40U);
  EXPECT_GE(answered_non_call, 5U);  // REGISTER, OPTIONS, SUBSCRIBE legs with an answer: not named
}

}  // namespace
