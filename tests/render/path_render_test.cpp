// Text of ping lines (ping(8)'s wording) and the trace table / analysis lines.
#include "render/path_render.h"

#include <gtest/gtest.h>

namespace vs::render {
namespace {

TEST(PathRender, PingLinesInPing8Wording) {
  probe::PingEvent e;
  e.kind = probe::PingEventKind::kReply;
  e.seq = 3;
  e.from = "198.18.2.2";
  e.ttl = 62;
  e.rtt_ms = 40.3456;
  e.bytes = 64;
  EXPECT_EQ(renderPingEvent(e), "64 bytes from 198.18.2.2: icmp_seq=3 ttl=62 time=40.35 ms");
  e.kind = probe::PingEventKind::kDuplicate;
  e.rtt_ms = 0.0456;
  EXPECT_EQ(renderPingEvent(e), "64 bytes from 198.18.2.2: icmp_seq=3 ttl=62 time=0.046 ms (DUP!)");
  e.kind = probe::PingEventKind::kTimeout;
  EXPECT_EQ(renderPingEvent(e), "no answer yet for icmp_seq=3");
  EXPECT_EQ(renderPingHeader("sbc", "198.18.2.2", 56, false), "PING sbc (198.18.2.2) 56(84) bytes of data.");
  EXPECT_EQ(renderPingHeader("sbc", "fd00::2", 56, true), "PING sbc (fd00::2) 56 data bytes");
}

TEST(PathRender, SummaryAndTable) {
  probe::IcmpPingResult r;
  r.target = "sbc";
  // mdev = sqrt((100 + 400 + 900) / 3 - 20^2) = 8.165; jitter: D = 10, 10 -> 0.625, then 0.625 + 9.375 / 16.
  r.stats = probe::computePingStatistics({10, std::nullopt, 20, 30}, 1, 0, 0);
  EXPECT_EQ(renderPingSummary(r),
            "--- sbc ping statistics ---\n4 packets transmitted, 3 received, +1 duplicates, 25% packet loss\n"
            "rtt min/avg/max/mdev = 10.000/20.000/30.000/8.165 ms, jitter 1.211 ms\n");

  probe::TraceReport t;
  t.remote_address = "198.18.2.2";
  t.reached = true;
  probe::HopStats h1;
  h1.ttl = 1;
  h1.addresses = {"198.18.0.1"};
  h1.names = {"r1.example"};
  h1.add(1.0);
  h1.add(std::nullopt);
  probe::HopStats h2;
  h2.ttl = 2;
  h2.add(std::nullopt);
  t.hops = {h1, h2};
  auto table = renderTraceTable(t);
  EXPECT_NE(table.find("  1. r1.example (198.18.0.1)"), std::string::npos) << table;
  EXPECT_NE(table.find(" 50.0%    2     1.0     1.0     1.0     1.0     0.0"), std::string::npos) << table;
  EXPECT_NE(table.find("  2. ???"), std::string::npos) << table;
  EXPECT_NE(table.find("100.0%    1       -       -"), std::string::npos) << table;
}

}  // namespace
}  // namespace vs::render
