#include "core/status.h"

namespace vs {

std::string_view toString(Status s) {
  switch (s) {
    case Status::kPass: return "PASS";
    case Status::kWarn: return "WARN";
    case Status::kFail: return "FAIL";
    case Status::kSkip: return "SKIP";
    case Status::kError: return "ERROR";
  }
  return "ERROR";
}

std::optional<Status> parseStatus(std::string_view s) {
  for (Status st : {Status::kPass, Status::kWarn, Status::kFail, Status::kSkip, Status::kError}) {
    if (toString(st) == s) return st;
  }
  return std::nullopt;
}

std::string_view toString(Category c) {
  switch (c) {
    case Category::kDns: return "dns";
    case Category::kConnectivity: return "connectivity";
    case Category::kVoipSip: return "voip_sip";
    case Category::kPerformance: return "performance";
    case Category::kDiscovery: return "discovery";
  }
  return "connectivity";
}

std::string_view displayName(Category c) {
  switch (c) {
    case Category::kDns: return "DNS";
    case Category::kConnectivity: return "Connectivity";
    case Category::kVoipSip: return "VoIP / SIP";
    case Category::kPerformance: return "Performance";
    case Category::kDiscovery: return "Discovery";
  }
  return "Connectivity";
}

std::optional<Category> parseCategory(std::string_view s) {
  for (Category c : kAllCategories) {
    if (toString(c) == s) return c;
  }
  return std::nullopt;
}

}  // namespace vs
