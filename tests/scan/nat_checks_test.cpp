// nat and sip_alg: the grading rules on NatResult values made up to look like each kind of NAT the
// integration test (tests/integration/nat_scan_test.cpp) builds for real, plus the template keys.
#include <gtest/gtest.h>

#include "scan/evaluate.h"
#include "scan/runner.h"
#include "scan/template.h"

namespace vs::scan {
namespace {

CheckSpec spec(std::string type, std::map<std::string, ParamValue> params = {}) {
  CheckSpec s;
  s.id = "c1";
  s.type = std::move(type);
  s.params = std::move(params);
  s.remediation = "see the router";
  return s;
}

probe::NatResult masquerade() {
  probe::NatResult r;
  r.ok = true;
  r.remote = "198.19.0.2:5004";
  r.local_address = "198.18.1.2:40123";
  r.mapped = "198.19.0.1:40123";
  r.mapped_alt = "198.19.0.1:40123";
  r.alt_address = "198.18.0.3";
  r.mapped_alt_address = "198.19.0.1:40123";
  r.nat = true;
  r.port_preserved = true;
  r.mapping = "endpoint-independent";
  r.mapping_address_tested = true;
  r.filtering = "address-and-port-dependent";
  return r;
}

probe::LifetimeProbe lifetime(int idle, bool survived) {
  probe::LifetimeProbe l;
  l.idle_s = idle;
  l.accepted = true;
  l.survived = survived;
  return l;
}

proto::sip::AlgRewrite rewrite(std::string field, std::string sent, std::string received) {
  return {std::move(field), std::move(sent), std::move(received)};
}

probe::SipAlgExchange echoed(std::string method, int status, std::vector<proto::sip::AlgRewrite> rw = {}) {
  probe::SipAlgExchange x;
  x.method = std::move(method);
  x.answered = x.echoed = true;
  x.status = status;
  x.rewrites = std::move(rw);
  return x;
}

TEST(EvaluateNat, EndpointIndependentNatPassesAndStatesTheMapping) {
  auto s = spec("nat");
  CheckResult r = baseResult(s, "198.19.0.2");
  evaluateNat(r, s, masquerade());
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_EQ(r.message, "NAT 198.18.1.2:40123 -> 198.19.0.1:40123 (port kept), endpoint-independent mapping");
  EXPECT_TRUE(r.remediation.empty());
  EXPECT_EQ(r.evidence["public_address"], "198.19.0.1:40123");
  EXPECT_EQ(r.evidence["local"], "198.18.1.2:40123");
  EXPECT_EQ(r.evidence["mapping"], "endpoint-independent");
  EXPECT_EQ(r.evidence["nat"], "yes");
}

TEST(EvaluateNat, NoNatPasses) {
  auto s = spec("nat");
  auto n = masquerade();
  n.local_address = n.mapped = n.mapped_alt = "127.0.0.1:5555";
  n.nat = false;
  CheckResult r = baseResult(s, "x");
  evaluateNat(r, s, n);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(r.message, "no NAT: the reflector sees our own address 127.0.0.1:5555, endpoint-independent mapping");
  EXPECT_EQ(r.evidence["nat"], "no");
}

TEST(EvaluateNat, SymmetricNatWarnsWithTheRelayAdviceOrAsTheTemplateSays) {
  auto n = masquerade();
  n.mapped = "198.19.0.1:40001";
  n.mapped_alt = "198.19.0.1:41001";
  n.port_preserved = false;
  n.mapping = "address-and-port-dependent";
  auto s = spec("nat");
  CheckResult r = baseResult(s, "x");
  evaluateNat(r, s, n);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("NAT 198.18.1.2:40123 -> 198.19.0.1:40001, address-and-port-dependent mapping (seen as "
                           "198.19.0.1:40001 by the reflector's first port, 198.19.0.1:41001 by its second)"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.message.find("symmetric NAT"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("TURN"), std::string::npos) << r.message;
  EXPECT_EQ(r.remediation, "see the router");
  EXPECT_EQ(r.evidence["public_address_alt_port"], "198.19.0.1:41001");

  auto failing = spec("nat", {{"dependent_mapping", std::string("fail")}});
  r = baseResult(failing, "x");
  evaluateNat(r, failing, n);
  EXPECT_EQ(r.status, Status::kFail);
  auto passing = spec("nat", {{"dependent_mapping", std::string("pass")}});
  r = baseResult(passing, "x");
  evaluateNat(r, passing, n);
  EXPECT_EQ(r.status, Status::kPass);
}

TEST(EvaluateNat, AddressDependentWarnsLikeSymmetricAndSaysWhichItIs) {
  auto n = masquerade();
  n.mapped_alt_address = "198.19.0.1:41123";
  n.mapping = "address-dependent";
  auto s = spec("nat");
  CheckResult r = baseResult(s, "x");
  evaluateNat(r, s, n);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("NAT 198.18.1.2:40123 -> 198.19.0.1:40123 (port kept), address-dependent mapping (seen as "
                           "198.19.0.1:40123 by the reflector's first address, 198.19.0.1:41123 by its second)"),
            std::string::npos)
      << r.message;
  EXPECT_EQ(r.message.find("address-and-port-dependent"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("TURN"), std::string::npos) << r.message;
  EXPECT_EQ(r.evidence["mapping"], "address-dependent");
  EXPECT_EQ(r.evidence["public_address_alt_address"], "198.19.0.1:41123");
  EXPECT_EQ(r.evidence["filtering"], "address-and-port-dependent");
  EXPECT_EQ(r.remediation, "see the router");
  auto failing = spec("nat", {{"dependent_mapping", std::string("fail")}});
  r = baseResult(failing, "x");
  evaluateNat(r, failing, n);
  EXPECT_EQ(r.status, Status::kFail);
}

TEST(EvaluateNat, OneReflectorAddressPassesButSaysAddressDependentIsNotRuledOut) {
  auto n = masquerade();
  n.alt_address.clear();
  n.mapped_alt_address.clear();
  n.mapping_address_tested = false;
  auto s = spec("nat");
  CheckResult r = baseResult(s, "x");
  evaluateNat(r, s, n);
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_EQ(r.message, "NAT 198.18.1.2:40123 -> 198.19.0.1:40123 (port kept), endpoint-independent mapping (to one "
                       "reflector address: address-dependent not ruled out)");
  EXPECT_EQ(r.evidence.count("public_address_alt_address"), 0U);
}

TEST(EvaluateNat, UnansweredSecondPortWarnsAndNoReflectorFails) {
  auto n = masquerade();
  n.mapped_alt.clear();
  n.mapping = "unknown";
  auto s = spec("nat");
  CheckResult r = baseResult(s, "x");
  evaluateNat(r, s, n);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("second port did not answer"), std::string::npos) << r.message;

  probe::NatResult down;
  down.remote = "198.19.0.2:5004";
  down.detail = "no answer from a reflector at 198.19.0.2:5004 (is `voipscope reflect` running? same secret?)";
  r = baseResult(s, "x");
  evaluateNat(r, s, down);
  EXPECT_EQ(r.status, Status::kFail);  // as vps_probe: the reflector the template names is not reachable
  EXPECT_EQ(r.message, down.detail);
  EXPECT_EQ(r.remediation, "see the router");
}

TEST(EvaluateNat, BindingExpiringWithinMinBindingWarns) {
  auto s = spec("nat", {{"max_idle_s", std::int64_t{30}}, {"min_binding_s", std::int64_t{20}}});
  auto n = masquerade();
  n.lifetime = {lifetime(5, true), lifetime(10, true), lifetime(20, false), lifetime(30, false)};
  n.lifetime_survived_s = 10;
  n.lifetime_failed_s = 20;
  CheckResult r = baseResult(s, "x");
  evaluateNat(r, s, n);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("UDP binding expired after 20 s of silence (survived 10 s), below 20 s"), std::string::npos)
      << r.message;
  EXPECT_EQ(r.measurement("binding_survived")->value, 10);
  EXPECT_EQ(r.measurement("binding_expired")->value, 20);
  EXPECT_EQ(r.evidence["binding_probes"], "5s:alive 10s:alive 20s:expired 30s:expired");

