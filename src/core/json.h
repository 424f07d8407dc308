#pragma once
// JSON mapping of the result model (schema in docs/result-model.md). nlohmann::json stays inside json.cpp.
#include <string>
#include <string_view>

#include "core/model.h"
#include "core/result.h"

namespace vs {

inline constexpr int kScanSchemaVersion = 1;

// indent < 0: compact, one line.
std::string toJson(const Scan& scan, int indent = -1);
std::string toJson(const CheckResult& result, int indent = -1);

// Strict: every required field present with the right type; errors name the field ("results[3].status: ...").
Result<Scan> scanFromJson(std::string_view text);

}  // namespace vs
