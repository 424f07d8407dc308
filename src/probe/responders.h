#pragma once
// Built-in far-end responders on loopback, for `voipscope demo` and for tests: a SIP OPTIONS responder
// (UDP and TCP), a UDP echo and a tiny authoritative DNS responder. Each binds port 0 unless told
// otherwise and runs on the executor it is given.
#include <asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace vs::probe {

struct SipResponderOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // the same port number is used for UDP and TCP
  std::string server_header = "voipscope-responder";
  int status_code = 200;   // what to answer OPTIONS with
};

class SipResponder {
 public:
  static Result<std::unique_ptr<SipResponder>> start(asio::any_io_executor executor, SipResponderOptions options);
  virtual ~SipResponder() = default;
  virtual std::uint16_t port() const = 0;
  virtual std::uint64_t requestsAnswered() const = 0;
};

struct UdpEchoOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
};

class UdpEcho {
 public:
  static Result<std::unique_ptr<UdpEcho>> start(asio::any_io_executor executor, UdpEchoOptions options);
  virtual ~UdpEcho() = default;
  virtual std::uint16_t port() const = 0;
  virtual std::uint64_t packetsEchoed() const = 0;
};

struct DnsResponderOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;
  // name (lowercase, no trailing dot) -> addresses (IPv4 answered for A, IPv6 for AAAA). Other names: NXDOMAIN.
  std::map<std::string, std::vector<std::string>> records;
};

class DnsResponder {
 public:
  static Result<std::unique_ptr<DnsResponder>> start(asio::any_io_executor executor, DnsResponderOptions options);
  virtual ~DnsResponder() = default;
  virtual std::uint16_t port() const = 0;
};

}  // namespace vs::probe
