#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "server/upload.h"
#include "store/outbox.h"

namespace vs::cli {

void setupUpload(CLI::App& app, std::shared_ptr<UploadCmdOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("upload", "Send the scans waiting in the outbox to the server");
  cmd->add_flag("--flush", opts->flush, "Send every scan in the outbox (the default action)");
  cmd->add_flag("--list", opts->list, "List the scans in the outbox and send nothing");
  cmd->add_option("--url,--upload", opts->url, "Server URL")->envname("VOIPSCOPE_UPLOAD_URL");
  cmd->add_option("--token", opts->token, "Bearer token")->envname("VOIPSCOPE_TOKEN");
  cmd->add_option("--outbox", opts->outbox_dir, "Outbox directory");
  cmd->add_option("--ca-file", opts->ca_file, "Extra CA certificate (PEM) for the server");
  cmd->add_flag("--insecure", opts->insecure, "Send even when the server's certificate cannot be verified");
  cmd->callback([opts, &result] { result = runUpload(*opts); });
}

ExitCode runUpload(const UploadCmdOptions& opts) {
  auto outbox = store::Outbox::open(opts.outbox_dir.empty() ? store::Outbox::defaultDir() : std::filesystem::path(opts.outbox_dir));
  if (!outbox) {
    printError("upload", "outbox: " + outbox.error().message);
    return ExitCode::kRuntime;
  }
  if (opts.list) {
    std::vector<std::string> problems;
    auto entries = outbox->list(&problems);
    if (!entries) {
      printError("upload", entries.error().message);
      return ExitCode::kRuntime;
    }
    for (const auto& e : *entries) std::printf("%s  %s\n", e.id.c_str(), e.path.c_str());
    for (const auto& p : problems) printError("upload", p);
    std::printf("%zu scan(s) in %s\n", entries->size(), outbox->dir().c_str());
    return ExitCode::kOk;
  }
  if (opts.url.empty() || opts.token.empty()) {
    printError("upload", "--url and --token are needed (or VOIPSCOPE_UPLOAD_URL and VOIPSCOPE_TOKEN)");
    return ExitCode::kUsage;
  }
  server::UploadOptions uo{opts.url, opts.token, std::chrono::milliseconds(15000), opts.ca_file, opts.insecure};
  auto report = server::flushOutbox(*outbox, uo);
  for (const auto& p : report.problems) printError("upload", "outbox: " + p);
  for (const auto& a : report.attempts) std::printf("%s  %s\n", a.id.c_str(), a.detail.c_str());
  std::printf("sent %d of %d, %d left in %s\n", report.confirmed, report.pending_before, report.remaining,
              outbox->dir().c_str());
  return report.remaining == 0 && report.problems.empty() ? ExitCode::kOk : ExitCode::kRuntime;
}

}  // namespace vs::cli
