#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "server/service.h"

namespace vs::cli {

void setupServe(CLI::App& app, std::shared_ptr<ServeOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("serve", "Run the HTTP API and the dashboard");
  cmd->add_option("--listen", opts->listen, "ADDR:PORT to listen on (port 0: any free port)")->capture_default_str();
  cmd->add_option("--db", opts->db, "SQLite database file")->capture_default_str();
  cmd->add_option("--token", opts->token, "Bearer token uploads must present")->envname("VOIPSCOPE_TOKEN");
  cmd->add_option("--threads", opts->threads, "Request threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->callback([opts, &result] { result = runServe(*opts); });
}

ExitCode runServe(const ServeOptions& opts) {
  if (opts.token.empty()) {
    printError("serve", "a token is required: --token TOKEN or VOIPSCOPE_TOKEN");
    return ExitCode::kUsage;
  }
  blockTerminationSignals();
  server::ServiceOptions so{opts.listen, opts.db, opts.token, opts.threads};
  auto svc = server::Service::start(so);
  if (!svc) {
    printError("serve", svc.error().message);
    return ExitCode::kRuntime;
  }
  std::printf("voipscope serve: listening on %s/ (db %s)\n", (*svc)->url().c_str(), opts.db.c_str());
  std::fflush(stdout);
  int sig = waitForTerminationSignal();
  std::printf("voipscope serve: signal %d, stopping\n", sig);
  (*svc)->stop();
  return ExitCode::kOk;
}

}  // namespace vs::cli
