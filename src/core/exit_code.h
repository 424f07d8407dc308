#pragma once
// The process exit codes, written once (documented in README.md "Exit codes").
namespace vs {

enum class ExitCode : int {
  kOk = 0,        // everything passed / command succeeded
  kWarnings = 1,  // the scan found warnings (no failures)
  kFailures = 2,  // the scan found failures or errors
  kUsage = 3,     // bad command line, unreadable or invalid template/config
  kRuntime = 4,   // runtime failure: cannot bind, cannot reach the server, outbox not empty after flush
  kInterrupted = 130,
};

inline int toInt(ExitCode c) { return static_cast<int>(c); }

}  // namespace vs
