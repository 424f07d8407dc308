// The Reason header (RFC 3326) read for its Q.850 cause, in the forms real stacks send: the canonical
// "Q.850;cause=16;text=...", Broadworks/Asterisk spacing "Q.850 ;cause=16 ;text=...", lower case, a SIP
// reason first, several in one header, a quoted text holding commas and a "cause" word.
#include <gtest/gtest.h>

#include "proto/sip/reason.h"

namespace {

using vs::proto::sip::describeReason;
using vs::proto::sip::q850Cause;
using vs::proto::sip::q850CauseName;

TEST(SipReason, Q850CauseInTheFormsStacksSend) {
  EXPECT_EQ(q850Cause("Q.850;cause=16;text=\"NORMAL_CLEARING\""), 16);
  EXPECT_EQ(q850Cause("Q.850 ;cause=16 ;text=\"local\""), 16);  // from the corpus (heplify, TCP)
  EXPECT_EQ(q850Cause("q.850;cause=21"), 21);                     // from the corpus (sngrep's aaa.pcap)
  EXPECT_EQ(q850Cause("SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=26"), 26);
  EXPECT_EQ(q850Cause("SIP;cause=480;text=\"a, b; cause=9\", Q.850 ; cause = 18"), 18);
  EXPECT_EQ(q850Cause("SIP;cause=603"), std::nullopt);
  EXPECT_EQ(q850Cause("Q.850;text=\"no cause here\""), std::nullopt);
  EXPECT_EQ(q850Cause("Q.850;cause=abc"), std::nullopt);
  EXPECT_EQ(q850Cause("Q.8500;cause=16"), std::nullopt);
  EXPECT_EQ(q850Cause(""), std::nullopt);
  EXPECT_EQ(q850Cause(",,;"), std::nullopt);
}

TEST(SipReason, CausesAreNamedAsQ850NamesThemAndOthersAreLeftAlone) {
  EXPECT_EQ(q850CauseName(16), "normal call clearing");
  EXPECT_EQ(q850CauseName(17), "user busy");
  EXPECT_EQ(q850CauseName(34), "no circuit/channel available");
  EXPECT_EQ(q850CauseName(127), "interworking, unspecified");
  EXPECT_EQ(q850CauseName(0), "");
  EXPECT_EQ(q850CauseName(64), "");  // not assigned in Q.850
  EXPECT_EQ(describeReason("Q.850;cause=34"), "Q.850;cause=34 (no circuit/channel available)");
  EXPECT_EQ(describeReason("SIP;cause=200"), "SIP;cause=200");
  EXPECT_EQ(describeReason("Q.850;cause=250"), "Q.850;cause=250");
  EXPECT_EQ(describeReason(""), "");
}

}  // namespace
