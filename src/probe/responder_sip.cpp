#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <optional>

#include <fmt/format.h>

#include "probe/detail_net.h"
#include "probe/responders.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

namespace sip = proto::sip;
using detail::kAsTuple;
using asio::ip::tcp;
using asio::ip::udp;

constexpr int kBindAttempts = 8;

// Shared by the responder object and its coroutines, so a coroutine that wakes after the responder is
// gone (operation_aborted) still touches live memory.
struct State {
  State(asio::any_io_executor executor, SipResponderOptions options)
      : ex(std::move(executor)), opts(std::move(options)), udp_socket(ex), acceptor(ex) {}

  asio::any_io_executor ex;
  SipResponderOptions opts;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  std::vector<std::weak_ptr<tcp::socket>> connections;
  std::atomic<std::uint64_t> answered{0};
  bool stopped = false;

  void close() {
    stopped = true;
    std::error_code ec;
    udp_socket.close(ec);
    acceptor.close(ec);
    for (auto& weak : connections) {
      if (auto conn = weak.lock()) conn->close(ec);
    }
    connections.clear();
  }
};

// The response to send for one message, or nothing (responses, ACK, garbage).
std::optional<std::string> respond(const State& s, const sip::Message& m) {
  if (!m.isRequest() || m.requestLine().method == "ACK") return std::nullopt;
  sip::ResponseParams rp;
  rp.server = s.opts.server_header;
  rp.extra_headers = {{"Allow", "OPTIONS, ACK"}};
  rp.status_code = m.requestLine().method == "OPTIONS" ? s.opts.status_code : 501;
  return sip::buildResponse(m, rp);
}

asio::awaitable<void> udpLoop(std::shared_ptr<State> s) {
  std::array<char, 65536> buf{};
  udp::endpoint from;
  while (!s->stopped) {
    auto [ec, n] = co_await s->udp_socket.async_receive_from(asio::buffer(buf), from, kAsTuple);
    if (s->stopped || ec == asio::error::operation_aborted) break;
    if (ec) continue;  // e.g. an ICMP error left over from an earlier send
    auto m = sip::parseMessage(std::string_view(buf.data(), n));
    if (!m.ok()) continue;
    auto reply = respond(*s, *m);
    if (!reply) continue;
    auto [sec, sent] = co_await s->udp_socket.async_send_to(asio::buffer(*reply), from, kAsTuple);
    (void)sent;
    if (!sec) ++s->answered;
  }
}

asio::awaitable<void> tcpSession(std::shared_ptr<State> s, std::shared_ptr<tcp::socket> conn) {
  std::string buf;
  std::array<char, 16384> chunk{};
  while (!s->stopped) {
    auto frame = sip::frameStream(buf);
    if (frame.status == sip::StreamFrame::Status::kError) break;  // cannot find the next message: drop
    if (frame.status == sip::StreamFrame::Status::kNeedMore) {
      buf.erase(0, frame.skip);
      auto [ec, n] = co_await conn->async_read_some(asio::buffer(chunk), kAsTuple);
      if (ec) break;
      buf.append(chunk.data(), n);
      continue;
    }
    std::string message = buf.substr(frame.skip, frame.length);
    buf.erase(0, frame.skip + frame.length);
    auto m = sip::parseMessage(message, false);
    if (!m.ok()) continue;
    auto reply = respond(*s, *m);
    if (!reply) continue;
    auto [wec, wn] = co_await asio::async_write(*conn, asio::buffer(*reply), kAsTuple);
    (void)wn;
    if (wec) break;
    ++s->answered;
  }
  std::error_code ignored;
  conn->close(ignored);
}

asio::awaitable<void> acceptLoop(std::shared_ptr<State> s) {
  while (!s->stopped) {
    auto conn = std::make_shared<tcp::socket>(s->ex);
    auto [ec] = co_await s->acceptor.async_accept(*conn, kAsTuple);
    if (s->stopped || ec == asio::error::operation_aborted) break;
    if (ec) continue;
    std::erase_if(s->connections, [](const auto& w) { return w.expired(); });
    s->connections.push_back(conn);
    asio::co_spawn(s->ex, tcpSession(s, conn), asio::detached);
  }
}

class SipResponderImpl final : public SipResponder {
 public:
  SipResponderImpl(std::shared_ptr<State> s, std::uint16_t port) : s_(std::move(s)), port_(port) {}
  ~SipResponderImpl() override {
    // Sockets belong to the event loop's thread: close them there (at once when we are on it).
    asio::dispatch(s_->ex, [s = s_] { s->close(); });
  }
  std::uint16_t port() const override { return port_; }
  std::uint64_t requestsAnswered() const override { return s_->answered.load(); }

 private:
  std::shared_ptr<State> s_;
  std::uint16_t port_;
};

// Binds UDP then TCP on the same port number; with port 0 the number comes from the UDP bind.
std::error_code bindBoth(State& s, const asio::ip::address& addr, std::uint16_t port) {
  std::error_code ec;
  s.udp_socket.open(addr.is_v6() ? udp::v6() : udp::v4(), ec);
  if (!ec) s.udp_socket.bind(udp::endpoint(addr, port), ec);
  if (ec) return ec;
  auto bound = s.udp_socket.local_endpoint(ec).port();
  if (ec) return ec;
  s.acceptor.open(addr.is_v6() ? tcp::v6() : tcp::v4(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(tcp::endpoint(addr, bound), ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

}  // namespace

Result<std::unique_ptr<SipResponder>> SipResponder::start(asio::any_io_executor executor,
                                                          SipResponderOptions options) {
  std::error_code ec;
  auto addr = asio::ip::make_address(options.bind_address, ec);
  if (ec) return makeError(fmt::format("SIP responder: bad bind address '{}'", options.bind_address));
  if (options.status_code < 100 || options.status_code > 699) {
    return makeError(fmt::format("SIP responder: status code {} out of range (100-699)", options.status_code));
  }
  std::shared_ptr<State> state;
  // Port 0: the UDP port the OS picked may be taken for TCP; try again with a new one.
  int attempts = options.port == 0 ? kBindAttempts : 1;
  for (int i = 0; i < attempts; ++i) {
    state = std::make_shared<State>(executor, options);
    ec = bindBoth(*state, addr, options.port);
    if (!ec) break;
    state->close();
  }
  if (ec) {
    return makeError(fmt::format("SIP responder: cannot bind {}: {}",
                                 detail::formatAddress(addr, options.port), ec.message()));
  }
  auto port = state->udp_socket.local_endpoint(ec).port();
  asio::co_spawn(executor, udpLoop(state), asio::detached);
  asio::co_spawn(executor, acceptLoop(state), asio::detached);
  return std::unique_ptr<SipResponder>(std::make_unique<SipResponderImpl>(state, port));
}

}  // namespace vs::probe
