#pragma once
// `voipscope calls` output: a terminal table (one row per call), CSV (one row per leg) and JSON
// (one object per call, the analysis model of analysis/model.h). Rows are produced as calls finish.
#include <string>

#include "analysis/model.h"

namespace vs::render {

// A leg's state as the table and the ladder show it: a rejection carries the final status that ended it
// ("REJECTED 486", the first thing a person asks of a failed call); a leg without an INVITE shows its kind.
std::string legStateText(const analysis::Leg& leg);
std::string callsTableHeader();
std::string callsTableRow(const analysis::Call& call, std::int64_t capture_start_ns);
std::string callsCsvHeader();
std::string callsCsvRows(const analysis::Call& call);
std::string callJson(const analysis::Call& call);
std::string captureStatsJson(const analysis::CaptureStats& stats);
std::string captureStatsText(const analysis::CaptureStats& stats);

// Appends fmt's "{:.<decimals>f}" of static_cast<double>(ns) / 10^scale_digits (a duration in
// nanoseconds shown in seconds or milliseconds), with the digits taken from the integer: fmt's float
// formatting was the larger part of a table row. Where the two could differ (a value within the double's
// rounding error of a rounding tie, which fmt breaks on the double's exact value; negative or past
// 2^53) fmt formats it. decimals <= scale_digits <= 9.
void appendFixedNs(std::string& out, std::int64_t ns, int scale_digits, int decimals);

}  // namespace vs::render
