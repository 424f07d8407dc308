// AnalyzerOptions::pipeline (decoding on the caller's thread, tracking on a second one) must change
// nothing but speed: every call (with every message and its text), every stream and the capture
// statistics, serialised as `calls --json` prints them, are compared against the single-thread run on
// every corpus capture and on a synthetic capture of thousands of calls with RTP, sweeps and evictions,
// with frames copied in and read in place (AnalyzerOptions::frames_stay_valid); and the callbacks must
// all come from one thread.
#include <gtest/gtest.h>

#include <filesystem>
#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "analysis/call_tracker.h"
#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"
#include "render/calls_render.h"
#include "render/rtp_render.h"
#include "support/raw_frames.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using namespace vs::analysis;

struct Frame {
  std::uint32_t link_type = 0;
  std::vector<std::byte> data;
  std::int64_t ts_ns = 0;
};

struct Output {
  std::vector<std::string> calls, streams;
  std::string stats;
};

// in_place: the pipeline with AnalyzerOptions::frames_stay_valid, each frame handed over where it lies in
// `frames` (which outlives the analysis), as from a mapped file.
Output analyse(const std::vector<Frame>& frames, AnalyzerOptions o, bool pipeline, bool in_place = false) {
  o.pipeline = pipeline || in_place;
  o.frames_stay_valid = in_place;
  o.keep_message_list = true;
  o.keep_message_text = true;
  Output out;
  // Callbacks run one at a time: all on this thread without the pipeline; with it, on the tracking thread
  // and, for the calls finish() emits, on this one, never two at once.
  std::atomic<int> inside{0};
  std::mutex threads_mu;
  std::set<std::thread::id> threads;
  auto same_thread = [&] {
    EXPECT_EQ(inside.fetch_add(1), 0) << "two callbacks at once";
    {
      std::lock_guard lock(threads_mu);
      threads.insert(std::this_thread::get_id());
      EXPECT_LE(threads.size(), pipeline ? 2U : 1U);
    }
    std::this_thread::yield();  // widen the window an overlap would show in
    inside.fetch_sub(1);
  };
  CaptureAnalyzer an(
      o,
      [&](Call&& c) {
        same_thread();
        out.calls.push_back(vs::render::callJson(c));
      },
      [&](RtpStream&& s) {
        same_thread();
        out.streams.push_back(vs::render::streamJson(s));
      });
  // Each frame passes through one reused buffer, as from a streaming reader: nothing may keep pointing
  // into a frame once addFrame() returns.
  std::vector<std::byte> scratch;
  std::uint64_t n = 0;
  for (const auto& f : frames) {
    if (in_place) {
      an.addFrame(f.link_type, f.data, f.ts_ns, ++n);
      continue;
    }
    scratch.assign(f.data.begin(), f.data.end());
    an.addFrame(f.link_type, scratch, f.ts_ns, ++n);
    std::fill(scratch.begin(), scratch.end(), std::byte{'#'});
  }
  an.finish();
  out.stats = vs::render::captureStatsJson(an.stats());
  return out;
}

void expectSame(const Output& one, const Output& two) {
  ASSERT_EQ(one.calls.size(), two.calls.size());
  for (std::size_t i = 0; i < one.calls.size(); ++i) EXPECT_EQ(one.calls[i], two.calls[i]) << "call " << i + 1;
  EXPECT_EQ(one.streams, two.streams);
  EXPECT_EQ(one.stats, two.stats);
}

std::vector<Frame> readCapture(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  vs::proto::pkt::CaptureParser parser;
  std::vector<Frame> frames;
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  while (true) {
    auto step = parser.next(rest);
    using S = vs::proto::pkt::CaptureParser::Status;
    if (step.status != S::kRecord && step.status != S::kSkipped) break;
    if (step.status == S::kRecord) {
      frames.push_back(Frame{step.record.link_type,
                             std::vector<std::byte>(step.record.data.begin(), step.record.data.end()),
                             step.record.ts_ns});
    }
    rest = rest.subspan(step.consumed);
  }
  return frames;
}

