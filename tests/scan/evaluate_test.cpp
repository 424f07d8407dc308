#include "scan/evaluate.h"

#include <gtest/gtest.h>

#include <asio/ip/address.hpp>

namespace vs::scan {
namespace {

CheckSpec spec(std::string type, std::map<std::string, ParamValue> params = {}) {
  CheckSpec s;
  s.id = "c1";
  s.type = std::move(type);
  s.params = std::move(params);
  s.remediation = "do the thing";
  return s;
}

TEST(EvaluateDns, PassWarnFailAndExpectedAddresses) {
  io::ResolveAnswer a;
  a.addresses = {asio::ip::make_address("192.0.2.10"), asio::ip::make_address("2001:db8::10")};
  a.elapsed_ms = 12;
  auto s = spec("dns", {{"warn_ms", 50.0}, {"fail_ms", std::int64_t{100}}});
  CheckResult r = baseResult(s, "sbc.example.com");
  evaluateDns(r, s, Result<io::ResolveAnswer>(a));
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(r.evidence["addresses"], "192.0.2.10, 2001:db8::10");
  EXPECT_EQ(r.measurement("resolve_time")->value, 12);
  EXPECT_TRUE(r.remediation.empty());  // PASS lines carry no remediation

  a.elapsed_ms = 60;
  r = baseResult(s, "x");
  evaluateDns(r, s, Result<io::ResolveAnswer>(a));
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_EQ(r.remediation, "do the thing");

  a.elapsed_ms = 101;  // fail_ms given as an integer still reads as a number
  r = baseResult(s, "x");
  evaluateDns(r, s, Result<io::ResolveAnswer>(a));
  EXPECT_EQ(r.status, Status::kFail);

  auto s2 = spec("dns", {{"expect_addresses", std::vector<std::string>{"192.0.2.10", "192.0.2.99"}}});
  a.elapsed_ms = 1;
  r = baseResult(s2, "x");
  evaluateDns(r, s2, Result<io::ResolveAnswer>(a));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("192.0.2.99"), std::string::npos) << r.message;

  r = baseResult(s, "nope.example.com");
  evaluateDns(r, s, Result<io::ResolveAnswer>(makeError("nope.example.com: name does not exist (NXDOMAIN)")));
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(r.message, "nope.example.com: name does not exist (NXDOMAIN)");
}

TEST(EvaluateTcp, OutcomesAreToldApart) {
  auto s = spec("tcp_port", {{"warn_ms", 100.0}, {"timeout_ms", std::int64_t{1500}}});
  probe::TcpConnectResult t;
  t.address = "192.0.2.10:5061";
  t.outcome = probe::TcpOutcome::kConnected;
  t.connect_ms = 5;
  CheckResult r = baseResult(s, "x");
  evaluateTcp(r, s, t);
  EXPECT_EQ(r.status, Status::kPass);
  t.connect_ms = 150;
  r = baseResult(s, "x");
  evaluateTcp(r, s, t);
  EXPECT_EQ(r.status, Status::kWarn);

  t.outcome = probe::TcpOutcome::kRefused;
  r = baseResult(s, "x");
  evaluateTcp(r, s, t);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("refused"), std::string::npos);
  EXPECT_EQ(r.evidence["outcome"], "refused");

  t.outcome = probe::TcpOutcome::kTimeout;
  r = baseResult(s, "x");
  evaluateTcp(r, s, t);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("within 1500 ms"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("firewall"), std::string::npos);

  t.outcome = probe::TcpOutcome::kUnreachable;
  t.detail = "No route to host";
  r = baseResult(s, "x");
  evaluateTcp(r, s, t);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("unreachable"), std::string::npos);

  t.outcome = probe::TcpOutcome::kError;
  r = baseResult(s, "x");
  evaluateTcp(r, s, t);
  EXPECT_EQ(r.status, Status::kError);
}

TEST(EvaluateSip, StatusCodesRttAndEvidence) {
  auto s = spec("sip_options", {{"warn_ms", 50.0}, {"fail_ms", 200.0}});
  probe::SipOptionsResult sip;
  sip.outcome = probe::SipOutcome::kResponse;
  sip.status_code = 200;
  sip.reason = "OK";
  sip.rtt_ms = 10;
  sip.server = "kamailio (5.6.3 (x86_64/linux))";
  sip.raw_response = "SIP/2.0 200 OK\r\n\r\n";
  CheckResult r = baseResult(s, "x");
  evaluateSipOptions(r, s, sip);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(r.evidence["sip_response"], sip.raw_response);
  EXPECT_EQ(r.evidence["server"], sip.server);
  EXPECT_EQ(r.measurement("rtt")->value, 10);
  EXPECT_NE(r.message.find("200 OK"), std::string::npos);

  sip.rtt_ms = 60;
  r = baseResult(s, "x");
  evaluateSipOptions(r, s, sip);
  EXPECT_EQ(r.status, Status::kWarn);
  sip.rtt_ms = 250;
  r = baseResult(s, "x");
  evaluateSipOptions(r, s, sip);
  EXPECT_EQ(r.status, Status::kFail);

  sip.rtt_ms = 10;
  sip.status_code = 403;
  sip.reason = "Forbidden";
  r = baseResult(s, "x");
  evaluateSipOptions(r, s, sip);
  EXPECT_EQ(r.status, Status::kWarn);  // default non_2xx policy
  auto strict = spec("sip_options", {{"non_2xx", std::string("fail")}});
  r = baseResult(strict, "x");
  evaluateSipOptions(r, strict, sip);
  EXPECT_EQ(r.status, Status::kFail);
  auto lenient = spec("sip_options", {{"non_2xx", std::string("pass")}});
  r = baseResult(lenient, "x");
  evaluateSipOptions(r, lenient, sip);
  EXPECT_EQ(r.status, Status::kPass);

  probe::SipOptionsResult lost;
  lost.outcome = probe::SipOutcome::kTimeout;
  lost.retransmissions = 3;
  r = baseResult(s, "x");
  evaluateSipOptions(r, s, lost);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("3 retransmissions"), std::string::npos) << r.message;
}

