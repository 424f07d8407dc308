#include "cli/common.h"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace vs::cli {

void printError(std::string_view command, std::string_view message) {
  std::fputs(fmt::format("voipscope {}: {}\n", command, message).c_str(), stderr);
}

bool stdoutIsTerminal() { return isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr; }

ExitCode exitCodeFor(const Scan& scan) {
  switch (scan.worst()) {
    case Status::kPass:
    case Status::kSkip: return ExitCode::kOk;
    case Status::kWarn: return ExitCode::kWarnings;
    case Status::kFail:
    case Status::kError: return ExitCode::kFailures;
  }
  return ExitCode::kFailures;
}

void blockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int waitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

std::string envOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace vs::cli
