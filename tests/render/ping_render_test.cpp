// sip ping text and log rows, checked against strings written out by hand.
#include <gtest/gtest.h>

#include "render/ping_render.h"

namespace vs::render {
namespace {

probe::PingResult answered() {
  probe::PingResult r;
  r.target = "sbc.example.com";
  r.transport = "udp";
  r.seq = 7;
  r.sent_unix_ms = 1700000000123;  // 2023-11-14T22:13:20.123Z
  r.received = true;
  r.rtt_ms = 12.3456;
  r.status_code = 200;
  r.status_line = "SIP/2.0 200 OK";
  r.call_id = "abc@192.0.2.1";
  r.responder = "192.0.2.10:5060";
  return r;
}

TEST(PingRender, CsvRows) {
  EXPECT_EQ(csvHeader(), "time,unix_timestamp,responding_host,latency_ms,call_id,status_line,transport,target");
  EXPECT_EQ(csvRow(answered()),
            "2023-11-14T22:13:20.123Z,1700000000.123,192.0.2.10:5060,12.346,abc@192.0.2.1,SIP/2.0 200 OK,udp,"
            "sbc.example.com");
  auto lost = answered();
  lost.received = false;
  lost.reason = "timeout";
  lost.sent_unix_ms = 1700000000005;
  EXPECT_EQ(csvRow(lost), "2023-11-14T22:13:20.005Z,1700000000.005,,drop,abc@192.0.2.1,timeout,udp,sbc.example.com");
  // A peer's status line with a comma and a quote is quoted per RFC 4180.
  auto odd = answered();
  odd.status_line = R"(SIP/2.0 403 No, "really")";
  EXPECT_NE(csvRow(odd).find(R"(,"SIP/2.0 403 No, ""really""",)"), std::string::npos) << csvRow(odd);
}

TEST(PingRender, JsonlRows) {
  EXPECT_EQ(jsonlRow(answered()),
            R"({"time":"2023-11-14T22:13:20.123Z","unix_ms":1700000000123,"target":"sbc.example.com","transport":"udp",)"
            R"("seq":7,"call_id":"abc@192.0.2.1","received":true,"rtt_ms":12.346,"status_code":200,)"
            R"("status_line":"SIP/2.0 200 OK","responder":"192.0.2.10:5060","sched_error_us":0})");
  auto lost = answered();
  lost.received = false;
  lost.reason = "bad \"x\"\n\x01";
  lost.sched_error_us = 1234;
  EXPECT_NE(jsonlRow(lost).find(R"("received":false,"reason":"bad \"x\"\n\u0001","sched_error_us":1234})"),
            std::string::npos)
      << jsonlRow(lost);
  // The ping that opened a TLS connection carries the certificate.
  auto tls = answered();
  tls.tls_subject = "CN=sbc.example.com";
  tls.tls_not_after_ms = 1700000000000;
  EXPECT_NE(jsonlRow(tls).find(R"("tls_subject":"CN=sbc.example.com","tls_not_after":"2023-11-14T22:13:20.000Z"})"),
            std::string::npos)
      << jsonlRow(tls);
}

TEST(PingRender, Lines) {
  EXPECT_EQ(renderPingLine(answered()),
            "2023-11-14T22:13:20.123Z  sbc.example.com  #7  abc@192.0.2.1  12.346 ms  SIP/2.0 200 OK");
  auto lost = answered();
  lost.received = false;
  lost.reason = "connection refused";
  EXPECT_EQ(renderPingLine(lost), "2023-11-14T22:13:20.123Z  sbc.example.com  #7  abc@192.0.2.1  connection refused");
  probe::PingSnapshot s;
  s.sent = 5;
  s.received = 4;
  s.lost = 1;
  s.longest_run = 1;
  s.last_run = 1;
  s.min_ms = 1;
  s.avg_ms = 2;
  s.max_ms = 3.5;
  EXPECT_EQ(renderStatsLine("t", s),
            "t: 5 sent, 4 received, 1 lost (20.0%), 0 late | loss runs: longest 1, last 1, current 0 | "
            "rtt min/avg/max 1.000/2.000/3.500 ms");
}

TEST(PingRender, SummaryListsOutagesToTheMillisecond) {
  probe::PingSummary s;
  s.sent = 4;
  s.received = 2;
  s.lost = 2;
  s.outages = {{2, 1, 1700000001000, 1700000002000}, {4, 1, 1700000003999, std::nullopt}};
  probe::HeaderRewrite rw{"From", "sip:a@b;tag=1", "sip:a@b;tag=2", 3};
  auto text = renderSummary("t", "192.0.2.10:5060", s, {}, {rw});
  EXPECT_NE(text.find("outages: 2\n  2023-11-14T22:13:21.000Z -> 2023-11-14T22:13:22.000Z  1 lost from #2\n"
                      "  2023-11-14T22:13:23.999Z -> (ongoing)  1 lost from #4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("header rewrite on t: From (ping #3)\n  - sent     From: sip:a@b;tag=1\n"
                      "  + received From: sip:a@b;tag=2\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace vs::render
