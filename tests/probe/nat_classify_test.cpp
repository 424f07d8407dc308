// RFC 4787 mapping (section 4.1) and filtering (section 5) verdicts from what the reflector saw, on the
// cases the RFC defines: one public ip:port everywhere, one per far-end address, one per address and port.
#include <gtest/gtest.h>

#include "probe/nat_probe.h"

namespace vs::probe {
namespace {

TEST(ClassifyMapping, ThreeProbesFromOneSocketTellTheThreeMappings) {
  // Same public ip:port toward every reflector address and port.
  auto v = classifyMapping("203.0.113.9:40000", "203.0.113.9:40000", "203.0.113.9:40000");
  EXPECT_EQ(v.mapping, "endpoint-independent");
  EXPECT_TRUE(v.address_tested);
  // The same for both ports of address A, another toward address B (another port or another public IP).
  v = classifyMapping("203.0.113.9:40000", "203.0.113.9:40000", "203.0.113.9:41000");
  EXPECT_EQ(v.mapping, "address-dependent");
  v = classifyMapping("203.0.113.9:40000", "203.0.113.9:40000", "203.0.113.10:40000");
  EXPECT_EQ(v.mapping, "address-dependent");
  // Another port of A already gets another mapping: the port counts, whatever B saw.
  v = classifyMapping("203.0.113.9:40000", "203.0.113.9:41000", "203.0.113.9:42000");
  EXPECT_EQ(v.mapping, "address-and-port-dependent");
  v = classifyMapping("203.0.113.9:40000", "203.0.113.9:41000", "203.0.113.9:40000");
  EXPECT_EQ(v.mapping, "address-and-port-dependent");
}

TEST(ClassifyMapping, OneReflectorAddressCannotRuleOutAddressDependent) {
  auto v = classifyMapping("203.0.113.9:40000", "203.0.113.9:40000", "");
  EXPECT_EQ(v.mapping, "endpoint-independent");
  EXPECT_FALSE(v.address_tested);  // what the report qualifies
  v = classifyMapping("203.0.113.9:40000", "203.0.113.9:41000", "");
  EXPECT_EQ(v.mapping, "address-and-port-dependent");  // definite without B
  EXPECT_FALSE(v.address_tested);
}

TEST(ClassifyMapping, UnansweredPortIsUnknown) {
  EXPECT_EQ(classifyMapping("203.0.113.9:40000", "", "203.0.113.9:40000").mapping, "unknown");
  EXPECT_EQ(classifyMapping("", "", "").mapping, "unknown");
}

TEST(ClassifyFiltering, WhichAnswersGotIn) {
  EXPECT_EQ(classifyFiltering(true, false), "endpoint-independent");  // other address: everything gets in
  EXPECT_EQ(classifyFiltering(false, true), "address-dependent");
  EXPECT_EQ(classifyFiltering(false, false), "address-and-port-dependent");
  // No second reflector address: only the port test.
  EXPECT_EQ(classifyFiltering(std::nullopt, true), "endpoint-independent or address-dependent");
  EXPECT_EQ(classifyFiltering(std::nullopt, false), "address-and-port-dependent");
}

}  // namespace
}  // namespace vs::probe
