#pragma once
// A YAML document as a plain tree with source positions, built from yaml-cpp's parser events rather than
// YAML::Node: the events tell quoted from plain scalars, expose anchors and aliases (which YAML::Load
// silently resolves) and keep duplicate keys, so the template linter can reject what hides the truth.
// yaml-cpp stays inside yaml_tree.cpp.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scan/template.h"

namespace vs::scan::detail {

struct YNode {
  enum class Kind { kNull, kScalar, kSeq, kMap, kAlias };
  Kind kind = Kind::kNull;
  SourceLoc loc;
  bool quoted = false;  // non-plain scalar: "..." '...' | >
  std::string value;
  std::vector<YNode> items;  // kSeq items, or kMap keys
  std::vector<YNode> values;  // kMap values
};


struct YamlTree {
  std::optional<YNode> root;
  // Problems found while building (anchors, aliases, a second document): reported with the rest.
  std::vector<std::pair<SourceLoc, std::string>> errors;
  // Set when the text could not be parsed at all (syntax error, nesting too deep): the only error then.
  std::optional<std::pair<SourceLoc, std::string>> fatal;
};

// `flat_hint` ends the messages about anchors and aliases.
YamlTree parseYamlTree(std::string_view text, std::string_view flat_hint);

}  // namespace vs::scan::detail