  // The same NAT against a lower requirement: it held 10 s, expired somewhere in (10, 20].
  auto low = spec("nat", {{"max_idle_s", std::int64_t{30}}, {"min_binding_s", std::int64_t{10}}});
  r = baseResult(low, "x");
  evaluateNat(r, low, n);
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_NE(r.message.find("UDP binding survived 10 s idle, expired by 20 s"), std::string::npos) << r.message;

  // Default requirement 30 s; everything survived.
  n.lifetime = {lifetime(5, true), lifetime(30, true)};
  n.lifetime_survived_s = 30;
  n.lifetime_failed_s = -1;
  auto def = spec("nat", {{"max_idle_s", std::int64_t{30}}});
  r = baseResult(def, "x");
  evaluateNat(r, def, n);
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_NE(r.message.find("UDP binding survived 30 s idle"), std::string::npos) << r.message;
  EXPECT_EQ(r.measurement("binding_expired"), nullptr);
}

TEST(EvaluateNat, LifetimeRefusedByTheReflectorWarnsAsNotMeasured) {
  auto s = spec("nat", {{"max_idle_s", std::int64_t{10}}});
  auto n = masquerade();
  probe::LifetimeProbe l;
  l.idle_s = 5;
  l.detail = "the reflector does not support callbacks (older version)";
  n.lifetime = {l};
  CheckResult r = baseResult(s, "x");
  evaluateNat(r, s, n);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("binding lifetime not measured: the reflector does not support callbacks"),
            std::string::npos)
      << r.message;
}

