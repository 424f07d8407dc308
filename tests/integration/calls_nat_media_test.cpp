// A phone behind a NAT that nothing fixes up writes its LAN address in its SDP while its SIP arrives from a
// public address. Here, in a network namespace of this test's own, a SIPp UAC at 198.18.0.1 calls a SIPp
// UAS at 198.18.0.2 (both on the namespace's loopback) with "c=IN IP4 10.1.1.5" in its offer, as such a
// phone would, and tcpdump captures it. tshark reads the INVITE's source and SDP address from the capture;
// `calls` must name the caller's private media address and its public SIP address, say nothing of the
// callee (whose SDP names its own public address), and judge the audio both ways (the UAS echoes to where
// the RTP came from, as symmetric RTP does).
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "integration/sipp_harness.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using vs::itest::Process;
using vs::itest::run;
using vs::itest::TempDir;

// One namespace with two public-looking test addresses on its loopback; deleted on destruction.
class TwoHostNamespace {
 public:
  TwoHostNamespace() {
    if (geteuid() != 0) {
      why_ = "network namespaces need root";
      return;
    }
    std::random_device rd;
    name_ = "vsnatsdp-" + std::to_string(getpid()) + "-" + std::to_string(rd() % 100000);
    if (auto r = run({"ip", "netns", "add", name_}, 10s); r.exit_code != 0) {
      why_ = "ip netns add not permitted here: " + r.all;
      name_.clear();
      return;
    }
    for (const auto& step : std::vector<std::vector<std::string>>{
             {"ip", "-n", name_, "link", "set", "lo", "up"},
             {"ip", "-n", name_, "addr", "add", "198.18.0.1/32", "dev", "lo"},
             {"ip", "-n", name_, "addr", "add", "198.18.0.2/32", "dev", "lo"}}) {
      if (auto r = run(step, 10s); r.exit_code != 0) {
        why_ = "namespace set-up failed: " + r.all;
        return;
      }
    }
    ok_ = true;
  }
  ~TwoHostNamespace() {
    if (!name_.empty()) run({"ip", "netns", "del", name_}, 10s);
  }
  TwoHostNamespace(const TwoHostNamespace&) = delete;
  TwoHostNamespace& operator=(const TwoHostNamespace&) = delete;
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  std::vector<std::string> in(std::vector<std::string> argv) const {
    std::vector<std::string> out{"ip", "netns", "exec", name_};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

 private:
  std::string name_, why_;
  bool ok_ = false;
};

TEST(CallsNatMedia, PrivateSdpAddressBehindAPublicSipAddressIsNamed) {
  for (const char* tool : {"sipp", "tcpdump", "tshark", "ip"}) {
    if (!vs::itest::haveProgram(tool)) GTEST_SKIP() << tool << " missing";
  }
  TwoHostNamespace ns;
  if (!ns.ok()) GTEST_SKIP() << ns.why();
  TempDir dir;
  // The UAC's offer names the phone's LAN address, not the address it sends from: 3 s of RTP, then BYE.
  {
    std::ifstream in(vs::itest::sippScenario("uac_rtp_via_proxy.xml"));
    std::stringstream xml;
    xml << in.rdbuf();
    std::string text = xml.str();
    text = std::regex_replace(text, std::regex(R"(c=IN IP\[media_ip_type\] \[media_ip\])"), "c=IN IP4 10.1.1.5");
    text = std::regex_replace(text, std::regex("silence.pcmu,1,0"), "silence.pcmu,3,0");
    text = std::regex_replace(text, std::regex("<pause milliseconds=\"1200\"/>"), "<pause milliseconds=\"3200\"/>");
    ASSERT_NE(text.find("c=IN IP4 10.1.1.5"), std::string::npos);
    vs::itest::writeFile(dir.path() / "uac.xml", text);
    vs::itest::writeFile(dir.path() / "silence.pcmu", std::string(8000, '\xff'));
  }
  const auto pcap = (dir.path() / "nat.pcap").string();
  Process tcpdump(ns.in({"timeout", "60", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-c", "3000", "-w",
                         pcap, "udp"}));
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  Process uas(ns.in({"timeout", "60", "sipp", "-sf", vs::itest::sippScenario("uas_record_route.xml"), "-i",
                     "198.18.0.2", "-p", "5060", "-mp", "16000", "-rtp_echo", "-nostdin", "-m", "1"}));
  std::this_thread::sleep_for(500ms);
  auto uac = run(ns.in({"sh", "-c",
                        "cd '" + dir.path().string() +
                            "' && exec timeout 40 sipp -sf uac.xml -i 198.18.0.1 -p 5070 -mp 17000 -m 1 -nostdin "
                            "198.18.0.2:5060"}),
                 60s);
  ASSERT_EQ(uac.exit_code, 0) << uac.all << "\nuas: " << uas.output();
  std::this_thread::sleep_for(500ms);
  tcpdump.terminate();
  tcpdump.wait(10s);

  // tshark: where the INVITE came from, and the address its SDP names.
  auto t = run({"tshark", "-r", pcap, "-Y", "sip.Method == \"INVITE\"", "-T", "fields", "-E", "separator=,", "-e",
                "ip.src", "-e", "sdp.connection_info.address"});
  ASSERT_EQ(t.exit_code, 0) << t.all;
  ASSERT_EQ(t.out.substr(0, t.out.find('\n')), "198.18.0.1,10.1.1.5") << t.out;

  auto j = run({vs::itest::voipscopeBinary(), "calls", "--json", pcap});
  ASSERT_EQ(j.exit_code, 0) << j.all;
  const auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["calls"].size(), 1U);
  const auto& leg = doc["calls"][0]["legs"][0];
  EXPECT_EQ(leg["caller"], "198.18.0.1:5070");
  EXPECT_EQ(leg["caller_private_media"], "10.1.1.5");
  EXPECT_TRUE(leg["callee_private_media"].is_null()) << leg.dump();
  EXPECT_EQ(leg["audio"], "both") << leg.dump();
  EXPECT_EQ(leg["findings"], nlohmann::json::array({"private_media"})) << leg.dump();

  auto table = run({vs::itest::voipscopeBinary(), "calls", pcap});
  ASSERT_EQ(table.exit_code, 0) << table.all;
  EXPECT_NE(table.out.find("leg 1: the caller's SDP names private address 10.1.1.5 but its SIP is at 198.18.0.1: "
                           "NAT not fixed up"),
            std::string::npos)
      << table.out;
  EXPECT_EQ(table.out.find("callee's SDP"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1 call: COMPLETED 1; answered 1 (ASR 100.0 %); private SDP behind NAT 1\n"),
            std::string::npos)
      << table.out;
}

}  // namespace
