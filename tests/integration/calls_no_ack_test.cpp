// "Calls drop after 30 seconds": the 200 OK's ACK never reaches the callee, which sends the 200 again and
// again and hangs up after 32 s. Here a SIPp UAC that never sends the ACK calls a SIPp UAS on loopback while
// tcpdump captures; tshark counts the UAS's resent 200s (sip.resend) and the ACKs (none). `calls` must give
// the leg unacked_2xx_resends equal to tshark's count and say so under the call, in the ladder and in the
// outcome line.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "integration/sipp_harness.h"

namespace {

using namespace std::chrono_literals;
using vs::itest::Process;
using vs::itest::run;
using vs::itest::TempDir;

TEST(CallsNoAck, ResentTwoHundredWithoutAckIsCountedAsTsharkSeesIt) {
  for (const char* tool : {"sipp", "tcpdump", "tshark"}) {
    if (!vs::itest::haveProgram(tool)) GTEST_SKIP() << tool << " missing";
  }
  TempDir dir;
  const auto uas_port = std::to_string(vs::itest::freeUdpAndTcpPort());
  const auto uac_port = std::to_string(vs::itest::freeUdpAndTcpPort());
  const auto pcap = (dir.path() / "noack.pcap").string();
  Process tcpdump({"timeout", "40", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-c", "200", "-w", pcap,
                   "udp and (port " + uas_port + " or port " + uac_port + ")"});
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  Process uas({"timeout", "30", "sipp", "-sf", vs::itest::sippScenario("uas_record_route.xml"), "-i", "127.0.0.1", "-p",
               uas_port, "-nostdin", "-m", "1"});
  std::this_thread::sleep_for(500ms);
  auto uac = run({"timeout", "20", "sipp", "-sf", vs::itest::sippScenario("uac_no_ack.xml"), "-i", "127.0.0.1", "-p",
                  uac_port, "-m", "1", "-nostdin", "-default_behaviors", "none", "127.0.0.1:" + uas_port},
                 30s);
  ASSERT_EQ(uac.exit_code, 0) << uac.all;
  std::this_thread::sleep_for(300ms);
  tcpdump.terminate();
  tcpdump.wait(10s);
  uas.terminate();

  // tshark: the resent 200s and the ACKs.
  auto t = run({"tshark", "-r", pcap, "-Y", "sip", "-T", "fields", "-E", "separator=,", "-e", "sip.Method", "-e",
                "sip.Status-Code", "-e", "sip.resend"});
  ASSERT_EQ(t.exit_code, 0) << t.all;
  int resent_200 = 0, acks = 0;
  std::istringstream in(t.out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("ACK,")) ++acks;
    if (line == ",200,1" || line == ",200,True") ++resent_200;
  }
  ASSERT_EQ(acks, 0) << t.out;
  ASSERT_GE(resent_200, 2) << "T1 = 500 ms: the 200 is resent at 0.5 s and 1.5 s within the UAC's 3 s\n" << t.out;

  auto j = run({vs::itest::voipscopeBinary(), "calls", "--json", pcap});
  ASSERT_EQ(j.exit_code, 0) << j.all;
  const auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["calls"].size(), 1U);
  const auto& leg = doc["calls"][0]["legs"][0];
  EXPECT_EQ(leg["unacked_2xx_resends"], resent_200) << leg.dump();
  EXPECT_EQ(leg["state"], "IN_CALL");
  EXPECT_EQ(leg["findings"], nlohmann::json::array({"no_ack"})) << leg.dump();

  const std::string note = "no ACK for the 2xx, sent " + std::to_string(resent_200) +
                           " more times: the callee gives up after 32 s (a NAT, firewall or proxy losing the ACK)";
  auto table = run({vs::itest::voipscopeBinary(), "calls", pcap});
  ASSERT_EQ(table.exit_code, 0) << table.all;
  EXPECT_NE(table.out.find("leg 1: " + note), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("; no ACK 1\n"), std::string::npos) << table.out;
  auto flow = run({vs::itest::voipscopeBinary(), "flow", pcap});
  ASSERT_EQ(flow.exit_code, 0) << flow.all;
  // The legend wraps at the terminal's width: the start of the note, on the line under the leg's ids.
  EXPECT_NE(flow.out.find("! no ACK for the 2xx, sent " + std::to_string(resent_200) + " more times:"),
            std::string::npos)
      << flow.out;
}

}  // namespace
