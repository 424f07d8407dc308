// StreamStats against hand-computed sequences, and against tshark's rtp,streams on a real capture.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "proto/rtp/rtp.h"
#include "proto/rtp/stream_stats.h"

namespace rtp = vs::proto::rtp;

TEST(StreamStats, CountsLossAcrossTheSequenceWrap) {
  rtp::StreamStats s;
  double t = 0;
  std::uint32_t ts = 0;
  // 65533, 65534, (65535 lost), 0, 1, (2, 3 lost), 4
  for (int seq : {65533, 65534, 0, 1, 4}) {
    s.add(static_cast<std::uint16_t>(seq), ts, 0, false, t);
    t += 0.02;
    ts += 160;
  }
  EXPECT_EQ(s.received(), 5U);
  EXPECT_EQ(s.expected(), 8);  // 65533 .. 65536+4
  EXPECT_EQ(s.lost(), 3);
  EXPECT_DOUBLE_EQ(s.lostFraction(), 3.0 / 8.0);
  EXPECT_EQ(s.duplicates(), 0U);
  EXPECT_EQ(s.outOfOrder(), 0U);
  EXPECT_EQ(s.highestExtendedSequence() & 0xFFFFU, 4U);
}

TEST(StreamStats, DuplicatesMakeLossNegativeAndLatePacketsCountAsOutOfOrder) {
  rtp::StreamStats s;
  // 10, 11, 13, 12 (late), 13 (duplicate), 14, 14 (duplicate)
  int i = 0;
  for (int seq : {10, 11, 13, 12, 13, 14, 14}) {
    s.add(static_cast<std::uint16_t>(seq), static_cast<std::uint32_t>(seq * 160), 0, false, 0.02 * i++);
  }
  EXPECT_EQ(s.received(), 7U);
  EXPECT_EQ(s.expected(), 5);
  EXPECT_EQ(s.lost(), -2);  // RFC 3550: expected - received, duplicates included
  EXPECT_DOUBLE_EQ(s.lostFraction(), 0.0);
  EXPECT_EQ(s.duplicates(), 2U);
  EXPECT_EQ(s.outOfOrder(), 1U);
}

TEST(StreamStats, LatePacketBeforeTheFirstAcrossTheWrapExtendsTheRange) {
  rtp::StreamStats s;
  s.add(0, 160, 0, false, 0.0);
  s.add(65535, 0, 0, false, 0.02);  // sent before 0, arrived after it
  s.add(1, 320, 0, false, 0.04);
  EXPECT_EQ(s.expected(), 3);
  EXPECT_EQ(s.lost(), 0);
  EXPECT_EQ(s.outOfOrder(), 1U);
}

TEST(StreamStats, Rfc3550JitterHandComputed) {
  // PCMU (8 kHz): timestamps 160 apart = 20 ms. Arrivals 0, 20, 45, 60 ms.
  //  pkt2: transit change |20 - 20| = 0           J = 0
  //  pkt3: |(45-20) - 20| = 5                     J = 5/16 = 0.3125
  //  pkt4: |(60-45) - 20| = 5                     J = (15*0.3125 + 5)/16 = 0.60546875
  rtp::StreamStats s;
  const double arrivals[] = {0.000, 0.020, 0.045, 0.060};
  for (int i = 0; i < 4; ++i) {
    s.add(static_cast<std::uint16_t>(100 + i), static_cast<std::uint32_t>(1000 + 160 * i), 0, false, arrivals[i]);
  }
  EXPECT_NEAR(s.jitterMs(), 0.60546875, 1e-9);
  EXPECT_NEAR(s.maxJitterMs(), 0.60546875, 1e-9);
  // Wireshark's running mean over the three packets after the first: (0 + 0.3125 + 0.60546875) / 3
  EXPECT_NEAR(s.meanJitterMs(), (0.3125 + 0.60546875) / 3, 1e-9);
  EXPECT_NEAR(s.maxDeltaMs(), 25.0, 1e-9);
  EXPECT_NEAR(s.minDeltaMs(), 15.0, 1e-9);
  // RFC 3550 A.8 units for an RTCP report: 0.60546875 ms * 8 = 4.84 -> 5
  EXPECT_EQ(s.jitterTimestampUnits(), 5U);
}

TEST(StreamStats, MarkerPacketUpdatesJitterButNotMaxOrDelta) {
  rtp::StreamStats s;
  s.add(1, 0, 0, false, 0.000);
  s.add(2, 160, 0, false, 0.020);
  // talkspurt start after a 1 s silence; the timestamp jumps too, so D = |1000 - 1000 - 8| = 8 ms
  s.add(3, 160 + 8000, 0, true, 1.028);
  EXPECT_NEAR(s.jitterMs(), 0.5, 1e-9);
  EXPECT_NEAR(s.maxJitterMs(), 0.0, 1e-9);  // marker packets are not "regular" for max/mean
  EXPECT_NEAR(s.maxDeltaMs(), 20.0, 1e-9);  // the 1008 ms gap is not a max delta
}

