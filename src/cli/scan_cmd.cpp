#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/upload_util.h"
#include "core/json.h"
#include "render/report.h"
#include "scan/runner.h"
#include "scan/template.h"

namespace vs::cli {

void setupScan(CLI::App& app, std::shared_ptr<ScanOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("scan", "Run a platform template's checks and print the verdict");
  cmd->add_option("-t,--template", opts->template_file, "Template YAML file")->required();
  cmd->add_option("--site", opts->site, "Site name stored with the result (default: host name)");
  cmd->add_flag("--json", opts->json, "Print the scan as JSON instead of the report");
  cmd->add_flag("-v,--verbose", opts->verbose, "Show measurements on each line");
  cmd->add_flag("--no-color", opts->no_color, "No ANSI colours");
  cmd->add_option("--dns-server", opts->dns_servers, "DNS server IP[:PORT] to use instead of the system's (repeatable)");
  cmd->add_option("--upload", opts->upload_url, "Server URL to upload the result to (via the outbox)")
      ->envname("VOIPSCOPE_UPLOAD_URL");
  cmd->add_option("--token", opts->token, "Upload bearer token")->envname("VOIPSCOPE_TOKEN");
  cmd->add_option("--outbox", opts->outbox_dir, "Outbox directory (default: ~/.local/state/voipscope/outbox)");
  cmd->add_option("--ca-file", opts->ca_file, "Extra CA certificate (PEM) for HTTPS checks and the upload");
  cmd->add_flag("--insecure", opts->insecure, "Upload even when the server's certificate cannot be verified");
  cmd->callback([opts, &result] { result = runScan(*opts); });
}

ExitCode runScan(const ScanOptions& opts) {
  auto loaded = scan::loadTemplateFile(opts.template_file);
  for (const auto& w : loaded.warnings) std::fprintf(stderr, "%s (warning)\n", w.format().c_str());
  if (!loaded.tmpl) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.format().c_str());
    return ExitCode::kUsage;
  }
  if (!opts.upload_url.empty() && opts.token.empty()) {
    printError("scan", "--upload needs --token (or VOIPSCOPE_TOKEN)");
    return ExitCode::kUsage;
  }

  scan::ScanOptions so;
  so.site = opts.site;
  so.dns_servers = opts.dns_servers;
  so.ca_file = opts.ca_file;
  auto scan = scan::runScan(*loaded.tmpl, so);
  if (!scan) {
    printError("scan", scan.error().message);
    return ExitCode::kUsage;
  }

  if (opts.json) {
    std::fputs((toJson(*scan, 2) + "\n").c_str(), stdout);
  } else {
    render::ReportOptions ro;
    ro.color = !opts.no_color && stdoutIsTerminal();
    ro.show_measurements = opts.verbose;
    std::fputs(render::renderReport(*scan, ro).c_str(), stdout);
  }
  std::fflush(stdout);

  ExitCode verdict = exitCodeFor(*scan);
  if (!opts.upload_url.empty()) {
    UploadSettings us{opts.upload_url, opts.token, opts.outbox_dir, opts.ca_file, opts.insecure};
    if (!enqueueAndFlush(*scan, us, "scan")) return ExitCode::kRuntime;
  }
  return verdict;
}

}  // namespace vs::cli
