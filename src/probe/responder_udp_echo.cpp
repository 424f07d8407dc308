#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/udp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>

#include "probe/responders.h"

namespace vs::probe {
namespace {

// Shared between the object and its receive loop, so the loop can outlive the object by the one
// cancelled receive it still has to see.
struct EchoState {
  explicit EchoState(asio::any_io_executor ex) : socket(std::move(ex)) {}
  asio::ip::udp::socket socket;
  std::atomic<std::uint64_t> echoed{0};
};

asio::awaitable<void> echoLoop(std::shared_ptr<EchoState> state) {
  std::array<char, 65536> buf{};
  asio::ip::udp::endpoint from;
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await state->socket.async_receive_from(asio::buffer(buf), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !state->socket.is_open()) co_return;
    if (ec) continue;  // e.g. ECONNREFUSED left over from an earlier send to a closed port
    co_await state->socket.async_send_to(asio::buffer(buf.data(), n), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (!ec) state->echoed.fetch_add(1, std::memory_order_relaxed);
  }
}

class UdpEchoImpl final : public UdpEcho {
 public:
  explicit UdpEchoImpl(std::shared_ptr<EchoState> state) : state_(std::move(state)) {}
  ~UdpEchoImpl() override {
    std::error_code ec;
    state_->socket.close(ec);
  }
  std::uint16_t port() const override { return port_; }
  std::uint64_t packetsEchoed() const override { return state_->echoed.load(std::memory_order_relaxed); }

  std::uint16_t port_ = 0;

 private:
  std::shared_ptr<EchoState> state_;
};

}  // namespace

Result<std::unique_ptr<UdpEcho>> UdpEcho::start(asio::any_io_executor executor, UdpEchoOptions options) {
  std::error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) return makeError("udp echo: bad bind address \"" + options.bind_address + "\"");
  auto state = std::make_shared<EchoState>(executor);
  const asio::ip::udp::endpoint ep(address, options.port);
  state->socket.open(ep.protocol(), ec);
  if (!ec) state->socket.bind(ep, ec);
  if (ec) {
    return makeError("udp echo: cannot bind " + options.bind_address + ":" + std::to_string(options.port) + ": " +
                     ec.message());
  }
  auto impl = std::make_unique<UdpEchoImpl>(state);
  impl->port_ = state->socket.local_endpoint(ec).port();
  asio::co_spawn(executor, echoLoop(state), asio::detached);
  return std::unique_ptr<UdpEcho>(std::move(impl));
}

}  // namespace vs::probe
