#include "probe/tcp_connect.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/error.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>

#include "probe/tcp_connect_detail.h"

namespace vs::probe {

std::string_view toString(TcpOutcome o) {
  switch (o) {
    case TcpOutcome::kConnected: return "connected";
    case TcpOutcome::kRefused: return "refused";
    case TcpOutcome::kTimeout: return "timeout";
    case TcpOutcome::kUnreachable: return "unreachable";
    case TcpOutcome::kResolveFailed: return "resolve_failed";
    case TcpOutcome::kError: return "error";
  }
  return "error";
}

namespace detail {

TcpOutcome classifyConnectError(const std::error_code& ec) {
  if (!ec) return TcpOutcome::kConnected;
  // Asio reports OS errors in its own category; std::errc conditions cover std::system_category ones.
  const auto is = [&ec](asio::error::basic_errors asio_code, std::errc errc) {
    return ec == asio_code || ec == errc;
  };
  if (is(asio::error::connection_refused, std::errc::connection_refused)) return TcpOutcome::kRefused;
  if (is(asio::error::host_unreachable, std::errc::host_unreachable) ||
      is(asio::error::network_unreachable, std::errc::network_unreachable) ||
      is(asio::error::network_down, std::errc::network_down) || ec == std::error_code(EHOSTDOWN, std::system_category()) ||
      ec == std::error_code(EHOSTDOWN, asio::error::get_system_category())) {
    return TcpOutcome::kUnreachable;
  }
  // The kernel gave up on SYN retries before our own deadline.
  if (is(asio::error::timed_out, std::errc::timed_out)) return TcpOutcome::kTimeout;
  return TcpOutcome::kError;
}

}  // namespace detail

namespace {
std::string formatAddress(const asio::ip::address& a, std::uint16_t port) {
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port);
}
}  // namespace

asio::awaitable<TcpConnectResult> tcpConnect(io::Resolver& resolver, TcpConnectParams params) {
  using namespace asio::experimental::awaitable_operators;
  TcpConnectResult result;
  auto resolved = co_await resolver.resolve(params.host, params.family);
  if (!resolved) {
    result.outcome = TcpOutcome::kResolveFailed;
    result.detail = resolved.error().message;
    co_return result;
  }
  if (resolved->addresses.empty()) {
    result.outcome = TcpOutcome::kResolveFailed;
    result.detail = params.host + ": no addresses";
    co_return result;
  }
  const asio::ip::tcp::endpoint endpoint(resolved->addresses.front(), params.port);
  result.address = formatAddress(endpoint.address(), params.port);

  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(executor);
  asio::steady_timer deadline(executor);
  deadline.expires_after(params.timeout);
  const auto start = std::chrono::steady_clock::now();
  auto winner = co_await (socket.async_connect(endpoint, asio::experimental::as_tuple(asio::use_awaitable)) ||
                          deadline.async_wait(asio::experimental::as_tuple(asio::use_awaitable)));
  result.connect_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  if (winner.index() == 1) {
    result.outcome = TcpOutcome::kTimeout;
    result.detail = "no answer within " + std::to_string(params.timeout.count()) + " ms";
    co_return result;
  }
  const auto [ec] = std::get<0>(winner);
  result.outcome = detail::classifyConnectError(ec);
  if (ec) result.detail = ec.message();
  std::error_code ignored;
  socket.close(ignored);
  co_return result;
}

}  // namespace vs::probe
