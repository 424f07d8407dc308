#include <algorithm>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/udp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <cctype>
#include <optional>
#include <span>

#include "probe/responders.h"
#include "proto/dns/message.h"

namespace vs::probe {
namespace {

namespace dns = proto::dns;

std::string normalizeName(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

struct Zone {
  std::vector<std::vector<std::uint8_t>> v4, v6;
};

struct DnsState {
  explicit DnsState(asio::any_io_executor ex) : socket(std::move(ex)) {}
  asio::ip::udp::socket socket;
  std::map<std::string, Zone> zones;
};

// nullopt: drop the datagram (garbage, or a response that must never be answered).
std::optional<std::vector<std::byte>> answer(const DnsState& state, std::span<const std::byte> datagram) {
  auto query = dns::parseQuery(datagram);
  if (!query) return std::nullopt;
  dns::ResponseSpec spec;
  if (query->header.opcode() != 0) {
    spec.rcode = dns::Rcode::kNotImp;
    return dns::buildResponse(*query, spec);
  }
  const auto it = state.zones.find(normalizeName(query->question.dottedName()));
  if (it == state.zones.end() || query->question.qclass != dns::kClassIN) {
    spec.rcode = dns::Rcode::kNxDomain;
    return dns::buildResponse(*query, spec);
  }
  // Other types (MX, TXT, ...) of a known name: NOERROR with no answer, as an authoritative server says.
  if (query->question.qtype == dns::kTypeA) spec.rdata = it->second.v4;
  if (query->question.qtype == dns::kTypeAAAA) spec.rdata = it->second.v6;
  return dns::buildResponse(*query, spec);
}

asio::awaitable<void> serveLoop(std::shared_ptr<DnsState> state) {
  std::array<std::byte, 4096> buf{};
  asio::ip::udp::endpoint from;
  for (;;) {
    std::error_code ec;
    const std::size_t n =
        co_await state->socket.async_receive_from(asio::buffer(buf), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !state->socket.is_open()) co_return;
    if (ec) continue;
    auto reply = answer(*state, std::span<const std::byte>(buf.data(), n));
    if (!reply) continue;
    co_await state->socket.async_send_to(asio::buffer(*reply), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
  }
}

class DnsResponderImpl final : public DnsResponder {
 public:
  DnsResponderImpl(std::shared_ptr<DnsState> state, std::uint16_t port) : state_(std::move(state)), port_(port) {}
  ~DnsResponderImpl() override {
    std::error_code ec;
    state_->socket.close(ec);
  }
  std::uint16_t port() const override { return port_; }

 private:
  std::shared_ptr<DnsState> state_;
  std::uint16_t port_;
};

}  // namespace

Result<std::unique_ptr<DnsResponder>> DnsResponder::start(asio::any_io_executor executor, DnsResponderOptions options) {
  auto state = std::make_shared<DnsState>(executor);
  for (const auto& [name, addresses] : options.records) {
    Zone& zone = state->zones[normalizeName(name)];
    for (const auto& text : addresses) {
      std::error_code ec;
      const auto a = asio::ip::make_address(text, ec);
      if (ec) return makeError("dns responder: bad address \"" + text + "\" for " + name);
      if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        zone.v4.emplace_back(b.begin(), b.end());
      } else {
        const auto b = a.to_v6().to_bytes();
        zone.v6.emplace_back(b.begin(), b.end());
      }
    }
  }
  std::error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) return makeError("dns responder: bad bind address \"" + options.bind_address + "\"");
  const asio::ip::udp::endpoint ep(address, options.port);
  state->socket.open(ep.protocol(), ec);
  if (!ec) state->socket.bind(ep, ec);
  if (!ec) {
    // Resolvers fire A and AAAA for many targets at once; the default buffer drops part of a burst.
    std::error_code ignored;
    state->socket.set_option(asio::socket_base::receive_buffer_size(1 << 20), ignored);
  }
  if (ec) {
    return makeError("dns responder: cannot bind " + options.bind_address + ":" + std::to_string(options.port) +
                     ": " + ec.message());
  }
  const std::uint16_t port = state->socket.local_endpoint(ec).port();
  asio::co_spawn(executor, serveLoop(state), asio::detached);
  return std::unique_ptr<DnsResponder>(std::make_unique<DnsResponderImpl>(std::move(state), port));
}

}  // namespace vs::probe
