#pragma once
// Text and JSON for `voipscope ping` (lines as ping(8) prints them, plus jitter and late replies) and
// `voipscope trace` (an mtr-style table and the analysis lines). Pure formatting.
#include <string>
#include <vector>

#include "probe/icmp_ping.h"
#include "probe/trace.h"
#include "probe/trace_stats.h"

namespace vs::render {

// "PING sbc (198.18.2.2) 56(84) bytes of data." (v6: "PING sbc (fd00::2) 56 data bytes")
std::string renderPingHeader(const std::string& target, const std::string& address, std::size_t payload, bool v6);
// "64 bytes from 198.18.2.2: icmp_seq=1 ttl=62 time=40.3 ms", "... (DUP!)", "From 198.18.0.1 icmp_seq=2 Time
// to live exceeded", "no answer yet for icmp_seq=3", "icmp_seq=4 late reply after 2100 ms (counted as lost)".
std::string renderPingEvent(const probe::PingEvent& e);
// ping(8)'s two summary lines, plus duplicates/late/errors and the RFC 3550 jitter.
std::string renderPingSummary(const probe::IcmpPingResult& r);
std::string pingJson(const probe::IcmpPingResult& r);

// The mtr-style table: Hop, Host, Loss%, Snt, Last, Avg, Best, Wrst, StDev. Multi-line, ends with '\n'.
std::string renderTraceTable(const probe::TraceReport& r);
std::string renderTraceAnalysis(const probe::TraceReport& r, const probe::TraceAnalysis& a);
std::string traceJson(const probe::TraceReport& r, const probe::TraceAnalysis& a, double jump_threshold_ms);

}  // namespace vs::render
