#pragma once
// Text for `sip ping`: per-ping lines, periodic statistics, the final summary, and CSV / JSON Lines rows.
// Pure formatting over probe/ping_stats.h's plain data (types only: nothing from probe is linked).
#include <string>
#include <string_view>
#include <vector>

#include "io/tls_stream.h"
#include "probe/ping_stats.h"

namespace vs::render {

// "2026-11-22T08:21:06.123Z  sbc.example.com  #12  3f2a...@192.0.2.1  12.345 ms  SIP/2.0 200 OK"
// or "...  timeout (connection refused)". Flags replies from another address.
std::string renderPingLine(const probe::PingResult& r);
std::string renderLateLine(const probe::LateReply& late);
// "sbc.example.com: 5 sent, 4 received, 1 lost (20.0%), 0 late | loss runs: longest 1, last 1, current 0 |
//  rtt min/avg/max 1.2/3.4/5.6 ms"
std::string renderStatsLine(std::string_view target, const probe::PingSnapshot& s);
// Multi-line: counts, RTT percentiles, both jitters, every outage with start and end to the ms, ignored
// datagrams and connection counters, header rewrites.
std::string renderSummary(std::string_view target, std::string_view remote, const probe::PingSummary& s,
                          const probe::PingCounters& c, const std::vector<probe::HeaderRewrite>& rewrites);
// One line: "header rewrite on sbc: From (ping #3)"; with diff=true, followed by "- sent" / "+ received" lines.
std::string renderRewrite(std::string_view target, const probe::HeaderRewrite& rw, bool diff);

// "TLS peer of sips:sbc.example.com: CN=sbc.example.com (issuer CN=Example CA), TLSv1.3, expires
//  2027-01-01T00:00:00.000Z, verified" ("NOT verified (self-signed certificate), --insecure" when skipped).
std::string renderTlsPeer(std::string_view target, const io::TlsInfo& tls);

// CSV (RFC 4180 quoting): time,unix_timestamp,responding_host,latency_ms,call_id,status_line,transport,target
// latency_ms is "drop" for a lost ping; unix_timestamp is seconds with milliseconds.
std::string csvHeader();
std::string csvRow(const probe::PingResult& r);
// `sip register`: time,unix_timestamp,registrar,latency_ms,call_id,status_line,transport,target where
// latency_ms holds the outcome ("rejected", "timeout", ...) for a failed attempt, as sip ping writes "drop".
std::string registerCsvHeader();
std::string registerCsvRow(const probe::PingResult& r, std::string_view outcome, std::string_view registrar);
// One compact JSON object, no trailing newline.
std::string jsonlRow(const probe::PingResult& r);

}  // namespace vs::render
