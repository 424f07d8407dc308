#include "scan/template.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>

#include "proto/endpoint.h"
#include "scan/check_types.h"
#include "scan/yaml_tree.h"

namespace vs::scan {

std::string LintMessage::format() const {
  if (loc.line == 0) return file + ": " + message;
  return file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": " + message;
}

namespace {

using detail::YNode;

// A template is small; anything bigger is not one (and must not make the linter allocate without bound).
constexpr std::size_t kMaxTemplateBytes = 1 << 20;
constexpr std::string_view kFlatHint = "templates are flat, write the values out where they apply";


// Optimal string alignment distance: a transposed pair of letters counts as one edit.
std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean 'x'?)" or " (did you mean 'x' or 'y'?)", or "" when nothing is close.
std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::size_t limit = word.size() <= 3 ? 1 : 2;
  std::vector<std::pair<std::size_t, std::string_view>> close;
  for (std::string_view c : candidates) {
    std::size_t d = editDistance(word, c);
    bool prefix = word.size() >= 3 && (c.rfind(word, 0) == 0 || word.rfind(c, 0) == 0);
    if (d <= limit || prefix) close.push_back({d, c});
  }
  if (close.empty()) return "";
  std::stable_sort(close.begin(), close.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string out = " (did you mean '" + std::string(close[0].second) + "'";
  if (close.size() > 1) out += " or '" + std::string(close[1].second) + "'";
  return out + "?)";
}

std::string joinNames(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool matchesCharset(std::string_view s, std::string_view extra) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos;
  });
}

