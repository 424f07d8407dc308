#pragma once
// The built-in far-end responders (SIP UDP/TCP, UDP echo, HTTP provisioning, DNS) on their own event
// loop thread. Shared by `demo` and `responders`.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace vs::cli {

struct ResponderPorts {
  std::uint16_t sip = 0;   // UDP and TCP
  std::uint16_t echo = 0;  // UDP
  std::uint16_t http = 0;  // TCP, serves /provisioning/*
  std::uint16_t dns = 0;   // UDP
};

class ResponderSet {
 public:
  struct Options {
    std::string bind_address = "127.0.0.1";
    std::map<std::string, std::vector<std::string>> dns_records;
    std::string sip_server_header = "voipscope-responder";
  };
  static Result<std::unique_ptr<ResponderSet>> start(Options options);
  virtual ~ResponderSet() = default;  // stops and joins
  virtual ResponderPorts ports() const = 0;
};

}  // namespace vs::cli
