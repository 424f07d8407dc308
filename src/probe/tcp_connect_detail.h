#pragma once
// The OS error -> outcome mapping of tcpConnect, apart so it can be tested without a network that
// drops packets or sends ICMP unreachables.
#include <system_error>

#include "probe/tcp_connect.h"

namespace vs::probe::detail {

// Failure of a connect() that did complete (the deadline case never reaches here).
TcpOutcome classifyConnectError(const std::error_code& ec);

}  // namespace vs::probe::detail