TEST(EvaluateHttp, StatusCertificateAndTime) {
  const std::int64_t now = 1'790'000'000'000;
  io::HttpResponse h;
  h.status = 200;
  h.reason = "OK";
  h.total_ms = 40;
  h.tls = io::TlsInfo{"TLSv1.3", "CN=prov.example.com", "CN=Example CA", now + 90LL * 86'400'000, true, ""};
  auto s = spec("http");
  CheckResult r = baseResult(s, "https://prov.example.com/");
  evaluateHttp(r, s, Result<io::HttpResponse>(h), now);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(r.measurement("cert_days_left")->value, 90);
  EXPECT_EQ(r.evidence["tls_subject"], "CN=prov.example.com");

  h.tls->not_after_ms = now + 10LL * 86'400'000;  // inside the default 30-day warning
  r = baseResult(s, "x");
  evaluateHttp(r, s, Result<io::HttpResponse>(h), now);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("expires in 10 days"), std::string::npos) << r.message;

  h.tls->not_after_ms = now - 2LL * 86'400'000;
  r = baseResult(s, "x");
  evaluateHttp(r, s, Result<io::HttpResponse>(h), now);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("expired 2 days ago"), std::string::npos) << r.message;

  h.tls->not_after_ms = now + 90LL * 86'400'000;
  h.tls->verified = false;
  h.tls->verify_error = "self-signed certificate";
  r = baseResult(s, "x");
  evaluateHttp(r, s, Result<io::HttpResponse>(h), now);
  EXPECT_EQ(r.status, Status::kFail);
  auto insecure = spec("http", {{"insecure", true}});
  r = baseResult(insecure, "x");
  evaluateHttp(r, insecure, Result<io::HttpResponse>(h), now);
  EXPECT_EQ(r.status, Status::kPass);

  io::HttpResponse notfound;
  notfound.status = 404;
  r = baseResult(s, "x");
  evaluateHttp(r, s, Result<io::HttpResponse>(notfound), now);
  EXPECT_EQ(r.status, Status::kFail);
  auto want404 = spec("http", {{"expect_status", std::vector<std::int64_t>{404}}});
  r = baseResult(want404, "x");
  evaluateHttp(r, want404, Result<io::HttpResponse>(notfound), now);
  EXPECT_EQ(r.status, Status::kPass);

  io::HttpResponse slow;
  slow.status = 200;
  slow.total_ms = 2500;
  r = baseResult(s, "x");
  evaluateHttp(r, s, Result<io::HttpResponse>(slow), now);
  EXPECT_EQ(r.status, Status::kWarn);  // default warn_ms 2000
}

TEST(EvaluateLatency, WorstOfLatencyJitterLoss) {
  auto s = spec("latency", {{"latency_warn_ms", 100.0}, {"latency_fail_ms", 150.0}, {"jitter_warn_ms", 20.0},
                            {"jitter_fail_ms", 30.0}, {"loss_warn_pct", 0.5}, {"loss_fail_pct", 2.0}});
  probe::LatencyResult l;
  l.ok = true;
  l.sent = 100;
  l.received = 100;
  l.avg_ms = 50;
  l.min_ms = 40;
  l.max_ms = 70;
  l.jitter_ms = 5;
  CheckResult r = baseResult(s, "x");
  evaluateLatency(r, s, l);
  EXPECT_EQ(r.status, Status::kPass);
  EXPECT_EQ(r.measurement("jitter")->value, 5);

  l.jitter_ms = 25;
  r = baseResult(s, "x");
  evaluateLatency(r, s, l);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("jitter over threshold"), std::string::npos) << r.message;

  l.jitter_ms = 5;
  l.received = 97;
  l.loss_pct = 3;
  r = baseResult(s, "x");
  evaluateLatency(r, s, l);
  EXPECT_EQ(r.status, Status::kFail);

  l.loss_pct = 0;
  l.received = 100;
  l.avg_ms = 151;
  r = baseResult(s, "x");
  evaluateLatency(r, s, l);
  EXPECT_EQ(r.status, Status::kFail);

  probe::LatencyResult none;
  none.ok = true;
  none.sent = 20;
  none.loss_pct = 100;
  r = baseResult(s, "x");
  evaluateLatency(r, s, none);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("no replies to 20 probes"), std::string::npos);
}

}  // namespace
}  // namespace vs::scan
