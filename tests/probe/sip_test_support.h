#pragma once
// Test helpers for the SIP and latency probe tests: a resolver that needs no DNS and a runner that
// drives one coroutine on an io_context with a hard time limit.
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include "io/dns.h"

namespace vs::probe::testing {

// IP literals resolve to themselves and "localhost" to 127.0.0.1; anything else is NXDOMAIN.
class FakeResolver : public io::Resolver {
 public:
  asio::awaitable<Result<io::ResolveAnswer>> resolve(std::string host, io::AddressFamily) override {
    if (host == "localhost") host = "127.0.0.1";
    std::error_code ec;
    auto a = asio::ip::make_address(host, ec);
    if (ec) co_return makeError(host + ": name does not exist (NXDOMAIN)");
    io::ResolveAnswer answer;
    answer.addresses.push_back(a);
    co_return answer;
  }
};

// Runs `aw` to completion (other coroutines on the context run alongside); nullopt when it did not
// finish within `limit` or threw.
template <class T>
std::optional<T> runFor(asio::io_context& ioc, asio::awaitable<T> aw,
                        std::chrono::milliseconds limit = std::chrono::milliseconds(15000)) {
  auto out = std::make_shared<std::optional<T>>();
  asio::co_spawn(ioc, std::move(aw), [out, &ioc](std::exception_ptr e, T v) {
    if (!e) *out = std::move(v);
    ioc.stop();
  });
  ioc.restart();
  ioc.run_for(limit);
  return *out;
}

}  // namespace vs::probe::testing
