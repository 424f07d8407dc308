#pragma once
// Asynchronous DNS on the event loop, via c-ares (ares.h stays in dns.cpp).
// Every probe that takes a host name resolves it here, so --dns-server applies to all of them.
#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
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

// RFC 3403 NAPTR and RFC 2782 SRV answers, as received (callers sort and choose).
struct NaptrRecord {
  std::uint16_t order = 0;
  std::uint16_t preference = 0;
  std::string flags;        // "s", "a", "u", "" (lower-cased)
  std::string service;      // "SIP+D2U", "SIPS+D2T", ... (as received)
  std::string regexp;
  std::string replacement;  // the next name to look up ("_sip._udp.example.com"); empty for "."
};

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // empty for "." (service decidedly not available)
};

class Resolver {
 public:
  // Fails only when the options are invalid (bad server address) or c-ares cannot start.
  static Result<std::unique_ptr<Resolver>> create(asio::any_io_executor executor, ResolverOptions options);
  virtual ~Resolver() = default;

  // An IP literal resolves to itself at once. Errors say what happened in one line:
  // "sbc.example.com: name does not exist (NXDOMAIN)", "...: no answer within 2000 ms", ...
  virtual asio::awaitable<Result<ResolveAnswer>> resolve(std::string host, AddressFamily family) = 0;

  // NAPTR / SRV records of `name`. A name without such records (NODATA or NXDOMAIN) gives an empty list,
  // since RFC 3263 then falls back to the next step; a timeout, refusal or malformed answer is an error.
  // The defaults answer "none" (for resolvers that only map names to addresses).
  virtual asio::awaitable<Result<std::vector<NaptrRecord>>> queryNaptr(std::string name);
  virtual asio::awaitable<Result<std::vector<SrvRecord>>> querySrv(std::string name);

  // Reverse lookup (PTR, or /etc/hosts): the name of an address, "198.18.0.1: no PTR record" otherwise.
  // Not pure, so test doubles that only resolve forward need not implement it.
  virtual asio::awaitable<Result<std::string>> reverse(asio::ip::address address);
};

}  // namespace vs::io
