// A phone that cannot register, captured, against tshark's REGISTER final responses per Call-ID:
// - Kamailio as a registrar with digest authentication on loopback, and three `voipscope sip register`
//   sessions (each one Call-ID) while tcpdump captures: the right password (401, then 200), a wrong
//   password (401 to every REGISTER, with credentials or without) and an unknown user (403). `calls` must
//   name the two refused sessions, with tshark's counts, and not the one that registered, and its plain
//   table must say how many refused registrations it leaves out;
// - a session accepted, then refused when Kamailio restarts with another password;
// - every corpus capture.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "integration/kamailio_registrar.h"
#include "support/corpus.h"

namespace {

using namespace std::chrono_literals;
using vs::itest::KamailioRegistrar;
using vs::itest::Process;
using vs::itest::run;
using vs::itest::TempDir;

// tshark's view of one Call-ID's registration: its REGISTER final responses in frame order, one per CSeq
// number and status (a retransmitted response once), give the 2xx seen, and the refusals (>= 400) after
// the last 2xx: how many, the first one's frame, whether a 2xx came before, and their statuses.
struct TsharkRegisterRun {
  std::set<std::pair<std::string, int>> seen;
  int accepted = 0;
  std::uint64_t count = 0, first_frame = 0;
  bool after_accepted = false;
  std::map<int, std::uint64_t> by_status;
};
std::map<std::string, TsharkRegisterRun> tsharkRegisterRuns(const std::string& pcap) {
  auto t = run({"tshark", "-r", pcap, "-d", "tcp.port==6060,sip", "-Y",
                "sip.Status-Code >= 200 && sip.CSeq.method == \"REGISTER\"", "-T", "fields", "-E", "occurrence=f", "-e",
                "frame.number", "-e", "sip.Call-ID", "-e", "sip.CSeq.seq", "-e", "sip.Status-Code"},
               120s);
  EXPECT_EQ(t.exit_code, 0) << t.all;
  std::map<std::string, TsharkRegisterRun> runs;
  std::istringstream in(t.out);
  for (std::string line; std::getline(in, line);) {
    const auto f = vs::itest::tabFields(line);  // frame, Call-ID, CSeq number, status
    if (f.size() < 4 || f[1].empty() || f[3].empty()) continue;
    const std::string &frame = f[0], &cid = f[1], &seq = f[2], &status = f[3];
    auto& r = runs[cid];
    const int code = std::stoi(status);
    if (!r.seen.insert({seq, code}).second) continue;
    if (code < 300) {
      ++r.accepted;
      r.count = r.first_frame = 0;
      r.by_status.clear();
    } else if (code >= 400) {
      if (r.count++ == 0) {
        r.first_frame = std::stoull(frame);
        r.after_accepted = r.accepted > 0;
      }
      ++r.by_status[code];
    }
  }
  return runs;
}

// voipscope's register_refused JSON as tshark's run says it should be.
void expectRefusals(const nlohmann::json& got, const TsharkRegisterRun& want, const std::string& cid) {
  if (want.count == 0) {
    EXPECT_TRUE(got.is_null()) << cid << " " << got.dump();
    return;
  }
  ASSERT_FALSE(got.is_null()) << cid;
  EXPECT_EQ(got["count"], want.count) << cid;
  EXPECT_EQ(got["since_frame"], want.first_frame) << cid;
  EXPECT_EQ(got["after_accepted"], want.after_accepted) << cid;
  nlohmann::json by = nlohmann::json::object();
  for (const auto& [code, n] : want.by_status) by[std::to_string(code)] = n;
  EXPECT_EQ(got["by_status"], by) << cid;
}

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
  const auto runs = tsharkRegisterRuns(pcap);
  int named = 0;
  for (const auto& call : doc["calls"]) {
    for (const auto& leg : call["legs"]) {
      const auto cid = leg["call_id"].get<std::string>();
      ASSERT_EQ(finals.count(cid), 1U) << cid;
      const bool is_refused = refused.count(cid) > 0;
      EXPECT_EQ(leg["findings"], is_refused ? nlohmann::json::array({"register_refused"}) : nlohmann::json::array())
          << leg.dump();
      named += is_refused ? 1 : 0;
      expectRefusals(leg["register_refused"], runs.at(cid), cid);
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

// The password changes under a registered phone: Kamailio accepts one `voipscope sip register` session
// (one Call-ID, refreshing every 600 ms), then is restarted on the same port with another password, and
// every later REGISTER of the session is refused. tshark lists the session's REGISTER final responses in
// frame order; `calls` must count the refusals after the last 2xx (one per CSeq), say a 2xx came before,
// and name the first refusal's frame and time.
TEST(CallsRegisterRefused, ARegistrationRefusedAfterItWasAcceptedIsNamedFromTheFirstRefusal) {
  for (const char* tool : {"tcpdump", "tshark"}) {
    if (!vs::itest::haveProgram(tool)) GTEST_SKIP() << tool << " missing";
  }
  if (!KamailioRegistrar::available()) GTEST_SKIP() << "kamailio is not installed";
  std::optional<KamailioRegistrar> k;
  k.emplace();
  ASSERT_TRUE(k->ready()) << k->log();
  const std::uint16_t port_number = k->port();
  const auto port = std::to_string(port_number);
  TempDir dir;
  const auto pcap = (dir.path() / "register-later.pcap").string();
  Process tcpdump({"timeout", "60", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-c", "500", "-w", pcap,
                   "udp port " + port});
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  Process reg({vs::itest::voipscopeBinary(), "sip", "register", "127.0.0.1:" + port, "--domain", "voipscope.test",
               "--user", "alice", "--password", "s3cret", "-c", "8", "--interval", "600", "-t", "1000"});
  // Two registrations accepted (the first after a challenge, the refresh with the nonce it holds).
  for (int accepted = 0; accepted < 2; ++accepted) {
    ASSERT_TRUE(reg.waitForLine(std::regex("round trip"), 20s)) << reg.output();
  }
  k.reset();
  vs::itest::KamailioRegistrarOptions changed;
  changed.password = "changed-on-the-server";
  changed.port = port_number;
  k.emplace(changed);
  ASSERT_TRUE(k->ready()) << k->log();
  reg.wait(30s);
  std::this_thread::sleep_for(300ms);
  tcpdump.terminate();
  tcpdump.wait(10s);

  const auto runs = tsharkRegisterRuns(pcap);
  ASSERT_EQ(runs.size(), 1U) << "one session, one Call-ID";
  const auto& [call_id, want] = *runs.begin();
  ASSERT_GE(want.accepted, 2);
  ASSERT_GE(want.count, 2U) << reg.output();
  ASSERT_TRUE(want.after_accepted);

  auto j = run({vs::itest::voipscopeBinary(), "calls", "--all", "--json", pcap});
  ASSERT_EQ(j.exit_code, 0) << j.all;
  const auto doc = nlohmann::json::parse(j.out);
  nlohmann::json leg;  // the session's; the others are the registrars' readiness OPTIONS
  for (const auto& call : doc["calls"]) {
    for (const auto& l : call["legs"]) {
      if (l["call_id"] == call_id) leg = l;
      else EXPECT_EQ(l["findings"], nlohmann::json::array()) << l.dump();
    }
  }
  ASSERT_FALSE(leg.is_null()) << call_id << "\n" << j.out;
  EXPECT_EQ(leg["findings"], nlohmann::json::array({"register_refused"})) << leg.dump();
  expectRefusals(leg["register_refused"], want, call_id);

  // The line under the leg, with the time of that frame as tshark gives it.
  auto when = run({"tshark", "-r", pcap, "-Y", "frame.number == " + std::to_string(want.first_frame), "-T", "fields",
                   "-e", "frame.time_epoch"});
  ASSERT_EQ(when.exit_code, 0) << when.all;
  const double epoch = std::stod(when.out);
  const auto secs = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string codes;
  for (const auto& [code, n] : want.by_status) codes += (codes.empty() ? "" : ", ") + std::to_string(code) + " x" + std::to_string(n);
  auto all = run({vs::itest::voipscopeBinary(), "calls", "--all", pcap});
  ASSERT_EQ(all.exit_code, 0) << all.all;
  const std::string line = "REGISTER accepted, then refused " + std::to_string(want.count) + " times from " + stamp;
  const auto at = all.out.find(line);
  ASSERT_NE(at, std::string::npos) << line << "\n" << all.out;
  const auto rest = all.out.substr(at + line.size(), all.out.find('\n', at) - at - line.size());
  EXPECT_NE(rest.find("Z (" + codes + "), not accepted again: a 401/407 after the credentials is a wrong user or password"),
            std::string::npos)
      << rest;
}

// Every corpus capture: per Call-ID, tshark's REGISTER final responses in frame order (one per CSeq and
// status: a retransmitted response once) give the refusals after the last 2xx, the first one's frame, and
// whether a 2xx came before; each leg's register_refused must say the same, and null where there are
// none. The corpus has real phones refused after they were accepted (a Nero SIPPS phone in
// irontec_sngrep/aaa.pcap gets 401 to its credentials after a 200), refused before they were accepted,
// and refreshes challenged and then accepted.
TEST(CallsRegisterRefused, EveryCorpusRegistrationMatchesTsharksRegisterFinals) {
  if (!vs::itest::haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  std::size_t with_finals = 0, refused_after = 0, refused_never = 0, findings = 0;
  for (const auto& p : vs::test::corpusCaptures()) {
    SCOPED_TRACE(p.string());
    const auto runs = tsharkRegisterRuns(p.string());
    with_finals += runs.size();
    auto j = run({vs::itest::voipscopeBinary(), "calls", "--all", "--json", p.string()}, 120s);
    ASSERT_TRUE(j.exit_code == 0 || j.exit_code == 1) << j.all;
    const auto doc = nlohmann::json::parse(j.out);
    std::map<std::string, int> legs_of;
    for (const auto& call : doc["calls"]) {
      for (const auto& leg : call["legs"]) {
        const auto cid = leg["call_id"].get<std::string>();
        ++legs_of[cid];
        auto it = runs.find(cid);
        const TsharkRegisterRun none;
        const auto& want = it == runs.end() ? none : it->second;
        expectRefusals(leg["register_refused"], want, cid);
        const bool finding = want.count >= 2 && leg["kind"].get<std::string>().starts_with("non-call");
        const auto& kinds = leg["findings"];
        EXPECT_EQ(std::find(kinds.begin(), kinds.end(), "register_refused") != kinds.end(), finding) << cid;
        if (want.count >= 2) ++(want.after_accepted ? refused_after : refused_never);
        findings += finding ? 1 : 0;
      }
    }
    // One leg per Call-ID with REGISTER finals: the comparison above is of whole Call-IDs.
    for (const auto& [cid, r] : runs) EXPECT_EQ(legs_of[cid], 1) << cid;
  }
  EXPECT_GE(with_finals, 5U);
  EXPECT_GE(refused_after, 1U);
  EXPECT_GE(findings, 1U);
  std::printf("corpus: %zu Call-IDs with REGISTER finals, refused after a 2xx %zu, never accepted %zu\n", with_finals,
              refused_after, refused_never);
}

}  // namespace
