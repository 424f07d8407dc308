// CallTracker::digest(): what the tracker needs of a message alone. In the two-thread pipeline the reading
// thread works it out ahead of the tracker, on a message it has prepared; the tracker falls back to
// working it out itself. Both must give the same figures, and a capture must give the same report either way.
#include <gtest/gtest.h>

#include <string>

#include <fmt/format.h>

#include "analysis/call_tracker.h"
#include "analysis/capture_analyzer.h"
#include "analysis/rtp_tracker.h"
#include "proto/pkt/capture_file.h"
#include "proto/sip/message.h"
#include "support/raw_frames.h"

namespace {

using namespace vs::analysis;
namespace sip = vs::proto::sip;

Endpoint at(const char* ip, std::uint16_t port) { return Endpoint{*vs::proto::pkt::IpAddr::parse(ip), port}; }

std::string request(const std::string& method, const std::string& branch, const std::string& extra = "") {
  return fmt::format(
      "{0} sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-{1}\r\n"
      "From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:bob@example.com>\r\nCall-ID: digest-1\r\n"
      "CSeq: 1 {0}\r\n{2}Content-Length: 0\r\n\r\n",
      method, branch, extra);
}

sip::Message parsed(const std::string& text) {
  auto m = sip::parseMessage(std::string_view(text));
  EXPECT_TRUE(m) << text;
  return m ? *m : sip::Message{};
}

TEST(SipDigest, JunkBeforeAKnownMethodIsLeftOutAndMeasured) {
  const auto text = request("DBREGISTER", "a");
  const auto m = parsed(text);
  const auto d = CallTracker::digest(m, at("192.0.2.1", 5060), at("192.0.2.2", 5060));
  EXPECT_EQ(d.method, "REGISTER");
  EXPECT_EQ(d.method_index, methodIndex("REGISTER"));
  EXPECT_EQ(d.junk, 2U);
  // The method is a view into the message: the texts outlive the digests.
  const auto options_text = request("OPTIONS", "a"), unknown_text = request("FROBNICATE", "a");
  const auto plain = CallTracker::digest(parsed(options_text), at("192.0.2.1", 5060), at("192.0.2.2", 5060));
  EXPECT_EQ(plain.method, "OPTIONS");
  EXPECT_EQ(plain.junk, 0U);
  const auto unknown = CallTracker::digest(parsed(unknown_text), at("192.0.2.1", 5060), at("192.0.2.2", 5060));
  EXPECT_EQ(unknown.method, "FROBNICATE");
  EXPECT_EQ(unknown.method_index, -1);
  EXPECT_EQ(unknown.junk, 0U);
}

TEST(SipDigest, APreparedMessageGivesTheSameDigest) {
  const auto text = request("INVITE", "p", "RSeq: 7\r\nContent-Type: application/sdp\r\n");
  auto m = parsed(text);
  const auto before = CallTracker::digest(m, at("192.0.2.1", 5060), at("192.0.2.2", 5080));
  m.prepare();
  const auto after = CallTracker::digest(m, at("192.0.2.1", 5060), at("192.0.2.2", 5080));
  EXPECT_EQ(before.fingerprint, after.fingerprint);
  EXPECT_EQ(before.id_hash, after.id_hash);
  EXPECT_EQ(before.method, after.method);
  EXPECT_EQ(before.has_sdp, after.has_sdp);
}

TEST(SipDigest, FingerprintTellsARetransmissionFromAnotherMessage) {
  const auto a = at("192.0.2.1", 5060), b = at("192.0.2.2", 5060);
  auto fp = [](const std::string& text, Endpoint src, Endpoint dst) {
    return CallTracker::digest(parsed(text), src, dst).fingerprint;
  };
  const auto invite = request("INVITE", "x");
  EXPECT_EQ(fp(invite, a, b), fp(invite, a, b)) << "the same bytes on the same hop: a retransmission";
  EXPECT_NE(fp(invite, a, b), fp(invite, b, a)) << "another hop";
  EXPECT_NE(fp(invite, a, b), fp(request("INVITE", "y"), a, b)) << "another transaction";
  EXPECT_NE(fp(request("PRACK", "x", "RAck: 1 1 INVITE\r\n"), a, b),
            fp(request("PRACK", "x", "RAck: 2 1 INVITE\r\n"), a, b))
      << "PRACKs differ only in RAck";
  EXPECT_EQ(CallTracker::digest(parsed(invite), a, b).id_hash,
            CallTracker::digest(parsed(request("BYE", "z")), b, a).id_hash)
      << "the Call-ID alone";
}

// The junk report and the counts are the same whichever thread worked the digest out.
TEST(SipDigest, PipelineAndSingleThreadReportJunkTheSameWay) {
  for (bool pipeline : {false, true}) {
    AnalyzerOptions o;
    o.pipeline = pipeline;
    o.keep_message_list = false;
    std::vector<Call> calls;
    CaptureAnalyzer an(o, [&](Call&& c) { calls.push_back(std::move(c)); });
    const auto reg = request("DBREGISTER", "r");
    auto ok = reg.substr(reg.find("\r\n"));
    ok = "SIP/2.0 200 OK" + ok;
    an.addFrame(vs::proto::pkt::link::kIpv4, vs::test::udp(1, 5060, 2, 5060, vs::test::text(reg)), 1'000'000, 1);
    an.addFrame(vs::proto::pkt::link::kIpv4, vs::test::udp(2, 5060, 1, 5060, vs::test::text(ok)), 2'000'000, 2);
    an.finish();
    const auto& st = an.stats();
    ASSERT_EQ(st.malformed_list.size(), 1U) << "pipeline " << pipeline;
    EXPECT_EQ(st.malformed_list[0].frame, 1U);
    EXPECT_EQ(st.malformed_list[0].reason, "SIP: junk 'DB' before the REGISTER request line");
    ASSERT_EQ(calls.size(), 1U);
    ASSERT_EQ(calls[0].legs.size(), 1U);
    EXPECT_EQ(calls[0].legs[0].requests_by_method,
              (std::vector<std::pair<std::string, std::uint64_t>>{{"REGISTER", 1}}));
    EXPECT_EQ(calls[0].legs[0].responses_by_status, (std::vector<std::pair<int, std::uint64_t>>{{200, 1}}));
    EXPECT_EQ(st.sip.requests_by_method.at("REGISTER"), 1U);
  }
}

}  // namespace
