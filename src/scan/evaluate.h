#pragma once
// Pure evaluation: a probe's outcome + the check's thresholds from the template -> status, message,
// measurements, evidence. No I/O here, so every threshold rule is unit-tested on made-up outcomes.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "io/dns.h"
#include "io/http_client.h"
#include "probe/icmp_ping.h"
#include "probe/latency.h"
#include "probe/nat_probe.h"
#include "probe/rtp_probe.h"
#include "probe/sip_options.h"
#include "probe/tcp_connect.h"
#include "probe/trace.h"
#include "scan/template.h"

namespace vs::scan {

// Defaults used when a template leaves a key out (documented in docs/templates.md).
namespace defaults {
inline constexpr std::int64_t kTimeoutMs = 3000;
inline constexpr std::int64_t kSipTimeoutMs = 2000;
inline constexpr std::int64_t kHttpTimeoutMs = 5000;
inline constexpr double kDnsWarnMs = 500;
inline constexpr double kTcpWarnMs = 500;
inline constexpr double kSipWarnMs = 300;
inline constexpr double kSipFailMs = 1000;
inline constexpr double kHttpWarnMs = 2000;
inline constexpr std::int64_t kCertWarnDays = 30;
inline constexpr std::int64_t kCertFailDays = 0;
inline constexpr std::int64_t kLatencyCount = 20;
inline constexpr std::int64_t kLatencyIntervalMs = 50;
inline constexpr std::int64_t kLatencyTimeoutMs = 1000;
// G.114: one-way delay under 150 ms is good for most applications; as RTT, 100/150 ms is a common
// readiness threshold for hosted voice. Jitter 20/30 ms and loss 0.5/2 % match common UCaaS guidance.
inline constexpr double kLatencyWarnMs = 100;
inline constexpr double kLatencyFailMs = 150;
inline constexpr double kJitterWarnMs = 20;
inline constexpr double kJitterFailMs = 30;
inline constexpr double kLossWarnPct = 0.5;
inline constexpr double kLossFailPct = 2;
// MOS 4.0 / 3.6: G.107 Annex B maps R 80 ("satisfied") to MOS 4.02 and R 70 ("some users dissatisfied")
// to MOS 3.6; those two R bands are the usual planning limits.
inline constexpr double kMosWarn = 4.0;
inline constexpr double kMosFail = 3.6;
inline constexpr double kRtpDurationS = 5;
inline constexpr std::int64_t kRtpPtimeMs = 20;
inline constexpr std::int64_t kVpsCount = 10;
inline constexpr double kVpsWarnMs = 150;
// A UDP binding must outlive the gaps between a phone's packets: SIP keepalives / re-REGISTER and RTP
// silence suppression are commonly tuned to 15-30 s, so a NAT forgetting a binding within 30 s breaks them.
inline constexpr std::int64_t kNatMinBindingS = 30;
inline constexpr std::int64_t kIcmpCount = 10;
inline constexpr std::int64_t kIcmpIntervalMs = 200;
inline constexpr std::int64_t kIcmpTimeoutMs = 1000;
inline constexpr std::int64_t kTraceMaxHops = 30;
inline constexpr std::int64_t kTraceProbes = 3;
inline constexpr std::int64_t kTraceCycles = 3;
inline constexpr std::int64_t kTraceIntervalMs = 1000;
inline constexpr std::int64_t kTraceTimeoutMs = 2000;
inline constexpr std::int64_t kTraceHopsWarn = 20;
inline constexpr std::int64_t kTraceHopsFail = 30;
inline constexpr double kTraceJumpWarnMs = 50;  // also the analysis threshold for "a jump" in the message
inline constexpr double kTraceJumpFailMs = 0;   // 0: a jump alone never fails
}  // namespace defaults

// A result for this spec and target, with id/type/category filled and status ERROR until evaluated.
CheckResult baseResult(const CheckSpec& spec, std::string target);
// WARN/FAIL/ERROR get the template's remediation text; PASS/SKIP do not.
void finish(CheckResult& r, const CheckSpec& spec);

void evaluateDns(CheckResult& r, const CheckSpec& spec, const Result<io::ResolveAnswer>& answer);
void evaluateTcp(CheckResult& r, const CheckSpec& spec, const probe::TcpConnectResult& tcp);
void evaluateSipOptions(CheckResult& r, const CheckSpec& spec, const probe::SipOptionsResult& sip);
void evaluateHttp(CheckResult& r, const CheckSpec& spec, const Result<io::HttpResponse>& response,
                  std::int64_t now_unix_ms);
void evaluateLatency(CheckResult& r, const CheckSpec& spec, const probe::LatencyResult& lat);
// rtp_quality and vps_probe (scan/evaluate_rtp.cpp).
void evaluateRtpQuality(CheckResult& r, const CheckSpec& spec, const probe::RtpProbeResult& rtp);
void evaluateVpsProbe(CheckResult& r, const CheckSpec& spec, const probe::RtpProbeResult& rtp);
// nat and sip_alg (scan/evaluate_nat.cpp).
// The idle intervals the nat check tests: none without max_idle_s; else 5, 10, 20, 30 (40, 60, 90, 120 beyond
// 30 s) up to max_idle_s, plus max_idle_s and min_binding_s themselves, so the threshold is always measured.
std::vector<int> natIdleIntervals(const CheckSpec& spec);
void evaluateNat(CheckResult& r, const CheckSpec& spec, const probe::NatResult& nat);
void evaluateSipAlg(CheckResult& r, const CheckSpec& spec, const probe::NatResult& nat);
void evaluateIcmp(CheckResult& r, const CheckSpec& spec, const probe::IcmpPingResult& ping);
void evaluateTrace(CheckResult& r, const CheckSpec& spec, const probe::TraceReport& trace);

}  // namespace vs::scan
