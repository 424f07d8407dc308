#pragma once
// `voipscope calls` output: a terminal table (one row per call), CSV (one row per leg) and JSON
// (one object per call, the analysis model of analysis/model.h). Rows are produced as calls finish.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/model.h"

namespace vs::render {

// A leg's state as the table and the ladder show it: a rejection carries the final status that ended it
// ("REJECTED 486", the first thing a person asks of a failed call); a leg without an INVITE shows its
// method and its last final status ("REGISTER 403": a phone that cannot register).
std::string legStateText(const analysis::Leg& leg);
// What is wrong with a leg (analysis::legFindingKinds()), one sentence each, as the table (under the call)
// and the ladder (under the leg) show it. A kind can give two sentences (private SDP on both sides).
struct Finding {
  analysis::FindingKind kind;
  std::string text;
};
std::vector<Finding> legFindings(const analysis::Leg& leg);
std::string callsTableHeader();
std::string callsTableRow(const analysis::Call& call, std::int64_t capture_start_ns);
std::string callsCsvHeader();
std::string callsCsvRows(const analysis::Call& call);
std::string callJson(const analysis::Call& call);
std::string captureStatsJson(const analysis::CaptureStats& stats);
std::string captureStatsText(const analysis::CaptureStats& stats);

// How the calls of a capture ended, tallied as they stream past: what a NOC reads first of a capture of
// hundreds of calls. text() is one line, e.g. "316 calls: COMPLETED 280, IN_CALL 3, REJECTED 20 (503 x12,
// 486 x8), CANCELLED 12, CALL_SETUP 1; answered 283 (ASR 89.6 %); no ACK 1; one-way audio 2; private SDP
// behind NAT 5"; empty before any call. A call counts by its first leg (what the caller saw); the
// answer-seizure ratio is answered calls over all of them; then, for each kind of finding some call has,
// the calls with it (each call once, whichever of its legs).
class CallOutcomes {
 public:
  void add(const analysis::Call& call);
  std::uint64_t calls() const { return calls_; }
  std::string text() const;

 private:
  std::uint64_t calls_ = 0;
  std::array<std::uint64_t, 5> by_state_{};  // by analysis::CallState
  std::uint64_t no_state_ = 0;               // a first leg without an INVITE (--all lists such calls)
  std::map<int, std::uint64_t> rejected_by_status_;
  std::array<std::uint64_t, analysis::kFindingKinds> with_finding_{};
};

// Appends fmt's "{:.<decimals>f}" of static_cast<double>(ns) / 10^scale_digits (a duration in
// nanoseconds shown in seconds or milliseconds), with the digits taken from the integer: fmt's float
// formatting was the larger part of a table row. Where the two could differ (a value within the double's
// rounding error of a rounding tie, which fmt breaks on the double's exact value; negative or past
// 2^53) fmt formats it. decimals <= scale_digits <= 9.
void appendFixedNs(std::string& out, std::int64_t ns, int scale_digits, int decimals);

}  // namespace vs::render
