#pragma once
// The registry of check types as data: which keys each type accepts, their kinds and meaning. The
// template linter validates against it; docs/templates.md documents it; checks.cpp runs the types.
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vs::scan {

enum class ParamKind { kBool, kInt, kNumber, kString, kStringList, kIntList };

struct ParamSpec {
  std::string_view name;
  ParamKind kind;
  std::string_view doc;
  std::vector<std::string_view> choices = {};  // kString: allowed values (empty: any)
  double min = 0;                               // kInt/kNumber/kIntList: inclusive range
  double max = 1e12;
};

struct CheckTypeInfo {
  std::string_view type;
  Category category;
  std::string_view doc;
  std::vector<ParamSpec> params;  // type-specific keys (the common keys are below)
  bool needs_port = false;        // a port must come from `port`/`ports` or from each target
};

// Keys every check accepts: id, type, targets, enabled, remediation, description.
inline constexpr std::string_view kCommonCheckKeys[] = {"id", "type", "targets", "enabled", "remediation",
                                                        "description"};

const std::vector<CheckTypeInfo>& checkTypes();
const CheckTypeInfo* findCheckType(std::string_view type);
const ParamSpec* findParam(const CheckTypeInfo& info, std::string_view name);

}  // namespace vs::scan
