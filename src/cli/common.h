#pragma once
#include <string>

#include "core/exit_code.h"
#include "core/model.h"

namespace vs::cli {

inline constexpr const char* kVersion = "0.1.0";

// One-line error to stderr: "voipscope scan: <message>".
void printError(std::string_view command, std::string_view message);
bool stdoutIsTerminal();
// Scan verdict: PASS/SKIP -> 0, WARN -> 1, FAIL/ERROR -> 2.
ExitCode exitCodeFor(const Scan& scan);
// Blocks SIGINT and SIGTERM in the calling thread (call before starting threads so they inherit it).
void blockTerminationSignals();
// Waits for SIGINT or SIGTERM (blocked beforehand); returns the signal number.
int waitForTerminationSignal();
// Value of an environment variable, or "".
std::string envOr(const char* name, std::string fallback = "");

}  // namespace vs::cli
