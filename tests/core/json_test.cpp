#include "core/json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/id.h"
#include "core/time.h"

namespace vs {
namespace {

Scan sampleScan() {
  Scan s;
  s.id = "0123456789abcdef0123456789abcdef";
  s.site = "Main office";
  s.template_name = "hosted-ucaas";
  s.template_version = "2026.11.1";
  s.host = {"tech-laptop", "Linux 6.1 x86_64", "0.1.0"};
  s.started_at_ms = 1'790'000'000'123;
  s.duration_ms = 2310.5;
  CheckResult sip;
  sip.check_id = "sip-udp";
  sip.type = "sip_options";
  sip.category = Category::kVoipSip;
  sip.target = "sbc1.example.com:5060/udp";
  sip.status = Status::kPass;
  sip.message = "200 OK in 12.3 ms";
  sip.duration_ms = 12.9;
  sip.measurements = {{"rtt", 12.3, "ms"}, {"status_code", 200, "code"}};
  sip.evidence["sip_response"] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n\r\n";
  CheckResult tcp;
  tcp.check_id = "tls-port";
  tcp.type = "tcp_port";
  tcp.category = Category::kConnectivity;
  tcp.target = "sbc1.example.com:5061";
  tcp.status = Status::kFail;
  tcp.message = "connection refused";
  tcp.remediation = "Open TCP 5061 outbound.";
  s.results = {sip, tcp};
  return s;
}

TEST(ScanJson, RoundTripIsLossless) {
  Scan s = sampleScan();
  auto back = scanFromJson(toJson(s));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);
  auto pretty = scanFromJson(toJson(s, 2));
  ASSERT_TRUE(pretty.ok());
  EXPECT_EQ(*pretty, s);
}

TEST(ScanJson, DocumentedFieldNamesAndValues) {
  // The wire form is a contract with the server, the dashboard and other producers (docs/result-model.md).
  auto j = nlohmann::json::parse(toJson(sampleScan()));
  EXPECT_EQ(j["schema"], 1);
  EXPECT_EQ(j["template"]["name"], "hosted-ucaas");
  EXPECT_EQ(j["started_at"], "2026-09-21T14:13:20.123Z");
  EXPECT_EQ(j["summary"]["pass"], 1);
  EXPECT_EQ(j["summary"]["fail"], 1);
  EXPECT_EQ(j["results"][0]["status"], "PASS");
  EXPECT_EQ(j["results"][0]["category"], "voip_sip");
  EXPECT_EQ(j["results"][0]["measurements"][0]["unit"], "ms");
  EXPECT_EQ(j["results"][1]["category"], "connectivity");
  EXPECT_EQ(j["results"][1]["remediation"], "Open TCP 5061 outbound.");
}

TEST(ScanJson, ErrorsNameTheField) {
  auto j = nlohmann::json::parse(toJson(sampleScan()));
  j["results"][1]["status"] = "BROKEN";
  auto r = scanFromJson(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "results[1].status: unknown 'BROKEN' (PASS, WARN, FAIL, SKIP or ERROR)");

  j = nlohmann::json::parse(toJson(sampleScan()));
  j.erase("site");
  r = scanFromJson(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "site: missing");

  j = nlohmann::json::parse(toJson(sampleScan()));
  j["results"][0]["measurements"][0]["value"] = "fast";
  r = scanFromJson(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "results[0].measurements[0].value: expected number, got string");

  j = nlohmann::json::parse(toJson(sampleScan()));
  j["id"] = "../../etc/passwd";
  r = scanFromJson(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "id: expected 32 lowercase hex digits");
}

TEST(ScanJson, TruncatedJsonAtEveryLengthIsAnErrorNotACrash) {
  std::string text = toJson(sampleScan());
  for (std::size_t n = 0; n < text.size(); ++n) {
    auto r = scanFromJson(std::string_view(text).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes parsed";
  }
  auto r = scanFromJson(std::string_view(text).substr(0, 40));
  EXPECT_NE(r.error().message.find("invalid JSON at byte"), std::string::npos) << r.error().message;
}

TEST(ScanJson, InvalidUtf8FromAPeerDoesNotThrow) {
  Scan s = sampleScan();
  s.results[0].evidence["sip_response"] = std::string("SIP/2.0 200 \xff\xfe OK");
  std::string text = toJson(s);
  EXPECT_NE(text.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD replaces the bad bytes: still valid JSON
  EXPECT_TRUE(scanFromJson(text).ok());
}

TEST(Time, Iso8601RoundTripAndRejects) {
  EXPECT_EQ(formatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatIso8601(1'790'000'000'123), "2026-09-21T14:13:20.123Z");
  EXPECT_EQ(parseIso8601("2026-09-21T14:13:20.123Z"), 1'790'000'000'123);
  EXPECT_EQ(parseIso8601("2026-09-21T14:13:20Z"), 1'790'000'000'000);
  EXPECT_EQ(parseIso8601("2026-09-21T14:13:20.1Z"), 1'790'000'000'100);
  EXPECT_FALSE(parseIso8601("2026-09-21 14:13:20Z"));
  EXPECT_FALSE(parseIso8601("2026-13-21T14:13:20Z"));
  EXPECT_FALSE(parseIso8601("2026-09-21T14:13:20.123"));
  EXPECT_FALSE(parseIso8601("2026-09-21T14:13:20.Z"));
}

TEST(Ids, ScanIdsAreWellFormedAndDistinct) {
  std::string a = newScanId(), b = newScanId();
  EXPECT_TRUE(isValidScanId(a));
  EXPECT_TRUE(isValidScanId(b));
  EXPECT_NE(a, b);
  EXPECT_FALSE(isValidScanId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(isValidScanId("0123"));
  EXPECT_EQ(randomHex(5).size(), 10u);
}

TEST(Model, CountsAndWorst) {
  Scan s = sampleScan();
  EXPECT_EQ(s.counts(), (StatusCounts{1, 0, 1, 0, 0}));
  EXPECT_EQ(s.worst(), Status::kFail);
  s.results.clear();
  EXPECT_EQ(s.worst(), Status::kPass);
  EXPECT_EQ(sampleScan().results[0].measurement("rtt")->value, 12.3);
  EXPECT_EQ(sampleScan().results[0].measurement("nope"), nullptr);
}

}  // namespace
}  // namespace vs
