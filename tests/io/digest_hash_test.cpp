// Digest authentication with the real (OpenSSL) hash against published vectors: RFC 2617 section 3.5,
// RFC 7616 section 3.9.1, and values computed independently with Python's hashlib where no RFC prints one.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "io/digest_hash.h"
#include "proto/sip/digest.h"

namespace vs::io {
namespace {

namespace sip = proto::sip;

sip::DigestChallenge challengeFrom(std::string_view header_value) {
  std::vector<std::string_view> values{header_value};
  auto parsed = sip::parseDigestChallenges(values);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok() || parsed->empty()) return {};
  return parsed->front();
}

std::map<std::string, std::string> paramsOf(std::string_view header_value) {
  auto parsed = sip::parseChallenges(header_value);
  EXPECT_TRUE(parsed.ok());
  std::map<std::string, std::string> out;
  if (!parsed.ok() || parsed->size() != 1) return out;
  for (const auto& [n, v] : parsed->front().params) out[n] = v;
  return out;
}

TEST(DigestHash, KnownDigests) {
  EXPECT_EQ(digestHash(sip::DigestHashFunction::kMd5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(digestHash(sip::DigestHashFunction::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(digestHash(sip::DigestHashFunction::kSha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestHash, Rfc2617Section3_5) {
  auto c = challengeFrom(
      "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
      "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  sip::DigestInput in;
  in.username = "Mufasa";
  in.password = "Circle Of Life";
  in.method = "GET";
  in.uri = "/dir/index.html";
  in.cnonce = "0a4f113b";
  in.nc = 1;
  auto a = sip::answerChallenge(c, in, &digestHash);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->response, "6629fae49393a05397450978507c4ef1");
  EXPECT_EQ(a->qop, "auth");
  // The Authorization header the RFC prints, parameter for parameter (order is free).
  auto expected = paramsOf(
      "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
      "uri=\"/dir/index.html\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
      "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
  ASSERT_EQ(expected.size(), 9u);
  EXPECT_EQ(paramsOf(a->header_value), expected) << a->header_value;
}

TEST(DigestHash, Rfc7616Section3_9_1PrefersSha256) {
  const std::string sha =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  const std::string md5 =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  // The RFC lists MD5 second; put it first so the choice is not by position.
  std::vector<std::string_view> headers{md5, sha};
  auto parsed = sip::parseDigestChallenges(headers);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  auto best = sip::chooseChallenge(*parsed);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(*best, 1u);

  sip::DigestInput in;
  in.username = "Mufasa";
  in.password = "Circle of Life";
  in.method = "GET";
  in.uri = "/dir/index.html";
  in.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  in.nc = 1;
  auto a256 = sip::answerChallenge((*parsed)[1], in, &digestHash);
  ASSERT_TRUE(a256.ok()) << a256.error().message;
  EXPECT_EQ(a256->response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  auto p = paramsOf(a256->header_value);
  EXPECT_EQ(p["algorithm"], "SHA-256");
  EXPECT_EQ(p["opaque"], "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  EXPECT_EQ(p["nc"], "00000001");

  auto amd5 = sip::answerChallenge((*parsed)[0], in, &digestHash);
  ASSERT_TRUE(amd5.ok());
  EXPECT_EQ(amd5->response, "8ca523f5e9506fed4657c9700eebdbec");
  EXPECT_EQ(paramsOf(amd5->header_value)["algorithm"], "MD5");
}

TEST(DigestHash, Rfc2069WithoutQop) {
  // RFC 2069's example credentials; expected value from Python hashlib (MD5(HA1:nonce:HA2)).
  auto c = challengeFrom("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
  sip::DigestInput in;
  in.username = "Mufasa";
  in.password = "CircleOfLife";
  in.method = "GET";
  in.uri = "/dir/index.html";
  auto a = sip::answerChallenge(c, in, &digestHash);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->response, "1949323746fe6a43ef61f9606e7febea");
  EXPECT_EQ(a->qop, "");
  auto p = paramsOf(a->header_value);
  EXPECT_EQ(p.count("qop"), 0u);
  EXPECT_EQ(p.count("nc"), 0u);
  EXPECT_EQ(p.count("cnonce"), 0u);
  EXPECT_EQ(p.count("algorithm"), 0u);  // the challenge named none
}

struct SessCase {
  std::string algorithm;
  std::string qop;
  std::string expected;  // Python hashlib
};

class DigestHashSess : public ::testing::TestWithParam<SessCase> {};

TEST_P(DigestHashSess, MatchesIndependentComputation) {
  const auto& tc = GetParam();
  auto c = challengeFrom("Digest realm=\"voipscope.test\", nonce=\"abc123\", algorithm=" + tc.algorithm + ", qop=\"" +
                         tc.qop + "\"");
  sip::DigestInput in;
  in.username = "alice";
  in.password = "s3cret";
  in.method = "REGISTER";
  in.uri = "sip:voipscope.test";
  in.cnonce = "0a4f113b";
  in.nc = 1;
  auto a = sip::answerChallenge(c, in, &digestHash);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->response, tc.expected);
  EXPECT_EQ(a->qop, tc.qop);
}

INSTANTIATE_TEST_SUITE_P(Vectors, DigestHashSess,
                         ::testing::Values(SessCase{"MD5-sess", "auth", "1ec6f7724829064da5b3bb794d79d9aa"},
                                           SessCase{"SHA-256-sess", "auth",
                                                    "322447b12395054bb311d7128aa1b5239dcca0d9cfe2cf79de7175a164727d5b"},
                                           SessCase{"MD5", "auth-int", "58c5d0804721d6f8013956e81aff4051"},
                                           SessCase{
                                               "SHA-256", "auth-int",
                                               "acb72b1e454864eecb126b2a65d8323bc19e370753ae3d8e2e442405c8ed9008"}));

}  // namespace
}  // namespace vs::io
