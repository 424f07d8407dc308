#include "render/report.h"

#include <fmt/format.h>

#include "core/time.h"

namespace vs::render {
namespace {

std::string_view colorOf(Status s) {
  switch (s) {
    case Status::kPass: return "\x1b[32m";
    case Status::kWarn: return "\x1b[33m";
    case Status::kFail: return "\x1b[31m";
    case Status::kSkip: return "\x1b[90m";
    case Status::kError: return "\x1b[35m";
  }
  return "";
}

std::string formatDuration(double ms) {
  return ms < 1000 ? fmt::format("{:.0f} ms", ms) : fmt::format("{:.2f} s", ms / 1000.0);
}

// Keeps one-line output one line even when a peer put control characters in a header we quote.
std::string oneLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\t') out.push_back(' ');
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out.push_back(c);
  }
  return out;
}

}  // namespace

std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
  std::string out;
  std::string line(indent);
  bool line_has_word = false;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i) break;
    std::string_view word = text.substr(i, j - i);
    if (line_has_word && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent);
      line_has_word = false;
    }
    if (line_has_word) line += ' ';
    line += word;
    line_has_word = true;
    i = j;
  }
  if (line_has_word) out += line + "\n";
  return out;
}

std::string renderResultLine(const CheckResult& r, const ReportOptions& o) {
  std::string tag = fmt::format("[{}]", toString(r.status));
  if (o.color) tag = fmt::format("{}{}\x1b[0m", colorOf(r.status), tag);
  // Pad to the width of "[ERROR]" so targets line up.
  std::string pad(7 - std::min<std::size_t>(7, toString(r.status).size() + 2), ' ');
  std::string line = fmt::format("  {}{} {}  {}", tag, pad, oneLine(r.target), oneLine(r.message));
  if (o.show_measurements && !r.measurements.empty()) {
    std::string ms;
    for (const auto& m : r.measurements) ms += fmt::format(" {}={:g}{}", m.name, m.value, m.unit == "count" ? "" : m.unit);
    line += "  [" + ms.substr(1) + "]";
  }
  return line;
}

std::string renderSummaryLine(const Scan& scan) {
  StatusCounts c = scan.counts();
  return fmt::format("Results: {} pass {} fail {} warn {} skip {} error", c.pass, c.fail, c.warn, c.skip, c.error);
}

std::string renderReport(const Scan& scan, const ReportOptions& o) {
  std::string out = fmt::format("voipscope scan {}  template {} {}  site \"{}\"  started {}  duration {}\n", scan.id,
                                scan.template_name, scan.template_version, oneLine(scan.site),
                                formatIso8601(scan.started_at_ms), formatDuration(scan.duration_ms));
  for (Category cat : kAllCategories) {
    bool heading = false;
    for (const auto& r : scan.results) {
      if (r.category != cat) continue;
      if (!heading) {
        out += fmt::format("\n{}\n", o.color ? fmt::format("\x1b[1m{}\x1b[0m", displayName(cat)) : std::string(displayName(cat)));
        heading = true;
      }
      out += renderResultLine(r, o) + "\n";
      if (!r.remediation.empty() &&
          (r.status == Status::kWarn || r.status == Status::kFail || r.status == Status::kError)) {
        out += wrap("Fix: " + r.remediation, static_cast<std::size_t>(o.width), "          ");
      }
    }
  }
  out += "\n" + renderSummaryLine(scan) + "\n";
  return out;
}

}  // namespace vs::render
