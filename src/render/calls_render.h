#pragma once
// `voipscope calls` output: a terminal table (one row per call), CSV (one row per leg) and JSON
// (one object per call, the analysis model of analysis/model.h). Rows are produced as calls finish.
#include <string>

#include "analysis/model.h"

namespace vs::render {

std::string callsTableHeader();
std::string callsTableRow(const analysis::Call& call, std::int64_t capture_start_ns);
std::string callsCsvHeader();
std::string callsCsvRows(const analysis::Call& call);
std::string callJson(const analysis::Call& call);
std::string captureStatsJson(const analysis::CaptureStats& stats);
std::string captureStatsText(const analysis::CaptureStats& stats);

}  // namespace vs::render
