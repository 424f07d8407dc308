#pragma once
// The Reason header (RFC 3326): why a call was ended or refused, as the network said it. Most carriers,
// PBXs and Teams give an ISDN cause (ITU-T Q.850) whose number a field technician is left to look up;
// this names it.
#include <optional>
#include <string>
#include <string_view>

namespace vs::proto::sip {

// Q.850 cause value -> its meaning ("no circuit/channel available"); empty for values Q.850 does not define.
std::string_view q850CauseName(int cause);

// "Q.850;cause=34;text=..." (or several, comma-separated) -> 34: the cause of the first Q.850 reason,
// the protocol name in any case, spaces around ';' and '=' allowed. nullopt when there is none.
std::optional<int> q850Cause(std::string_view reason_value);

// The value with the Q.850 cause's meaning appended: "Q.850;cause=34 (no circuit/channel available)".
// Unchanged when there is no known Q.850 cause in it.
std::string describeReason(std::string_view reason_value);

}  // namespace vs::proto::sip
