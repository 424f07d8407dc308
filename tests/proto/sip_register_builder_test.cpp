#include <gtest/gtest.h>

#include <string>

#include "proto/sip/message.h"
#include "proto/sip/register_builder.h"

namespace vs::proto::sip {
namespace {

RegisterRequestParams base() {
  RegisterRequestParams p;
  p.local_host = "192.0.2.10";
  p.local_port = 40000;
  p.user = "alice";
  p.domain = "voipscope.test";
  p.expires = 300;
  return p;
}

TEST(SipRegisterBuilder, FirstRegisterFieldByField) {
  auto r = buildRegister(base());
  auto m = parseMessage(r.bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->isRequest());
  EXPECT_EQ(m->requestLine().method, "REGISTER");
  EXPECT_EQ(m->requestLine().uri, "sip:voipscope.test");
  EXPECT_EQ(r.request_uri, "sip:voipscope.test");
  EXPECT_EQ(m->header("To"), std::optional<std::string_view>("<sip:alice@voipscope.test>"));
  EXPECT_EQ(m->header("From"), std::optional<std::string_view>("<sip:alice@voipscope.test>;tag=" + r.from_tag));
  EXPECT_EQ(r.from_tag.size(), 12u);
  EXPECT_EQ(m->callId(), r.call_id);
  EXPECT_NE(r.call_id.find("@192.0.2.10"), std::string::npos);
  ASSERT_TRUE(m->cseq().has_value());
  EXPECT_EQ(m->cseq()->number, 1u);
  EXPECT_EQ(m->cseq()->method, "REGISTER");
  auto via = m->topVia();
  ASSERT_TRUE(via.has_value());
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->sent_by, "192.0.2.10:40000");
  EXPECT_EQ(via->branch, r.branch);
  EXPECT_EQ(r.branch.rfind("z9hG4bK", 0), 0u);
  EXPECT_TRUE(via->has_rport);
  EXPECT_EQ(m->header("Contact"), std::optional<std::string_view>("<sip:alice@192.0.2.10:40000>;expires=300"));
  EXPECT_EQ(r.contact_uri, "sip:alice@192.0.2.10:40000");
  EXPECT_EQ(m->header("Expires"), std::optional<std::string_view>("300"));
  EXPECT_EQ(m->header("Max-Forwards"), std::optional<std::string_view>("70"));
  EXPECT_EQ(m->header("User-Agent"), std::optional<std::string_view>("voipscope"));
  EXPECT_EQ(m->header("Content-Length"), std::optional<std::string_view>("0"));
  EXPECT_FALSE(m->header("Authorization").has_value());
  EXPECT_FALSE(m->header("Proxy-Authorization").has_value());
  EXPECT_TRUE(m->body().empty());
}

TEST(SipRegisterBuilder, RefreshKeepsCallIdAndTagWithNewBranchAndAuth) {
  auto first = buildRegister(base());
  auto p = base();
  p.call_id = first.call_id;
  p.from_tag = first.from_tag;
  p.cseq = 2;
  p.authorization = "Digest username=\"alice\", response=\"x\"";
  p.proxy_authorization = "Digest username=\"alice\", response=\"y\"";
  auto second = buildRegister(p);
  auto m = parseMessage(second.bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->callId(), first.call_id);
  EXPECT_EQ(m->fromTag(), first.from_tag);
  EXPECT_EQ(m->cseq()->number, 2u);
  EXPECT_NE(second.branch, first.branch);
  EXPECT_EQ(m->header("Authorization"), std::optional<std::string_view>(p.authorization));
  EXPECT_EQ(m->header("Proxy-Authorization"), std::optional<std::string_view>(p.proxy_authorization));
}

TEST(SipRegisterBuilder, TcpIpv6ContactOverrideAndOptions) {
  auto p = base();
  p.transport = "TCP";
  p.local_host = "2001:db8::5";
  p.local_port = 5070;
  p.contact_host = "2001:db8::7";
  p.contact_port = 6000;
  p.domain = "[2001:db8::1]:5080";
  p.max_forwards = 5;
  p.user_agent = "";
  auto r = buildRegister(p);
  auto m = parseMessage(r.bytes);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->requestLine().uri, "sip:[2001:db8::1]:5080");
  EXPECT_EQ(m->topVia()->transport, "TCP");
  EXPECT_EQ(m->topVia()->sent_by, "[2001:db8::5]:5070");
  EXPECT_EQ(m->header("Contact"),
            std::optional<std::string_view>("<sip:alice@[2001:db8::7]:6000;transport=tcp>;expires=300"));
  EXPECT_NE(r.call_id.find("@[2001:db8::5]"), std::string::npos);
  EXPECT_EQ(m->header("Max-Forwards"), std::optional<std::string_view>("5"));
  EXPECT_FALSE(m->header("User-Agent").has_value());
}

TEST(SipRegisterBuilder, UnregisterQueryAndWildcard) {
  auto p = base();
  p.expires = 0;
  auto un_req = buildRegister(p);
  auto un = parseMessage(un_req.bytes);
  ASSERT_TRUE(un.ok());
  EXPECT_EQ(un->header("Contact"), std::optional<std::string_view>("<sip:alice@192.0.2.10:40000>;expires=0"));
  EXPECT_EQ(un->header("Expires"), std::optional<std::string_view>("0"));

  p.contact_mode = ContactMode::kQuery;
  auto q = buildRegister(p);
  auto qm = parseMessage(q.bytes);
  ASSERT_TRUE(qm.ok());
  EXPECT_FALSE(qm->header("Contact").has_value());
  EXPECT_FALSE(qm->header("Expires").has_value());
  EXPECT_TRUE(q.contact_uri.empty());

  p.contact_mode = ContactMode::kWildcard;
  p.expires = 3600;  // ignored: "*" is only valid with Expires: 0
  auto w_req = buildRegister(p);
  auto w = parseMessage(w_req.bytes);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->header("Contact"), std::optional<std::string_view>("*"));
  EXPECT_EQ(w->header("Expires"), std::optional<std::string_view>("0"));
}

TEST(SipRegisterBuilder, ExplicitRequestUri) {
  auto p = base();
  p.request_uri = "sip:registrar.voipscope.test:5080";
  auto r = buildRegister(p);
  EXPECT_EQ(r.bytes.rfind("REGISTER sip:registrar.voipscope.test:5080 SIP/2.0\r\n", 0), 0u);
  EXPECT_EQ(r.request_uri, p.request_uri);
}

}  // namespace
}  // namespace vs::proto::sip