TEST(Pipeline, EveryCorpusCaptureGivesTheSameCallsStreamsAndStats) {
  auto ref = vs::test::corpusDir() / "reference";
  if (!fs::exists(ref)) GTEST_SKIP() << "no corpus at " << vs::test::corpusDir();
  int compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(ref)) {
    if (e.path().extension() != ".json") continue;
    auto rel = fs::relative(e.path(), ref).string();
    auto capture = vs::test::corpusDir() / rel.substr(0, rel.size() - 5);
    SCOPED_TRACE(capture.string());
    auto frames = readCapture(capture);
    ASSERT_FALSE(frames.empty());
    auto one = analyse(frames, {}, false);
    auto two = analyse(frames, {}, true);
    expectSame(one, two);
    expectSame(one, analyse(frames, {}, true, true));
    ++compared;
  }
  EXPECT_GE(compared, 20);
}

// Thousands of calls 20 ms apart, each with SDP and a few RTP packets both ways; a Call-ID reused after
// its call ended, a malformed message from the tracker's side (SDP) and one from the decoder's side
// (junk frame), and a leg limit low enough that room is made by eviction many times.
std::vector<Frame> syntheticCalls(int calls) {
  using vs::test::text;
  using vs::test::udp;
  std::vector<Frame> frames;
  const std::uint32_t raw = vs::proto::pkt::link::kRaw;
  std::int64_t t = 1'700'000'000'000'000'000;
  auto sip = [&](unsigned src, unsigned dst, const std::string& m) {
    frames.push_back(Frame{raw, udp(src, 5060, dst, 5060, text(m)), t});
    t += 1'000'000;
  };
  for (int i = 0; i < calls; ++i) {
    const std::string cid = fmt::format("call-{}@198.51.100.7", i % 97 == 5 ? 5 : i);
    const unsigned rtp_port = 20000 + static_cast<unsigned>(2 * (i % 500));
    const std::string sdp = i % 211 == 3 ? "v=0\r\nbogus\r\n"
                                         : fmt::format("v=0\r\no=- {0} 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                                                       "t=0 0\r\nm=audio {1} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
                                                       i, rtp_port);
    auto head = [&](const std::string& first, const std::string& cseq, const std::string& to_tag,
                    const std::string& body) {
      return fmt::format("{}\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{}{}\r\nFrom: <sip:1001@a>;tag=f{}\r\n"
                         "To: <sip:2002@b>{}\r\nCall-ID: {}\r\nCSeq: {}\r\n{}Content-Length: {}\r\n\r\n{}",
                         first, i, cseq.substr(2, 3), i, to_tag, cid, cseq,
                         body.empty() ? "" : "Content-Type: application/sdp\r\n", body.size(), body);
    };
    sip(1, 2, head("INVITE sip:2002@b SIP/2.0", "1 INVITE", "", sdp));
    sip(2, 1, head("SIP/2.0 180 Ringing", "1 INVITE", ";tag=t" + std::to_string(i), ""));
    sip(2, 1, head("SIP/2.0 200 OK", "1 INVITE", ";tag=t" + std::to_string(i), sdp));
    sip(1, 2, head("ACK sip:2002@b SIP/2.0", "1 ACK", ";tag=t" + std::to_string(i), ""));
    for (unsigned k = 0; k < 4; ++k) {
      std::vector<std::byte> rtp(172, std::byte{0});
      rtp[0] = std::byte{0x80};
      vs::test::put16(rtp, 2, k + 1);
      vs::test::put32(rtp, 4, k * 160);
      vs::test::put32(rtp, 8, 0x1000U + static_cast<unsigned>(i));
      frames.push_back(Frame{raw, udp(1, rtp_port, 2, rtp_port, rtp), t});
      t += 20'000'000;
    }
    if (i % 53 == 7) frames.push_back(Frame{raw, text("junk"), t});
    sip(1, 2, head("BYE sip:2002@b SIP/2.0", "2 BYE", ";tag=t" + std::to_string(i), ""));
    sip(2, 1, head("SIP/2.0 200 OK", "2 BYE", ";tag=t" + std::to_string(i), ""));
  }
  return frames;
}

