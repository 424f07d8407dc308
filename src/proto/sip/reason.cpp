#include "proto/sip/reason.h"

#include <charconv>
#include <utility>

#include "proto/sip/message.h"

namespace vs::proto::sip {

namespace {

// ITU-T Q.850 (05/1998) Table 1, the cause values it defines, worded as the recommendation names them.
constexpr std::pair<int, std::string_view> kQ850[] = {
    {1, "unallocated (unassigned) number"},
    {2, "no route to specified transit network"},
    {3, "no route to destination"},
    {4, "send special information tone"},
    {5, "misdialled trunk prefix"},
    {6, "channel unacceptable"},
    {7, "call awarded and being delivered in an established channel"},
    {8, "preemption"},
    {9, "preemption - circuit reserved for reuse"},
    {16, "normal call clearing"},
    {17, "user busy"},
    {18, "no user responding"},
    {19, "no answer from user (user alerted)"},
    {20, "subscriber absent"},
    {21, "call rejected"},
    {22, "number changed"},
    {26, "non-selected user clearing"},
    {27, "destination out of order"},
    {28, "invalid number format (address incomplete)"},
    {29, "facility rejected"},
    {30, "response to STATUS ENQUIRY"},
    {31, "normal, unspecified"},
    {34, "no circuit/channel available"},
    {38, "network out of order"},
    {39, "permanent frame mode connection out of service"},
    {40, "permanent frame mode connection operational"},
    {41, "temporary failure"},
    {42, "switching equipment congestion"},
    {43, "access information discarded"},
    {44, "requested circuit/channel not available"},
    {46, "precedence call blocked"},
    {47, "resource unavailable, unspecified"},
    {49, "quality of service not available"},
    {50, "requested facility not subscribed"},
    {53, "outgoing calls barred within CUG"},
    {55, "incoming calls barred within CUG"},
    {57, "bearer capability not authorized"},
    {58, "bearer capability not presently available"},
    {62, "inconsistency in designated outgoing access information and subscriber class"},
    {63, "service or option not available, unspecified"},
    {65, "bearer capability not implemented"},
    {66, "channel type not implemented"},
    {69, "requested facility not implemented"},
    {70, "only restricted digital information bearer capability is available"},
    {79, "service or option not implemented, unspecified"},
    {81, "invalid call reference value"},
    {82, "identified channel does not exist"},
    {83, "a suspended call exists, but this call identity does not"},
    {84, "call identity in use"},
    {85, "no call suspended"},
    {86, "call having the requested call identity has been cleared"},
    {87, "user not member of CUG"},
    {88, "incompatible destination"},
    {90, "non-existent CUG"},
    {91, "invalid transit network selection"},
    {95, "invalid message, unspecified"},
    {96, "mandatory information element is missing"},
    {97, "message type non-existent or not implemented"},
    {127, "interworking, unspecified"},
};

}  // namespace

std::string_view q850CauseName(int cause) {
  for (const auto& [value, name] : kQ850) {
    if (value == cause) return name;
  }
  return {};
}

std::optional<int> q850Cause(std::string_view value) {
  // reason-value = protocol *(SEMI reason-params), several joined by commas (splitList keeps a quoted
  // text's commas inside its item).
  for (auto item : splitList(value)) {
    const auto semi = item.find(';');
    if (semi == std::string_view::npos) continue;
    auto protocol = item.substr(0, semi);
    while (!protocol.empty() && (protocol.back() == ' ' || protocol.back() == '\t')) protocol.remove_suffix(1);
    if (!iequals(protocol, "Q.850")) continue;
    if (auto c = headerParam(item.substr(semi), "cause")) {
      int v = 0;
      auto [p, ec] = std::from_chars(c->data(), c->data() + c->size(), v);
      if (ec == std::errc() && p == c->data() + c->size()) return v;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::string describeReason(std::string_view value) {
  std::string out(value);
  if (auto c = q850Cause(value)) {
    if (auto name = q850CauseName(*c); !name.empty()) out.append(" (").append(name).append(")");
  }
  return out;
}

}  // namespace vs::proto::sip
