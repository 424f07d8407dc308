#pragma once
// A template: one flat YAML file per platform (docs/templates.md). Everything active is visible in the
// file; there is no inheritance and no include. yaml-cpp stays inside template.cpp.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace vs::scan {

struct SourceLoc {
  int line = 0;  // 1-based; 0 = unknown
  int col = 0;   // 1-based
};

using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>,
                                std::vector<std::int64_t>>;

struct CheckSpec {
  std::string id;    // unique in the template
  std::string type;  // a registered check type (check_types.h)
  Category category = Category::kConnectivity;  // from the type
  bool enabled = true;                           // false: every expansion reports SKIP
  std::vector<std::string> targets;              // endpoints after expanding group names, file order
  std::map<std::string, ParamValue> params;      // only the keys written in the file, validated
  std::string remediation;
  SourceLoc loc;

  // Typed access with defaults. kInt params read as numbers too.
  bool getBool(std::string_view key, bool fallback) const;
  std::int64_t getInt(std::string_view key, std::int64_t fallback) const;
  double getNumber(std::string_view key, double fallback) const;
  std::string getString(std::string_view key, std::string fallback) const;
  std::vector<std::string> getStringList(std::string_view key) const;
  std::vector<std::int64_t> getIntList(std::string_view key) const;
  bool has(std::string_view key) const { return params.find(std::string(key)) != params.end(); }
};

struct Template {
  std::string file;  // where it came from (a path, or "<demo>")
  std::string name;
  std::string version;
  std::string description;
  std::string platform;
  std::map<std::string, std::vector<std::string>> target_groups;  // name -> endpoints
  std::vector<CheckSpec> checks;
};

struct LintMessage {
  std::string file;
  SourceLoc loc;
  std::string message;
  std::string format() const;  // "file:line:col: message"
};

struct LoadResult {
  std::optional<Template> tmpl;  // set only when there are no errors
  std::vector<LintMessage> errors;
  std::vector<LintMessage> warnings;  // e.g. a check without remediation text
};

LoadResult loadTemplateFile(const std::string& path);
LoadResult loadTemplateText(std::string_view text, const std::string& file_label);

}  // namespace vs::scan
