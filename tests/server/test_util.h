#pragma once
#include <filesystem>
#include <random>
#include <string>

#include "core/model.h"

namespace vs::testing {

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("voipscope-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline Scan makeScan(const std::string& id, const std::string& site = "HQ") {
  Scan s;
  s.id = id;
  s.site = site;
  s.template_name = "demo";
  s.template_version = "1";
  s.host = {"laptop", "Linux", "0.1.0"};
  s.started_at_ms = 1'790'000'000'000;
  s.duration_ms = 1200;
  CheckResult r;
  r.check_id = "sip-udp";
  r.type = "sip_options";
  r.category = Category::kVoipSip;
  r.target = "127.0.0.1:5060/udp";
  r.status = Status::kPass;
  r.message = "200 OK";
  r.measurements = {{"rtt", 1.5, "ms"}};
  r.evidence["sip_response"] = "SIP/2.0 200 OK\r\n\r\n";
  s.results.push_back(r);
  return s;
}

inline std::string idN(int n) {
  std::string hex = "0123456789abcdef";
  std::string id(32, '0');
  for (int i = 31; i >= 0 && n > 0; --i, n /= 16) id[static_cast<std::size_t>(i)] = hex[static_cast<std::size_t>(n % 16)];
  id[0] = 'a';
  return id;
}

}  // namespace vs::testing
