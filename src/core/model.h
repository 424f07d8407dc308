#pragma once
// The one result model: a scan check, a monitor probe and a `sip ping` run all produce Measurements in
// CheckResults inside a Scan. Its JSON form (core/json.h, docs/result-model.md) is what the report, the
// upload, the store and the API all use.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace vs {

struct Measurement {
  std::string name;  // "rtt", "connect_time", "jitter", "loss" ...
  double value = 0;
  std::string unit;  // "ms", "%", "count", "days" ...
  bool operator==(const Measurement&) const = default;
};

struct CheckResult {
  std::string check_id;  // id from the template, e.g. "sip-options-udp"
  std::string type;      // check type, e.g. "sip_options"
  Category category = Category::kConnectivity;
  std::string target;  // what was tested: "sbc1.example.com:5060", "https://prov.example.com/"
  Status status = Status::kError;
  std::string message;      // one line: what was seen
  std::string remediation;  // from the template; shown under WARN/FAIL
  double duration_ms = 0;
  std::vector<Measurement> measurements;
  std::map<std::string, std::string> evidence;  // e.g. "sip_response" -> the raw response

  const Measurement* measurement(std::string_view name) const;
  bool operator==(const CheckResult&) const = default;
};

struct HostFacts {
  std::string hostname;
  std::string os;
  std::string voipscope_version;
  bool operator==(const HostFacts&) const = default;
};

struct StatusCounts {
  int pass = 0, warn = 0, fail = 0, skip = 0, error = 0;
  int total() const { return pass + warn + fail + skip + error; }
  bool operator==(const StatusCounts&) const = default;
};

struct Scan {
  std::string id;  // 32 lowercase hex digits; the client makes it, the server keys on it
  std::string site;
  std::string template_name;
  std::string template_version;
  HostFacts host;
  std::int64_t started_at_ms = 0;  // Unix time, milliseconds
  double duration_ms = 0;
  std::vector<CheckResult> results;

  StatusCounts counts() const;
  Status worst() const;  // PASS when there are no results
  bool operator==(const Scan&) const = default;
};

}  // namespace vs
