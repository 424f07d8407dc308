// Challenge parsing and digest formatting, with a fake hash that spells out its input ("md5(...)"), so
// each expected response below is the RFC 7616 section 3.4.1 formula written out by hand.
// The real-hash vectors (RFC 2617, RFC 7616) are in tests/io/digest_hash_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "proto/sip/digest.h"

namespace vs::proto::sip {
namespace {

std::string fakeHash(DigestHashFunction f, std::string_view data) {
  return std::string(f == DigestHashFunction::kSha256 ? "sha256(" : "md5(") + std::string(data) + ")";
}

std::vector<AuthChallenge> parseOk(std::string_view v) {
  auto r = parseChallenges(v);
  EXPECT_TRUE(r.ok()) << v << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<AuthChallenge>{};
}

Error parseErr(std::string_view v) {
  auto r = parseChallenges(v);
  EXPECT_FALSE(r.ok()) << v;
  return r.ok() ? Error{} : r.error();
}

DigestChallenge digestOf(std::string_view v) {
  std::vector<std::string_view> values{v};
  auto r = parseDigestChallenges(values);
  EXPECT_TRUE(r.ok()) << v << ": " << (r.ok() ? "" : r.error().message);
  if (!r.ok() || r->empty()) return {};
  return r->front();
}

TEST(SipDigestParse, KamailioStyleChallenge) {
  auto c = digestOf(
      "Digest realm=\"voipscope.test\", nonce=\"Y5QbA2OUGddkfOu9c0LYs1FmMqoq0LAJ\", qop=\"auth\", "
      "algorithm=SHA-256");
  EXPECT_EQ(c.realm, "voipscope.test");
  EXPECT_EQ(c.nonce, "Y5QbA2OUGddkfOu9c0LYs1FmMqoq0LAJ");
  EXPECT_TRUE(c.has_qop);
  EXPECT_TRUE(c.qop_auth);
  EXPECT_FALSE(c.qop_auth_int);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256);
  EXPECT_EQ(c.algorithm_name, "SHA-256");
  EXPECT_FALSE(c.has_opaque);
  EXPECT_FALSE(c.stale);
  EXPECT_TRUE(c.supported());
}

TEST(SipDigestParse, CaseInsensitiveNamesTokensAndEscapes) {
  auto all = parseOk(
      "dIgEsT REALM=\"a \\\"quoted\\\" \\\\ realm\" ,NONCE=n1,Stale=TRUE,  ALGORITHM=md5-SESS,"
      "qop=\"auth-int , AUTH\",opaque=\"\"");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].scheme, "dIgEsT");
  EXPECT_EQ(all[0].param("Realm"), std::optional<std::string_view>("a \"quoted\" \\ realm"));
  auto d = toDigestChallenge(all[0]);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->nonce, "n1");
  EXPECT_TRUE(d->stale);
  EXPECT_EQ(d->algorithm, DigestAlgorithm::kMd5Sess);
  EXPECT_TRUE(d->qop_auth);
  EXPECT_TRUE(d->qop_auth_int);
  EXPECT_TRUE(d->has_opaque);  // present though empty: must be echoed
  EXPECT_EQ(d->opaque, "");
}

TEST(SipDigestParse, SeveralChallengesInOneHeader) {
  auto all = parseOk(
      "Basic realm=\"x\", Digest realm=\"r\", nonce=\"1\", algorithm=MD5, Negotiate, "
      "Bearer abc+/def==, Digest nonce=2, realm=r, algorithm=SHA-256");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].scheme, "Basic");
  EXPECT_EQ(all[0].param("realm"), std::optional<std::string_view>("x"));
  EXPECT_EQ(all[1].params.size(), 3u);
  EXPECT_EQ(all[2].scheme, "Negotiate");
  EXPECT_TRUE(all[2].params.empty());
  EXPECT_EQ(all[3].scheme, "Bearer");
  EXPECT_EQ(all[3].token68, "abc+/def==");
  EXPECT_EQ(all[4].param("nonce"), std::optional<std::string_view>("2"));
  EXPECT_EQ(all[4].offset, std::string_view("Basic realm=\"x\", Digest realm=\"r\", nonce=\"1\", algorithm=MD5, "
                                            "Negotiate, Bearer abc+/def==, ")
                               .size());

  std::string value(
      "Basic realm=\"x\", Digest realm=\"r\", nonce=\"1\", algorithm=MD5, Negotiate, "
      "Bearer abc+/def==, Digest nonce=2, realm=r, algorithm=SHA-256");
  std::vector<std::string_view> values{value};
  auto digests = parseDigestChallenges(values);
  ASSERT_TRUE(digests.ok());
  ASSERT_EQ(digests->size(), 2u);
  EXPECT_EQ((*digests)[0].nonce, "1");
  EXPECT_EQ((*digests)[1].algorithm, DigestAlgorithm::kSha256);
}

TEST(SipDigestParse, EmptyListElementsAndWhitespace) {
  auto all = parseOk(" ,, Digest\trealm = \"r\" ,, nonce= n ,");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].param("realm"), std::optional<std::string_view>("r"));
  EXPECT_EQ(all[0].param("nonce"), std::optional<std::string_view>("n"));
  EXPECT_TRUE(parseOk("").empty());
}