TEST(NatIdleIntervals, BoundedByMaxIdleAndAlwaysMeasureTheThresholds) {
  EXPECT_TRUE(natIdleIntervals(spec("nat")).empty());  // no max_idle_s: no lifetime test
  EXPECT_EQ(natIdleIntervals(spec("nat", {{"max_idle_s", std::int64_t{30}}})), (std::vector<int>{5, 10, 20, 30}));
  EXPECT_EQ(natIdleIntervals(spec("nat", {{"max_idle_s", std::int64_t{12}}, {"min_binding_s", std::int64_t{6}}})),
            (std::vector<int>{5, 6, 10, 12}));
  EXPECT_EQ(natIdleIntervals(spec("nat", {{"max_idle_s", std::int64_t{3}}})), (std::vector<int>{3}));
  EXPECT_EQ(natIdleIntervals(spec("nat", {{"max_idle_s", std::int64_t{50}}, {"min_binding_s", std::int64_t{25}}})),
            (std::vector<int>{5, 10, 20, 25, 40, 50}));
}

TEST(EvaluateSipAlg, UnchangedPassesRewriteFailsNamingTheFields) {
  auto s = spec("sip_alg");
  auto n = masquerade();
  n.sip_tested = true;
  n.sip = {echoed("OPTIONS", 200), echoed("INVITE", 488)};
  CheckResult r = baseResult(s, "x");
  evaluateSipAlg(r, s, n);
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_EQ(r.message, "OPTIONS and INVITE came back unchanged: nothing on the path rewrites Via, Contact or SDP");
  EXPECT_EQ(r.evidence["options"], "200, unchanged");
  EXPECT_EQ(r.measurement("rewritten_fields")->value, 0);

  n.sip[0].rewrites = {rewrite("Via sent-by", "198.18.1.2:40000", "198.19.0.1:40000"),
                       rewrite("Contact", "198.18.1.2:40000", "198.19.0.1:40000")};
  n.sip[1].rewrites = {rewrite("SDP c=", "c=IN IP4 198.18.1.2", "c=IN IP4 198.19.0.1")};
  n.sip_alg = true;
  r = baseResult(s, "x");
  evaluateSipAlg(r, s, n);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(r.message,
            "SIP ALG on the path rewrote OPTIONS: Via sent-by 198.18.1.2:40000 -> 198.19.0.1:40000, Contact "
            "198.18.1.2:40000 -> 198.19.0.1:40000 (INVITE rewritten likewise)");
  EXPECT_EQ(r.remediation, "see the router");
  EXPECT_EQ(r.measurement("rewritten_fields")->value, 3);
  EXPECT_EQ(r.evidence["rewrite_3"], "INVITE SDP c=IN IP4 198.18.1.2 -> c=IN IP4 198.19.0.1");
  EXPECT_EQ(r.evidence["invite"], "488, 1 field(s) rewritten");
}