TEST(Pipeline, ThousandsOfCallsWithRtpSweepsAndEvictionGiveTheSameOutput) {
  auto frames = syntheticCalls(3000);
  AnalyzerOptions o;
  o.max_active_legs = 400;
  auto one = analyse(frames, o, false);
  auto two = analyse(frames, o, true);
  EXPECT_GT(one.calls.size(), 2900U);
  expectSame(one, two);
  expectSame(one, analyse(frames, o, true, true));
}

// Datagram SIP is parsed straight into the batch (SipFinder::Placement) while TCP messages are copied
// in: both kinds in the same batches, with datagrams whose parse fails after their bytes were placed
// (they must leave nothing behind), IP-fragmented INVITEs and messages over TCP, must give what the
// single-thread run gives, messages, their text and the malformed reports included.
TEST(Pipeline, PlacedDatagramsRefusedDatagramsFragmentsAndTcpMixInOneBatch) {
  using vs::test::text;
  std::vector<Frame> frames;
  const std::uint32_t raw = vs::proto::pkt::link::kRaw;
  std::int64_t t = 1'700'000'000'000'000'000;
  std::uint32_t seq = 1000;
  for (int i = 0; i < 600; ++i) {
    const std::string cid = fmt::format("mix-{}@198.51.100.9", i);
    auto msg = [&](const std::string& first, const std::string& cseq, const std::string& to_tag) {
      return fmt::format("{}\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKm{}{}\r\nFrom: <sip:1001@a>;tag=f{}\r\n"
                         "To: <sip:2002@b>{}\r\nCall-ID: {}\r\nCSeq: {}\r\nSubject: {}\r\nContent-Length: 0\r\n\r\n",
                         first, i, cseq.substr(2, 3), i, to_tag, cid, cseq, std::string(static_cast<std::size_t>(i % 7) * 90, 'x'));
    };
    auto push = [&](vs::test::Bytes b) {
      frames.push_back(Frame{raw, std::move(b), t});
      t += 1'000'000;
    };
    const auto invite = vs::test::udp(1, 5060, 2, 5060, text(msg("INVITE sip:2002@b SIP/2.0", "1 INVITE", "")));
    if (i % 5 == 1) {
      for (auto& f : vs::test::fragments(invite, 200, static_cast<unsigned>(i))) push(std::move(f));
    } else {
      push(invite);
    }
    // Looks like SIP to the probe, then fails the parse: its placed bytes must be taken back.
    if (i % 3 == 0) push(vs::test::udp(1, 5060, 2, 5060, text("OPTIONS sip:x SIP/2.0\r\nno colon here\r\n\r\n")));
    push(vs::test::udp(2, 5060, 1, 5060, text(msg("SIP/2.0 200 OK", "1 INVITE", ";tag=t" + std::to_string(i)))));
    if (i % 4 == 2) {
      auto opt = text(msg("OPTIONS sip:2002@b SIP/2.0", "7 OPTIONS", ""));
      push(vs::test::tcp(3, 5070, 2, 5060, seq, opt));
      seq += static_cast<std::uint32_t>(opt.size());
    }
    push(vs::test::udp(1, 5060, 2, 5060, text(msg("BYE sip:2002@b SIP/2.0", "2 BYE", ";tag=t" + std::to_string(i)))));
  }
  AnalyzerOptions o;
  o.max_active_legs = 150;
  auto one = analyse(frames, o, false);
  auto two = analyse(frames, o, true);
  EXPECT_EQ(one.calls.size(), 600U);
  for (auto figure : {"\"reassembled\":120", "\"tcp\":150", "\"malformed\":200"}) {
    EXPECT_NE(one.stats.find(figure), std::string::npos) << figure << " in " << one.stats;
  }
  expectSame(one, two);
  // Read in place, datagrams are not copied: a refused one has nothing to give back, and the payloads
  // the decoder rebuilt from fragments (its own buffer, reused) and the TCP messages must still be copied.
  expectSame(one, analyse(frames, o, true, true));
}

