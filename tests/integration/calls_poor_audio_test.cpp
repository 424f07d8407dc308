// Poor audio, injected: a SIPp UAC calls a SIPp UAS on loopback, and each plays 3 s of PCMU from a capture
// file this test writes (play_pcap_audio keeps the RTP sequence numbers). The caller's file lacks every
// 8th packet; the callee's is whole. tshark's rtp,streams on the capture of the call gives each stream's
// loss; `calls` must count the same loss, name the caller -> callee stream as poor audio with tshark's
// figures under the call and in the outcome tally, and say nothing of the callee -> caller stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "integration/sipp_harness.h"

namespace {

using namespace std::chrono_literals;
using vs::itest::Process;
using vs::itest::run;
using vs::itest::TempDir;

constexpr int kPackets = 150;  // 3 s of 20 ms
constexpr int kDropEvery = 8;  // the caller's file lacks packets 7, 15, 23, ... (0-based)

void le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFU));
}
void be16(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xFFU));
  out.push_back(static_cast<char>(v & 0xFFU));
}
void be32(std::string& out, std::uint32_t v) {
  be16(out, v >> 16);
  be16(out, v & 0xFFFFU);
}

// A pcap of PCMU packets 20 ms apart, sequence numbers from 1000, for SIPp's play_pcap_audio (which
// rewrites addresses and ports, and sends the RTP as it is).
std::string rtpPcap(std::uint32_t ssrc, int drop_every) {
  std::string out;
  le32(out, 0xa1b2c3d4);
  out.append("\x02\x00\x04\x00", 4);  // version 2.4, little-endian
  le32(out, 0);
  le32(out, 0);
  le32(out, 65535);
  le32(out, 1);  // Ethernet
  for (int i = 0; i < kPackets; ++i) {
    if (drop_every > 0 && i % drop_every == drop_every - 1) continue;
    std::string rtp;
    rtp.push_back(static_cast<char>(0x80));
    rtp.push_back(0);  // PT 0
    be16(rtp, static_cast<std::uint32_t>(1000 + i));
    be32(rtp, static_cast<std::uint32_t>(160 * i));
    be32(rtp, ssrc);
    rtp.append(160, '\xff');
    std::string udp;
    be16(udp, 6000);
    be16(udp, 6002);
    be16(udp, static_cast<std::uint32_t>(8 + rtp.size()));
    be16(udp, 0);
    udp += rtp;
    std::string ip{"\x45\x00", 2};
    be16(ip, static_cast<std::uint32_t>(20 + udp.size()));
    ip.append(std::string("\x00\x00\x00\x00\x40\x11\x00\x00\x7f\x00\x00\x01\x7f\x00\x00\x01", 16));
    ip += udp;
    std::string eth(12, '\0');
    eth.append("\x08\x00", 2);
    eth += ip;
    const auto t_us = std::uint64_t{1'000'000} + static_cast<std::uint64_t>(i) * std::uint64_t{20'000};
    le32(out, static_cast<std::uint32_t>(t_us / 1'000'000));
    le32(out, static_cast<std::uint32_t>(t_us % 1'000'000));
    le32(out, static_cast<std::uint32_t>(eth.size()));
    le32(out, static_cast<std::uint32_t>(eth.size()));
    out += eth;
  }
  return out;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct TsharkStream {
  int dst_port = 0;
  long packets = 0, lost = 0;
};

TEST(CallsPoorAudio, LossyStreamIsNamedWithTsharksLossAndTheCleanOneIsNot) {
  for (const char* tool : {"sipp", "tcpdump", "tshark"}) {
    if (!vs::itest::haveProgram(tool)) GTEST_SKIP() << tool << " missing";
  }
  TempDir dir;
  vs::itest::writeFile(dir.path() / "lossy.pcap", rtpPcap(0x1234abcd, kDropEvery));
  vs::itest::writeFile(dir.path() / "clean.pcap", rtpPcap(0x5678ef01, 0));
  {
    auto text = readFile(vs::itest::sippScenario("uac_rtp_via_proxy.xml"));
    text = std::regex_replace(text, std::regex(R"(<exec rtp_stream="silence.pcmu,1,0"/>)"),
                              R"(<exec play_pcap_audio="lossy.pcap"/>)");
    text = std::regex_replace(text, std::regex("<pause milliseconds=\"1200\"/>"), "<pause milliseconds=\"3300\"/>");
    ASSERT_NE(text.find("lossy.pcap"), std::string::npos);
    vs::itest::writeFile(dir.path() / "uac.xml", text);
    auto uas = readFile(vs::itest::sippScenario("uas_record_route.xml"));
    const std::regex ack(R"((<recv request="ACK"[^>]*>\s*</recv>))");
    ASSERT_TRUE(std::regex_search(uas, ack));
    uas = std::regex_replace(uas, ack, "$1\n  <nop><action><exec play_pcap_audio=\"clean.pcap\"/></action></nop>");
    // SIPp wants a mandatory message before an action.
    uas = std::regex_replace(uas, std::regex(R"(<recv request="ACK"\s+optional="true")"), R"(<recv request="ACK")");
    vs::itest::writeFile(dir.path() / "uas.xml", uas);
  }
  const auto s = [](std::uint16_t v) { return std::to_string(v); };
  const auto uas_port = vs::itest::freeUdpAndTcpPort(), uac_port = vs::itest::freeUdpAndTcpPort();
  const auto uas_media = vs::itest::freeUdpAndTcpPort(), uac_media = vs::itest::freeUdpAndTcpPort();
  const auto pcap = (dir.path() / "call.pcap").string();
  Process tcpdump({"timeout", "60", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-c", "2000", "-w", pcap,
                   "udp and (port " + s(uas_port) + " or port " + s(uac_port) + " or dst port " + s(uas_media) +
                       " or dst port " + s(uac_media) + ")"});
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  const auto cd = "cd '" + dir.path().string() + "' && exec timeout 40 sipp ";
  Process uas({"sh", "-c", cd + "-sf uas.xml -i 127.0.0.1 -p " + s(uas_port) + " -mp " + s(uas_media) + " -nostdin -m 1"});
  std::this_thread::sleep_for(500ms);
  auto uac = run({"sh", "-c", cd + "-sf uac.xml -i 127.0.0.1 -p " + s(uac_port) + " -mp " + s(uac_media) +
                                  " -m 1 -nostdin 127.0.0.1:" + s(uas_port)},
                 60s);
  ASSERT_EQ(uac.exit_code, 0) << uac.all << "\nuas: " << uas.output();
  std::this_thread::sleep_for(500ms);
  tcpdump.terminate();
  tcpdump.wait(10s);

  // tshark: each stream's packets and loss (the media ports decoded as RTP).
  auto t = run({"tshark", "-r", pcap, "-d", "udp.port==" + s(uas_media) + ",rtp", "-d",
                "udp.port==" + s(uac_media) + ",rtp", "-q", "-z", "rtp,streams"});
  ASSERT_EQ(t.exit_code, 0) << t.all;
  std::vector<TsharkStream> want;
  const std::regex row(R"(\s[\d.]+\s+[\d.]+\s+\S+\s+\d+\s+\S+\s+(\d+)\s+0x[0-9A-Fa-f]+\s+.*?\s(\d+)\s+(-?\d+) \()");
  std::istringstream in(t.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) want.push_back({std::stoi(m[1]), std::stol(m[2]), std::stol(m[3])});
  }
  ASSERT_EQ(want.size(), 2U) << t.out;
  const auto& forward = want[0].dst_port == uas_media ? want[0] : want[1];
  const auto& back = want[0].dst_port == uas_media ? want[1] : want[0];
  ASSERT_EQ(forward.dst_port, uas_media) << t.out;
  ASSERT_EQ(back.dst_port, uac_media) << t.out;
  ASSERT_EQ(forward.lost, kPackets / kDropEvery) << t.out;  // what the test left out
  ASSERT_EQ(back.lost, 0) << t.out;

  auto j = run({vs::itest::voipscopeBinary(), "calls", "--json", pcap});
  ASSERT_EQ(j.exit_code, 0) << j.all;
  const auto doc = nlohmann::json::parse(j.out);
  ASSERT_EQ(doc["calls"].size(), 1U) << j.out;
  const auto& leg = doc["calls"][0]["legs"][0];
  EXPECT_EQ(leg["findings"], nlohmann::json::array({"poor_audio"})) << leg.dump();
  ASSERT_EQ(leg["streams"].size(), 2U) << leg.dump();
  double forward_mos = 0;
  for (const auto& st : leg["streams"]) {
    const bool is_forward = st["dst"] == "127.0.0.1:" + s(uas_media);
    const auto& w = is_forward ? forward : back;
    EXPECT_EQ(st["packets"], w.packets) << st.dump();
    EXPECT_EQ(st["lost"], w.lost) << st.dump();
    ASSERT_TRUE(st["mos"].is_number()) << st.dump();
    if (is_forward) forward_mos = st["mos"].get<double>();
    EXPECT_EQ(st["mos"].get<double>() < 3.6, is_forward) << st.dump();
  }

  auto table = run({vs::itest::voipscopeBinary(), "calls", pcap});
  ASSERT_EQ(table.exit_code, 0) << table.all;
  const auto lost_pct = 100.0 * static_cast<double>(forward.lost) / static_cast<double>(forward.packets + forward.lost);
  char expect[200];
  std::snprintf(expect, sizeof expect, "leg 1: poor audio caller -> callee (PCMU): MOS %.2f, %.1f %% lost (%ld of %ld)",
                forward_mos, lost_pct, forward.lost, forward.packets + forward.lost);
  EXPECT_NE(table.out.find(expect), std::string::npos) << expect << "\n" << table.out;
  EXPECT_EQ(table.out.find("callee -> caller"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("; poor audio 1\n"), std::string::npos) << table.out;
  // CSV: the kinds in the last column.
  auto csv = run({vs::itest::voipscopeBinary(), "calls", "--csv", pcap});
  ASSERT_EQ(csv.exit_code, 0) << csv.all;
  EXPECT_NE(csv.out.find(",unacked_2xx_resends,findings\n"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",0,poor_audio\n"), std::string::npos) << csv.out;
}

}  // namespace
