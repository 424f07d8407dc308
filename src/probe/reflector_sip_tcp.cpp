// The reflector's SIP over TCP: one coroutine per connection, Content-Length framing (proto/sip
// frameStream), everything bounded (message size, connections in all and per source, idle time, the
// time a peer may take to read our answer).
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "probe/detail_net.h"
#include "probe/reflector_sip.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe::detail {

namespace sip = proto::sip;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

std::optional<std::string> sipEchoResponse(std::string_view request, bool datagram, bool& malformed) {
  malformed = false;
  auto m = sip::parseMessage(request, datagram);
  if (!m.ok() || !m->isRequest()) {
    malformed = true;
    return std::nullopt;
  }
  const auto method = m->requestLine().method;
  if (method == "ACK") return std::nullopt;  // the ACK of the INVITE's 488: nothing to answer
  sip::ResponseParams rp;
  // INVITE gets a final 488 so no dialog is set up; it still carries the echo, since some ALGs only
  // rewrite INVITEs (and their SDP).
  rp.status_code = method == "OPTIONS" ? 200 : method == "INVITE" ? 488 : 501;
  rp.server = "voipscope-reflector";
  if (rp.status_code != 501) {
    // The request exactly as it arrived: a SIP ALG's rewrites show up as differences from what was sent.
    rp.content_type = "message/sip";
    rp.body = std::string(request);
  }
  return sip::buildResponse(*m, rp);
}

struct SipTcpServer::State {
  State(asio::any_io_executor e, SipTcpLimits l, std::function<bool(const asio::ip::address&)> a)
      : ex(std::move(e)), acceptor(ex), limits(l), allow(std::move(a)) {}
  asio::any_io_executor ex;
  tcp::acceptor acceptor;
  SipTcpLimits limits;
  std::function<bool(const asio::ip::address&)> allow;
  std::vector<std::weak_ptr<tcp::socket>> connections;
  std::map<asio::ip::address, std::size_t> perSource;
  std::atomic<std::uint64_t> answered{0}, malformed{0}, refused{0}, idle{0}, rate{0};
  bool stopped = false;

  void close() {
    stopped = true;
    std::error_code ec;
    acceptor.close(ec);
    for (auto& weak : connections) {
      if (auto conn = weak.lock()) conn->close(ec);
    }
    connections.clear();
  }
};

namespace {

using State = SipTcpServer::State;

asio::awaitable<void> session(std::shared_ptr<State> s, std::shared_ptr<tcp::socket> conn, asio::ip::address source) {
  std::string buf;
  std::array<char, 4096> chunk{};
  asio::steady_timer timer(s->ex);
  while (!s->stopped) {
    auto frame = sip::frameStream(buf);
    // A declared length over the limit is refused as soon as the headers are in, not after its body.
    if (frame.status == sip::StreamFrame::Status::kError || frame.length > s->limits.max_message) {
      s->malformed.fetch_add(1, std::memory_order_relaxed);  // cannot find the next message: drop the peer
      break;
    }
    if (frame.status == sip::StreamFrame::Status::kNeedMore) {
      buf.erase(0, frame.skip);
      if (buf.size() > s->limits.max_message) {
        s->malformed.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      timer.expires_after(s->limits.idle);
      auto ev = co_await (conn->async_read_some(asio::buffer(chunk), kAsTuple) || timer.async_wait(kAsTuple));
      if (ev.index() == 1) {
        s->idle.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      auto [ec, n] = std::get<0>(ev);
      if (ec) break;
      buf.append(chunk.data(), n);
      continue;
    }
    const std::string message = buf.substr(frame.skip, frame.length);
    buf.erase(0, frame.skip + frame.length);
    if (s->allow && !s->allow(source)) {
      s->rate.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    bool bad = false;
    auto reply = sipEchoResponse(message, false, bad);
    if (bad) s->malformed.fetch_add(1, std::memory_order_relaxed);
    if (!reply) continue;
    s->answered.fetch_add(1, std::memory_order_relaxed);  // before the send: a peer may read it on receipt
    // A peer that does not read its answers must not hold the coroutine forever.
    timer.expires_after(s->limits.idle);
    auto wr = co_await (asio::async_write(*conn, asio::buffer(*reply), kAsTuple) || timer.async_wait(kAsTuple));
    if (wr.index() == 1) break;
    if (auto [wec, written] = std::get<0>(wr); wec) break;
  }
  std::error_code ignored;
  conn->close(ignored);
  if (auto it = s->perSource.find(source); it != s->perSource.end() && --it->second == 0) s->perSource.erase(it);
}

asio::awaitable<void> acceptLoop(std::shared_ptr<State> s) {
  while (!s->stopped) {
    auto conn = std::make_shared<tcp::socket>(s->ex);
    auto [ec] = co_await s->acceptor.async_accept(*conn, kAsTuple);
    if (s->stopped || ec == asio::error::operation_aborted) break;
    if (ec) continue;
    std::error_code pe;
    auto peer = conn->remote_endpoint(pe);
    if (pe) continue;
    auto source = peer.address();
    if (source.is_v6() && source.to_v6().is_v4_mapped()) source = asio::ip::make_address_v4(asio::ip::v4_mapped, source.to_v6());
    std::erase_if(s->connections, [](const auto& w) { return w.expired(); });
    auto& fromSource = s->perSource[source];
    if (s->connections.size() >= s->limits.max_connections || fromSource >= s->limits.max_per_source) {
      if (fromSource == 0) s->perSource.erase(source);
      s->refused.fetch_add(1, std::memory_order_relaxed);
      conn->close(pe);
      continue;
    }
    ++fromSource;
    s->connections.push_back(conn);
    asio::co_spawn(s->ex, session(s, conn, source), asio::detached);
  }
}

}  // namespace

Result<std::unique_ptr<SipTcpServer>> SipTcpServer::start(asio::any_io_executor executor,
                                                          const asio::ip::address& address, std::uint16_t port,
                                                          SipTcpLimits limits,
                                                          std::function<bool(const asio::ip::address&)> allow) {
  if (limits.max_connections == 0 || limits.max_per_source == 0 || limits.max_message == 0) {
    return makeError("reflect: SIP over TCP limits must be positive");
  }
  auto s = std::make_shared<State>(executor, limits, std::move(allow));
  std::error_code ec;
  const tcp::endpoint ep(address, port);
  s->acceptor.open(ep.protocol(), ec);
  if (!ec && address.is_v6()) s->acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) s->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s->acceptor.bind(ep, ec);
  if (!ec) s->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return makeError(fmt::format("cannot listen on TCP {}: {}", formatAddress(address, port), ec.message()));
  const auto bound = s->acceptor.local_endpoint(ec).port();
  asio::co_spawn(executor, acceptLoop(s), asio::detached);
  return std::unique_ptr<SipTcpServer>(new SipTcpServer(s, bound));
}

SipTcpServer::~SipTcpServer() {
  if (s_) s_->close();
}

SipTcpCounters SipTcpServer::counters() const {
  auto l = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {l(s_->answered), l(s_->malformed), l(s_->refused), l(s_->idle), l(s_->rate)};
}

}  // namespace vs::probe::detail
