#include "render/report.h"

#include <gtest/gtest.h>

namespace vs::render {
namespace {

Scan scan() {
  Scan s;
  s.id = "0123456789abcdef0123456789abcdef";
  s.site = "HQ";
  s.template_name = "demo";
  s.template_version = "1";
  s.started_at_ms = 0;
  s.duration_ms = 2500;
  CheckResult sip{"sip-udp", "sip_options", Category::kVoipSip, "sbc:5060/udp", Status::kPass, "200 OK in 3.00 ms",
                  "", 3, {}, {}};
  CheckResult dns{"dns-sbc", "dns", Category::kDns, "sbc", Status::kPass, "resolved to 192.0.2.1 in 1.00 ms", "", 1,
                  {}, {}};
  CheckResult tls{"tls", "tcp_port", Category::kConnectivity, "sbc:5061", Status::kFail, "connection refused",
                  "Open TCP 5061 outbound to the SBC.", 1, {}, {}};
  CheckResult off{"x", "latency", Category::kPerformance, "sbc:7", Status::kSkip, "disabled", "", 0, {}, {}};
  s.results = {sip, dns, tls, off};
  return s;
}

TEST(Report, GroupsByCategoryInFixedOrderWithRemediationAndSummary) {
  std::string text = renderReport(scan(), ReportOptions{});
  std::string expected =
      "voipscope scan 0123456789abcdef0123456789abcdef  template demo 1  site \"HQ\"  started "
      "1970-01-01T00:00:00.000Z  duration 2.50 s\n"
      "\n"
      "DNS\n"
      "  [PASS]  sbc  resolved to 192.0.2.1 in 1.00 ms\n"
      "\n"
      "Connectivity\n"
      "  [FAIL]  sbc:5061  connection refused\n"
      "          Fix: Open TCP 5061 outbound to the SBC.\n"
      "\n"
      "VoIP / SIP\n"
      "  [PASS]  sbc:5060/udp  200 OK in 3.00 ms\n"
      "\n"
      "Performance\n"
      "  [SKIP]  sbc:7  disabled\n"
      "\n"
      "Results: 2 pass 1 fail 0 warn 1 skip 0 error\n";
  EXPECT_EQ(text, expected);
}

TEST(Report, PeerControlCharactersCannotBreakLines) {
  Scan s = scan();
  s.results[0].message = "200 OK\r\nInjected: line\x1b[2J";
  std::string text = renderReport(s, ReportOptions{});
  EXPECT_EQ(text.find("\nInjected"), std::string::npos);
  EXPECT_NE(text.find("200 OK  Injected: line\\x1b[2J"), std::string::npos) << text;
}

TEST(Report, WrapsLongRemediation) {
  std::string out = wrap("one two three four five six", 16, "    ");
  EXPECT_EQ(out, "    one two\n    three four\n    five six\n");
}

TEST(Report, ColourOnlyWhenAsked) {
  ReportOptions o;
  o.color = true;
  EXPECT_NE(renderReport(scan(), o).find("\x1b[31m[FAIL]"), std::string::npos);
  EXPECT_EQ(renderReport(scan(), ReportOptions{}).find("\x1b["), std::string::npos);
}

}  // namespace
}  // namespace vs::render
