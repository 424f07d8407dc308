#include "cli/sip_common.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vs::cli {

CLI::App* sipCommand(CLI::App& app) {
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == "sip") return sub;
  }
  auto* sip = app.add_subcommand("sip", "SIP tools: ping, register");
  sip->require_subcommand(1);
  return sip;
}

Result<probe::SipTransport> parseTransport(const std::string& name) {
  if (name.empty() || name == "udp") return probe::SipTransport::kUdp;
  if (name == "tcp") return probe::SipTransport::kTcp;
  if (name == "tls") return probe::SipTransport::kTls;
  return makeError("--transport must be udp, tcp or tls");
}

std::string fileNameFor(std::string_view target) {
  std::string name;
  for (char c : target) name += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '_';
  return name;
}

Result<File> openLog(const std::string& path, const std::string& header) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  File f(std::fopen(path.c_str(), "a"));
  if (!f) return makeError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  if (!header.empty() && std::ftell(f.get()) == 0) std::fputs((header + "\n").c_str(), f.get());
  std::fflush(f.get());
  return f;
}

void out(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace vs::cli
