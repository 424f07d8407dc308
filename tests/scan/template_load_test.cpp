// A good fixture loads with exact values; small inline templates pin the rules that have no fixture file.
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

const CheckSpec& find(const Template& t, const std::string& id) {
  for (const auto& c : t.checks) {
    if (c.id == id) return c;
  }
  ADD_FAILURE() << "no check " << id;
  return t.checks.front();
}

template <class T>
T param(const CheckSpec& c, const std::string& key) {
  auto it = c.params.find(key);
  EXPECT_NE(it, c.params.end()) << key;
  if (it == c.params.end()) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(it->second)) << key << " has another kind";
  return std::holds_alternative<T>(it->second) ? std::get<T>(it->second) : T{};
}

TEST(TemplateLoad, GoodFixtureExactValues) {
  auto r = loadTemplateFile(kData + "good_full.yaml");
  ASSERT_TRUE(r.errors.empty()) << ::testing::PrintToString(formatted(r.errors));
  EXPECT_TRUE(r.warnings.empty()) << ::testing::PrintToString(formatted(r.warnings));
  ASSERT_TRUE(r.tmpl);
  const Template& t = *r.tmpl;
  EXPECT_EQ(t.file, kData + "good_full.yaml");
  EXPECT_EQ(t.name, "good-full");
  EXPECT_EQ(t.version, "2026.11");  // a number in the file, kept as written
  EXPECT_EQ(t.description, "Fixture with every value kind");
  EXPECT_EQ(t.platform, "test bench");
  EXPECT_EQ(t.target_groups,
            (std::map<std::string, std::vector<std::string>>{
                {"sbc", {"sbc1.example.com", "sbc2.example.com:5061"}},
                {"prov", {"https://prov.example.com/cfg/"}},
            }));
  ASSERT_EQ(t.checks.size(), 5u);
  EXPECT_EQ(t.checks[0].id, "sip-udp");
  EXPECT_EQ(t.checks[4].id, "rtt");

  const CheckSpec& sip = find(t, "sip-udp");
  EXPECT_EQ(sip.type, "sip_options");
  EXPECT_EQ(sip.category, Category::kVoipSip);
  EXPECT_TRUE(sip.enabled);
  EXPECT_EQ(sip.targets, (std::vector<std::string>{"sbc1.example.com", "sbc2.example.com:5061"}));
  EXPECT_EQ(param<std::string>(sip, "transport"), "udp");
  EXPECT_EQ(param<double>(sip, "warn_ms"), 150.0);
  EXPECT_EQ(param<double>(sip, "fail_ms"), 400.5);
  EXPECT_EQ(param<std::string>(sip, "non_2xx"), "warn");
  EXPECT_EQ(sip.params.size(), 4u);
  EXPECT_EQ(sip.remediation, "Check the firewall. Open UDP 5060.");
  EXPECT_EQ(sip.loc.line, 11);
  EXPECT_EQ(sip.loc.col, 5);

  const CheckSpec& ports = find(t, "ports");
  EXPECT_EQ(ports.category, Category::kConnectivity);
  EXPECT_FALSE(ports.enabled);
  EXPECT_EQ(ports.targets,
            (std::vector<std::string>{"sbc1.example.com", "sbc2.example.com:5061", "192.0.2.10", "[2001:db8::1]"}));
  EXPECT_EQ(param<std::vector<std::int64_t>>(ports, "ports"), (std::vector<std::int64_t>{5060, 5061}));
  EXPECT_EQ(ports.remediation, "Open the ports.");

  const CheckSpec& prov = find(t, "prov");
  EXPECT_EQ(prov.type, "http");
  EXPECT_EQ(prov.targets, std::vector<std::string>{"https://prov.example.com/cfg/"});
  EXPECT_EQ(param<std::vector<std::int64_t>>(prov, "expect_status"), std::vector<std::int64_t>{200});
  EXPECT_EQ(param<bool>(prov, "insecure"), false);
  EXPECT_EQ(param<std::int64_t>(prov, "cert_warn_days"), 30);
  EXPECT_EQ(param<std::int64_t>(prov, "cert_fail_days"), 7);
  EXPECT_EQ(param<std::string>(prov, "method"), "HEAD");
  EXPECT_EQ(prov.remediation, "Check the provisioning server.");

  const CheckSpec& names = find(t, "names");
  EXPECT_EQ(names.category, Category::kDns);
  EXPECT_EQ(names.targets, (std::vector<std::string>{"sbc1.example.com", "sbc2.example.com"}));
  EXPECT_EQ(param<std::vector<std::string>>(names, "expect_addresses"), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(param<std::string>(names, "family"), "ipv4");
  EXPECT_EQ(names.getString("description", ""), "resolve the SBC names");

  const CheckSpec& rtt = find(t, "rtt");
  EXPECT_EQ(rtt.category, Category::kPerformance);
  EXPECT_EQ(rtt.targets, (std::vector<std::string>{"sbc1.example.com", "sbc2.example.com:5061"}));
  EXPECT_EQ(param<std::int64_t>(rtt, "port"), 5060);
  EXPECT_EQ(param<std::int64_t>(rtt, "count"), 20);
  EXPECT_EQ(param<std::string>(rtt, "mode"), "sip");
  EXPECT_EQ(param<double>(rtt, "latency_warn_ms"), 100.0);
  EXPECT_EQ(param<double>(rtt, "loss_fail_pct"), 2.0);
}

TEST(TemplateLoad, Getters) {
  auto r = loadTemplateFile(kData + "good_full.yaml");
  ASSERT_TRUE(r.tmpl);
  const CheckSpec& rtt = find(*r.tmpl, "rtt");
  EXPECT_EQ(rtt.getInt("port", 1), 5060);
  EXPECT_EQ(rtt.getNumber("port", 1), 5060.0);  // an int reads as a number
  EXPECT_EQ(rtt.getNumber("loss_fail_pct", 0), 2.0);
  EXPECT_EQ(rtt.getInt("interval_ms", 20), 20);  // absent: the fallback
  EXPECT_EQ(rtt.getString("mode", "udp_echo"), "sip");
  EXPECT_EQ(rtt.getString("mode_x", "udp_echo"), "udp_echo");
  EXPECT_EQ(rtt.getBool("mode", true), true);  // wrong kind: the fallback
  EXPECT_TRUE(rtt.has("count"));
  EXPECT_FALSE(rtt.has("interval_ms"));
  EXPECT_EQ(rtt.getIntList("port"), std::vector<std::int64_t>{5060});
  EXPECT_TRUE(rtt.getIntList("ports").empty());

  const CheckSpec& prov = find(*r.tmpl, "prov");
  EXPECT_EQ(prov.getBool("insecure", true), false);
  EXPECT_EQ(prov.getIntList("expect_status"), std::vector<std::int64_t>{200});
  const CheckSpec& names = find(*r.tmpl, "names");
  EXPECT_EQ(names.getStringList("expect_addresses"), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(names.getStringList("family"), std::vector<std::string>{"ipv4"});
}

LoadResult text(const std::string& body) { return loadTemplateText(body, "t.yaml"); }

const std::string kHead = "template: t\nversion: 1\n";

TEST(TemplateLoad, PlainScalarsConvertToStringsAndBareHostsNeedAPortOrADot) {
  auto r = text(kHead +
                "checks:\n"
                "  - id: a\n"
                "    type: sip_options\n"
                "    targets: [pbx:5060, localhost, sip:100@pbx.example.com;transport=tcp]\n"
                "    from_user: 1000\n"
                "    remediation: x\n");
  ASSERT_TRUE(r.tmpl) << ::testing::PrintToString(formatted(r.errors));
  EXPECT_EQ(r.tmpl->version, "1");
  EXPECT_EQ(r.tmpl->checks[0].targets,
            (std::vector<std::string>{"pbx:5060", "localhost", "sip:100@pbx.example.com;transport=tcp"}));
  EXPECT_EQ(r.tmpl->checks[0].getString("from_user", ""), "1000");

  auto bare = text(kHead + "checks:\n  - id: a\n    type: dns\n    targets: pbx\n    remediation: x\n");
  EXPECT_EQ(formatted(bare.errors), std::vector<std::string>{
                                        "t.yaml:6:14: check 'a': unknown target group 'pbx'; for a host write its "
                                        "full name or host:port"});
}

TEST(TemplateLoad, MissingRemediationAndInvertedThresholdsWarn) {
  auto r = text(kHead +
                "checks:\n"
                "  - id: a\n"
                "    type: sip_options\n"
                "    targets: sbc.example.com\n"
                "    warn_ms: 300\n"
                "    fail_ms: 200\n"
                "  - id: b\n"
                "    type: http\n"
                "    targets: https://x.example.com/\n"
                "    cert_warn_days: 7\n"
                "    cert_fail_days: 30\n"
                "    remediation: x\n");
  ASSERT_TRUE(r.tmpl) << "warnings do not block loading";
  EXPECT_EQ(formatted(r.warnings),
            (std::vector<std::string>{
                "t.yaml:4:5: check 'a': no remediation text; add remediation: to tell the technician what to do on "
                "WARN/FAIL",
                "t.yaml:4:5: check 'a': warn_ms is above fail_ms: the warning level can never be reached",
                "t.yaml:9:5: check 'b': cert_warn_days is below cert_fail_days: the warning level can never be reached",
            }));
}

TEST(TemplateLoad, DuplicateKeysTagsSecondDocumentAndEmptyGroupExpansion) {
  auto dup = text(kHead + "version: 2\nchecks: []\n");
  EXPECT_EQ(formatted(dup.errors), (std::vector<std::string>{
                                       "t.yaml:3:1: duplicate key 'version' (first at line 2)",
                                       "t.yaml:4:9: checks must be a non-empty list of checks, not a list",
                                   }));

  auto tag = text(kHead + "description: !!str x\nchecks:\n  - id: a\n    type: dns\n    targets: a.example.com\n"
                          "    remediation: x\n");
  EXPECT_EQ(formatted(tag.errors), std::vector<std::string>{
                                       "t.yaml:3:14: YAML tag 'tag:yaml.org,2002:str' is not allowed: write plain values"});

  auto docs = text(kHead + "checks:\n  - id: a\n    type: dns\n    targets: a.example.com\n    remediation: x\n"
                           "---\ntemplate: other\n");
  EXPECT_EQ(formatted(docs.errors),
            std::vector<std::string>{"t.yaml:8:1: a template is one YAML document; found a second one"});

  auto empty_group = text(kHead + "targets:\n  none: []\nchecks:\n  - id: a\n    type: dns\n    targets: none\n"
                                  "    remediation: x\n");
  EXPECT_EQ(formatted(empty_group.errors), (std::vector<std::string>{
                                               "t.yaml:4:9: target group 'none' is empty",
                                               "t.yaml:8:14: check 'a': no targets (its groups are empty)",
                                           }));
}

TEST(TemplateLoad, FormatOmitsZeroPosition) {
  EXPECT_EQ((LintMessage{"f.yaml", {3, 7}, "boom"}.format()), "f.yaml:3:7: boom");
  EXPECT_EQ((LintMessage{"f.yaml", {0, 0}, "boom"}.format()), "f.yaml: boom");
}

}  // namespace
}  // namespace vs::scan