TEST(SipDigestParse, MalformedHeadersGiveOffsets) {
  // Unterminated quoted-string: the offset is the opening quote.
  EXPECT_EQ(parseErr("Digest realm=\"abc, nonce=1").offset, 13u);
  // "realm=" alone is a valid token68 (RFC 7235), so the error is the next "challenge", "nonce=1".
  auto e = parseErr("Digest realm=, nonce=1");
  EXPECT_EQ(e.offset, 20u) << e.message;
  e = parseErr("Digest realm=\"r\", ;");
  EXPECT_EQ(e.offset, 18u) << e.message;  // the ";"
  e = parseErr("Digest realm=\"a\" nonce=\"b\"");
  EXPECT_EQ(e.offset, 17u);
  EXPECT_NE(e.message.find("expected ','"), std::string::npos) << e.message;
  e = parseErr("Digest realm=a, Realm=b");
  EXPECT_EQ(e.offset, 16u);
  EXPECT_NE(e.message.find("duplicate"), std::string::npos);
  EXPECT_EQ(parseErr("=Digest").offset, 0u);
  EXPECT_EQ(parseErr("Digest realm=\"a\r\nX: injected\", nonce=1").offset, 15u);
  EXPECT_EQ(parseErr("Digest\x01 realm=a").offset, 6u);
  EXPECT_EQ(parseErr("Digest realm=\"ends with backslash\\").offset, 13u);
  EXPECT_FALSE(parseChallenges(std::string(kMaxChallengeBytes + 1, 'a')).ok());
}

TEST(SipDigestParse, DigestWithoutNonceOrRealmIsAnError) {
  std::string v = "Basic realm=x, Digest realm=\"r\"";
  std::vector<std::string_view> values{v};
  auto r = parseDigestChallenges(values);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().offset, 15u);
  EXPECT_NE(r.error().message.find("nonce"), std::string::npos);
  auto c = parseOk("Digest nonce=1");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_FALSE(toDigestChallenge(c[0]).ok());
  auto basic = parseOk("Basic realm=x");
  EXPECT_FALSE(toDigestChallenge(basic[0]).ok());
}

TEST(SipDigestChoose, StrongestSupportedChallenge) {
  std::vector<DigestChallenge> cs{
      digestOf("Digest realm=r, nonce=1, algorithm=MD5, qop=\"auth\""),
      digestOf("Digest realm=r, nonce=2, algorithm=SHA-512-256, qop=\"auth\""),
      digestOf("Digest realm=r, nonce=3, algorithm=SHA-256, qop=\"auth-int\""),
      digestOf("Digest realm=r, nonce=4, algorithm=SHA-256, qop=\"auth\""),
      digestOf("Digest realm=r, nonce=5, algorithm=SHA-256"),
  };
  EXPECT_FALSE(cs[1].supported());
  EXPECT_EQ(chooseChallenge(cs), std::optional<std::size_t>(3));
  cs.erase(cs.begin() + 3);
  EXPECT_EQ(chooseChallenge(cs), std::optional<std::size_t>(2));  // SHA-256 auth-int over MD5 auth
  std::vector<DigestChallenge> only_unsupported{
      digestOf("Digest realm=r, nonce=1, algorithm=AKAv1-MD5"),
      digestOf("Digest realm=r, nonce=1, qop=\"auth-conf\""),
  };
  EXPECT_FALSE(chooseChallenge(only_unsupported).has_value());
  EXPECT_FALSE(chooseChallenge(std::vector<DigestChallenge>{}).has_value());
}

TEST(SipDigestAnswer, QopAuthFormula) {
  auto c = digestOf("Digest realm=\"voipscope.test\", nonce=\"N\", opaque=\"O\", qop=\"auth,auth-int\", algorithm=MD5");
  DigestInput in{"alice", "pw", "REGISTER", "sip:voipscope.test", "", "CN", 1};
  auto a = answerChallenge(c, in, &fakeHash);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->response, "md5(md5(alice:voipscope.test:pw):N:00000001:CN:auth:md5(REGISTER:sip:voipscope.test))");
  EXPECT_EQ(a->qop, "auth");
  EXPECT_EQ(a->header_value,
            "Digest username=\"alice\", realm=\"voipscope.test\", nonce=\"N\", uri=\"sip:voipscope.test\", "
            "response=\"md5(md5(alice:voipscope.test:pw):N:00000001:CN:auth:md5(REGISTER:sip:voipscope.test))\", "
            "algorithm=MD5, cnonce=\"CN\", opaque=\"O\", qop=auth, nc=00000001");
}

