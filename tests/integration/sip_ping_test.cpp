// `voipscope sip ping` against real peers on loopback: Kamailio (UDP, TCP), SIPp UAS scenarios
// (tests/integration/sipp/*.xml: drops, late answers, rewritten headers, 403/501), IPv6 on ::1, and bad
// input (unresolvable name, refused TCP, garbage / 64 kB / Call-ID-less replies). Assertions are exact
// counts; every run is bounded by -c, and by run()'s deadline.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "harness.h"
#include "sipp_harness.h"

namespace vs::itest {
namespace {

struct Counts {
  int sent = -1, received = -1, lost = -1, late = -1;
};

Counts summaryCounts(const std::string& out) {
  std::smatch m;
  Counts c;
  static const std::regex re(R"((\d+) sent, (\d+) received, (\d+) lost \([^)]*\), (\d+) late\n)");
  if (std::regex_search(out, m, re)) {
    c.sent = std::stoi(m[1]);
    c.received = std::stoi(m[2]);
    c.lost = std::stoi(m[3]);
    c.late = std::stoi(m[4]);
  }
  return c;
}

RunResult ping(const std::vector<std::string>& args) {
  return run(concat({voipscopeBinary(), "sip", "ping"}, args), 30s);
}

TEST(SipPingKamailio, UdpCsvMatchesSummary) {
  if (!haveProgram("kamailio")) GTEST_SKIP() << "kamailio not installed";
  TempDir dir;
  Kamailio kam(dir);
  ASSERT_TRUE(kam.ready()) << kam.log();
  auto csv = dir.file("ping.csv");
  auto r = ping({"127.0.0.1:" + std::to_string(kam.port()), "-c", "20", "-I", "50", "-w", csv});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.sent, 20);
  EXPECT_EQ(c.received, 20);
  EXPECT_EQ(c.lost, 0);

  auto rows = fileLines(csv);
  ASSERT_EQ(rows.size(), 21u) << "header + one row per ping";
  EXPECT_EQ(rows[0], "time,unix_timestamp,responding_host,latency_ms,call_id,status_line,transport,target");
  int received = 0, dropped = 0;
  std::set<std::string> call_ids;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto f = csvFields(rows[i]);
    ASSERT_EQ(f.size(), 8u) << rows[i];
    if (f[3] == "drop") {
      ++dropped;
    } else {
      ++received;
      EXPECT_GE(std::stod(f[3]), 0.0);
      EXPECT_EQ(f[2], "127.0.0.1:" + std::to_string(kam.port()));
      EXPECT_EQ(f[5], "SIP/2.0 200 OK");
    }
    EXPECT_EQ(f[6], "udp");
    call_ids.insert(f[4]);
  }
  EXPECT_EQ(received, c.received);
  EXPECT_EQ(dropped, c.lost);
  EXPECT_EQ(call_ids.size(), 20u) << "a fresh Call-ID per ping";
}

TEST(SipPingKamailio, TcpOneConnection) {
  if (!haveProgram("kamailio")) GTEST_SKIP() << "kamailio not installed";
  TempDir dir;
  Kamailio kam(dir);
  ASSERT_TRUE(kam.ready()) << kam.log();
  auto r = ping({"127.0.0.1:" + std::to_string(kam.port()), "--transport", "tcp", "-c", "10", "-I", "50", "-w", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.received, 10);
  EXPECT_NE(r.out.find("connections: 1 (0 reconnects"), std::string::npos) << r.out;
}

TEST(SipPingSipp, DropsEveryFifthPing) {
  if (!haveProgram("sipp")) GTEST_SKIP() << "sipp not installed";
  SippUas uas("drop_every_5th.xml");
  ASSERT_TRUE(uas.ready()) << uas.log();
  TempDir dir;
  auto jsonl = dir.file("ping.jsonl");
  auto r = ping({"127.0.0.1:" + std::to_string(uas.port()), "-c", "12", "-I", "40", "-t", "300", "--jsonl", jsonl});
  ASSERT_EQ(r.exit_code, 1) << r.all;  // some lost
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.sent, 12);
  EXPECT_EQ(c.received, 10);
  EXPECT_EQ(c.lost, 2);  // pings 5 and 10
  EXPECT_EQ(c.late, 0);
  // Runs {5} and {10}, each ended by the next ping's answer.
  EXPECT_NE(r.out.find("loss runs: longest 1, last 1, current 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outages: 2"), std::string::npos);
  EXPECT_NE(r.out.find("1 lost from #5\n"), std::string::npos);
  EXPECT_NE(r.out.find("1 lost from #10\n"), std::string::npos);
  // An outage's end is the send time of the next answered ping: both ends are printed to the ms.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\d\d:\d\d:\d\d\.\d{3}Z -> \d{4}-.*T\d\d:\d\d:\d\d\.\d{3}Z  1 lost from #5)")));

  auto rows = fileLines(jsonl);
  ASSERT_EQ(rows.size(), 12u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto j = nlohmann::json::parse(rows[i]);
    EXPECT_EQ(j["seq"], i + 1);
    bool dropped = (i + 1) % 5 == 0;
    EXPECT_EQ(j["received"], !dropped) << rows[i];
    if (!dropped) {
      EXPECT_EQ(j["status_code"], 200);
    }
  }
}

