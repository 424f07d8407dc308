#pragma once

namespace vs::cli {
// Parses the command line and runs one subcommand; returns the process exit code (core/exit_code.h).
int run(int argc, char** argv);
}  // namespace vs::cli
