// `calls --save-call` on SIP over UDP whose messages were IP-fragmented: the saved pcap must carry every
// fragment of the call's messages, so that tshark, reassembling the saved file on its own, finds each of
// the call's SIP messages again, and no frame of another call. The capture is made here: two calls whose
// INVITE and 200 OK carry SDP bodies of about 3 kB, cut into 1 200-byte IPv4 fragments, the two calls'
// frames interleaved. tshark on the whole file is the reference. Before fragment frames were tracked only
// the last fragment of a message was copied and tshark found neither INVITE nor 200 OK in the saved file.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "integration/harness.h"
#include "proto/pkt/capture_file.h"
#include "proto/pkt/pcap_writer.h"
#include "support/raw_frames.h"

namespace {

using namespace vs::itest;
using namespace std::chrono_literals;
using vs::test::Bytes;

// A SIP message of call `cid`; requests and responses of one dialog, with an SDP body of ~3 kB when asked.
std::string sip(const std::string& start, const std::string& cid, const std::string& cseq, bool sdp) {
  std::string body;
  if (sdp) {
    // Each call its own SDP origin: the same o= line in two overlapping calls would link them.
    body = fmt::format("v=0\r\no=- {0} 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
                       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", cid == "frag-a" ? 1 : 2);
    for (int i = 0; body.size() < 3000; ++i) body += fmt::format("a=x-pad{}:{}\r\n", i, std::string(60, 'p'));
  }
  return fmt::format(
      "{}\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-{}-{}\r\nFrom: <sip:alice@example.com>;tag=a-{}\r\n"
      "To: <sip:bob@example.com>{}\r\nCall-ID: {}\r\nCSeq: {}\r\n{}Content-Length: {}\r\n\r\n{}",
      start, cid, cseq.substr(0, cseq.find(' ')), cid, start.starts_with("SIP/") || cseq == "1 ACK" || cseq == "2 BYE" ? ";tag=b-" + cid : "",
      cid, cseq, sdp ? "Content-Type: application/sdp\r\n" : "", body.size(), body);
}

// Numbers of the SIP messages tshark decodes in `file` with this Call-ID (one line per message).
std::size_t tsharkMessages(const std::string& file, const std::string& call_id) {
  auto r = run({"tshark", "-r", file, "-Y", "sip.Call-ID == \"" + call_id + "\"", "-T", "fields", "-e", "sip.CSeq"}, 60s);
  std::size_t n = 0;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) n += line.empty() ? 0U : 1U;
  return n;
}

std::size_t framesIn(const std::string& file) {
  auto r = run({"tshark", "-r", file, "-T", "fields", "-e", "frame.number"}, 60s);
  return static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
}

TEST(CallsSaveFragments, SavedCallKeepsEveryFragmentOfItsMessages) {
  if (!haveProgram("tshark")) GTEST_SKIP() << "tshark is not installed (scripts/install-deps.sh installs it)";
  TempDir dir;
  // Frames of two calls, interleaved: a(1) -> b(2) for "frag-a", c(3) -> d(4) for "frag-b".
  std::vector<Bytes> frames;
  std::size_t frames_of_a = 0;
  unsigned ip_id = 100;
  auto add = [&](unsigned src, unsigned dst, const std::string& text, bool of_a) {
    auto packet = vs::test::udp(src, 5060, dst, 5060, vs::test::text(text));
    auto parts = packet.size() > 1400 ? vs::test::fragments(packet, 1200, ++ip_id) : std::vector<Bytes>{packet};
    for (auto& p : parts) frames.push_back(std::move(p));
    if (of_a) frames_of_a += parts.size();
  };
  for (const auto& [cid, a, b] : {std::tuple{"frag-a", 1U, 2U}, std::tuple{"frag-b", 3U, 4U}}) {
    const bool of_a = std::string(cid) == "frag-a";
    add(a, b, sip(fmt::format("INVITE sip:bob@192.0.2.{} SIP/2.0", b), cid, "1 INVITE", true), of_a);
    add(b, a, sip("SIP/2.0 100 Trying", cid, "1 INVITE", false), of_a);
  }
  for (const auto& [cid, a, b] : {std::tuple{"frag-a", 1U, 2U}, std::tuple{"frag-b", 3U, 4U}}) {
    const bool of_a = std::string(cid) == "frag-a";
    add(b, a, sip("SIP/2.0 200 OK", cid, "1 INVITE", true), of_a);
    add(a, b, sip(fmt::format("ACK sip:bob@192.0.2.{} SIP/2.0", b), cid, "1 ACK", false), of_a);
    add(a, b, sip(fmt::format("BYE sip:bob@192.0.2.{} SIP/2.0", b), cid, "2 BYE", false), of_a);
    add(b, a, sip("SIP/2.0 200 OK", cid, "2 BYE", false), of_a);
  }
  std::string pcap = vs::proto::pkt::pcapFileHeader(vs::proto::pkt::link::kRaw);
  std::int64_t ts = 1'700'000'000'000'000'000;
  for (const auto& f : frames) {
    vs::proto::pkt::appendPcapRecord(pcap, ts, static_cast<std::uint32_t>(f.size()), f);
    ts += 10'000'000;
  }
  const auto capture = dir.file("fragmented.pcap");
  std::ofstream(capture, std::ios::binary) << pcap;

  // The reference: tshark reassembles all six messages of each call from the whole file, and the
  // capture does fragment (otherwise the test proves nothing).
  ASSERT_EQ(tsharkMessages(capture, "frag-a"), 6U);
  ASSERT_EQ(tsharkMessages(capture, "frag-b"), 6U);
  ASSERT_GT(frames_of_a, 6U + 2U);

  const auto out = dir.file("a.pcap");
  auto saved = run({voipscopeBinary(), "calls", capture, "--save-call", "frag-a", out}, 60s);
  ASSERT_EQ(saved.exit_code, 0) << saved.all;
  EXPECT_EQ(tsharkMessages(out, "frag-a"), 6U);
  EXPECT_EQ(tsharkMessages(out, "frag-b"), 0U);
  EXPECT_EQ(framesIn(out), frames_of_a);
}

}  // namespace