TEST(EvaluateSipAlg, NoAnswerIsErrorAndAHalfAnswerWarns) {
  auto s = spec("sip_alg");
  probe::NatResult down;
  down.detail = "no answer from a reflector at 198.19.0.2:5004 (is `voipscope reflect` running? same secret?)";
  CheckResult r = baseResult(s, "x");
  evaluateSipAlg(r, s, down);
  EXPECT_EQ(r.status, Status::kError);  // could not measure: nothing is known about an ALG
  EXPECT_EQ(r.message, "SIP ALG not tested: " + down.detail);

  auto n = masquerade();
  probe::SipAlgExchange lost;
  lost.method = "INVITE";
  lost.detail = "no SIP answer";
  n.sip = {echoed("OPTIONS", 200), lost};
  r = baseResult(s, "x");
  evaluateSipAlg(r, s, n);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(r.message, "OPTIONS came back unchanged, but INVITE: no SIP answer: something on the path may drop these "
                       "requests");

  n.sip[0] = lost;
  n.sip[0].method = "OPTIONS";
  r = baseResult(s, "x");
  evaluateSipAlg(r, s, n);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_EQ(r.message, "SIP ALG not tested: OPTIONS: no SIP answer; INVITE: no SIP answer");
}

TEST(NatChecksTemplate, KeysRangesAndDeadline) {
  auto loaded = loadTemplateText("template: t\nversion: 1\nchecks:\n"
                                 "  - id: nat\n    type: nat\n    targets: \"192.0.2.5\"\n    max_idle_s: 30\n"
                                 "    min_binding_s: 20\n    dependent_mapping: fail\n    remediation: x\n"
                                 "  - id: alg\n    type: sip_alg\n    targets: \"192.0.2.5:5060\"\n    sip_port: 5062\n"
                                 "    remediation: x\n",
                                 "t.yaml");
  ASSERT_TRUE(loaded.tmpl) << (loaded.errors.empty() ? "" : loaded.errors[0].format());
  auto planned = planChecks(*loaded.tmpl);
  ASSERT_TRUE(planned.ok());
  ASSERT_EQ(planned->size(), 2U);
  // The lifetime probes run in parallel: the longest interval (30 s) bounds the check, not the sum.
  const auto natDeadline = checkDeadline((*planned)[0], std::chrono::milliseconds(0)).count();
  EXPECT_GT(natDeadline, 30000);
  EXPECT_LT(natDeadline, 60000);
  EXPECT_LT(checkDeadline((*planned)[1], std::chrono::milliseconds(0)).count(), 15000);

  auto bad = loadTemplateText("template: t\nversion: 1\nchecks:\n"
                              "  - id: nat\n    type: nat\n    targets: \"192.0.2.5\"\n    max_idle_s: 600\n"
                              "    remediation: x\n",
                              "t.yaml");
  ASSERT_EQ(bad.errors.size(), 1U);
  EXPECT_EQ(bad.errors[0].message, "check 'nat': 'max_idle_s' must be between 1 and 120, got 600");
}

}  // namespace
}  // namespace vs::scan
