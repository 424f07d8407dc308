// sip_register against a real registrar: Kamailio with the auth, registrar and usrloc modules on a
// loopback port (tests/integration/kamailio_registrar.h), MD5 and SHA-256, UDP and TCP.
#include <gtest/gtest.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <string>

#include "integration/kamailio_registrar.h"
#include "probe/sip_register.h"
#include "probe/sip_test_support.h"

namespace vs::probe {
namespace {

using namespace std::chrono_literals;
using itest::KamailioRegistrar;
using itest::KamailioRegistrarOptions;
using testing::FakeResolver;

class SipRegisterKamailio : public ::testing::Test {
 public:  // shared with registerQueryUnregister below
  void SetUp() override {
    if (!KamailioRegistrar::available()) GTEST_SKIP() << "kamailio is not installed";
  }

  SipRegisterParams params(const KamailioRegistrar& k, SipTransport t = SipTransport::kUdp) {
    SipRegisterParams p;
    p.host = "127.0.0.1";
    p.port = k.port();
    p.transport = t;
    p.user = "alice";
    p.password = "s3cret";
    p.domain = "voipscope.test";  // the realm: Kamailio challenges with $td
    p.expires = 300;
    p.timeout = 8000ms;  // generous for a loaded CI box; the happy path takes milliseconds
    return p;
  }

  SipRegisterResult run(SipRegisterParams p, SipRegisterSession& s) {
    auto r = testing::runFor(ioc, sipRegister(resolver, std::move(p), s), 20000ms);
    EXPECT_TRUE(r.has_value()) << "sipRegister did not finish";
    return r.value_or(SipRegisterResult{});
  }

  static bool hasBinding(const SipRegisterResult& r, const std::string& contact) {
    return std::any_of(r.bindings.begin(), r.bindings.end(),
                       [&](const std::string& b) { return b.find("<" + contact + ">") != std::string::npos; });
  }

  asio::io_context ioc;
  FakeResolver resolver;
};

TEST_F(SipRegisterKamailio, RightPasswordRegistersInTwoRoundTrips) {
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  SipRegisterSession s;
  auto r = run(params(k), s);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRegistered) << r.detail << "\n" << r.raw_response << k.log();
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.round_trips, 2);  // 401, then 200
  EXPECT_EQ(r.challenges, 1);
  EXPECT_EQ(r.granted_expires, std::optional<std::uint32_t>(300));
  EXPECT_EQ(r.auth_algorithm, "MD5");
  EXPECT_EQ(r.auth_qop, "auth");
  EXPECT_TRUE(hasBinding(r, r.contact)) << r.raw_response;
  EXPECT_GT(r.latency_ms, 0);
  EXPECT_NE(r.raw_request.find("Authorization: Digest username=\"alice\""), std::string::npos);
  EXPECT_NE(r.raw_request.find("nc=00000001"), std::string::npos);
  EXPECT_EQ(s.next_cseq, 3u);
  EXPECT_EQ(s.call_id, r.call_id);
}

TEST_F(SipRegisterKamailio, WrongPasswordIsRejectedCleanly) {
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  SipRegisterSession s;
  auto p = params(k);
  p.password = "not-the-password";
  auto r = run(p, s);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRejected) << r.detail;
  EXPECT_EQ(r.status_code, 401);
  EXPECT_EQ(r.reason, "Unauthorized");
  EXPECT_EQ(r.round_trips, 2);
  EXPECT_NE(r.detail.find("credentials rejected"), std::string::npos) << r.detail;
  EXPECT_LT(r.latency_ms, 8000);  // decided by the second 401, not by the timeout

  // Unknown user: the config answers 403 before any challenge.
  SipRegisterSession s2;
  p.user = "mallory";
  auto r2 = run(p, s2);
  EXPECT_EQ(r2.outcome, SipRegisterOutcome::kRejected);
  EXPECT_EQ(r2.status_code, 403);
  EXPECT_EQ(r2.round_trips, 1);
  EXPECT_EQ(r2.challenges, 0);

  // No password: the challenge ends the attempt.
  SipRegisterSession s3;
  p.user = "alice";
  p.password = "";
  auto r3 = run(p, s3);
  EXPECT_EQ(r3.outcome, SipRegisterOutcome::kRejected);
  EXPECT_EQ(r3.status_code, 401);
  EXPECT_EQ(r3.round_trips, 1);
}

