// uriUser(): the user part of a From/To value, as the calls table shows it (tshark's VoIP calls give the
// same). Each expected value is read by hand from RFC 3261 section 19.1 (sip/sips URIs: user, then '@',
// then host; user parameters after ';' inside the user part; URI parameters and headers after the host)
// and RFC 3966 (tel: the number up to its parameters).
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "analysis/call_tracker.h"

namespace {

TEST(UriUser, NameAddrAndAddrSpecFormsGiveTheUserPartOnly) {
  struct Case {
    std::string_view value, user;
  };
  const std::vector<Case> cases = {
      {"sip:alice@example.com;x", "alice"},
      {"<tel:+123>", "+123"},
      {"\"Bob\" <sip:bob@b.example;transport=udp>;tag=1", "bob"},
      {"sipp <sip:sipp@127.0.0.1:57840>;tag=3864SIPpTag001", "sipp"},
      {"<sips:carol@c.example?subject=x>", "carol"},
      {"sip:123;npdi@example.com", "123"},
      {"tel:+1-555-0100;phone-context=example.com", "+1-555-0100"},
      {"<TEL:+44>", "+44"},
      {" <sip:dave@d.example>", "dave"},
      {"<sip:+15550100@gw.example:5060;user=phone>;tag=abc", "+15550100"},
      // A user part of 40 characters: the stop characters are searched past the first sixteen bytes.
      {"<sip:a-very-long-user-name-of-forty-chars@example.com>", "a-very-long-user-name-of-forty-chars"},
      // No user part: the host alone, or an '@' only after the URI ended (a header, a parameter, '>').
      {"<sip:example.com>", ""},
      {"<sip:example.com;user=phone>", ""},
      {"<sip:host.example?x=a@b>", ""},
      {"<sip:host.example>;tag=a@b", ""},
      {"nothing", ""},
      {"", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(vs::analysis::uriUser(c.value), c.user) << c.value;
  }
}

}  // namespace
