#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::proto::sip {
namespace {

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(VOIPSCOPE_SOURCE_DIR) + "/tests/proto/data/sip/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SipBuilder, OptionsRequestRoundTrips) {
  OptionsRequestParams p;
  p.local_host = "127.0.0.1";
  p.local_port = 5062;
  p.target_host = "192.0.2.1";
  p.target_port = 5060;
  auto r = buildOptions(p);
  auto m = parseMessage(r.bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_TRUE(m->isRequest());
  EXPECT_EQ(m->requestLine().method, "OPTIONS");
  EXPECT_EQ(m->requestLine().uri, "sip:192.0.2.1:5060");
  auto via = m->topVia();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->protocol, "SIP/2.0/UDP");
  EXPECT_EQ(via->sent_by, "127.0.0.1:5062");
  EXPECT_EQ(via->branch, r.branch);
  EXPECT_EQ(r.branch.rfind("z9hG4bK", 0), 0u);
  EXPECT_GT(r.branch.size(), 7u + 16u);
  EXPECT_TRUE(via->has_rport);
  EXPECT_EQ(m->header("Max-Forwards"), "70");
  EXPECT_EQ(m->header("From"), "<sip:voipscope@127.0.0.1>;tag=" + r.from_tag);
  EXPECT_EQ(m->fromTag(), r.from_tag);
  EXPECT_TRUE(m->toTag().empty());
  EXPECT_EQ(m->header("To"), "<sip:192.0.2.1:5060>");
  EXPECT_EQ(m->callId(), r.call_id);
  EXPECT_NE(r.call_id.find("@127.0.0.1"), std::string::npos);
  EXPECT_EQ(m->cseq()->number, 1u);
  EXPECT_EQ(m->cseq()->method, "OPTIONS");
  EXPECT_EQ(m->header("Contact"), "<sip:voipscope@127.0.0.1:5062>");
  EXPECT_EQ(m->header("Accept"), "application/sdp");
  EXPECT_EQ(m->header("User-Agent"), "voipscope");
  EXPECT_EQ(m->header("Content-Length"), "0");
  EXPECT_TRUE(m->body().empty());
  EXPECT_EQ(m->consumed(), r.bytes.size());

  auto r2 = buildOptions(p);
  EXPECT_NE(r.call_id, r2.call_id);
  EXPECT_NE(r.branch, r2.branch);
  EXPECT_NE(r.from_tag, r2.from_tag);
}

TEST(SipBuilder, OptionsOverTcpWithIpv6AndFixedIds) {
  OptionsRequestParams p;
  p.transport = "TCP";
  p.local_host = "::1";
  p.local_port = 40000;
  p.target_host = "2001:db8::5";
  p.target_port = 5080;
  p.from_domain = "example.org";
  p.to_user = "ping";
  p.max_forwards = 5;
  p.cseq = 42;
  p.call_id = "cid-1";
  p.branch = "z9hG4bKfixed";
  p.from_tag = "ft";
  auto r = buildOptions(p);
  auto m = parseMessage(r.bytes, false);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->requestLine().uri, "sip:ping@[2001:db8::5]:5080;transport=tcp");
  EXPECT_EQ(m->topVia()->protocol, "SIP/2.0/TCP");
  EXPECT_EQ(m->topVia()->sent_by, "[::1]:40000");
  EXPECT_EQ(m->topVia()->branch, "z9hG4bKfixed");
  EXPECT_EQ(m->header("From"), "<sip:voipscope@example.org>;tag=ft");
  EXPECT_EQ(m->header("Max-Forwards"), "5");
  EXPECT_EQ(m->callId(), "cid-1");
  EXPECT_EQ(m->cseq()->number, 42u);
}

TEST(SipBuilder, ResponseCopiesTransactionHeadersLikeARealServer) {
  // long_path_200 is the real answer to long_path_options in the same capture: ours must carry the
  // same Vias, From, Call-ID and CSeq.
  auto req_bytes = readFixture("long_path_options.sip");
  auto real_bytes = readFixture("long_path_200.sip");
  auto req = parseMessage(req_bytes);
  auto real = parseMessage(real_bytes);
  ASSERT_TRUE(req.ok() && real.ok());
  ResponseParams rp;
  rp.status_code = 200;
  rp.server = "voipscope-test";
  rp.to_tag = "2";
  auto out = buildResponse(*req, rp);
  auto m = parseMessage(out);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_TRUE(m->isResponse());
  EXPECT_EQ(m->startLine(), "SIP/2.0 200 OK");
  auto ours = m->vias();
  auto theirs = real->vias();
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) EXPECT_EQ(ours[i].value, theirs[i].value);
  EXPECT_EQ(m->header("From"), real->header("From"));
  EXPECT_EQ(m->header("To"), real->header("To"));
  EXPECT_EQ(m->callId(), real->callId());
  EXPECT_EQ(m->header("CSeq"), real->header("CSeq"));
  EXPECT_EQ(m->header("Server"), "voipscope-test");
  EXPECT_EQ(m->header("Content-Length"), "0");
}

TEST(SipBuilder, ResponseTagsAndBody) {
  auto req = parseMessage(std::string_view(
      "INFO sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bKx\r\nf: <sip:c@d>;tag=1\r\nt: <sip:a@b>\r\n"
      "i: call\r\nCSeq: 3 INFO\r\nl: 0\r\n\r\n"));
  ASSERT_TRUE(req.ok());
  ResponseParams rp;
  rp.status_code = 501;
  rp.body = "hello";
  rp.content_type = "text/plain";
  rp.extra_headers = {{"Allow", "OPTIONS"}};
  auto bytes = buildResponse(*req, rp);
  auto m = parseMessage(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->statusLine().code, 501);
  EXPECT_EQ(m->statusLine().reason, "Not Implemented");
  EXPECT_FALSE(m->toTag().empty());
  EXPECT_EQ(m->fromTag(), "1");
  EXPECT_EQ(m->callId(), "call");
  EXPECT_EQ(m->topVia()->branch, "z9hG4bKx");
  EXPECT_EQ(m->body(), "hello");
  EXPECT_EQ(m->header("Allow"), "OPTIONS");

  rp = ResponseParams{};
  rp.status_code = 100;
  auto trying_bytes = buildResponse(*req, rp);
  auto trying = parseMessage(trying_bytes);
  ASSERT_TRUE(trying.ok());
  EXPECT_TRUE(trying->toTag().empty());  // 100 Trying never adds a tag
}

}  // namespace
}  // namespace vs::proto::sip
