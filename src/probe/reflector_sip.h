#pragma once
// Private to probe/: the reflector's SIP side, shared by its UDP loop (reflector.cpp) and its TCP server
// (reflector_sip_tcp.cpp). The answer is the same on both: OPTIONS -> 200, INVITE -> 488, each with the
// request exactly as it arrived in a message/sip body; ACK unanswered; other methods 501 without echo.
#include <asio/any_io_executor.hpp>
#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vs::probe::detail {

// nullopt with malformed=false: nothing to send (an ACK); malformed=true: not a SIP request.
std::optional<std::string> sipEchoResponse(std::string_view request, bool datagram, bool& malformed);

struct SipTcpLimits {
  std::size_t max_connections = 64;
  std::size_t max_per_source = 8;
  std::size_t max_message = 16 * 1024;
  std::chrono::milliseconds idle{30000};
};

struct SipTcpCounters {
  std::uint64_t answered = 0, malformed = 0, refused = 0, idle = 0, rate = 0;
};

class SipTcpServer {
 public:
  // Listens on address:port (port 0: any). allow(source) is asked once per message (rate limit).
  static Result<std::unique_ptr<SipTcpServer>> start(asio::any_io_executor executor, const asio::ip::address& address,
                                                     std::uint16_t port, SipTcpLimits limits,
                                                     std::function<bool(const asio::ip::address&)> allow);
  ~SipTcpServer();  // closes the listener and every connection (call on the event loop's thread or after it)
  SipTcpServer(const SipTcpServer&) = delete;
  SipTcpServer& operator=(const SipTcpServer&) = delete;
  std::uint16_t port() const { return port_; }
  SipTcpCounters counters() const;
  struct State;  // defined in reflector_sip_tcp.cpp, shared with its coroutines

 private:
  SipTcpServer(std::shared_ptr<State> s, std::uint16_t port) : s_(std::move(s)), port_(port) {}
  std::shared_ptr<State> s_;
  std::uint16_t port_ = 0;
};

}  // namespace vs::probe::detail
