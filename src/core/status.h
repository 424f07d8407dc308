#pragma once
#include <optional>
#include <string_view>

namespace vs {

// Order matters: a larger value is a worse outcome (used to fold results into an exit code).
enum class Status { kPass, kSkip, kWarn, kFail, kError };

std::string_view toString(Status s);  // "PASS", "WARN", ...
std::optional<Status> parseStatus(std::string_view s);

enum class Category { kDns, kConnectivity, kVoipSip, kPerformance, kDiscovery };

std::string_view toString(Category c);     // "dns", "connectivity", "voip_sip", ...
std::string_view displayName(Category c);  // "DNS", "Connectivity", "VoIP / SIP", ...
std::optional<Category> parseCategory(std::string_view s);
inline constexpr Category kAllCategories[] = {Category::kDns, Category::kConnectivity, Category::kVoipSip,
                                              Category::kPerformance, Category::kDiscovery};

}  // namespace vs