TEST(StreamStats, DynamicPayloadNeedsAClockRate) {
  rtp::StreamStats s;
  s.add(1, 0, 111, false, 0.000);
  s.add(2, 960, 111, false, 0.030);  // Opus 48 kHz, 20 ms of timestamp but 30 ms of arrival
  EXPECT_EQ(s.jitterMs(), 0.0);  // unknown rate: no jitter, like Wireshark
  rtp::StreamStats o;
  o.setClockRate(111, 48000);
  o.add(1, 0, 111, false, 0.000);
  o.add(2, 960, 111, false, 0.030);
  EXPECT_NEAR(o.jitterMs(), 10.0 / 16, 1e-9);
}

TEST(StreamStats, MemoryStaysBoundedOverManyLaps) {
  rtp::StreamStats s;
  std::uint32_t ts = 0;
  for (std::uint32_t i = 0; i < 3 * 65536 + 10; ++i, ts += 160) {
    s.add(static_cast<std::uint16_t>(i), ts, 0, false, i * 0.02);
  }
  EXPECT_EQ(s.expected(), 3 * 65536 + 10);
  EXPECT_EQ(s.lost(), 0);
  EXPECT_EQ(s.duplicates(), 0U);  // bits from earlier laps were cleared, not mistaken for duplicates
  EXPECT_NEAR(s.maxJitterMs(), 0.0, 1e-6);
}

// ---- against tshark on real captures ----
namespace {

struct Reference {
  double packets = -1, lost = -1, maxDelta = -1, meanJitter = -1, maxJitter = -1;
};

double jsonNumber(const std::string& text, std::size_t from, const std::string& key) {
  auto k = text.find("\"" + key + "\"", from);
  if (k == std::string::npos) return -1;
  auto colon = text.find(':', k);
  return std::stod(text.substr(colon + 1, 32));
}

// The first stream of the reference file written by tshark (make_reference.sh, rtp,streams).
Reference readReference(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto text = ss.str();
  const auto streams = text.find("\"streams\"");
  Reference r;
  if (streams == std::string::npos) return r;
  r.packets = jsonNumber(text, streams, "packets");
  r.lost = jsonNumber(text, streams, "lost");
  r.maxDelta = jsonNumber(text, streams, "max_delta_ms");
  r.meanJitter = jsonNumber(text, streams, "mean_jitter_ms");
  r.maxJitter = jsonNumber(text, streams, "max_jitter_ms");
  return r;
}

std::vector<std::byte> hexBytes(const std::string& hex) {
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Decoding captures is the capture layer's job; here tshark hands us arrival times and UDP payloads.
void compareWithTshark(const std::string& capture, const std::string& reference) {
  const std::string shared = VOIPSCOPE_SHARED_DIR;
  const auto pcap = shared + "/corpus/" + capture;
  const auto ref = shared + "/corpus/reference/" + reference;
  if (!std::filesystem::exists(pcap) || !std::filesystem::exists(ref)) GTEST_SKIP() << "no shared corpus";
  if (std::system("tshark --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no tshark";
  const auto cmd = "tshark -r '" + pcap + "' -o rtp.heuristic_rtp:TRUE -Y rtp -T fields -e frame.time_relative " +
                   "-e udp.payload 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  rtp::StreamStats s;
  std::uint32_t ssrc = 0;
  bool haveSsrc = false;
  char line[8192];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::istringstream ls(line);
    double t = 0;
    std::string hex;
    ls >> t >> hex;
    auto payload = hexBytes(hex);
    auto pkt = rtp::parseRtp(payload);
    ASSERT_TRUE(pkt.ok()) << pkt.error().message;
    if (!haveSsrc) {
      ssrc = pkt->header.ssrc;
      haveSsrc = true;
    }
    if (pkt->header.ssrc == ssrc) s.add(pkt->header, t);
  }
  pclose(p);
  const auto r = readReference(ref);
  ASSERT_GT(r.packets, 0);
  EXPECT_EQ(static_cast<double>(s.received()), r.packets);
  EXPECT_EQ(static_cast<double>(s.lost()), r.lost);
  // tshark prints three decimals
  EXPECT_NEAR(s.maxDeltaMs(), r.maxDelta, 0.0006);
  EXPECT_NEAR(s.maxJitterMs(), r.maxJitter, 0.0006);
  EXPECT_NEAR(s.meanJitterMs(), r.meanJitter, 0.0006);
}

}  // namespace

TEST(StreamStatsVsTshark, SippG711a) { compareWithTshark("SIPp_sipp/g711a.pcap", "SIPp_sipp/g711a.pcap.json"); }
TEST(StreamStatsVsTshark, Asterisk40msAlaw) {
  compareWithTshark("asterisk_testsuite/40msalaw.pcap", "asterisk_testsuite/40msalaw.pcap.json");
}
TEST(StreamStatsVsTshark, AsteriskCrash27382) {
  compareWithTshark("asterisk_testsuite/crash-27382.pcap", "asterisk_testsuite/crash-27382.pcap.json");
}
