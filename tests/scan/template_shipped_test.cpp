// The shipped platform templates: they lint clean, expand to the targets written in them, and use only
// documentation names and addresses (RFC 2606 names, RFC 5737 and RFC 3849 ranges).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proto/endpoint.h"
#include "scan/template.h"

namespace vs::scan {
namespace {

const std::string kTemplates = VOIPSCOPE_SOURCE_DIR "/templates/";

Template loadClean(const std::string& name) {
  auto r = loadTemplateFile(kTemplates + name);
  for (const auto& e : r.errors) ADD_FAILURE() << e.format();
  for (const auto& w : r.warnings) ADD_FAILURE() << "warning: " << w.format();
  if (!r.tmpl) return {};
  return *r.tmpl;
}

const CheckSpec* find(const Template& t, const std::string& id) {
  for (const auto& c : t.checks) {
    if (c.id == id) return &c;
  }
  ADD_FAILURE() << t.name << ": no check " << id;
  return nullptr;
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool documentationHost(const std::string& host) {
  for (const char* name : {".example.com", ".example.net", ".example.org"}) {
    if (endsWith(host, name)) return true;
  }
  for (const char* prefix : {"192.0.2.", "198.51.100.", "203.0.113.", "2001:db8:"}) {
    if (host.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

void expectDocumentationOnly(const Template& t) {
  for (const auto& c : t.checks) {
    EXPECT_FALSE(c.remediation.empty()) << c.id;
    EXPECT_GE(c.remediation.size(), 150u) << c.id << ": remediation should tell a technician what to do";
    for (const auto& target : c.targets) {
      auto ep = proto::parseEndpoint(target);
      ASSERT_TRUE(ep.ok()) << target;
      EXPECT_TRUE(documentationHost(ep->host)) << t.name << "/" << c.id << ": " << target;
    }
    for (const auto& addr : c.getStringList("expect_addresses")) EXPECT_TRUE(documentationHost(addr)) << addr;
  }
}

const std::vector<std::string> kSbcs = {"sbc1.ucaas.example.com", "sbc2.ucaas.example.com", "sbc3.ucaas.example.net"};

TEST(ShippedTemplates, HostedUcaas) {
  Template t = loadClean("hosted-ucaas.yaml");
  EXPECT_EQ(t.name, "hosted-ucaas");
  EXPECT_EQ(t.version, "2026.11.1");
  ASSERT_EQ(t.checks.size(), 11u);
  // Need a reflector the site deploys itself: shipped switched off.
  EXPECT_FALSE(find(t, "rtp-quality")->enabled);
  EXPECT_FALSE(find(t, "nat")->enabled);
  EXPECT_FALSE(find(t, "sip-alg")->enabled);
  EXPECT_EQ(find(t, "nat")->getInt("max_idle_s", 0), 30);
  EXPECT_EQ(find(t, "sip-alg")->targets, (std::vector<std::string>{"reflector.ucaas.example.com:5060"}));
  EXPECT_EQ(find(t, "rtp-quality")->getNumber("mos_fail", 0), 3.6);
  expectDocumentationOnly(t);
  for (const char* id : {"dns-sbc", "sip-udp", "sip-tcp", "sbc-ports", "latency-sbc"}) {
    const CheckSpec* c = find(t, id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->targets, kSbcs) << id;
  }
  EXPECT_EQ(find(t, "sip-udp")->getString("transport", ""), "udp");
  EXPECT_EQ(find(t, "sip-tcp")->getString("transport", ""), "tcp");
  EXPECT_EQ(find(t, "sbc-ports")->getIntList("ports"), (std::vector<std::int64_t>{5060, 5061}));
  EXPECT_EQ(find(t, "provisioning-https")->targets.size(), 2u);
  EXPECT_EQ(find(t, "provisioning-https")->getInt("cert_fail_days", 0), 7);
  EXPECT_EQ(find(t, "control-channels")->targets.size(), 3u);
  EXPECT_EQ(find(t, "dns-services")->targets.size(), 4u);  // 2 provisioning URLs + 2 names

  const CheckSpec* lat = find(t, "latency-sbc");
  EXPECT_EQ(lat->category, Category::kPerformance);
  EXPECT_EQ(lat->getString("mode", ""), "sip");
  EXPECT_EQ(lat->getNumber("latency_warn_ms", 0), 100);
  EXPECT_EQ(lat->getNumber("latency_fail_ms", 0), 150);
  EXPECT_EQ(lat->getNumber("jitter_warn_ms", 0), 20);
  EXPECT_EQ(lat->getNumber("jitter_fail_ms", 0), 30);
  EXPECT_EQ(lat->getNumber("loss_warn_pct", 0), 0.5);
  EXPECT_EQ(lat->getNumber("loss_fail_pct", 0), 2);
}

TEST(ShippedTemplates, AsteriskFreePbx) {
  Template t = loadClean("asterisk-freepbx.yaml");
  EXPECT_EQ(t.name, "asterisk-freepbx");
  ASSERT_EQ(t.checks.size(), 6u);
  expectDocumentationOnly(t);
  EXPECT_EQ(t.target_groups.at("pbx"), std::vector<std::string>{"192.0.2.10"});
  for (const char* id : {"sip-udp", "sip-tcp"}) {
    EXPECT_EQ(find(t, id)->targets, std::vector<std::string>{"192.0.2.10"});
    EXPECT_EQ(find(t, id)->getInt("port", 0), 5060);
  }
  EXPECT_EQ(find(t, "sip-tls-port")->getInt("port", 0), 5061);
  EXPECT_EQ(find(t, "web-gui")->targets, std::vector<std::string>{"https://192.0.2.10/admin/"});
  EXPECT_TRUE(find(t, "web-gui")->getBool("insecure", false));
  EXPECT_EQ(find(t, "latency")->type, "latency");
}

TEST(ShippedTemplates, TeamsDirectRouting) {
  Template t = loadClean("teams-direct-routing.yaml");
  EXPECT_EQ(t.name, "teams-direct-routing");
  ASSERT_EQ(t.checks.size(), 6u);
  expectDocumentationOnly(t);
  const CheckSpec* tls = find(t, "tls-microsoft-sip");
  ASSERT_TRUE(tls);
  ASSERT_EQ(tls->targets.size(), 3u);
  for (const auto& target : tls->targets) EXPECT_TRUE(endsWith(target, ".example.com:5061")) << target;
  EXPECT_EQ(find(t, "tls-sbc")->targets, std::vector<std::string>{"sbc.contoso.example.com:5061"});
  EXPECT_EQ(find(t, "dns-sbc")->getStringList("expect_addresses"), std::vector<std::string>{"203.0.113.20"});
  // The description tells which real Microsoft names to put in place of the stand-ins.
  EXPECT_NE(t.description.find("sip.pstnhub.microsoft.com"), std::string::npos);
}

TEST(ShippedTemplates, SipTrunk) {
  Template t = loadClean("sip-trunk.yaml");
  EXPECT_EQ(t.name, "sip-trunk");
  ASSERT_EQ(t.checks.size(), 5u);
  expectDocumentationOnly(t);
  const std::vector<std::string> signalling = {"203.0.113.10", "203.0.113.11"};
  for (const char* id : {"sip-udp", "sip-tcp", "signalling-ports", "latency"}) EXPECT_EQ(find(t, id)->targets, signalling);
  EXPECT_FALSE(find(t, "sip-tcp")->enabled);
  EXPECT_TRUE(find(t, "sip-udp")->enabled);
  EXPECT_EQ(find(t, "dns-trunk")->getStringList("expect_addresses"), signalling);
}

}  // namespace
}  // namespace vs::scan
