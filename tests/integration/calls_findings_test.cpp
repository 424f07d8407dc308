// Findings `calls` states under a call, each against ground truth:
// - SIP over UDP in IP fragments, on every corpus capture, against the messages tshark reassembled from
//   fragments (and the largest of them);
// - an INVITE that nothing answers, not even with 100 Trying: a SIPp UAC calling a loopback port where
//   nothing listens, the INVITEs counted by tshark;
// - no audio is not claimed for a leg whose media hosts the capture never saw: a real two-leg fax call
//   where only one leg's RTP was captured (the SIPp run that must be flagged is in flow_capture_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "integration/sipp_harness.h"
#include "support/corpus.h"

namespace {

using namespace std::chrono_literals;
using namespace vs::itest;

std::vector<std::string> fields(const std::string& line, char sep) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == sep) out.emplace_back();
    else out.back().push_back(c);
  }
  return out;
}

TEST(CallsFindings, UdpFragmentedSipIsCountedAsTsharkReassemblesIt) {
  if (!haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  std::size_t compared = 0, fragmented = 0;
  for (const auto& p : vs::test::corpusCaptures()) {
    SCOPED_TRACE(p.string());
    // Per Call-ID: SIP messages over UDP whose frame completed a reassembly of IP fragments, and the largest.
    auto t = run({"tshark", "-r", p.string(), "-Y", "sip and udp", "-T", "fields", "-E", "separator=\t", "-E",
                  "occurrence=f", "-e", "sip.Call-ID", "-e", "ip.fragments", "-e", "ipv6.fragments", "-e",
                  "udp.length"},
                 120s);
    std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> want;  // Call-ID -> (messages, max bytes)
    std::istringstream in(t.out);
    for (std::string line; std::getline(in, line);) {
      auto f = fields(line, '\t');
      if (f.size() < 4 || f[0].empty()) continue;
      auto& w = want[f[0]];
      if (f[1].empty() && f[2].empty()) continue;
      ++w.first;
      w.second = std::max(w.second, static_cast<std::uint32_t>(std::stoul(f[3]) - 8));  // UDP header
    }
    auto r = run({voipscopeBinary(), "calls", "--all", "--json", p.string()}, 120s);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.all;
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& call : doc["calls"]) {
      for (const auto& leg : call["legs"]) {
        auto it = want.find(leg["call_id"].get<std::string>());
        if (it == want.end()) continue;  // not SIP over UDP for tshark
        EXPECT_EQ(leg["udp_fragmented_messages"], it->second.first) << leg["call_id"];
        EXPECT_EQ(leg["udp_fragmented_max_bytes"], it->second.second) << leg["call_id"];
        const auto& kinds = leg["findings"];
        EXPECT_EQ(std::find(kinds.begin(), kinds.end(), "udp_fragments") != kinds.end(), it->second.first > 0)
            << leg.dump();
        ++compared;
        fragmented += it->second.first;
      }
    }
  }
  EXPECT_GE(compared, 30U);
  EXPECT_GE(fragmented, 2U);  // sngrep's ipv6frag.pcap: two INVITEs of 1 691 and 1 871 bytes
  // There the table says so under the call and counts the call in its outcome line.
  auto table = run({voipscopeBinary(), "calls", (vs::test::corpusDir() / "irontec_sngrep/ipv6frag.pcap").string()});
  ASSERT_EQ(table.exit_code, 0) << table.all;
  EXPECT_NE(table.out.find("leg 1: 2 SIP messages over UDP in IP fragments (up to 1871 bytes)"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("; SIP in IP fragments 1\n"), std::string::npos) << table.out;
}

TEST(CallsFindings, AnInviteNothingAnswersIsNamed) {
  for (const char* tool : {"sipp", "tcpdump", "tshark"}) {
    if (!haveProgram(tool)) GTEST_SKIP() << tool << " missing";
  }
  TempDir dir;
  const auto dead = std::to_string(freeUdpAndTcpPort());  // nothing listens here
  const auto uac_port = std::to_string(freeUdpAndTcpPort());
  const auto pcap = (dir.path() / "unanswered.pcap").string();
  Process tcpdump({"timeout", "30", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-c", "100", "-w", pcap,
                   "udp and port " + uac_port});
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  // T1 = 500 ms: the INVITE goes at 0, 0.5, 1.5 and 3.5 s; the UAC is stopped at 4 s.
  run({"timeout", "4", "sipp", "-sf", sippScenario("uac_no_ack.xml"), "-i", "127.0.0.1", "-p", uac_port, "-m", "1",
       "-nostdin", "127.0.0.1:" + dead},
      20s);
  std::this_thread::sleep_for(300ms);
  tcpdump.terminate();
  tcpdump.wait(10s);
  auto t = run({"tshark", "-r", pcap, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"});
  ASSERT_EQ(t.exit_code, 0) << t.all;
  long invites = 0;
  std::istringstream in(t.out);
  for (std::string line; std::getline(in, line);) invites += line.starts_with("INVITE\t") ? 1 : 0;
  ASSERT_GE(invites, 3) << t.out;
  ASSERT_EQ(t.out.find("\t1"), std::string::npos) << "no response at all\n" << t.out;
  ASSERT_EQ(t.out.find("\t2"), std::string::npos) << t.out;

  auto j = run({voipscopeBinary(), "calls", "--json", pcap});
  ASSERT_EQ(j.exit_code, 0) << j.all;
  const auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["calls"].size(), 1U);
  EXPECT_EQ(doc["calls"][0]["legs"][0]["findings"], nlohmann::json::array({"invite_unanswered"})) << j.out;

  auto table = run({voipscopeBinary(), "calls", pcap});
  ASSERT_EQ(table.exit_code, 0) << table.all;
  EXPECT_NE(table.out.find("leg 1: INVITE sent " + std::to_string(invites) +
                           " times, no answer at all (not even 100 Trying): 127.0.0.1:" + dead +
                           " unreachable or filtered"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("1 call: CALL_SETUP 1; answered 0 (ASR 0.0 %); INVITE unanswered 1\n"), std::string::npos)
      << table.out;
}

// A B2BUA's two legs, captured where only the first leg's media passes: tshark finds RTP in the capture,
// and not one packet to or from the media hosts the second leg's SDP named. That leg has no RTP, but the
// capture says nothing about its media, so no "no audio" may be claimed; the first leg is judged as usual.
TEST(CallsFindings, NoAudioIsNotClaimedWhereTheCaptureNeverSawTheLegsMediaHosts) {
  const auto pcap = vs::test::corpusDir() / "sipcapture_heplify" / "FAX-Call-t38-CA-TDM-SIP-FB-1.pcap";
  if (!std::filesystem::exists(pcap)) GTEST_SKIP() << pcap << " missing";
  auto sdp = run({"tshark", "-r", pcap.string(), "-Y", "sdp", "-T", "fields", "-E", "separator=/t", "-e", "sip.Call-ID",
                  "-e", "sdp.connection_info.address"});
  ASSERT_EQ(sdp.exit_code, 0) << sdp.all;
  std::map<std::string, std::set<std::string>> hosts;  // Call-ID -> SDP c= addresses
  std::istringstream in(sdp.out);
  for (std::string line; std::getline(in, line);) {
    auto f = fields(line, '\t');
    if (f.size() < 2 || f[0].empty()) continue;
    for (const auto& a : fields(f[1], ',')) hosts[f[0]].insert(a);
  }
  ASSERT_EQ(hosts.size(), 2U) << sdp.out;
  auto count = [&](const std::string& filter) {
    auto r = run({"tshark", "-r", pcap.string(), "-o", "rtp.heuristic_rtp:TRUE", "-Y", filter});
    return std::count(r.out.begin(), r.out.end(), '\n');
  };
  ASSERT_GT(count("rtp"), 1000);
  std::string uncaptured;  // the leg none of whose media hosts the capture has RTP (or any UDP) of
  for (const auto& [call_id, addrs] : hosts) {
    std::string filter = "udp && (";
    for (const auto& a : addrs) filter += (filter.back() == '(' ? "ip.addr == " : " || ip.addr == ") + a;
    if (count(filter + ") && !sip") == 0) uncaptured = call_id;
  }
  ASSERT_FALSE(uncaptured.empty());

  auto r = run({voipscopeBinary(), "calls", "--json", pcap.string()});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  const auto doc = nlohmann::json::parse(r.out);
  int judged = 0;
  for (const auto& call : doc["calls"]) {
    for (const auto& leg : call["legs"]) {
      if (leg["call_id"] == uncaptured) {
        EXPECT_EQ(leg["state"], "COMPLETED") << leg.dump();
        EXPECT_TRUE(leg["audio"].is_null()) << leg.dump();
        EXPECT_EQ(leg["findings"], nlohmann::json::array()) << leg.dump();
      } else {
        EXPECT_EQ(leg["audio"], "both") << leg.dump();  // tshark's two streams, one each way
      }
      ++judged;
    }
  }
  EXPECT_EQ(judged, 2);
}

}  // namespace
