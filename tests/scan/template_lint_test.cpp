// Each bad fixture against the exact `file:line:col: message` lines a technician would see. Positions were
// read off the fixture files by hand (1-based line and column of the offending key or value).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scan/template.h"

namespace vs::scan {
namespace {

const std::string kData = VOIPSCOPE_SOURCE_DIR "/tests/scan/data/";

std::vector<std::string> formatted(const std::vector<LintMessage>& msgs) {
  std::vector<std::string> out;
  for (const auto& m : msgs) out.push_back(m.format());
  return out;
}

struct Lint {
  LoadResult result;
  std::string path;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

Lint lint(const std::string& name) {
  Lint l;
  l.path = kData + name;
  l.result = loadTemplateFile(l.path);
  l.errors = formatted(l.result.errors);
  l.warnings = formatted(l.result.warnings);
  return l;
}

TEST(TemplateLint, SyntaxErrorIsOneErrorAtYamlCppPosition) {
  auto l = lint("bad_syntax.yaml");
  EXPECT_FALSE(l.result.tmpl);
  EXPECT_EQ(l.errors, std::vector<std::string>{l.path + ":6:43: YAML syntax error: illegal flow end"});
  EXPECT_TRUE(l.warnings.empty());
}

TEST(TemplateLint, UnknownTopLevelKeys) {
  auto l = lint("bad_top_key.yaml");
  EXPECT_FALSE(l.result.tmpl);
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":3:1: unknown top-level key 'chekcs' (did you mean 'checks'?)",
                          l.path + ":4:1: unknown top-level key 'owner' (allowed: template, version, description, "
                                   "platform, targets, checks)",
                      }));
}

TEST(TemplateLint, UnknownCheckKeyWithAndWithoutSuggestion) {
  auto l = lint("bad_check_key.yaml");
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":7:5: unknown key 'warn_msec' for check type 'sip_options' (did you mean 'warn_ms'?)",
                          l.path + ":8:5: unknown key 'colour' for check type 'sip_options' (accepted: id, type, "
                                   "targets, enabled, remediation, description, port, transport, timeout_ms, warn_ms, "
                                   "fail_ms, from_user, non_2xx)",
                      }));
}

TEST(TemplateLint, UnknownCheckTypeListsKnownTypes) {
  auto l = lint("bad_type.yaml");
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":5:11: check 'sip': unknown check type 'sip_option' (did you mean 'sip_options'?); "
                                   "known types: dns, tcp_port, sip_options, http, latency, rtp_quality, vps_probe, nat, "
                                   "sip_alg, icmp, traceroute",
                          // 'hops' is not reported: the keys of an unknown type cannot be judged.
                          l.path + ":9:11: check 'trace': unknown check type 'pathping'; known types: dns, "
                                   "tcp_port, sip_options, http, latency, rtp_quality, vps_probe, nat, sip_alg, icmp, "
                                   "traceroute",
                      }));
}

TEST(TemplateLint, MissingDuplicateAndMalformedIds) {
  auto l = lint("bad_ids.yaml");
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":4:5: check #1: missing required key 'id'",
                          l.path + ":11:9: duplicate check id 'names' (first at line 7)",
                          l.path + ":15:9: check id 'Bad Id' must use only a-z, 0-9, '.', '_' and '-'",
                      }));
}

TEST(TemplateLint, ValueKindsRangesAndChoicesAllReported) {
  auto l = lint("bad_values.yaml");
  EXPECT_FALSE(l.result.tmpl);
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":7:14: check 'sip': 'warn_ms' must be a number, got 'fast'",
                          l.path + ":8:17: check 'sip': 'timeout_ms' must be an integer, got the string \"2000\" "
                                   "(remove the quotes)",
                          l.path + ":9:11: check 'sip': 'port' must be between 1 and 65535, got 70000",
                          l.path + ":10:16: check 'sip': 'transport' must be one of udp, tcp; got 'tls'",
                          l.path + ":11:14: check 'sip': 'enabled' must be true or false, got 'yes'",
                          l.path + ":16:19: check 'ports': 'ports' must be between 1 and 65535, got 0",
                          l.path + ":16:22: check 'ports': 'ports' must be an integer, got 'x'",
                          l.path + ":22:13: check 'web': 'method' must be a single value, not a list",
                          l.path + ":23:15: check 'web': 'insecure' must be true or false, got '1'",
                      }));
  EXPECT_TRUE(l.warnings.empty()) << ::testing::PrintToString(l.warnings);
}