void registerQueryUnregister(SipRegisterKamailio& t, const KamailioRegistrar& k, SipTransport transport) {
  SipRegisterSession s;
  auto p = t.params(k, transport);
  auto reg = t.run(p, s);
  ASSERT_EQ(reg.outcome, SipRegisterOutcome::kRegistered) << reg.detail << "\n" << reg.raw_response;
  ASSERT_FALSE(reg.contact.empty());
  if (transport == SipTransport::kTcp) {
    EXPECT_NE(reg.contact.find(";transport=tcp"), std::string::npos);
  }

  // A query REGISTER (no Contact) lists the binding: the registrar really holds it.
  auto q = p;
  q.kind = SipRegisterKind::kQuery;
  auto listed = t.run(q, s);
  ASSERT_EQ(listed.outcome, SipRegisterOutcome::kRegistered) << listed.detail;
  EXPECT_TRUE(SipRegisterKamailio::hasBinding(listed, reg.contact)) << listed.raw_response;
  EXPECT_EQ(listed.call_id, reg.call_id);

  auto un = p;
  un.kind = SipRegisterKind::kUnregister;
  auto gone = t.run(un, s);
  EXPECT_EQ(gone.outcome, SipRegisterOutcome::kUnregistered) << gone.detail << "\n" << gone.raw_response;
  EXPECT_EQ(gone.status_code, 200);
  EXPECT_EQ(gone.round_trips, 2);  // challenged the same way
  EXPECT_NE(gone.raw_request.find("Expires: 0\r\n"), std::string::npos);
  EXPECT_EQ(gone.contact, reg.contact);

  auto after = t.run(q, s);
  ASSERT_EQ(after.outcome, SipRegisterOutcome::kRegistered) << after.detail;
  EXPECT_FALSE(SipRegisterKamailio::hasBinding(after, reg.contact)) << after.raw_response;
  EXPECT_TRUE(after.bindings.empty()) << after.raw_response;
  // Four attempts of two transactions each, one Call-ID, CSeq always increasing.
  EXPECT_EQ(s.next_cseq, 9u);
}

TEST_F(SipRegisterKamailio, UnregisterRemovesTheBindingUdp) {
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  registerQueryUnregister(*this, k, SipTransport::kUdp);
}

TEST_F(SipRegisterKamailio, RegisterAndUnregisterOverTcp) {
  KamailioRegistrar k;
  ASSERT_TRUE(k.ready()) << k.log();
  registerQueryUnregister(*this, k, SipTransport::kTcp);
}

TEST_F(SipRegisterKamailio, Sha256AndNonceReuseWithGrowingNc) {
  KamailioRegistrarOptions o;
  o.algorithm = "SHA-256";
  KamailioRegistrar k(o);
  ASSERT_TRUE(k.ready()) << k.log();
  SipRegisterSession s;
  auto p = params(k);
  auto r = run(p, s);
  ASSERT_EQ(r.outcome, SipRegisterOutcome::kRegistered) << r.detail << "\n" << r.raw_response << k.log();
  EXPECT_EQ(r.auth_algorithm, "SHA-256");
  EXPECT_EQ(r.round_trips, 2);
  EXPECT_NE(r.raw_request.find("algorithm=SHA-256"), std::string::npos);

  // A refresh answering the cached challenge up front: one round trip, nc=2 (Kamailio's nonce_count check
  // refuses an nc that does not grow), same Call-ID and Contact, so one binding is updated.
  p.reuse_challenge = true;
  p.expires = 600;
  auto refresh = run(p, s);
  ASSERT_EQ(refresh.outcome, SipRegisterOutcome::kRegistered) << refresh.detail << "\n" << refresh.raw_response;
  EXPECT_EQ(refresh.round_trips, 1);
  EXPECT_EQ(refresh.challenges, 0);
  EXPECT_NE(refresh.raw_request.find("nc=00000002"), std::string::npos) << refresh.raw_request;
  EXPECT_EQ(refresh.granted_expires, std::optional<std::uint32_t>(600));
  EXPECT_EQ(refresh.call_id, r.call_id);
  EXPECT_EQ(refresh.contact, r.contact);
  EXPECT_EQ(std::count_if(refresh.bindings.begin(), refresh.bindings.end(),
                          [&](const std::string& b) { return b.find(r.contact) != std::string::npos; }),
            1);

  // A replayed nc is refused: Kamailio re-challenges, and we answer the new nonce (2 round trips).
  s.www_nc = 1;
  auto replay = run(p, s);
  EXPECT_EQ(replay.outcome, SipRegisterOutcome::kRegistered) << replay.detail;
  EXPECT_EQ(replay.round_trips, 2);
  EXPECT_EQ(replay.challenges, 1);
}

}  // namespace
}  // namespace vs::probe
