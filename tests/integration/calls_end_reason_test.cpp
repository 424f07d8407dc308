// Why a call ended, as its peers said it (RFC 3326 Reason: "Q.850;cause=16", "SIP;cause=200"): each leg's
// end_reason in `voipscope calls --json --all` against the Reason header tshark decodes in the message
// that ended the leg, on every corpus capture: the first BYE of a completed leg, the first CANCEL of a
// cancelled one, the last final response to the INVITE of a rejected one.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using namespace vs::itest;
using namespace std::chrono_literals;

struct Ending {
  bool bye = false, cancel = false, rejected = false;  // whether tshark saw such a message
  std::string bye_reason, cancel_reason, rejected_reason;
  int last_final = 0;  // status of the last final response of any method
};

// Call-ID -> the Reason of each kind of ending message, from tshark's decode. Several Reason headers in one
// message come as one field joined by ',' (tshark's aggregator); voipscope joins them with ", ".
std::map<std::string, Ending> tsharkEndings(const fs::path& file) {
  auto r = run({"tshark", "-r", file.string(), "-d", "tcp.port==6060,sip", "-Y", "sip", "-T", "fields", "-E",
                "occurrence=a", "-E", "aggregator=|", "-e", "sip.Call-ID", "-e", "sip.Method", "-e",
                "sip.Status-Code", "-e", "sip.CSeq.method", "-e", "sip.Reason"},
               120s);
  std::map<std::string, Ending> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    auto f = tabFields(line);
    if (f.size() < 5 || f[0].empty() || f[0].find('|') != std::string::npos) continue;  // one message per frame
    std::string reason;
    for (char c : f[4]) reason += c == '|' ? std::string(", ") : std::string(1, c);
    auto& e = out[f[0]];
    if (f[1] == "BYE" && !e.bye) {
      e.bye = true;
      e.bye_reason = reason;
    } else if (f[1] == "CANCEL" && !e.cancel) {
      e.cancel = true;
      e.cancel_reason = reason;
    } else if (f[1].empty() && f[3] == "INVITE" && !f[2].empty() && std::stoi(f[2]) >= 300) {
      e.rejected = true;
      e.rejected_reason = reason;  // the last one wins
    }
    if (f[1].empty() && !f[2].empty() && std::stoi(f[2]) >= 200) e.last_final = std::stoi(f[2]);
  }
  return out;
}

TEST(CallsEndReason, EveryEndedLegCarriesTheReasonTsharkDecodesInItsEndingMessage) {
  if (!haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  std::size_t files = 0, compared = 0, with_reason = 0;
  for (const auto& p : vs::test::corpusCaptures()) {
    SCOPED_TRACE(p.string());
    ++files;
    const auto endings = tsharkEndings(p);
    auto r = run({voipscopeBinary(), "calls", "--all", "--json", p.string()}, 120s);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.all;
    auto doc = nlohmann::json::parse(r.out);
    for (const auto& call : doc["calls"]) {
      for (const auto& leg : call["legs"]) {
        if (leg["state"].is_null()) continue;
        const auto id = leg["call_id"].get<std::string>();
        const auto state = leg["state"].get<std::string>();
        const std::string got = leg["end_reason"].is_null() ? "" : leg["end_reason"].get<std::string>();
        if (state != "COMPLETED" && state != "CANCELLED" && state != "REJECTED") {
          EXPECT_EQ(got, "") << id << " " << state << ": a leg that has not ended has no end reason";
          continue;
        }
        auto it = endings.find(id);
        if (it == endings.end()) continue;  // SIP tshark does not decode here (WebSocket, a port it skips)
        const auto& e = it->second;
        const bool seen = state == "COMPLETED" ? e.bye : state == "CANCELLED" ? e.cancel : state == "REJECTED" && e.rejected;
        const std::string want = state == "COMPLETED"   ? e.bye_reason
                                 : state == "CANCELLED" ? e.cancel_reason
                                                        : e.rejected_reason;
        if (!seen) continue;  // its ending message is one tshark does not decode
        EXPECT_EQ(got, want) << id << " " << state;
        ++compared;
        if (!want.empty()) ++with_reason;
      }
    }
  }
  EXPECT_GE(files, 20U);
  EXPECT_GE(compared, 30U);
  // The corpus has Reason headers on BYEs (Q.850 cause 16) and on rejections (Q.850 cause 21) over UDP, TCP
  // and SCTP: each must have been compared, not only legs without one.
  EXPECT_GE(with_reason, 5U);
}

// A leg's last_final_status (what the table shows for a REGISTER or OPTIONS leg: "REGISTER 403") is the
// status of the last final response tshark decodes for its Call-ID, on every corpus capture.
TEST(CallsEndReason, LastFinalStatusIsTsharksLastFinalResponse) {
  if (!haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  std::size_t compared = 0, non_call = 0;
  for (const auto& p : vs::test::corpusCaptures()) {
    SCOPED_TRACE(p.string());
    const auto endings = tsharkEndings(p);
    auto r = run({voipscopeBinary(), "calls", "--all", "--json", p.string()}, 120s);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.all;
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& call : doc["calls"]) {
      for (const auto& leg : call["legs"]) {
        auto it = endings.find(leg["call_id"].get<std::string>());
        if (it == endings.end()) continue;  // SIP tshark does not decode here
        const int got = leg["last_final_status"].is_null() ? 0 : leg["last_final_status"].get<int>();
        EXPECT_EQ(got, it->second.last_final) << leg["call_id"];
        ++compared;
        if (leg["state"].is_null() && got != 0) ++non_call;
      }
    }
  }
  EXPECT_GE(compared, 40U);
  EXPECT_GE(non_call, 5U);  // REGISTER, OPTIONS, SUBSCRIBE legs with an answer
}

}  // namespace