TEST(Pipeline, AnExceptionFromACallbackReachesTheCaller) {
  auto frames = syntheticCalls(50);
  AnalyzerOptions o;
  o.pipeline = true;
  CaptureAnalyzer an(o, [](Call&&) { throw std::runtime_error("output closed"); });
  auto feed = [&] {
    std::uint64_t n = 0;
    for (const auto& f : frames) an.addFrame(f.link_type, f.data, f.ts_ns, ++n);
    an.finish();
  };
  EXPECT_THROW(feed(), std::runtime_error);
}

// The calls held at the end are handed to the caller's thread in finish(): a callback throwing there,
// with the tracking thread still building calls and waiting for room, stops both and nothing more is
// called back.
TEST(Pipeline, AnExceptionFromACallbackInFinishStopsTheHandOver) {
  auto frames = syntheticCalls(1000);
  AnalyzerOptions o;
  o.pipeline = true;
  o.linger_ns = 1000LL * 1'000'000'000;  // nothing leaves before the end: finish() emits all 1000
  int called = 0;
  CaptureAnalyzer an(o, [&](Call&&) {
    if (++called == 100) throw std::runtime_error("output closed");
  });
  std::uint64_t n = 0;
  for (const auto& f : frames) an.addFrame(f.link_type, f.data, f.ts_ns, ++n);
  EXPECT_THROW(an.finish(), std::runtime_error);
  EXPECT_EQ(called, 100);
  an.finish();  // again: nothing more, no hang
  EXPECT_EQ(called, 100);
}

// The leg table grows into blocks made ahead of time (by whichever thread is idle), but never past what
// the leg bound can use: once the bound is reached, emitted legs' slots are reused, and a block made
// ahead would be 2 MiB zeroed for nothing (three of them at the end of the signalling bench file).
TEST(Pipeline, LegBlocksAreNotMadeBeyondTheLegBound) {
  auto frames = syntheticCalls(8000);
  AnalyzerOptions o;
  o.pipeline = true;
  o.max_active_legs = 3000;
  o.linger_ns = 1000LL * 1'000'000'000;  // nothing leaves by the linger: the bound is what makes room
  std::size_t calls = 0;
  CaptureAnalyzer an(o, [&](Call&&) { ++calls; });
  std::uint64_t n = 0;
  for (const auto& f : frames) an.addFrame(f.link_type, f.data, f.ts_ns, ++n);
  an.finish();
  EXPECT_GT(calls, 7000U);  // every call out (a few share a Call-ID on purpose)
  constexpr auto kBlock = CallTracker::kLegBlock;
  const std::size_t enough = (o.max_active_legs + 1 + kBlock - 1) / kBlock * kBlock;  // blocks for bound + 1
  EXPECT_GE(an.legSlots(), o.max_active_legs + 1);
  EXPECT_LE(an.legSlots(), enough) << "blocks of " << kBlock << " slots";
}

TEST(Pipeline, DestroyedWithoutFinishStopsTheTrackingThread) {
  auto frames = syntheticCalls(1000);  // 90 s of capture: the early calls are emitted by the linger sweep
  auto run = [&](bool pipeline) {
    std::vector<std::string> got;
    AnalyzerOptions o;
    o.pipeline = pipeline;
    {
      CaptureAnalyzer an(o, [&](Call&& c) { got.push_back(vs::render::callJson(c)); });
      std::uint64_t n = 0;
      for (const auto& f : frames) an.addFrame(f.link_type, f.data, f.ts_ns, ++n);
    }  // no finish(): the destructor stops the tracking thread, which must not call back after it
    return got;
  };
  auto one = run(false);
  auto two = run(true);
  ASSERT_GT(one.size(), 100U);
  ASSERT_LE(two.size(), one.size());  // work still in flight may be dropped, never invented
  for (std::size_t i = 0; i < two.size(); ++i) EXPECT_EQ(two[i], one[i]);
}

}  // namespace