TEST(TemplateLint, UnknownGroupsBadEndpointsEmptyListsAndDuplicates) {
  auto l = lint("bad_targets.yaml");
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":4:27: target group 'sbc': bad endpoint: 'sbc2.example.com:99999': port '99999' "
                                   "is not a number from 1 to 65535",
                          l.path + ":5:10: target group 'empty' is empty",
                          l.path + ":9:15: check 'sip': unknown target group 'sbcs' (did you mean 'sbc'?)",
                          l.path + ":9:21: check 'sip': 'bad host.example.com' is not a target group and not an "
                                   "endpoint: 'bad host.example.com': target contains white space",
                          l.path + ":17:14: check 'none': targets is an empty list",
                      }));
  EXPECT_EQ(l.warnings, (std::vector<std::string>{
                            l.path + ":13:30: check 'dup': target 'A.example.com' is listed more than once (kept once)",
                            l.path + ":13:45: check 'dup': target 'a.example.com' is listed more than once (kept once)",
                        }));
}

TEST(TemplateLint, PortRequiredByTcpAndLatencyChecks) {
  auto l = lint("bad_ports.yaml");
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":8:14: check 'tcp': target 'sbc1.example.com' has no port; set port: or write "
                                   "host:port",
                          l.path + ":12:15: check 'rtt': target '192.0.2.10' has no port; set port: or write host:port",
                          l.path + ":18:5: check 'both': set either 'port' or 'ports', not both",
                      }));
}

TEST(TemplateLint, AnchorsAliasesAndMergeKeysRejected) {
  auto l = lint("bad_anchors.yaml");
  const std::string flat = "templates are flat, write the values out where they apply";
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":4:5: anchor '&base' is not allowed: " + flat,
                          l.path + ":9:5: merge key '<<' is not allowed: " + flat,
                          l.path + ":9:5: check 'two': missing required key 'type'",
                          l.path + ":9:5: check 'two': missing required key 'targets'",
                          l.path + ":9:9: alias '*base' is not allowed: " + flat,
                      }));
}

TEST(TemplateLint, EmptyFile) {
  auto l = lint("empty.yaml");
  EXPECT_EQ(l.errors, std::vector<std::string>{
                          l.path + ":1:1: empty template: expected a mapping with template:, version: and checks:"});
}

TEST(TemplateLint, RootMustBeAMapping) {
  auto l = lint("bad_not_map.yaml");
  EXPECT_EQ(l.errors, std::vector<std::string>{
                          l.path + ":2:1: a template must be a mapping (template:, version:, checks:, ...), not a list"});
}

TEST(TemplateLint, MissingRequiredTopLevelKeysAndUnusedGroup) {
  auto l = lint("bad_missing_top.yaml");
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          l.path + ":1:1: missing required key 'template'",
                          l.path + ":1:1: missing required key 'version'",
                          l.path + ":1:1: missing required key 'checks'",
                      }));
  EXPECT_EQ(l.warnings, std::vector<std::string>{l.path + ":3:3: target group 'sbc' is not used by any check"});
}

TEST(TemplateLint, UnreadableFileHasNoPosition) {
  auto l = lint("does-not-exist.yaml");
  EXPECT_EQ(l.errors, std::vector<std::string>{l.path + ": cannot read: No such file or directory"});
  ASSERT_EQ(l.result.errors.size(), 1u);
  EXPECT_EQ(l.result.errors[0].loc.line, 0);

  auto dir = loadTemplateFile(kData);
  ASSERT_EQ(dir.errors.size(), 1u);
  EXPECT_EQ(dir.errors[0].format(), kData + ": cannot read: Is a directory");
}

}  // namespace
}  // namespace vs::scan
