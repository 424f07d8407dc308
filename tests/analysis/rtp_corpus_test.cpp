// RTP streams of every capture in the shared corpus against tshark 4.0.17's `-z rtp,streams` (run with
// rtp.heuristic_rtp:TRUE, see corpus/make_reference.py) and its rtpevent fields: per stream the SSRC,
// payload list, packets, lost, max delta, and mean/max jitter within 0.01 ms where tshark knew the clock
// rate (it prints 0 otherwise: not a reference); per DTMF event the RTP timestamp, event code, first frame
// and packet counts. MOS per stream is checked against a G.107 computation written out here from the
// standard (not the proto/quality code) with the stream's own loss and jitter.
// A difference is allowed only when listed in kExceptions with the reason voipscope is right.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace vs::analysis;

// (capture, SSRC or "*", field) -> why voipscope differs and is right.
const std::map<std::tuple<std::string, std::string, std::string>, std::string> kExceptions = {
    {{"sipcapture_heplify/rtp_rtcp_sip_ipv4_udp.pcap", "0x00002E3D", "tie"},
     "Negotiated by SDP inside MGCP (frames 2945/2946), which tshark follows; voipscope follows SIP SDP only "
     "and finds this stream by the heuristic, with the same figures."},
    {{"sipcapture_heplify/rtp_rtcp_sip_ipv4_udp.pcap", "*", "rtcp_count"},
     "28, not 26: frames 531 and 2646 (40379 -> 4801) are SR+RR+SDES compounds with 2 trailing zero bytes, the "
     "relayed copies of frames 529 and 2644, which tshark does decode as RTCP; on that port pair it shows "
     "them as 'data' while decoding the other compounds there (505, 1183, ...) as RTCP."},
    {{"sipcapture_heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "0x0EAF0EAF", "packets"},
     "Frames 3146/3147 are MEGACO (H.248) with SDP putting T.38 (image udptl) on 10.23.1.52:16756; tshark "
     "decodes the 2004 datagrams to that port after it as T.38. They are RTP: version 2, PT 8, 180-byte "
     "datagrams (12 + 160 bytes PCMA), SSRC 0x0EAF0EAF, sequence numbers continuing (frame 3148: 80 08 07 34 "
     "... 0e af 0e af). voipscope only follows SIP SDP and keeps counting them (3842 packets)."},
    {{"sipcapture_heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "0x0EAF0EAF", "lost"},
     "Frames 3146/3147 are MEGACO (H.248) with SDP putting T.38 (image udptl) on 10.23.1.52:16756; tshark "
     "decodes the 2004 datagrams to that port after it as T.38. They are RTP: version 2, PT 8, 180-byte "
     "datagrams (12 + 160 bytes PCMA), SSRC 0x0EAF0EAF, sequence numbers continuing (frame 3148: 80 08 07 34 "
     "... 0e af 0e af). voipscope only follows SIP SDP and keeps counting them (3842 packets)."},
    {{"sipcapture_heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "0x0EAF0EAF", "max_delta"},
     "Frames 3146/3147 are MEGACO (H.248) with SDP putting T.38 (image udptl) on 10.23.1.52:16756; tshark "
     "decodes the 2004 datagrams to that port after it as T.38. They are RTP: version 2, PT 8, 180-byte "
     "datagrams (12 + 160 bytes PCMA), SSRC 0x0EAF0EAF, sequence numbers continuing (frame 3148: 80 08 07 34 "
     "... 0e af 0e af). voipscope only follows SIP SDP and keeps counting them (3842 packets)."},
    {{"sipcapture_heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "0x0EAF0EAF", "jitter"},
     "Frames 3146/3147 are MEGACO (H.248) with SDP putting T.38 (image udptl) on 10.23.1.52:16756; tshark "
     "decodes the 2004 datagrams to that port after it as T.38. They are RTP: version 2, PT 8, 180-byte "
     "datagrams (12 + 160 bytes PCMA), SSRC 0x0EAF0EAF, sequence numbers continuing (frame 3148: 80 08 07 34 "
     "... 0e af 0e af). voipscope only follows SIP SDP and keeps counting them (3842 packets)."},
    {{"sipcapture_heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "0x17D90134", "max_delta"},
     "PT 100 is in no SDP of the capture (telephone-event is 102). tshark reads it as rtpevent and reports "
     "max delta 9199.8 ms and max jitter 2730 ms, yet no two packets of the stream are more than 286 ms "
     "apart (frame.time_relative differences); voipscope: 20.4 ms and 1.25 ms for this 20 ms G.711 stream."},
    {{"sipcapture_heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "0x17D90134", "jitter"},
     "PT 100 is in no SDP of the capture (telephone-event is 102). tshark reads it as rtpevent and reports "
     "max delta 9199.8 ms and max jitter 2730 ms, yet no two packets of the stream are more than 286 ms "
     "apart (frame.time_relative differences); voipscope: 20.4 ms and 1.25 ms for this 20 ms G.711 stream."},
    {{"sipcapture_heplify/FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", "*", "dtmf"},
     "tshark's only event (code 194, not a DTMF code) is its rtpevent reading of the un-negotiated PT 100 "
     "(see above); voipscope reads events only from PTs an SDP mapped to telephone-event (or PT 101 "
     "without SDP), so it reports none."},
};

bool excepted(const std::string& file, const std::string& ssrc, const std::string& what) {
  return kExceptions.count({file, ssrc, what}) != 0 || kExceptions.count({file, "*", what}) != 0;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> corpusFiles() {
  std::vector<std::string> out;
  auto ref = vs::test::corpusDir() / "reference";
  if (!fs::exists(ref)) return out;
  for (const auto& e : fs::recursive_directory_iterator(ref)) {
    if (e.path().extension() != ".json") continue;
    auto rel = fs::relative(e.path(), ref).string();
    out.push_back(rel.substr(0, rel.size() - 5));
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Run {
  std::vector<RtpStream> streams;
  std::vector<RtpStream> attached;  // also in `streams`
  CaptureStats stats;
};

Run analyse(const fs::path& file) {
  Run r;
  auto bytes = readFile(file);
  vs::proto::pkt::CaptureParser parser;
  CaptureAnalyzer an(
      {},
      [&](Call&& c) {
        for (auto& l : c.legs) {
          for (auto& s : l.streams) {
            EXPECT_EQ(s.call_id, l.call_id);
            r.attached.push_back(s);
            r.streams.push_back(std::move(s));
          }
        }
      },
      [&](RtpStream&& s) {
        EXPECT_EQ(s.call_id, "");
        r.streams.push_back(std::move(s));
      });
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  std::uint64_t frame = 0;
  while (true) {
    auto step = parser.next(rest);
    using S = vs::proto::pkt::CaptureParser::Status;
    if (step.status == S::kError || step.status == S::kNeedMore) break;
    if (step.status == S::kRecord) an.addFrame(step.record.link_type, step.record.data, step.record.ts_ns, ++frame);
    rest = rest.subspan(step.consumed);
  }
  an.finish();
  r.stats = an.stats();
  return r;
}

// tshark's rtp,streams names: static PTs by RFC 3551 name (packet-rtp.c rtp_payload_type_short_vals),
// dynamic ones "RTPType-N" except its rtpevent preference's PT 101 (it does not use SDP names here:
// the FAX capture's rtpmap'd telephone-event PT 102 is listed as RTPType-102). Listed in PT order.
std::string tsharkPayloadName(int pt) {
  static const std::map<int, std::string> kNames = {
      {0, "g711U"}, {3, "GSM"}, {4, "g723"}, {8, "g711A"}, {9, "g722"}, {13, "CN"}, {18, "g729"},
      {31, "h261"}, {34, "h263"}, {101, "rtpevent"}};
  auto it = kNames.find(pt);
  return it != kNames.end() ? it->second : fmt::format("RTPType-{}", pt);
}

std::string payloadList(const RtpStream& s) {
  std::vector<int> pts;
  for (const auto& [pt, n] : s.payloads) pts.push_back(pt);
  std::sort(pts.begin(), pts.end());
  std::vector<std::string> names;
  for (int pt : pts) names.push_back(tsharkPayloadName(pt));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string hexSsrc(std::uint32_t ssrc) { return fmt::format("0x{:08X}", ssrc); }

// ---- ITU-T G.107 (06/2015), written out from the standard's clauses, all Table 3 defaults.
double g107R(double delayMs, double ie, double bpl, double pplPercent, double burstR) {
  const double slr = 8, rlr = 2, stmr = 15, lstr = 18, ds = 3, telr = 65, wepl = 110, qdu = 1;
  const double nc = -70, nfor = -64, ps = 35, pr = 35;
  const double t = delayMs, ta = delayMs, tr = 2 * delayMs;
  const double olr = slr + rlr;
  // 7.1 Ro
  const double nos = ps - slr - ds - 100 + 0.004 * (ps - olr - ds - 14) * (ps - olr - ds - 14);
  const double pre = pr + 10 * std::log10(1 + std::pow(10, (10 - lstr) / 10));
  const double nor = rlr - 121 + pre + 0.008 * (pre - 35) * (pre - 35);
  const double nfo = nfor + rlr;
  const double no = 10 * std::log10(std::pow(10, nc / 10) + std::pow(10, nos / 10) + std::pow(10, nor / 10) +
                                     std::pow(10, nfo / 10));
  const double ro = 15 - 1.5 * (slr + no);
  // 7.2 Is
  const double xolr = olr + 0.2 * (64 + no - rlr);
  const double iolr = 20 * (std::pow(1 + std::pow(xolr / 8, 8), 1.0 / 8) - xolr / 8);
  const double stmro = -10 * std::log10(std::pow(10, -stmr / 10) + std::exp(-t / 4) * std::pow(10, -telr / 10));
  const double ist = 12 * std::pow(1 + std::pow((stmro - 13) / 6, 8), 1.0 / 8) -
                     28 * std::pow(1 + std::pow((stmro + 1) / 19.4, 35), 1.0 / 35) -
                     13 * std::pow(1 + std::pow((stmro - 3) / 33, 13), 1.0 / 13) + 29;
  const double q = 37 - 15 * std::log10(qdu);
  const double g = 1.07 + 0.258 * q + 0.0602 * q * q;
  const double y = (ro - 100) / 15 + 46 / 8.4 - g / 9;
  const double z = 46 / 30.0 - g / 40;
  const double iq = 15 * std::log10(1 + std::pow(10, y) + std::pow(10, z));
  const double is = iolr + ist + iq;
  // 7.3 Id
  const double terv = telr - 40 * std::log10((1 + t / 10) / (1 + t / 150)) + 6 * std::exp(-0.3 * t * t);
  const double roe = -1.5 * (no - rlr);
  const double re = 80 + 2.5 * (terv - 14);
  const double idte = ((roe - re) / 2 + std::sqrt((roe - re) * (roe - re) / 4 + 100) - 1) * (1 - std::exp(-t));
  const double rle = 10.5 * (wepl + 7) * std::pow(tr + 1, -0.25);
  const double idle = (ro - rle) / 2 + std::sqrt((ro - rle) * (ro - rle) / 4 + 169);
  double idd = 0;
  if (ta > 100) {
    const double x = std::log10(ta / 100) / std::log10(2.0);
    idd = 25 * (std::pow(1 + std::pow(x, 6), 1.0 / 6) - 3 * std::pow(1 + std::pow(x / 3, 6), 1.0 / 6) + 2);
  }
  // 7.4 Ie,eff
  const double ieEff = ie + (95 - ie) * pplPercent / (pplPercent / burstR + bpl);
  return ro - is - (idte + idle + idd) - ieEff;
}

double g107Mos(double r) {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

TEST(G107Reference, DefaultsGiveTheStandardsR) {
  // G.107 clause 7.7: all defaults give R = 93.2.
  EXPECT_NEAR(g107R(0, 0, 1, 0, 1), 93.2, 0.05);
}

class RtpCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(RtpCorpus, StreamsMatchTshark) {
  const std::string name = GetParam();
  auto ref = json::parse(readFile(vs::test::corpusDir() / "reference" / (name + ".json")));
  auto run = analyse(vs::test::corpusDir() / name);
  SCOPED_TRACE(name);

  std::map<std::string, const RtpStream*> ours;  // "src:sport>dst:dport/SSRC"
  for (const auto& s : run.streams) {
    auto k = fmt::format("{}:{}>{}:{}/{}", s.src.ip.toString(), s.src.port, s.dst.ip.toString(), s.dst.port,
                         hexSsrc(s.ssrc));
    EXPECT_EQ(ours.count(k), 0U) << "stream emitted twice: " << k;
    ours[k] = &s;
  }
  std::set<std::string> matched;
  for (const auto& rs : ref["rtp"]["streams"]) {
    const std::string ssrc = rs["ssrc"];
    auto k = fmt::format("{}:{}>{}:{}/{}", rs["src"].get<std::string>(), rs["sport"].get<int>(),
                         rs["dst"].get<std::string>(), rs["dport"].get<int>(), ssrc);
    SCOPED_TRACE(k);
    auto it = ours.find(k);
    if (it == ours.end()) {
      std::string have;
      for (const auto& [ok, os] : ours) have += " " + ok;
      EXPECT_TRUE(excepted(name, ssrc, "missing")) << "tshark's stream not found by voipscope; found:" << have;
      continue;
    }
    matched.insert(k);
    const auto& s = *it->second;
    if (!excepted(name, ssrc, "payload")) {
      EXPECT_EQ(payloadList(s), rs["payload"].get<std::string>());
    }
    if (!excepted(name, ssrc, "packets")) {
      EXPECT_EQ(s.packets, rs["packets"].get<std::uint64_t>());
    }
    if (!excepted(name, ssrc, "lost")) {
      EXPECT_EQ(s.lost, rs["lost"].get<std::int64_t>());
    }
    if (!excepted(name, ssrc, "max_delta")) {
      EXPECT_NEAR(s.max_delta_ms, rs["max_delta_ms"].get<double>(), 0.01);
    }
    const double refMean = rs["mean_jitter_ms"], refMax = rs["max_jitter_ms"];
    if (refMax != 0 && !excepted(name, ssrc, "jitter")) {
      EXPECT_NEAR(s.mean_jitter_ms, refMean, 0.01);
      EXPECT_NEAR(s.max_jitter_ms, refMax, 0.01);
    }
  }
  for (const auto& [k, s] : ours) {
    EXPECT_TRUE(matched.count(k) != 0 || excepted(name, hexSsrc(s->ssrc), "extra"))
        << "voipscope found a stream tshark did not: " << k;
  }

  // DTMF: every tshark rtpevent group (SSRC, RTP timestamp, event) is one of our events, with its counts.
  std::size_t ourEvents = 0;
  for (const auto& s : run.streams) ourEvents += s.dtmf.size();
  const auto& events = ref["dtmf"]["events"];
  if (!excepted(name, "*", "dtmf")) {
      EXPECT_EQ(ourEvents, events.size());
    }
  for (const auto& e : events) {
    const std::string ssrc = e["ssrc"];
    const DtmfEvent* found = nullptr;
    for (const auto& s : run.streams) {
      if (fmt::format("0x{:08x}", s.ssrc) != ssrc) continue;
      for (const auto& d : s.dtmf) {
        if (d.rtp_timestamp == e["rtp_timestamp"].get<std::uint32_t>() && d.event == e["event_id"].get<int>() &&
            d.first_frame == e["first_frame"].get<std::uint64_t>()) {
          found = &d;
        }
      }
    }
    if (excepted(name, ssrc, "dtmf")) continue;
    ASSERT_NE(found, nullptr) << "tshark event " << e.dump();
    EXPECT_EQ(found->packets, e["packets"].get<std::uint32_t>()) << e.dump();
    EXPECT_EQ(found->end_packets, e["end_packets"].get<std::uint32_t>()) << e.dump();
  }

  // MOS: G.107 from the stream's own figures (the assumptions of docs/capture.md: delay = adaptive jitter
  // buffer 3 x mean jitter within 10..300 ms; BurstR = mean loss-run length x (1 - loss)).
  const std::map<std::string, std::pair<double, double>> kIeBpl = {
      // ITU-T G.113 Appendix I: G.711 with PLC Ie 0 Bpl 25.1; G.729(A) Ie 11 Bpl 19.
      {"PCMU", {0, 25.1}}, {"PCMA", {0, 25.1}}, {"G729", {11, 19}}};
  for (const auto& s : run.streams) {
    std::string codec = s.codec;
    for (auto& ch : codec) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    auto c = kIeBpl.find(codec);
    if (c == kIeBpl.end()) continue;
    SCOPED_TRACE(hexSsrc(s.ssrc));
    ASSERT_TRUE(s.mos.has_value());
    const double delay = std::clamp(3 * s.mean_jitter_ms, 10.0, 300.0);
    EXPECT_NEAR(s.mos_delay_ms, delay, 1e-9);
    const double lost = s.lost > 0 ? static_cast<double>(s.lost) : 0.0;
    const double ppl = s.expected > 0 ? lost / static_cast<double>(s.expected) * 100 : 0;
    double burstR = 1;
    if (lost > 0) burstR = std::max(1.0, lost / static_cast<double>(s.loss_runs) * (1 - ppl / 100));
    const double mos = g107Mos(g107R(delay, c->second.first, c->second.second, ppl, burstR));
    EXPECT_NEAR(*s.mos, mos, 0.1) << "ppl " << ppl << " burstR " << burstR << " delay " << delay;
  }
  // Streams tshark found through SDP alone (no heuristic) are the ones voipscope ties to a call's SDP.
  for (const auto& rs : ref["rtp"]["streams_without_heuristic"]) {
    auto k = fmt::format("{}:{}>{}:{}/{}", rs["src"].get<std::string>(), rs["sport"].get<int>(),
                         rs["dst"].get<std::string>(), rs["dport"].get<int>(), rs["ssrc"].get<std::string>());
    auto it = ours.find(k);
    ASSERT_NE(it, ours.end()) << k;
    if (excepted(name, rs["ssrc"].get<std::string>(), "tie")) continue;
    EXPECT_FALSE(it->second->call_id.empty()) << k << " not tied to a call";
    EXPECT_FALSE(it->second->heuristic) << k;
  }
  // RTCP: datagrams that are whole RTCP compounds, as tshark's frame count.
  if (!excepted(name, "*", "rtcp_count")) {
    EXPECT_EQ(run.stats.rtcp_packets, ref["rtp"]["rtcp_packets"].get<std::uint64_t>());
  }
  EXPECT_EQ(run.stats.rtp_streams, run.streams.size()) << run.stats.rtp_packets << " " << run.stats.udp;
}

INSTANTIATE_TEST_SUITE_P(All, RtpCorpus, ::testing::ValuesIn(corpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           for (auto& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
