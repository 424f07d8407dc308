#pragma once
// Shared fixtures for the store tests: a private temp directory per test and scans built by hand.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "core/model.h"

namespace vs::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vs-store-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A 32-hex-digit id that is easy to read in failure output: the number n, zero-padded.
inline std::string idFor(unsigned n) {
  std::string hex = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 31; i >= 0 && n != 0; --i, n >>= 4) out[static_cast<std::size_t>(i)] = hex[n & 0xf];
  return out;
}

inline CheckResult makeResult(std::string check_id, Status status) {
  CheckResult r;
  r.check_id = std::move(check_id);
  r.type = "sip_options";
  r.category = Category::kVoipSip;
  r.target = "sbc1.example.com:5060";
  r.status = status;
  r.message = "200 OK in 12.5 ms";
  r.remediation = "Open UDP 5060 towards the SBC";
  r.duration_ms = 12.5;
  r.measurements = {{"rtt", 12.5, "ms"}};
  return r;
}

inline Scan makeScan(std::string id, std::string site, std::int64_t started_at_ms, std::vector<Status> statuses) {
  Scan s;
  s.id = std::move(id);
  s.site = std::move(site);
  s.template_name = "generic-sip";
  s.template_version = "1.2.0";
  s.host = {"probe-host", "Linux 6.1", "0.1.0"};
  s.started_at_ms = started_at_ms;
  s.duration_ms = 1500.25;
  int i = 0;
  for (Status st : statuses) s.results.push_back(makeResult("check-" + std::to_string(i++), st));
  return s;
}

}  // namespace vs::store::testing
