// Grading of the icmp and traceroute checks on made-up probe outcomes (thresholds from the spec).
#include <gtest/gtest.h>

#include "scan/evaluate.h"

namespace vs::scan {
namespace {

CheckSpec spec(std::string type, std::map<std::string, ParamValue> params = {}) {
  CheckSpec s;
  s.id = "c1";
  s.type = std::move(type);
  s.params = std::move(params);
  s.remediation = "fix it";
  return s;
}

probe::IcmpPingResult ping(std::vector<std::optional<double>> rtts) {
  probe::IcmpPingResult p;
  p.ok = true;
  p.remote_address = "192.0.2.1";
  p.socket_kind = "raw";
  p.rtt_ms = rtts;
  p.stats = probe::computePingStatistics(rtts, 0, 0, 0);
  return p;
}

TEST(EvaluateIcmp, ThresholdsOnLatencyLossAndSocketErrors) {
  auto s = spec("icmp", {{"latency_warn_ms", 50.0}, {"loss_warn_pct", 5.0}, {"loss_fail_pct", 30.0}});
  CheckResult r = baseResult(s, "192.0.2.1");
  evaluateIcmp(r, s, ping({10, 12, 11, 10}));
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_EQ(r.measurement("rtt_avg")->value, 10.75);
  EXPECT_EQ(r.evidence["socket"], "raw");

  r = baseResult(s, "192.0.2.1");
  evaluateIcmp(r, s, ping({10, std::nullopt, 11, 10, 10, 10, 10, 10, 10, 10}));  // 10 % loss
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("loss over threshold"), std::string::npos) << r.message;

  r = baseResult(s, "192.0.2.1");
  evaluateIcmp(r, s, ping({std::nullopt, std::nullopt}));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(r.message, "no echo replies to 2 requests");

  probe::IcmpPingResult denied;
  denied.detail = "cannot open an ICMP socket (...): run as root, ...";
  r = baseResult(s, "192.0.2.1");
  evaluateIcmp(r, s, denied);
  EXPECT_EQ(r.status, Status::kError);  // the environment, not the target
}

probe::HopStats hop(int ttl, std::string addr, std::vector<std::optional<double>> rtts, bool dest = false) {
  probe::HopStats h;
  h.ttl = ttl;
  h.addresses = {std::move(addr)};
  h.destination = dest;
  for (auto v : rtts) h.add(v);
  return h;
}

TEST(EvaluateTrace, HopsJumpLossAndUnreached) {
  probe::TraceReport t;
  t.ok = true;
  t.reached = true;
  t.remote_address = "192.0.2.9";
  t.hops = {hop(1, "192.0.2.1", {1, 1}), hop(2, "192.0.2.2", {61, 62}), hop(3, "192.0.2.9", {62, 63}, true)};
  auto s = spec("traceroute", {{"jump_warn_ms", 50.0}, {"jump_fail_ms", 100.0}, {"latency_warn_ms", 100.0}});
  CheckResult r = baseResult(s, "192.0.2.9");
  evaluateTrace(r, s, t);
  EXPECT_EQ(r.status, Status::kWarn) << r.message;
  EXPECT_EQ(r.measurement("hops")->value, 3);
  EXPECT_EQ(r.measurement("max_jump")->value, 60);
  EXPECT_EQ(r.evidence["path"], "192.0.2.1 > 192.0.2.2 > 192.0.2.9");
  EXPECT_NE(r.message.find("at hop 2"), std::string::npos) << r.message;

  auto strict = spec("traceroute", {{"hops_warn", std::int64_t{1}}, {"hops_fail", std::int64_t{2}}});
  r = baseResult(strict, "x");
  evaluateTrace(r, strict, t);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("hops"), std::string::npos);

  // Rate limiting at hop 1 is named, and does not grade (the destination lost nothing).
  t.hops = {hop(1, "192.0.2.1", {1, std::nullopt, 1, std::nullopt}), hop(2, "192.0.2.9", {2, 2, 2, 2}, true)};
  r = baseResult(s, "x");
  evaluateTrace(r, s, t);
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_NE(r.message.find("loss at hop 1 only (ICMP rate limiting)"), std::string::npos) << r.message;

  t.reached = false;
  t.hops = {hop(1, "192.0.2.1", {1})};
  r = baseResult(s, "x");
  evaluateTrace(r, s, t);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("not reached"), std::string::npos);
}

}  // namespace
}  // namespace vs::scan