TEST(SipPingSipp, LateAnswersAreLateNotReceived) {
  if (!haveProgram("sipp")) GTEST_SKIP() << "sipp not installed";
  SippUas uas("answer_late.xml");  // answers after 400 ms
  ASSERT_TRUE(uas.ready()) << uas.log();
  // Timeout 300 ms: every answer is late; the run waits one more timeout after the last ping for its reply.
  auto r = ping({"127.0.0.1:" + std::to_string(uas.port()), "-c", "5", "-I", "40", "-t", "300", "-w", "-"});
  ASSERT_EQ(r.exit_code, 2) << r.all;  // all lost
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.sent, 5);
  EXPECT_EQ(c.received, 0);
  EXPECT_EQ(c.lost, 5);
  EXPECT_EQ(c.late, 5);
  EXPECT_NE(r.out.find("loss runs: longest 5, last 0, current 5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("5 lost from #1"), std::string::npos);
}

TEST(SipPingSipp, RewrittenHeadersReportedOnce) {
  if (!haveProgram("sipp")) GTEST_SKIP() << "sipp not installed";
  SippUas uas("rewrite_headers.xml");
  ASSERT_TRUE(uas.ready()) << uas.log();
  auto r = ping({"127.0.0.1:" + std::to_string(uas.port()), "-c", "4", "-I", "40", "-t", "500", "-w", "-", "-X"});
  ASSERT_EQ(r.exit_code, 0) << r.all;  // the branch is kept, so every reply still matches its ping
  EXPECT_EQ(summaryCounts(r.out).received, 4);
  EXPECT_NE(r.out.find("header rewrites: 2\n"), std::string::npos) << r.out;
  // Each header reported once, during the run and in the summary: 2 occurrences each.
  auto occurrences = [&](const std::string& s) {
    std::size_t n = 0;
    for (auto p = r.out.find(s); p != std::string::npos; p = r.out.find(s, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(occurrences(": Via (ping #1)"), 2u);
  EXPECT_EQ(occurrences(": From (ping #1)"), 2u);
  EXPECT_EQ(occurrences(": To (ping"), 0u);
  EXPECT_EQ(occurrences(": Call-ID (ping"), 0u);
  EXPECT_EQ(occurrences(": CSeq (ping"), 0u);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(- sent     Via: 127\.0\.0\.1:\d+;branch=z9hG4bK)")));
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\+ received Via: 192\.0\.2\.55:5999;branch=z9hG4bK)")));
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\+ received From: sip:voipscope@127\.0\.0\.1;tag=alg-rewritten)")));
}

TEST(SipPingSipp, ForbiddenAndNotImplementedCountAsReplies) {
  if (!haveProgram("sipp")) GTEST_SKIP() << "sipp not installed";
  SippUas uas("reject_403_501.xml");
  ASSERT_TRUE(uas.ready()) << uas.log();
  TempDir dir;
  auto csv = dir.file("ping.csv");
  auto r = ping({"127.0.0.1:" + std::to_string(uas.port()), "-c", "6", "-I", "40", "-t", "500", "-w", csv});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(summaryCounts(r.out).received, 6);
  auto rows = fileLines(csv);
  ASSERT_EQ(rows.size(), 7u);
  int forbidden = 0, not_implemented = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto f = csvFields(rows[i]);
    ASSERT_EQ(f.size(), 8u);
    forbidden += f[5] == "SIP/2.0 403 Forbidden";
    not_implemented += f[5] == "SIP/2.0 501 Not Implemented";
  }
  EXPECT_EQ(forbidden, 3);  // odd CSeq
  EXPECT_EQ(not_implemented, 3);
}

TEST(SipPingSipp, Ipv6Loopback) {
  if (!haveProgram("sipp")) GTEST_SKIP() << "sipp not installed";
  if (!haveIpv6Loopback()) GTEST_SKIP() << "::1 is not available here";
  SippUas uas("reject_403_501.xml", "::1");
  ASSERT_TRUE(uas.ready()) << uas.log();
  auto r = ping({"[::1]:" + std::to_string(uas.port()), "-6", "-c", "4", "-I", "40", "-t", "500", "-w", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(summaryCounts(r.out).received, 4);
  EXPECT_NE(r.out.find("([::1]:" + std::to_string(uas.port()) + ")"), std::string::npos) << r.out;
}

TEST(SipPingBadInput, UnresolvableTargetIsOneLineRuntimeError) {
  std::uint16_t no_dns = freeUdpAndTcpPort();  // nothing answers DNS there: refused at once
  auto r = ping({"sbc.voipscope.test", "-c", "2", "-w", "-", "--dns-server", "127.0.0.1:" + std::to_string(no_dns)});
  EXPECT_EQ(r.exit_code, 4) << r.all;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(std::count(r.all.begin(), r.all.end(), '\n'), 1) << r.all;
  EXPECT_EQ(r.all.rfind("voipscope sip ping: sbc.voipscope.test", 0), 0u) << r.all;
}

TEST(SipPingBadInput, UsageErrors) {
  EXPECT_EQ(ping({"sip:sbc.example.com;transport=sctp", "-w", "-"}).exit_code, 3);
  EXPECT_EQ(ping({"127.0.0.1", "--transport", "sctp", "-w", "-"}).exit_code, 3);
  EXPECT_EQ(ping({"sips:127.0.0.1", "--insecure", "--ca-file", "x.pem", "-w", "-"}).exit_code, 3);
  EXPECT_EQ(ping({"127.0.0.1", "--dscp", "64", "-w", "-"}).exit_code, 3);
  EXPECT_EQ(ping({"-w", "-"}).exit_code, 3);
}

TEST(SipPingBadInput, RefusedTcpEveryPingLostWithReason) {
  std::uint16_t closed = freeUdpAndTcpPort();
  auto r = ping({"127.0.0.1:" + std::to_string(closed), "--transport", "tcp", "-c", "4", "-I", "50", "-t", "300",
                 "-w", "-"});
  ASSERT_EQ(r.exit_code, 2) << r.all;
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.sent, 4);
  EXPECT_EQ(c.lost, 4);
  std::size_t refused = 0;
  for (auto p = r.out.find("connection refused\n"); p != std::string::npos; p = r.out.find("connection refused\n", p + 1)) {
    ++refused;
  }
  EXPECT_EQ(refused, 4u) << r.out;
}

TEST(SipPingBadInput, GarbageHugeAndCallIdlessRepliesAreCounted) {
  // Per ping, by CSeq mod 4: 1 garbage bytes, 2 a 64 kB blob, 3 a response without Call-ID, 0 a real 200.
  ScriptedUdpResponder responder([](const std::string& request, std::uint32_t cseq) -> std::vector<std::string> {
    switch (cseq % 4) {
      case 1: return {std::string("\x00\xff garbage \r\n\r\n", 16)};
      case 2: return {"SIP/2.0 200 OK\r\nX-Pad: " + std::string(64000, 'A')};
      case 3: {
        auto ok = okResponse(request);
        auto at = ok.find("Call-ID:");
        return {ok.erase(at, ok.find("\r\n", at) + 2 - at)};
      }
      default: return {okResponse(request)};
    }
  });
  ASSERT_NE(responder.port(), 0);
  auto r = ping({"127.0.0.1:" + std::to_string(responder.port()), "-c", "8", "-I", "40", "-t", "300", "-w", "-"});
  ASSERT_EQ(r.exit_code, 1) << r.all;
  auto c = summaryCounts(r.out);
  EXPECT_EQ(c.sent, 8);
  EXPECT_EQ(c.received, 2);  // pings 4 and 8
  EXPECT_EQ(c.lost, 6);
  EXPECT_NE(r.out.find("ignored: 6 unparseable, 0 unmatched"), std::string::npos) << r.out;
  EXPECT_EQ(responder.requests(), 8);
}

}  // namespace
}  // namespace vs::itest
