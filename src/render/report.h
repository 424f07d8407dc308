#pragma once
// The terminal report: a header line, results grouped by category as `[STATUS] target  message` lines,
// remediation under WARN/FAIL/ERROR, and a summary line.
#include <string>

#include "core/model.h"

namespace vs::render {

struct ReportOptions {
  bool color = false;
  int width = 100;  // remediation text wraps at this column
  bool show_measurements = false;
};

std::string renderReport(const Scan& scan, const ReportOptions& options);
std::string renderResultLine(const CheckResult& r, const ReportOptions& options);
// "Results: 5 pass 1 fail 0 warn 0 skip 0 error"
std::string renderSummaryLine(const Scan& scan);
// Greedy word wrap; each output line starts with `indent`.
std::string wrap(std::string_view text, std::size_t width, std::string_view indent);

}  // namespace vs::render
