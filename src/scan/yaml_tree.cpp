#include "scan/yaml_tree.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <sstream>

namespace vs::scan::detail {
namespace {

SourceLoc toLoc(const YAML::Mark& m) { return {m.line + 1, m.column + 1}; }

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(std::vector<std::pair<SourceLoc, std::string>>& errors, std::string_view flat_hint)
      : errors_(errors), flat_hint_(flat_hint) {}

  std::optional<YNode> root;
  SourceLoc doc_start;

  void OnDocumentStart(const YAML::Mark& mark) override { doc_start = toLoc(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    checkAnchor(mark, anchor);
    attach(leaf(YNode::Kind::kNull, mark));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchor_names_.find(anchor);
    std::string name = it == anchor_names_.end() ? "?" : it->second;
    errors_.push_back({toLoc(mark), "alias '*" + name + "' is not allowed: " + std::string(flat_hint_)});
    attach(leaf(YNode::Kind::kAlias, mark));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    checkAnchor(mark, anchor);
    checkTag(mark, tag);
    YNode n = leaf(YNode::Kind::kScalar, mark);
    n.quoted = tag == "!";
    n.value = value;
    attach(std::move(n));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    checkAnchor(mark, anchor);
    checkTag(mark, tag);
    stack_.push_back({leaf(YNode::Kind::kSeq, mark), false});
  }
  void OnSequenceEnd() override { pop(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    checkAnchor(mark, anchor);
    checkTag(mark, tag);
    stack_.push_back({leaf(YNode::Kind::kMap, mark), false});
  }
  void OnMapEnd() override { pop(); }
  void OnAnchor(const YAML::Mark&, const std::string& name) override { last_anchor_name_ = name; }

 private:
  struct Frame {
    YNode node;
    bool have_key;  // kMap: a key is waiting for its value
  };

  static YNode leaf(YNode::Kind kind, const YAML::Mark& mark) {
    YNode n;
    n.kind = kind;
    n.loc = toLoc(mark);
    return n;
  }
  void checkAnchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor == YAML::NullAnchor) return;
    anchor_names_[anchor] = last_anchor_name_;
    errors_.push_back({toLoc(mark), "anchor '&" + last_anchor_name_ + "' is not allowed: " + std::string(flat_hint_)});
  }
  void checkTag(const YAML::Mark& mark, const std::string& tag) {
    if (tag.empty() || tag == "?" || tag == "!") return;
    errors_.push_back({toLoc(mark), "YAML tag '" + tag + "' is not allowed: write plain values"});
  }
  void attach(YNode n) {
    if (stack_.empty()) {
      root = std::move(n);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == YNode::Kind::kSeq) {
      top.node.items.push_back(std::move(n));
    } else if (!top.have_key) {
      top.node.items.push_back(std::move(n));
      top.have_key = true;
    } else {
      top.node.values.push_back(std::move(n));
      top.have_key = false;
    }
  }
  void pop() {
    YNode n = std::move(stack_.back().node);
    stack_.pop_back();
    attach(std::move(n));
  }

  std::vector<std::pair<SourceLoc, std::string>>& errors_;
  std::string_view flat_hint_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::string> anchor_names_;
  std::string last_anchor_name_;
};

}  // namespace

YamlTree parseYamlTree(std::string_view text, std::string_view flat_hint) {
  YamlTree tree;
  TreeBuilder builder(tree.errors, flat_hint);
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    if (parser.HandleNextDocument(builder)) {
      std::vector<std::pair<SourceLoc, std::string>> ignored;
      TreeBuilder second(ignored, flat_hint);
      if (parser.HandleNextDocument(second)) {
        tree.errors.push_back({second.doc_start, "a template is one YAML document; found a second one"});
      }
    }
  } catch (const YAML::DeepRecursion& e) {
    tree.fatal = {toLoc(e.mark), "YAML nested too deeply: not a template"};
    return tree;
  } catch (const YAML::Exception& e) {
    // After a syntax error nothing else in the file can be trusted: that one error only.
    tree.fatal = {e.mark.is_null() ? SourceLoc{} : toLoc(e.mark), "YAML syntax error: " + e.msg};
    return tree;
  } catch (const std::exception& e) {
    tree.fatal = {SourceLoc{}, std::string("YAML parser failed: ") + e.what()};
    return tree;
  }
  tree.root = std::move(builder.root);
  return tree;
}

}  // namespace vs::scan::detail
