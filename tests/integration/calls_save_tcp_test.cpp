// `calls --save-call` on SIP over TCP whose messages span several segments (the corpus capture with SIP
// on TCP port 6060, split across segments): the saved pcap must carry every segment of the call's
// messages, so that tshark, reassembling the saved file on its own, finds each of the call's SIP messages
// again. Before segment frames were tracked only the completing segment was copied and tshark found
// none of the split messages.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using namespace vs::itest;
using namespace std::chrono_literals;

// SIP messages tshark decodes in `file` with this Call-ID (reassembling TCP itself).
std::size_t tsharkMessages(const std::string& file, const std::string& call_id) {
  auto r = run({"tshark", "-r", file, "-d", "tcp.port==6060,sip", "-Y", "sip.Call-ID == \"" + call_id + "\"", "-T",
                "fields", "-e", "sip.CSeq"},
               120s);
  // One line per frame; a frame with two messages lists both CSeqs comma-separated.
  std::size_t n = 0;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++n;
    for (char c : line) n += c == ',' ? 1 : 0;
  }
  return n;
}

TEST(CallsSaveTcp, SavedCallKeepsEverySegmentOfItsMessages) {
  if (!haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  TempDir dir;
  const auto capture = (vs::test::corpusDir() / "sipcapture_heplify" / "sip_ipv4_tcp_fragmented.pcap").string();
  auto listing = run({voipscopeBinary(), "calls", "--json", capture}, 60s);
  ASSERT_TRUE(listing.exit_code == 0 || listing.exit_code == 1) << listing.all;
  auto doc = nlohmann::json::parse(listing.out);
  ASSERT_GE(doc["calls"].size(), 5U);
  std::size_t split_messages = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& leg = doc["calls"][i]["legs"][0];
    const auto cid = leg["call_id"].get<std::string>();
    SCOPED_TRACE(cid);
    // The reference: tshark on the whole capture.
    const auto whole = tsharkMessages(capture, cid);
    ASSERT_EQ(whole, leg["messages"].get<std::size_t>());
    const auto out = dir.file("call" + std::to_string(i) + ".pcap");
    auto saved = run({voipscopeBinary(), "calls", capture, "--save-call", cid, out}, 60s);
    ASSERT_EQ(saved.exit_code, 0) << saved.all;
    EXPECT_EQ(tsharkMessages(out, cid), whole);
    // The capture does split this call's messages (otherwise the test proves nothing).
    auto frames = run({"tshark", "-r", out, "-d", "tcp.port==6060,sip", "-Y",
                       "tcp.segments && sip.Call-ID == \"" + cid + "\"", "-T", "fields",
                       "-e", "frame.number"},
                      60s);
    std::istringstream in(frames.out);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) ++split_messages;
    }
  }
  EXPECT_GT(split_messages, 0U) << "no message of these calls spans segments";
}

}  // namespace
