#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/common.h"

namespace vs::cli {

int run(int argc, char** argv) {
  CLI::App app{"voipscope: tells why VoIP calls fail or sound bad, and keeps proving it"};
  app.set_version_flag("--version", fmt::format("voipscope {}", kVersion));
  app.require_subcommand(1);
  ExitCode result = ExitCode::kOk;
  setupScan(app, std::make_shared<ScanOptions>(), result);
  setupServe(app, std::make_shared<ServeOptions>(), result);
  setupUpload(app, std::make_shared<UploadCmdOptions>(), result);
  setupTemplate(app, std::make_shared<TemplateOptions>(), result);
  setupDemo(app, std::make_shared<DemoOptions>(), result);
  setupResponders(app, std::make_shared<RespondersOptions>(), result);
  setupSipPing(app, std::make_shared<SipPingCmdOptions>(), result);
  setupSipRegister(app, std::make_shared<SipRegisterCmdOptions>(), result);
  setupCalls(app, std::make_shared<CallsCmdOptions>(), result);
  setupReflect(app, std::make_shared<ReflectCmdOptions>(), result);
  setupRtp(app, std::make_shared<RtpProbeCmdOptions>(), result);
  setupNat(app, std::make_shared<NatCmdOptions>(), result);
  setupFlow(app, std::make_shared<FlowOptions>(), result);
  setupPing(app, std::make_shared<PingCmdOptions>(), result);
  setupTrace(app, std::make_shared<TraceCmdOptions>(), result);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return toInt(ExitCode::kUsage);
  }
  return toInt(result);
}

}  // namespace vs::cli
