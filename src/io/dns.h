#pragma once
// Asynchronous DNS on the event loop, via c-ares (ares.h stays in dns.cpp).
// Every probe that takes a host name resolves it here, so --dns-server applies to all of them.
#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace vs::io {

struct ResolverOptions {
  // "IP" or "IP:PORT" ("[v6]:PORT" for IPv6); empty: the system's resolver configuration.
  std::vector<std::string> servers;
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
  bool use_hosts_file = true;  // /etc/hosts first ("localhost" works without any DNS server)
};

enum class AddressFamily { kAny, kV4, kV6 };

struct ResolveAnswer {
  std::vector<asio::ip::address> addresses;  // IPv4 first, then IPv6, each in answer order
  double elapsed_ms = 0;
};

class Resolver {
 public:
  // Fails only when the options are invalid (bad server address) or c-ares cannot start.
  static Result<std::unique_ptr<Resolver>> create(asio::any_io_executor executor, ResolverOptions options);
  virtual ~Resolver() = default;

  // An IP literal resolves to itself at once. Errors say what happened in one line:
  // "sbc.example.com: name does not exist (NXDOMAIN)", "...: no answer within 2000 ms", ...
  virtual asio::awaitable<Result<ResolveAnswer>> resolve(std::string host, AddressFamily family) = 0;

  // Reverse lookup (PTR, or /etc/hosts): the name of an address, "198.18.0.1: no PTR record" otherwise.
  // Not pure, so test doubles that only resolve forward need not implement it.
  virtual asio::awaitable<Result<std::string>> reverse(asio::ip::address address);
};

}  // namespace vs::io
