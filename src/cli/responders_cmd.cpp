#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/responder_set.h"

namespace vs::cli {

void setupResponders(CLI::App& app, std::shared_ptr<RespondersOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand(
      "responders", "Run the built-in far-end responders (SIP UDP/TCP, UDP echo, HTTP, DNS) until Ctrl+C");
  cmd->add_option("--bind", opts->bind_address, "Address to bind")->capture_default_str();
  cmd->add_option("--dns-record", opts->dns_records, "NAME=ADDRESS answered by the DNS responder (repeatable)");
  cmd->callback([opts, &result] { result = runResponders(*opts); });
}

ExitCode runResponders(const RespondersOptions& opts) {
  ResponderSet::Options o;
  o.bind_address = opts.bind_address;
  for (const auto& rec : opts.dns_records) {
    auto eq = rec.find('=');
    if (eq == std::string::npos || eq == 0) {
      printError("responders", "--dns-record wants NAME=ADDRESS, got '" + rec + "'");
      return ExitCode::kUsage;
    }
    o.dns_records[rec.substr(0, eq)].push_back(rec.substr(eq + 1));
  }
  blockTerminationSignals();
  auto set = ResponderSet::start(o);
  if (!set) {
    printError("responders", set.error().message);
    return ExitCode::kRuntime;
  }
  auto p = (*set)->ports();
  // One JSON line first, so scripts can read the ports.
  std::printf("{\"sip\":%u,\"echo\":%u,\"http\":%u,\"dns\":%u}\n", p.sip, p.echo, p.http, p.dns);
  std::fflush(stdout);
  waitForTerminationSignal();
  return ExitCode::kOk;
}

}  // namespace vs::cli