TEST(SipDigestAnswer, SessAuthIntAndNoQop) {
  auto sess = digestOf("Digest realm=r, nonce=N, algorithm=SHA-256-sess, qop=auth-int");
  DigestInput in{"u", "p", "REGISTER", "sip:d", "BODY", "C", 0x1a};
  auto a = answerChallenge(sess, in, &fakeHash);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->response, "sha256(sha256(sha256(u:r:p):N:C):N:0000001a:C:auth-int:sha256(REGISTER:sip:d:sha256(BODY)))");
  EXPECT_NE(a->header_value.find("algorithm=SHA-256-sess"), std::string::npos);
  EXPECT_NE(a->header_value.find("qop=auth-int, nc=0000001a"), std::string::npos);

  auto plain = digestOf("Digest realm=r, nonce=N");
  in.cnonce = "";
  a = answerChallenge(plain, in, &fakeHash);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->response, "md5(md5(u:r:p):N:md5(REGISTER:sip:d))");
  EXPECT_EQ(a->header_value.find("cnonce"), std::string::npos);
  EXPECT_EQ(a->header_value.find("nc="), std::string::npos);
  EXPECT_EQ(a->header_value.find("opaque"), std::string::npos);
}

TEST(SipDigestAnswer, RefusesWhatItCannotAnswerSafely) {
  DigestInput in{"u", "p", "REGISTER", "sip:d", "", "", 1};
  EXPECT_FALSE(answerChallenge(digestOf("Digest realm=r, nonce=N, qop=auth"), in, &fakeHash).ok());  // no cnonce
  in.cnonce = "C";
  EXPECT_FALSE(answerChallenge(digestOf("Digest realm=r, nonce=N, algorithm=SHA-512-256"), in, &fakeHash).ok());
  EXPECT_FALSE(answerChallenge(digestOf("Digest realm=r, nonce=N, qop=auth-conf"), in, &fakeHash).ok());
  in.username = "u\r\nVia: x";
  EXPECT_FALSE(answerChallenge(digestOf("Digest realm=r, nonce=N"), in, &fakeHash).ok());
}

TEST(SipDigestAnswer, QuotedValuesRoundTrip) {
  auto c = digestOf(R"(Digest realm="we \"quote\" \\ here", nonce="n\\o")");
  EXPECT_EQ(c.realm, "we \"quote\" \\ here");
  EXPECT_EQ(c.nonce, "n\\o");
  DigestInput in{"a\"b", "p", "REGISTER", "sip:d", "", "C", 1};
  auto a = answerChallenge(c, in, &fakeHash);
  ASSERT_TRUE(a.ok());
  auto back = parseChallenges(a->header_value);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].param("realm"), std::optional<std::string_view>(c.realm));
  EXPECT_EQ((*back)[0].param("nonce"), std::optional<std::string_view>("n\\o"));
  EXPECT_EQ((*back)[0].param("username"), std::optional<std::string_view>("a\"b"));
  EXPECT_EQ(quoteString("x\"y\\"), "\"x\\\"y\\\\\"");
}

TEST(SipDigestClient, NonceCountPerNonce) {
  DigestClient client("alice", "pw", &fakeHash);
  EXPECT_FALSE(client.authorize("REGISTER", "sip:d").ok());  // nothing to answer yet
  client.setChallenge(digestOf("Digest realm=r, nonce=A, qop=auth"));
  for (std::string expected : {"00000001", "00000002", "00000003"}) {
    auto a = client.authorize("REGISTER", "sip:d", "", "C");
    ASSERT_TRUE(a.ok());
    EXPECT_NE(a->header_value.find("nc=" + expected), std::string::npos) << a->header_value;
  }
  client.setChallenge(digestOf("Digest realm=r, nonce=A, qop=auth"));  // same nonce again: keep counting
  EXPECT_NE(client.authorize("REGISTER", "sip:d", "", "C")->header_value.find("nc=00000004"), std::string::npos);
  client.setChallenge(digestOf("Digest realm=r, nonce=B, qop=auth"));
  EXPECT_NE(client.authorize("REGISTER", "sip:d", "", "C")->header_value.find("nc=00000001"), std::string::npos);
  client.restore(digestOf("Digest realm=r, nonce=Z, qop=auth"), 0xff);
  EXPECT_NE(client.authorize("REGISTER", "sip:d", "", "C")->header_value.find("nc=00000100"), std::string::npos);
  EXPECT_EQ(client.lastNonceCount(), 0x100u);
  // A random cnonce when none is given, different each time.
  auto a1 = client.authorize("REGISTER", "sip:d");
  auto a2 = client.authorize("REGISTER", "sip:d");
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto cn = [](const std::string& h) { return h.substr(h.find("cnonce=")); };
  EXPECT_NE(cn(a1->header_value), cn(a2->header_value));
}

TEST(SipDigestNames, AlgorithmNames) {
  EXPECT_EQ(parseDigestAlgorithm("sha-256-SESS"), DigestAlgorithm::kSha256Sess);
  EXPECT_EQ(parseDigestAlgorithm("MD5"), DigestAlgorithm::kMd5);
  EXPECT_FALSE(parseDigestAlgorithm("SHA-512-256").has_value());
  EXPECT_FALSE(parseDigestAlgorithm("").has_value());
  EXPECT_EQ(formatNonceCount(255), "000000ff");
  EXPECT_EQ(formatNonceCount(0xffffffffu), "ffffffff");
}

}  // namespace
}  // namespace vs::proto::sip
