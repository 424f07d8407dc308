#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "scan/runner.h"
#include "scan/template.h"

namespace vs::cli {

void setupTemplate(CLI::App& app, std::shared_ptr<TemplateOptions> opts, ExitCode& result) {
  auto* cmd = app.add_subcommand("template", "Work with scan templates");
  cmd->require_subcommand(1);
  auto* lint = cmd->add_subcommand("lint", "Check template files; errors as file:line:col: message");
  lint->add_option("files", opts->files, "Template YAML files")->required();
  lint->callback([opts, &result] { result = runTemplateLint(*opts); });
}

ExitCode runTemplateLint(const TemplateOptions& opts) {
  bool any_error = false;
  for (const auto& f : opts.files) {
    auto loaded = scan::loadTemplateFile(f);
    for (const auto& e : loaded.errors) std::printf("%s\n", e.format().c_str());
    for (const auto& w : loaded.warnings) std::printf("%s (warning)\n", w.format().c_str());
    if (!loaded.tmpl) {
      any_error = true;
      continue;
    }
    auto planned = scan::planChecks(*loaded.tmpl);
    if (!planned) {
      std::printf("%s: %s\n", f.c_str(), planned.error().message.c_str());
      any_error = true;
      continue;
    }
    std::printf("%s: ok (%s %s, %zu checks, %zu probes)\n", f.c_str(), loaded.tmpl->name.c_str(),
                loaded.tmpl->version.c_str(), loaded.tmpl->checks.size(), planned->size());
  }
  return any_error ? ExitCode::kUsage : ExitCode::kOk;
}

}  // namespace vs::cli
