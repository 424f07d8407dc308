// SIP retransmissions in `voipscope calls --json --all` against tshark's own verdict (sip.resend) on every
// capture of the shared corpus, frame by frame.
//
// tshark flags a repeated request or final response of one transaction on one address pair; it never
// flags a repeated ACK, provisional response (1xx) or CANCEL. voipscope flags those too (a 180 sent four
// times, or a CANCEL repeated every 500 ms while the far end stays silent, are retransmissions a person
// debugging the call wants to see). So: on the messages tshark judges, the two sets of frames must be
// equal; on the others, whatever voipscope flags must be a true repeat, i.e. tshark shows the same method
// or status, CSeq and address pair earlier in the same Call-ID.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using namespace vs::itest;
using namespace std::chrono_literals;

struct TsharkSip {
  std::set<std::uint64_t> resent;
  // frame -> (Call-ID, src, dst, method or status, CSeq)
  std::map<std::uint64_t, std::tuple<std::string, std::string, std::string, std::string, std::string>> frames;
};

TsharkSip tsharkSip(const fs::path& file) {
  // SIP on TCP port 6060 in one capture: tshark decodes it only when told (voipscope finds it by content).
  auto r = run({"tshark", "-r", file.string(), "-d", "tcp.port==6060,sip", "-Y", "sip", "-T", "fields", "-E",
                "occurrence=f", "-e", "frame.number", "-e", "sip.resend", "-e", "sip.Call-ID", "-e", "ip.src",
                "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "sip.Method", "-e", "sip.Status-Code",
                "-e", "sip.CSeq"},
               120s);
  TsharkSip t;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    auto f = tabFields(line);
    if (f.size() < 10 || f[0].empty()) continue;
    auto frame = std::stoull(f[0]);
    if (f[1] == "1" || f[1] == "True") t.resent.insert(frame);
    t.frames[frame] = {f[2], f[3] + f[4], f[5] + f[6], f[7].empty() ? f[8] : f[7], f[9]};
  }
  return t;
}

TEST(CallsRetransmissions, SameFramesAsTsharkOnEveryCorpusCapture) {
  if (!haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  std::size_t files = 0, compared = 0, extra_checked = 0;
  for (const auto& p : vs::test::corpusCaptures()) {
    SCOPED_TRACE(p.string());
    ++files;
    auto ts = tsharkSip(p);
    auto r = run({voipscopeBinary(), "calls", "--all", "--json", p.string()}, 120s);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.all;
    auto doc = nlohmann::json::parse(r.out);
    std::set<std::uint64_t> judged, extra;
    for (const auto& call : doc["calls"]) {
      for (const auto& leg : call["legs"]) {
        for (const auto& m : leg["sip"]) {
          if (!m["retransmission"].template get<bool>()) continue;
          auto frame = m["frame"].template get<std::uint64_t>();
          bool tshark_judges = m.contains("method") ? (m["method"] != "ACK" && m["method"] != "CANCEL")
                                                    : m["status"].template get<int>() >= 200;
          (tshark_judges ? judged : extra).insert(frame);
        }
      }
    }
    // tshark's resent frames are all requests other than ACK/CANCEL or final responses.
    EXPECT_EQ(judged, ts.resent);
    compared += judged.size();
    for (auto frame : extra) {
      auto it = ts.frames.find(frame);
      ASSERT_NE(it, ts.frames.end()) << "frame " << frame << " is not SIP for tshark";
      bool earlier = false;
      for (auto e = ts.frames.begin(); e != it; ++e) earlier = earlier || e->second == it->second;
      EXPECT_TRUE(earlier) << "frame " << frame << " flagged as a retransmission without an identical earlier one";
      ++extra_checked;
    }
  }
  EXPECT_GE(files, 20U);
  EXPECT_GE(compared, 15U);  // 19 in the corpus today (FAX call, sngrep and heplify captures)
  RecordProperty("retransmissions_compared", static_cast<int>(compared));
  RecordProperty("extra_checked", static_cast<int>(extra_checked));
}

}  // namespace
