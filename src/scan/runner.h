#pragma once
// Runs a template: every (check, target) pair concurrently on one Asio event loop, each with its own
// deadline, so a scan takes as long as its slowest check, not the sum.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "scan/template.h"

namespace vs::scan {

// One expanded unit of work: a check spec applied to one endpoint (and one port for `ports:`).
struct PlannedCheck {
  const CheckSpec* spec = nullptr;
  std::string target;  // the endpoint as written in the template
  std::string host;
  std::optional<std::uint16_t> port;  // from the target, or `port`/`ports`
  std::string display;                // what the report shows: host:port, URL, name
};

// Expansion is deterministic (file order, then target order, then port order).
Result<std::vector<PlannedCheck>> planChecks(const Template& tmpl);

struct ScanOptions {
  std::string site;                      // empty: the host name
  std::vector<std::string> dns_servers;  // --dns-server; empty: the system resolver
  bool use_hosts_file = true;
  // Grace added to each check's own worst-case time before the runner reports it as ERROR (hung).
  std::chrono::milliseconds deadline_slack{2000};
  std::string ca_file;                   // extra trust anchor for http checks (tests, private CAs)
  // Called as each check finishes (from the event loop thread), e.g. for progress output.
  std::function<void(const CheckResult&)> on_result;
};

// The worst-case time a planned check may take before the runner gives up on it.
std::chrono::milliseconds checkDeadline(const PlannedCheck& check, std::chrono::milliseconds slack);

// Errors only when the scan cannot start at all (bad --dns-server, no event loop).
Result<Scan> runScan(const Template& tmpl, const ScanOptions& options);

HostFacts localHostFacts();

}  // namespace vs::scan