std::optional<std::int64_t> scalarInt(const YNode& n) {
  if (n.kind != YNode::Kind::kScalar || n.quoted) return std::nullopt;
  std::string_view s = n.value;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> scalarNumber(const YNode& n) {
  if (n.kind != YNode::Kind::kScalar || n.quoted) return std::nullopt;
  std::string_view s = n.value;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  // from_chars would take "inf" and "nan"; a threshold is a plain decimal.
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.')) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return n.value[0] == '-' ? -v : v;
}

std::optional<bool> scalarBool(const YNode& n) {
  if (n.kind != YNode::Kind::kScalar || n.quoted) return std::nullopt;
  if (n.value == "true" || n.value == "True" || n.value == "TRUE") return true;
  if (n.value == "false" || n.value == "False" || n.value == "FALSE") return false;
  return std::nullopt;
}

std::string describe(const YNode& n) {
  switch (n.kind) {
    case YNode::Kind::kNull: return "nothing";
    case YNode::Kind::kSeq: return "a list";
    case YNode::Kind::kMap: return "a mapping";
    case YNode::Kind::kAlias: return "an alias";
    case YNode::Kind::kScalar: break;
  }
  return n.quoted ? "the string \"" + n.value + "\"" : "'" + n.value + "'";
}

std::string formatNumber(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

struct GroupEntry {
  std::string text;
  SourceLoc loc;
  std::optional<proto::Endpoint> ep;  // empty: invalid (already reported)
};

class Linter {
 public:
  explicit Linter(std::string file) : file_(std::move(file)) {}

  LoadResult run(std::string_view text);

 private:
  void error(SourceLoc loc, std::string msg) { errors_.push_back({file_, loc, std::move(msg)}); }
  void warning(SourceLoc loc, std::string msg) { warnings_.push_back({file_, loc, std::move(msg)}); }

  // Calls fn(key, value) for each usable key of a mapping; reports merge keys, duplicates, odd keys once.
  template <class Fn>
  void forEachKey(const YNode& map, Fn fn);
  void checkTree(const YNode& n);
  std::optional<std::string> scalarString(const YNode& n, const std::string& what);
  void loadGroups(const YNode& n);
  void loadCheck(const YNode& n, std::size_t index);
  void loadParam(CheckSpec& spec, const ParamSpec& ps, const YNode& v);
  void expandTargets(CheckSpec& spec, const CheckTypeInfo* info, const YNode& n, bool has_port);
  void checkThresholds(const CheckSpec& spec);

  std::string file_;
  Template tmpl_;
  std::vector<LintMessage> errors_;
  std::vector<LintMessage> warnings_;
  std::map<std::string, std::vector<GroupEntry>> groups_;
  std::map<std::string, SourceLoc> group_locs_;
  std::set<std::string> used_groups_;
  std::map<std::string, SourceLoc> check_ids_;
};

template <class Fn>
void Linter::forEachKey(const YNode& map, Fn fn) {
  std::map<std::string, SourceLoc> seen;
  for (std::size_t i = 0; i < map.items.size(); ++i) {
    const YNode& k = map.items[i];
    if (k.kind == YNode::Kind::kAlias) continue;
    if (k.kind != YNode::Kind::kScalar) {
      error(k.loc, "a key must be a plain name, not " + describe(k));
      continue;
    }
    if (k.value == "<<" && !k.quoted) {
      error(k.loc, "merge key '<<' is not allowed: " + std::string(kFlatHint));
      continue;
    }
    if (auto [it, fresh] = seen.emplace(k.value, k.loc); !fresh) {
      error(k.loc, "duplicate key '" + k.value + "' (first at line " + std::to_string(it->second.line) + ")");
      continue;
    }
    fn(k, map.values[i]);
  }
}

std::optional<std::string> Linter::scalarString(const YNode& n, const std::string& what) {
  if (n.kind == YNode::Kind::kAlias) return std::nullopt;
  if (n.kind == YNode::Kind::kScalar) return n.value;
  error(n.loc, what + " must be a single value, not " + describe(n));
  return std::nullopt;
}

LoadResult Linter::run(std::string_view text) {
  detail::YamlTree tree = detail::parseYamlTree(text, kFlatHint);
  if (tree.fatal) {
    LoadResult r;
    r.errors.push_back({file_, tree.fatal->first, tree.fatal->second});
    return r;
  }
  for (auto& [loc, msg] : tree.errors) error(loc, std::move(msg));

  if (!tree.root || tree.root->kind == YNode::Kind::kNull) {
    error({1, 1}, "empty template: expected a mapping with template:, version: and checks:");
  } else if (tree.root->kind != YNode::Kind::kMap) {
    error(tree.root->loc, "a template must be a mapping (template:, version:, checks:, ...), not " +
                              describe(*tree.root));
  } else {
    const YNode& root = *tree.root;
    static const std::vector<std::string_view> kTopKeys = {"template", "version", "description", "platform",
                                                           "targets", "checks"};
    const YNode* targets = nullptr;
    const YNode* checks = nullptr;
    std::set<std::string> present;
    forEachKey(root, [&](const YNode& k, const YNode& v) {
      present.insert(k.value);
      if (k.value == "template") {
        if (auto s = scalarString(v, "template")) {
          if (!matchesCharset(*s, "-")) error(v.loc, "template name '" + *s + "' must use only a-z, 0-9 and '-'");
          tmpl_.name = *s;
        }
      } else if (k.value == "version") {
        if (auto s = scalarString(v, "version")) {
          if (s->empty()) error(v.loc, "version must not be empty");
          tmpl_.version = *s;
        }
      } else if (k.value == "description") {
        if (auto s = scalarString(v, "description")) tmpl_.description = *s;
      } else if (k.value == "platform") {
        if (auto s = scalarString(v, "platform")) tmpl_.platform = *s;
      } else if (k.value == "targets") {
        targets = &v;
      } else if (k.value == "checks") {
        checks = &v;
      } else {
        std::string hint = suggest(k.value, kTopKeys);
        error(k.loc, "unknown top-level key '" + k.value + "'" +
                         (hint.empty() ? " (allowed: " + joinNames(kTopKeys) + ")" : hint));
      }
    });
    for (const char* required : {"template", "version", "checks"}) {
      if (!present.count(required)) error(root.loc, std::string("missing required key '") + required + "'");
    }
    if (targets) loadGroups(*targets);
    if (checks) {
      if (checks->kind == YNode::Kind::kSeq && !checks->items.empty()) {
        for (std::size_t i = 0; i < checks->items.size(); ++i) loadCheck(checks->items[i], i);
      } else if (checks->kind != YNode::Kind::kAlias) {
        error(checks->loc, "checks must be a non-empty list of checks, not " + describe(*checks));
      }
    }
    for (const auto& [name, loc] : group_locs_) {
      if (!used_groups_.count(name)) warning(loc, "target group '" + name + "' is not used by any check");
    }
  }

  auto byPosition = [](const LintMessage& a, const LintMessage& b) {
    return std::pair(a.loc.line, a.loc.col) < std::pair(b.loc.line, b.loc.col);
  };
  std::stable_sort(errors_.begin(), errors_.end(), byPosition);
  std::stable_sort(warnings_.begin(), warnings_.end(), byPosition);
  LoadResult r;
  tmpl_.file = file_;
  if (errors_.empty()) r.tmpl = std::move(tmpl_);
  r.errors = std::move(errors_);
  r.warnings = std::move(warnings_);
  return r;
}

void Linter::loadGroups(const YNode& n) {
  if (n.kind == YNode::Kind::kAlias) return;
  if (n.kind != YNode::Kind::kMap) {
    error(n.loc, "targets must map group names to lists of endpoints, not " + describe(n));
    return;
  }
  forEachKey(n, [&](const YNode& k, const YNode& v) {
    const std::string& name = k.value;
    if (!matchesCharset(name, "_-")) {
      error(k.loc, "target group name '" + name + "' must use only a-z, 0-9, '_' and '-'");
      return;
    }
    group_locs_[name] = k.loc;
    auto& entries = groups_[name];
    std::vector<const YNode*> items;
    if (v.kind == YNode::Kind::kSeq) {
      for (const YNode& item : v.items) items.push_back(&item);
    } else if (v.kind == YNode::Kind::kScalar) {
      items.push_back(&v);
    } else if (v.kind != YNode::Kind::kAlias) {
      error(v.loc, "target group '" + name + "' must be a list of endpoints, not " + describe(v));
      return;
    }
    if (items.empty()) error(v.loc, "target group '" + name + "' is empty");
    for (const YNode* item : items) {
      auto s = scalarString(*item, "an endpoint in target group '" + name + "'");
      if (!s) continue;
      GroupEntry e{*s, item->loc, std::nullopt};
      if (auto ep = proto::parseEndpoint(*s)) {
        e.ep = std::move(*ep);
      } else {
        error(item->loc, "target group '" + name + "': bad endpoint: " + ep.error().message);
      }
      if (e.ep) tmpl_.target_groups[name].push_back(e.text);
      entries.push_back(std::move(e));
    }
  });
}

void Linter::loadCheck(const YNode& n, std::size_t index) {
  if (n.kind == YNode::Kind::kAlias) return;
  std::string label = "check #" + std::to_string(index + 1);
  if (n.kind != YNode::Kind::kMap) {
    error(n.loc, label + " must be a mapping with id:, type: and targets:, not " + describe(n));
    return;
  }
  CheckSpec spec;
  spec.loc = n.loc;
  const YNode* id_node = nullptr;
  const YNode* type_node = nullptr;
  const YNode* targets_node = nullptr;
  std::vector<std::pair<const YNode*, const YNode*>> rest;
  forEachKey(n, [&](const YNode& k, const YNode& v) {
    if (k.value == "id") id_node = &v;
    else if (k.value == "type") type_node = &v;
    else if (k.value == "targets") targets_node = &v;
    else rest.push_back({&k, &v});
  });

  bool id_ok = false;
  if (id_node) {
    if (auto s = scalarString(*id_node, label + ": id")) {
      if (!matchesCharset(*s, "._-")) {
        error(id_node->loc, "check id '" + *s + "' must use only a-z, 0-9, '.', '_' and '-'");
      } else if (auto [it, fresh] = check_ids_.emplace(*s, id_node->loc); !fresh) {
        error(id_node->loc, "duplicate check id '" + *s + "' (first at line " + std::to_string(it->second.line) + ")");
      } else {
        id_ok = true;
      }
      spec.id = *s;
    }
  }
  if (id_ok) label = "check '" + spec.id + "'";
  for (auto [key, node] : {std::pair{"id", id_node}, std::pair{"type", type_node}, std::pair{"targets", targets_node}}) {
    if (!node) error(n.loc, label + ": missing required key '" + key + "'");
  }

  const CheckTypeInfo* info = nullptr;
  if (type_node) {
    if (auto s = scalarString(*type_node, label + ": type")) {
      spec.type = *s;
      info = findCheckType(*s);
      if (!info) {
        std::vector<std::string_view> known;
        for (const auto& t : checkTypes()) known.push_back(t.type);
        error(type_node->loc, label + ": unknown check type '" + *s + "'" + suggest(*s, known) +
                                  "; known types: " + joinNames(known));
      } else {
        spec.category = info->category;
      }
    }
  }

  bool has_port = false;
  const YNode* port_key = nullptr;
  for (auto [k, v] : rest) {
    const std::string& key = k->value;
    if (key == "enabled") {
      if (v->kind == YNode::Kind::kAlias) continue;
      if (auto b = scalarBool(*v)) spec.enabled = *b;
      else error(v->loc, label + ": 'enabled' must be true or false, got " + describe(*v));
    } else if (key == "remediation" || key == "description") {
      if (auto s = scalarString(*v, label + ": '" + key + "'")) {
        if (key == "remediation") spec.remediation = *s;
        else spec.params[key] = *s;  // kept with the params: CheckSpec has no field of its own for it
      }
    } else if (info) {
      const ParamSpec* ps = findParam(*info, key);
      if (!ps) {
        std::vector<std::string_view> keys(std::begin(kCommonCheckKeys), std::end(kCommonCheckKeys));
        for (const auto& p : info->params) keys.push_back(p.name);
        std::string hint = suggest(key, keys);
        error(k->loc, "unknown key '" + key + "' for check type '" + spec.type + "'" +
                          (hint.empty() ? " (accepted: " + joinNames(keys) + ")" : hint));
        continue;
      }
      if (key == "port" || key == "ports") {
        if (port_key) error(k->loc, label + ": set either 'port' or 'ports', not both");
        port_key = k;
        has_port = true;
      }
      loadParam(spec, *ps, *v);
    }
    // Keys of an unknown type cannot be judged: the type error above says what to fix first.
  }

  if (targets_node) expandTargets(spec, info, *targets_node, has_port);
  if (spec.remediation.empty() && id_ok) {
    warning(n.loc, label + ": no remediation text; add remediation: to tell the technician what to do on WARN/FAIL");
  }
  checkThresholds(spec);
  tmpl_.checks.push_back(std::move(spec));
}

void Linter::loadParam(CheckSpec& spec, const ParamSpec& ps, const YNode& v) {
  if (v.kind == YNode::Kind::kAlias) return;
  std::string what = (spec.id.empty() ? "check" : "check '" + spec.id + "'") + ": '" + std::string(ps.name) + "'";
  auto inRange = [&](double x, const YNode& at) {
    if (x >= ps.min && x <= ps.max) return true;
    error(at.loc, what + " must be between " + formatNumber(ps.min) + " and " + formatNumber(ps.max) + ", got " +
                      at.value);
    return false;
  };
  auto intValue = [&](const YNode& at) -> std::optional<std::int64_t> {
    auto i = scalarInt(at);
    if (!i) {
      YNode unquoted = at;
      unquoted.quoted = false;
      std::string hint = at.quoted && scalarInt(unquoted) ? " (remove the quotes)" : "";
      error(at.loc, what + " must be an integer, got " + describe(at) + hint);
      return std::nullopt;
    }
    if (!inRange(static_cast<double>(*i), at)) return std::nullopt;
    return i;
  };
  auto stringValue = [&](const YNode& at) -> std::optional<std::string> {
    if (at.kind != YNode::Kind::kScalar) {
      error(at.loc, what + " must be a single value, not " + describe(at));
      return std::nullopt;
    }
    if (!ps.choices.empty() && std::find(ps.choices.begin(), ps.choices.end(), at.value) == ps.choices.end()) {
      error(at.loc, what + " must be one of " + joinNames(ps.choices) + "; got '" + at.value + "'");
      return std::nullopt;
    }
    return at.value;
  };
  auto listItems = [&]() -> std::optional<std::vector<const YNode*>> {
    std::vector<const YNode*> out;
    if (v.kind == YNode::Kind::kScalar) return std::vector<const YNode*>{&v};
    if (v.kind != YNode::Kind::kSeq || v.items.empty()) {
      error(v.loc, what + " must be a value or a non-empty list, not " + describe(v));
      return std::nullopt;
    }
    for (const YNode& item : v.items) out.push_back(&item);
    return out;
  };

  std::string key(ps.name);
  switch (ps.kind) {
    case ParamKind::kBool:
      if (auto b = scalarBool(v)) spec.params[key] = *b;
      else error(v.loc, what + " must be true or false, got " + describe(v));
      break;
    case ParamKind::kInt:
      if (auto i = intValue(v)) spec.params[key] = *i;
      break;
    case ParamKind::kNumber:
      if (auto d = scalarNumber(v)) {
        if (inRange(*d, v)) spec.params[key] = *d;
      } else {
        error(v.loc, what + " must be a number, got " + describe(v));
      }
      break;
    case ParamKind::kString:
      if (auto s = stringValue(v)) spec.params[key] = *s;
      break;
    case ParamKind::kStringList:
      if (auto items = listItems()) {
        std::vector<std::string> out;
        for (const YNode* item : *items) {
          if (auto s = stringValue(*item)) out.push_back(*s);
        }
        if (out.size() == items->size()) spec.params[key] = std::move(out);
      }
      break;
    case ParamKind::kIntList:
      if (auto items = listItems()) {
        std::vector<std::int64_t> out;
        for (const YNode* item : *items) {
          if (auto i = intValue(*item)) out.push_back(*i);
        }
        if (out.size() == items->size()) spec.params[key] = std::move(out);
      }
      break;
  }
}

void Linter::expandTargets(CheckSpec& spec, const CheckTypeInfo* info, const YNode& n, bool has_port) {
  std::string label = spec.id.empty() ? "check" : "check '" + spec.id + "'";
  std::vector<const YNode*> items;
  if (n.kind == YNode::Kind::kAlias) return;
  if (n.kind == YNode::Kind::kScalar) {
    items.push_back(&n);
  } else if (n.kind == YNode::Kind::kSeq && !n.items.empty()) {
    for (const YNode& item : n.items) items.push_back(&item);
  } else if (n.kind == YNode::Kind::kSeq) {
    error(n.loc, label + ": targets is an empty list");
    return;
  } else {
    error(n.loc, label + ": targets must be a group name, an endpoint or a list of them, not " + describe(n));
    return;
  }
  std::size_t errors_before = errors_.size();
  std::vector<std::string_view> group_names;
  for (const auto& [name, entries] : groups_) group_names.push_back(name);
  std::set<std::string> seen;  // canonical endpoints already in this check
  auto add = [&](const std::string& text, const proto::Endpoint& ep, SourceLoc at) {
    std::string canon = ep.scheme + "|" + ep.hostPort() + "|" + ep.path + "|" + ep.transport;
    if (!seen.insert(canon).second) {
      warning(at, label + ": target '" + text + "' is listed more than once (kept once)");
      return;
    }
    if (info && info->needs_port && !has_port && !ep.port) {
      error(at, label + ": target '" + text + "' has no port; set port: or write host:port");
    }
    spec.targets.push_back(text);
  };
  for (const YNode* item : items) {
    auto s = scalarString(*item, label + ": a target");
    if (!s) continue;
    if (auto g = groups_.find(*s); g != groups_.end()) {
      used_groups_.insert(*s);
      for (const GroupEntry& e : g->second) {
        if (e.ep) add(e.text, *e.ep, item->loc);
      }
      continue;
    }
    auto ep = proto::parseEndpoint(*s);
    if (!ep) {
      error(item->loc, label + ": '" + *s + "' is not a target group" + suggest(*s, group_names) +
                           " and not an endpoint: " + ep.error().message);
      continue;
    }
    // A bare one-label name is far more often a mistyped group than a host: insist on a FQDN or a port.
    bool bare = ep->scheme.empty() && !ep->port && !ep->host_is_ipv6 &&
                ep->host.find('.') == std::string::npos && ep->host != "localhost";
    if (bare) {
      std::string hint = suggest(*s, group_names);
      error(item->loc, label + ": unknown target group '" + *s + "'" +
                           (hint.empty() ? "; for a host write its full name or host:port" : hint));
      continue;
    }
    add(*s, *ep, item->loc);
  }
  if (spec.targets.empty() && errors_.size() == errors_before) error(n.loc, label + ": no targets (its groups are empty)");
}

void Linter::checkThresholds(const CheckSpec& spec) {
  static const std::pair<std::string_view, std::string_view> kPairs[] = {
      {"warn_ms", "fail_ms"},
      {"latency_warn_ms", "latency_fail_ms"},
      {"jitter_warn_ms", "jitter_fail_ms"},
      {"loss_warn_pct", "loss_fail_pct"},
      {"hops_warn", "hops_fail"},
      {"jump_warn_ms", "jump_fail_ms"},
  };
  // MOS: larger is better, so the warning threshold must be the larger one.
  if (spec.has("mos_warn") && spec.has("mos_fail") && spec.getNumber("mos_warn", 0) < spec.getNumber("mos_fail", 0)) {
    warning(spec.loc, "check '" + spec.id + "': mos_warn is below mos_fail: the warning level can never be reached");
  }
  for (auto [w, f] : kPairs) {
    if (spec.has(w) && spec.has(f) && spec.getNumber(w, 0) > spec.getNumber(f, 0)) {
      warning(spec.loc, "check '" + spec.id + "': " + std::string(w) + " is above " + std::string(f) +
                            ": the warning level can never be reached");
    }
  }
  // Days before expiry count down: the warning must come first, so its threshold is the larger one.
  if (spec.has("cert_warn_days") && spec.has("cert_fail_days") &&
      spec.getInt("cert_warn_days", 0) < spec.getInt("cert_fail_days", 0)) {
    warning(spec.loc, "check '" + spec.id + "': cert_warn_days is below cert_fail_days: the warning level can never be reached");
  }
}

}  // namespace

bool CheckSpec::getBool(std::string_view key, bool fallback) const {
  auto it = params.find(std::string(key));
  if (it == params.end()) return fallback;
  if (const bool* b = std::get_if<bool>(&it->second)) return *b;
  return fallback;
}

std::int64_t CheckSpec::getInt(std::string_view key, std::int64_t fallback) const {
  auto it = params.find(std::string(key));
  if (it == params.end()) return fallback;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return *i;
  return fallback;
}

double CheckSpec::getNumber(std::string_view key, double fallback) const {
  auto it = params.find(std::string(key));
  if (it == params.end()) return fallback;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

std::string CheckSpec::getString(std::string_view key, std::string fallback) const {
  auto it = params.find(std::string(key));
  if (it == params.end()) return fallback;
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return fallback;
}

std::vector<std::string> CheckSpec::getStringList(std::string_view key) const {
  auto it = params.find(std::string(key));
  if (it == params.end()) return {};
  if (const auto* l = std::get_if<std::vector<std::string>>(&it->second)) return *l;
  if (const auto* s = std::get_if<std::string>(&it->second)) return {*s};
  return {};
}

std::vector<std::int64_t> CheckSpec::getIntList(std::string_view key) const {
  auto it = params.find(std::string(key));
  if (it == params.end()) return {};
  if (const auto* l = std::get_if<std::vector<std::int64_t>>(&it->second)) return *l;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return {*i};
  return {};
}

LoadResult loadTemplateText(std::string_view text, const std::string& file_label) {
  if (text.size() > kMaxTemplateBytes) {
    LoadResult r;
    r.errors.push_back({file_label, {}, "larger than " + std::to_string(kMaxTemplateBytes) + " bytes: not a template"});
    return r;
  }
  return Linter(file_label).run(text);
}

LoadResult loadTemplateFile(const std::string& path) {
  auto cannotRead = [&](int err) {
    LoadResult r;
    r.errors.push_back({path, {}, std::string("cannot read: ") + std::strerror(err)});
    return r;
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return cannotRead(errno);
  std::string text;
  char buf[8192];
  while (true) {
    std::size_t got = std::fread(buf, 1, sizeof buf, f.get());
    text.append(buf, got);
    if (text.size() > kMaxTemplateBytes) return loadTemplateText(text, path);  // reports the size
    if (got < sizeof buf) break;
  }
  if (std::ferror(f.get())) return cannotRead(errno);
  return loadTemplateText(text, path);
}

}  // namespace vs::scan
