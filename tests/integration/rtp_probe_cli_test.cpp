// `voipscope reflect` and `voipscope rtp probe` as processes: tshark as the reference for the jitter,
// exit codes for an absent reflector and for bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "harness.h"
#include "io/capture_reader.h"

namespace vs::itest {
namespace {

using nlohmann::json;

struct TsharkStream {
  int srcPort = 0;
  std::uint64_t packets = 0;
  double maxDelta = -1, meanJitter = -1, maxJitter = -1;
};

// Rows of `tshark -z rtp,streams`: ... SrcIP SrcPort DstIP DstPort SSRC Payload Pkts Lost (pct) MinDelta
// MeanDelta MaxDelta MinJitter MeanJitter MaxJitter [Problems]
std::vector<TsharkStream> parseRtpStreams(const std::string& text) {
  std::vector<TsharkStream> out;
  std::istringstream in(text);
  std::string line;
  const std::regex row(R"(^\s*[\d.]+\s+[\d.]+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+0x[0-9A-Fa-f]+\s+\S+\s+(\d+)\s+-?\d+\s+\([^)]*\)\s+)"
                       R"(([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+))");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    TsharkStream s;
    s.srcPort = std::stoi(m[1]);
    s.packets = std::stoull(m[2]);
    s.maxDelta = std::stod(m[5]);
    s.meanJitter = std::stod(m[7]);
    s.maxJitter = std::stod(m[8]);
    out.push_back(s);
  }
  return out;
}

// Complete packet records tcpdump has written to `file` so far (a record still being written ends the count).
std::size_t recordsIn(const std::string& file) {
  auto reader = vs::io::CaptureReader::open(file);
  if (!reader) return 0;  // not even the file header yet
  vs::proto::pkt::Record rec;
  while (true) {
    auto got = (*reader)->next(rec);
    if (!got || !*got) return (*reader)->frames();
  }
}

std::uint16_t startReflector(Process& p) {
  auto m = p.waitForLine(std::regex(R"re("port":(\d+))re"), 10s);
  return m ? static_cast<std::uint16_t>(std::stoi((*m)[1])) : 0;
}

TEST(RtpProbeCli, ReturnJitterEqualsTsharksOnACaptureOfTheSameStream) {
  if (!haveProgram("tcpdump") || !haveProgram("tshark")) GTEST_SKIP() << "needs tcpdump and tshark";
  Process reflect({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--port", "0", "--duration", "60"});
  const auto port = startReflector(reflect);
  ASSERT_NE(port, 0) << reflect.output();
  TempDir dir;
  const auto pcap = dir.file("probe.pcap");
  // Bounded capture: only this reflector's port, at most 2000 packets, nanosecond timestamps, each packet
  // handed to tcpdump as it comes (no 1 s buffering in the kernel) and written at once.
  Process dump({"tcpdump", "-i", "lo", "-U", "--immediate-mode", "-c", "2000", "--time-stamp-precision=nano", "-w",
                pcap, "udp port " + std::to_string(port)});
  if (!dump.waitForLine(std::regex("listening on"), 10s)) GTEST_SKIP() << "tcpdump cannot capture: " << dump.output();
  auto probe = run({voipscopeBinary(), "rtp", "probe", "127.0.0.1:" + std::to_string(port), "--duration", "4",
                    "--json"},
                   60s);
  ASSERT_EQ(probe.exit_code, 0) << probe.all;
  auto j = json::parse(probe.out);
  // tcpdump stops at SIGTERM without writing what it has not read yet; on a loaded machine that was the
  // tail of the return stream. So it is stopped only once every media packet is in the file (10 s at most).
  const auto media = j["forward"]["sent"].get<std::size_t>() + j["return"]["received"].get<std::size_t>();
  for (auto until = std::chrono::steady_clock::now() + 10s;
       recordsIn(pcap) < media && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(50ms);
  }
  dump.terminate();
  auto ts = run({"tshark", "-r", pcap, "-q", "-o", "rtp.heuristic_rtp:TRUE", "-z", "rtp,streams"}, 60s);
  // The two media streams; the final report request and its answer carry their own SSRCs, so tshark
  // either leaves them out or lists them as one-packet streams: never inside the media streams.
  auto all = parseRtpStreams(ts.out);
  std::vector<TsharkStream> streams;
  for (const auto& st : all) {
    if (st.packets > 1) streams.push_back(st);
  }
  ASSERT_EQ(streams.size(), 2U) << ts.all;
  const auto& back = streams[0].srcPort == port ? streams[0] : streams[1];
  const auto& fwd = streams[0].srcPort == port ? streams[1] : streams[0];
  ASSERT_EQ(back.srcPort, port);
  // Same packets on both sides.
  EXPECT_EQ(back.packets, j["return"]["received"].get<std::uint64_t>());
  EXPECT_EQ(fwd.packets, j["forward"]["sent"].get<std::uint64_t>());
  // Tolerance 0.002 ms: tshark prints three decimals (+-0.0005 ms), and its capture timestamp is taken at
  // the loopback tap while voipscope's is the socket's receive timestamp of the same packet, microseconds
  // apart at most. Anything beyond that would be a different formula, not rounding.
  EXPECT_NEAR(j["return"]["jitter_mean_ms"].get<double>(), back.meanJitter, 0.002) << ts.out;
  EXPECT_NEAR(j["return"]["jitter_max_ms"].get<double>(), back.maxJitter, 0.002) << ts.out;
  EXPECT_NEAR(j["return"]["max_delta_ms"].get<double>(), back.maxDelta, 0.002) << ts.out;
  // The forward figures come from the reflector's socket: the same comparison holds.
  EXPECT_NEAR(j["forward"]["jitter_mean_ms"].get<double>(), fwd.meanJitter, 0.002) << ts.out;
  EXPECT_NEAR(j["forward"]["jitter_max_ms"].get<double>(), fwd.maxJitter, 0.002) << ts.out;
}

TEST(RtpProbeCli, NoReflectorIsExit4WithAClearMessage) {
  const auto port = freeUdpAndTcpPort();
  auto r = run({voipscopeBinary(), "rtp", "probe", "127.0.0.1:" + std::to_string(port), "--duration", "0.3",
                "--linger", "200"},
               60s);
  EXPECT_EQ(r.exit_code, 4) << r.all;
  EXPECT_NE(r.all.find("voipscope rtp probe: no reply from a reflector at 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << r.all;
}

TEST(RtpProbeCli, BadArgumentsAreExit3) {
  for (std::vector<std::string> args : {std::vector<std::string>{"127.0.0.1", "--codec", "speex"},
                                        {"127.0.0.1", "--dscp", "64"},
                                        {"127.0.0.1", "--ptime", "0"},
                                        {"sip:127.0.0.1"},
                                        {"127.0.0.1", "--jitter-buffer", "fixed:abc"},
                                        {"127.0.0.1", "--spin-us", "5000"}}) {
    std::vector<std::string> argv = {voipscopeBinary(), "rtp", "probe"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv, 30s);
    EXPECT_EQ(r.exit_code, 3) << args[0] << " " << (args.size() > 1 ? args[1] : "") << "\n" << r.all;
  }
  auto bad = run({voipscopeBinary(), "reflect", "--bind", "not-an-address", "--duration", "1"}, 30s);
  EXPECT_EQ(bad.exit_code, 4) << bad.all;
  EXPECT_NE(bad.all.find("bad bind address"), std::string::npos) << bad.all;
}

TEST(RtpProbeCli, SecretFromTheEnvironmentOnBothEnds) {
  Process reflect({voipscopeBinary(), "reflect", "--bind", "127.0.0.1", "--port", "0", "--duration", "60"},
                  {"VOIPSCOPE_REFLECT_SECRET=correct horse"});
  const auto port = startReflector(reflect);
  ASSERT_NE(port, 0) << reflect.output();
  const auto target = "127.0.0.1:" + std::to_string(port);
  auto ok = run({voipscopeBinary(), "rtp", "probe", target, "--duration", "0.5", "--json"}, 60s,
                {"VOIPSCOPE_REFLECT_SECRET=correct horse"});
  ASSERT_EQ(ok.exit_code, 0) << ok.all;
  auto j = json::parse(ok.out);
  EXPECT_EQ(j["forward"]["received"].get<int>(), 25);
  EXPECT_EQ(j["return"]["received"].get<int>(), 25);
  auto wrong = run({voipscopeBinary(), "rtp", "probe", target, "--duration", "0.2", "--linger", "200", "--secret",
                    "battery staple"},
                   60s);
  EXPECT_EQ(wrong.exit_code, 4) << wrong.all;
}

}  // namespace
}  // namespace vs::itest
