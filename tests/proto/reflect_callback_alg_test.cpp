// The reflect TLVs (callback request / accepted / callback) round trip and stay skippable, and the SIP
// ALG diff names exactly the fields a hand-made rewrite changed.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "proto/reflect/message.h"
#include "proto/sip/alg_diff.h"

namespace vs::proto {
namespace {

TEST(ReflectTlv, ProbeCallbackRequestRoundTripsAndAReplyCarriesItsVerdict) {
  reflect::Probe p;
  p.common.session = 7;
  const std::array<std::byte, 3> cb{std::byte{0x00}, std::byte{0x0C}, std::byte{reflect::kCallbackFromAltPort}};
  p.tlvs.push_back({reflect::kTlvCallbackRequest, cb});
  std::vector<std::byte> buf(64);
  auto n = reflect::writeProbe(buf, p);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, reflect::kProbeSize + 5);
  auto back = reflect::parseProbe(buf);
  ASSERT_TRUE(back.ok()) << back.error().message;
  auto req = reflect::callbackRequest(back->tlvs);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->delaySeconds, 12);
  EXPECT_EQ(req->flags, reflect::kCallbackFromAltPort);

  reflect::Reply r;
  r.common.type = reflect::Type::kReply;
  const std::array<std::byte, 2> delay{std::byte{0}, std::byte{12}};
  r.tlvs.push_back({reflect::kTlvCallbackAccepted, delay});
  r.tlvs.push_back({200, {}});  // an unknown TLV: skipped by readers
  std::vector<std::byte> out(256);
  auto m = reflect::writeReply(out, r);
  ASSERT_TRUE(m.ok());
  auto rr = reflect::parseReply(out);
  ASSERT_TRUE(rr.ok()) << rr.error().message;
  EXPECT_EQ(reflect::tlvU16(rr->tlvs, reflect::kTlvCallbackAccepted), 12);
  EXPECT_FALSE(reflect::findTlv(rr->tlvs, reflect::kTlvCallback));
}

TEST(ReflectTlv, AProbeWithoutTlvsIsUnchangedAndATruncatedTlvIsAnError) {
  reflect::Probe p;
  std::vector<std::byte> buf(reflect::kProbeSize);
  ASSERT_EQ(*reflect::writeProbe(buf, p), reflect::kProbeSize);  // the version-1 layout, byte for byte
  EXPECT_TRUE(reflect::parseProbe(buf)->tlvs.empty());
  // headerLength claims 3 more bytes holding a TLV whose length runs past them.
  std::vector<std::byte> bad(reflect::kProbeSize + 3);
  std::copy(buf.begin(), buf.end(), bad.begin());
  bad[7] = std::byte{static_cast<unsigned char>(reflect::kProbeSize + 3)};
  bad[reflect::kProbeSize] = std::byte{1};
  bad[reflect::kProbeSize + 1] = std::byte{9};
  auto r = reflect::parseProbe(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("TLV"), std::string::npos);
}

TEST(SipAlgDiff, NamesTheRewrittenFieldsOnly) {
  const std::string sent =
      "OPTIONS sip:a@198.18.0.9 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport\r\n"
      "From: <sip:u@10.0.0.5>;tag=1\r\nTo: <sip:a@198.18.0.9>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n"
      "Contact: <sip:u@10.0.0.5:5060>\r\nContent-Type: application/sdp\r\nContent-Length: 48\r\n\r\n"
      "v=0\r\nc=IN IP4 10.0.0.5\r\nm=audio 4000 RTP/AVP 0\r\n";
  std::string got = sent;
  auto rep = [&](const std::string& a, const std::string& b) { got.replace(got.find(a), a.size(), b); };
  rep("Contact: <sip:u@10.0.0.5:5060>", "Contact: <sip:u@203.0.113.7:5060>");
  rep("c=IN IP4 10.0.0.5", "c=IN IP4 203.0.113.7");
  rep("m=audio 4000", "m=audio 14000");
  rep("Content-Length: 48", "Content-Length: 52");
  auto a = sip::parseMessage(sent, true, true);
  auto b = sip::parseMessage(got, true, true);
  ASSERT_TRUE(a.ok() && b.ok());
  auto d = sip::diffForAlg(*a, *b);
  ASSERT_EQ(d.size(), 4U);
  EXPECT_EQ(d[0].field, "Contact");
  EXPECT_EQ(d[0].sent, "10.0.0.5:5060");
  EXPECT_EQ(d[0].received, "203.0.113.7:5060");
  EXPECT_EQ(d[1].field, "Content-Length");
  EXPECT_EQ(d[2].field, "SDP c=");
  EXPECT_EQ(d[3].field, "SDP m=");
  EXPECT_EQ(d[3].received, "m=audio 14000 RTP/AVP 0");
  EXPECT_TRUE(sip::diffForAlg(*a, *a).empty());
  EXPECT_EQ(sip::contactHostPort("\"x\" <sips:bob@[fd00::1]:5061;transport=tls>;expires=60"), "[fd00::1]:5061");
}

}  // namespace
}  // namespace vs::proto
