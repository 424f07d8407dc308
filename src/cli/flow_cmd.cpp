#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
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

}  // namespace

void setupFlow(CLI::App& app, std::shared_ptr<FlowOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("flow", "Draw a call ladder (SIP call flow) in the terminal and/or as one HTML file");
  cmd->add_option("--model-json", opts->model_json,
                  "Ladder model as JSON (debugging aid; format in docs/ladder.md)")
      ->required();
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
  if (opts.sort_hosts) render::sortByFirstAppearance(*model);

  const bool html_to_stdout = opts.html_file == "-";
  if (!opts.html_file.empty()) {
    auto html = render::renderLadderHtml(*model);
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
  auto text_ladder = render::renderLadderText(*model, to);
  if (!text_ladder) {
    printError("flow", text_ladder.error().message);
    return ExitCode::kUsage;
  }
  std::fwrite(text_ladder->data(), 1, text_ladder->size(), stdout);
  return ExitCode::kOk;
}

}  // namespace vs::cli
