#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/call_frames.h"
#include "analysis/capture_analyzer.h"
#include "cli/capture_input.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "render/calls_render.h"
#include "render/ladder_from_analysis.h"
#include "render/ladder_html.h"
#include "render/ladder_json.h"
#include "render/ladder_text.h"

namespace vs::cli {

namespace {

int terminalWidth() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  const std::string columns = envOr("COLUMNS");
  const int n = std::atoi(columns.c_str());
  return n > 0 ? n : 100;
}

// Without --call, up to this many ladders are drawn one after the other; more calls give a list to
// choose from (ladders of hundreds of calls are unreadable and the HTML holds one call).
constexpr std::size_t kMaxLaddersWithoutCall = 5;

// Writes the HTML and/or the terminal ladder of one model.
ExitCode drawLadder(render::LadderModel& model, const FlowOptions& opts) {
  if (opts.sort_hosts) render::sortByFirstAppearance(model);
  const bool html_to_stdout = opts.html_file == "-";
  if (!opts.html_file.empty()) {
    auto html = render::renderLadderHtml(model);
    if (!html) {
      printError("flow", html.error().message);
      return ExitCode::kUsage;
    }
    if (html_to_stdout) {
      std::fwrite(html->data(), 1, html->size(), stdout);
    } else {
      std::ofstream out(opts.html_file, std::ios::binary | std::ios::trunc);
      out << *html;
      out.close();
      if (!out) {
        printError("flow", fmt::format("{}: cannot write", opts.html_file));
        return ExitCode::kRuntime;
      }
    }
  }
  if (opts.quiet || html_to_stdout) return ExitCode::kOk;
  render::TextLadderOptions to;
  to.width = opts.width > 0 ? opts.width : terminalWidth();
  to.color = !opts.no_color && stdoutIsTerminal();
  to.ascii = opts.ascii;
  to.legend = !opts.no_legend;
  to.streams = !opts.no_streams;
  auto text_ladder = render::renderLadderText(model, to);
  if (!text_ladder) {
    printError("flow", text_ladder.error().message);
    return ExitCode::kUsage;
  }
  std::fwrite(text_ladder->data(), 1, text_ladder->size(), stdout);
  return ExitCode::kOk;
}

ExitCode runFlowCapture(const FlowOptions& opts) {
  analysis::AnalyzerOptions ao;
  ao.keep_message_text = true;  // the HTML side panel shows each message
  ao.redact = !opts.no_redact;
  std::vector<analysis::Call> calls;
  std::int64_t start_ns = 0;
  analysis::CaptureAnalyzer an(ao, [&](analysis::Call&& c) {
    if (!c.isCall()) return;
    if (!opts.call.empty() && !analysis::callMatches(c, opts.call)) return;
    calls.push_back(std::move(c));
  });
  auto rc = forEachCaptureRecord(opts.file, [&](const proto::pkt::Record& rec, std::uint64_t frame) {
    if (frame == 1) start_ns = rec.ts_ns;
    an.addFrame(rec.link_type, rec.data, rec.ts_ns, frame);
  }, opts.log_utc_offset_ns);
  if (rc == ExitCode::kUsage) return rc;
  an.finish();
  std::sort(calls.begin(), calls.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (calls.empty()) {
    if (!opts.call.empty()) {
      printError("flow", fmt::format("{}: no call '{}' (the numbers and Call-IDs are in 'voipscope calls {}')",
                                     opts.file, opts.call, opts.file));
      return ExitCode::kUsage;
    }
    fmt::print(stderr, "{}: no SIP calls (INVITE dialogs) in the capture\n", opts.file);
    return rc;
  }
  if (calls.size() > 1 && (!opts.html_file.empty() || calls.size() > kMaxLaddersWithoutCall)) {
    // A list to choose from: the same rows as `voipscope calls`.
    fmt::print("{}", render::callsTableHeader());
    for (const auto& c : calls) fmt::print("{}", render::callsTableRow(c, start_ns));
    fmt::print(stderr, "{}: {} calls: choose one with --call NUMBER or --call CALL-ID\n", opts.file, calls.size());
    return opts.html_file.empty() ? rc : ExitCode::kUsage;
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    auto model = render::ladderFromCall(calls[i]);
    if (i > 0 && !opts.quiet) fmt::print("\n");  // each ladder starts with its title line
    auto r = drawLadder(model, opts);
    if (r != ExitCode::kOk) return r;
  }
  return rc;
}

}  // namespace

void setupFlow(CLI::App& app, std::shared_ptr<FlowOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("flow", "Draw a call ladder (SIP call flow) in the terminal and/or as one HTML file");
  cmd->add_option("file", opts->file, "pcap or pcapng file, or a SIP text log; optionally gzip-compressed; '-' reads stdin");
  addLogUtcOffsetOption(*cmd, opts->log_utc_offset_ns);
  cmd->add_option("--call", opts->call, "The call to draw: its number in 'voipscope calls' or any leg's Call-ID");
  cmd->add_flag("--no-redact", opts->no_redact, "Keep Authorization digest responses in the HTML message panel");
  cmd->add_option("--model-json", opts->model_json,
                  "Ladder model as JSON instead of a capture (debugging aid; format in docs/ladder.md)");
  cmd->add_option("--html", opts->html_file, "Also write a self-contained HTML ladder to this file ('-': stdout)");
  cmd->add_option("--width", opts->width, "Terminal width in columns (default: the terminal's, else 100)")
      ->check(CLI::Range(20, 10000));
  cmd->add_flag("--no-color", opts->no_color, "No ANSI colours (also off when NO_COLOR is set or not a terminal)");
  cmd->add_flag("--ascii", opts->ascii, "ASCII lines instead of Unicode box drawing");
  cmd->add_flag("--no-legend", opts->no_legend, "Leave out the legs above the ladder");
  cmd->add_flag("--no-streams", opts->no_streams, "Leave out RTP streams");
  cmd->add_flag("--sort-hosts", opts->sort_hosts, "Columns in order of first appearance");
  cmd->add_flag("-q,--quiet", opts->quiet, "No terminal ladder (use with --html)");
  cmd->callback([opts, &result] { result = runFlow(*opts); });
}

ExitCode runFlow(const FlowOptions& opts) {
  tuneAllocatorForAnalysis();
  if (opts.file.empty() == opts.model_json.empty()) {
    printError("flow", "give either a capture FILE or --model-json FILE");
    return ExitCode::kUsage;
  }
  if (!opts.file.empty()) return runFlowCapture(opts);
  std::error_code ec;
  const auto size = std::filesystem::file_size(opts.model_json, ec);
  if (ec) {
    printError("flow", fmt::format("{}: {}", opts.model_json, ec.message()));
    return ExitCode::kUsage;
  }
  if (size > render::kMaxLadderJsonBytes) {
    printError("flow", fmt::format("{}: {} bytes, more than the {} byte limit", opts.model_json, size,
                                   render::kMaxLadderJsonBytes));
    return ExitCode::kUsage;
  }
  std::ifstream in(opts.model_json, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    printError("flow", fmt::format("{}: cannot read", opts.model_json));
    return ExitCode::kUsage;
  }
  auto model = render::ladderModelFromJson(text.str());
  if (!model) {
    printError("flow", fmt::format("{}: {}", opts.model_json, model.error().message));
    return ExitCode::kUsage;
  }
  return drawLadder(*model, opts);
}

}  // namespace vs::cli
