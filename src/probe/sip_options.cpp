#include "probe/sip_options.h"

#include <algorithm>
#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/write.hpp>
#include <exception>
#include <string_view>

#include <fmt/format.h>

#include "core/time.h"
#include "probe/detail_net.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace sip = proto::sip;
using detail::kAsTuple;

// RFC 3261 Timer A starts at T1 and doubles; for a non-INVITE transaction it is capped at T2.
constexpr std::chrono::milliseconds kT1{500};
constexpr std::chrono::milliseconds kT2{4000};
// A TCP peer that keeps sending without a complete response is cut off here.
constexpr std::size_t kMaxResponseBytes = sip::kMaxMessageBytes;

// What arrived besides our final response; reported when nothing usable came back.
struct Noise {
  int unparseable = 0;
  int non_matching = 0;

  std::string describe() const {
    std::string out;
    if (unparseable > 0) out += fmt::format("; {} unparseable datagrams received", unparseable);
    if (non_matching > 0) out += fmt::format("; {} non-matching responses ignored", non_matching);
    return out;
  }
};

bool matches(const sip::Message& m, const sip::BuiltRequest& req) {
  if (!m.isResponse() || m.callId() != req.call_id) return false;
  auto cseq = m.cseq();
  if (!cseq || cseq->number != req.cseq || !sip::iequals(cseq->method, "OPTIONS")) return false;
  auto via = m.topVia();
  return via && via->branch == req.branch;
}

void fillFinal(SipOptionsResult& r, const sip::Message& m, std::string_view raw, SteadyClock::time_point t0) {
  r.outcome = SipOutcome::kResponse;
  r.rtt_ms = elapsedMs(t0);
  r.status_code = m.statusLine().code;
  r.reason = std::string(m.statusLine().reason);
  r.status_line = std::string(m.startLine());
  r.server = std::string(m.header("Server").value_or(""));
  r.user_agent = std::string(m.header("User-Agent").value_or(""));
  r.raw_response = std::string(raw);
}

void fail(SipOptionsResult& r, SipOutcome o, std::string detail) {
  r.outcome = o;
  r.detail = std::move(detail);
}

SipOutcome classify(const std::error_code& ec) {
  if (detail::isRefused(ec)) return SipOutcome::kRefused;
  if (detail::isUnreachable(ec)) return SipOutcome::kUnreachable;
  if (detail::isTimedOut(ec)) return SipOutcome::kTimeout;
  return SipOutcome::kError;
}

sip::OptionsRequestParams requestParams(const SipOptionsParams& p, std::string_view transport,
                                        const asio::ip::address& local, std::uint16_t local_port) {
  sip::OptionsRequestParams rp;
  rp.transport = std::string(transport);
  rp.local_host = local.to_string();
  rp.local_port = local_port;
  rp.target_host = p.host;  // the name as given: an SBC may route on the domain
  rp.target_port = p.port;
  rp.from_user = p.from_user;
  rp.from_domain = p.from_domain;
  rp.max_forwards = p.max_forwards;
  return rp;
}

asio::awaitable<void> runUdp(SipOptionsResult& r, const SipOptionsParams& p, asio::ip::udp::endpoint target) {
  auto ex = co_await asio::this_coro::executor;
  asio::ip::udp::socket sock(ex);
  std::error_code ec;
  sock.open(target.protocol(), ec);
  if (!ec) sock.connect(target, ec);  // connected: an ICMP port unreachable then fails the receive
  if (ec) {
    fail(r, classify(ec), fmt::format("UDP socket to {}: {}", r.remote_address, ec.message()));
    co_return;
  }
  auto local = sock.local_endpoint(ec);
  r.local_address = detail::formatAddress(local.address(), local.port());
  auto req = sip::buildOptions(requestParams(p, "UDP", local.address(), local.port()));
  r.raw_request = req.bytes;

  asio::steady_timer timer(ex);
  std::array<char, 65536> buf{};
  Noise noise;
  const auto t0 = SteadyClock::now();
  const auto deadline = t0 + p.timeout;
  auto interval = kT1;
  auto next_retransmit = t0 + interval;
  auto [send_ec, sent] = co_await sock.async_send(asio::buffer(req.bytes), kAsTuple);
  (void)sent;
  if (send_ec) {
    fail(r, classify(send_ec), fmt::format("send to {}: {}", r.remote_address, send_ec.message()));
    co_return;
  }
  while (true) {
    auto wake = p.retransmit ? std::min(next_retransmit, deadline) : deadline;
    timer.expires_at(wake);
    auto event = co_await (sock.async_receive(asio::buffer(buf), kAsTuple) || timer.async_wait(kAsTuple));
    if (event.index() == 1) {
      auto now = SteadyClock::now();
      if (now >= deadline) break;
      if (p.retransmit && now >= next_retransmit) {
        auto [ec2, n2] = co_await sock.async_send(asio::buffer(req.bytes), kAsTuple);
        (void)n2;
        if (ec2) {
          fail(r, classify(ec2), fmt::format("send to {}: {}", r.remote_address, ec2.message()));
          co_return;
        }
        ++r.retransmissions;
        interval = std::min(interval * 2, kT2);
        next_retransmit += interval;
      }
      continue;
    }
    auto [rec, n] = std::get<0>(event);
    if (rec) {
      auto o = classify(rec);
      auto why = o == SipOutcome::kRefused ? "ICMP port unreachable" : rec.message();
      fail(r, o, fmt::format("{} from {}{}", why, r.remote_address, noise.describe()));
      co_return;
    }
    std::string_view data(buf.data(), n);
    auto m = sip::parseMessage(data);
    if (!m.ok()) {
      ++noise.unparseable;
      continue;
    }
    if (!matches(*m, req)) {
      ++noise.non_matching;
      continue;
    }
    if (m->statusLine().code < 200) {
      ++r.provisional;
      continue;
    }
    fillFinal(r, *m, data, t0);
    co_return;
  }
  fail(r, SipOutcome::kTimeout,
       fmt::format("no final response within {} ms ({} transmissions{}){}", p.timeout.count(),
                   1 + r.retransmissions, r.provisional > 0 ? fmt::format(", {} provisional", r.provisional) : "",
                   noise.describe()));
}

asio::awaitable<void> runTcp(SipOptionsResult& r, const SipOptionsParams& p, asio::ip::tcp::endpoint target) {
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::socket sock(ex);
  asio::steady_timer timer(ex);
  const auto start = SteadyClock::now();
  timer.expires_at(start + p.timeout);
  auto connected = co_await (sock.async_connect(target, kAsTuple) || timer.async_wait(kAsTuple));
  if (connected.index() == 1) {
    fail(r, SipOutcome::kTimeout, fmt::format("TCP connect to {} timed out after {} ms", r.remote_address,
                                              p.timeout.count()));
    co_return;
  }
  if (auto [cec] = std::get<0>(connected); cec) {
    fail(r, classify(cec), fmt::format("TCP connect to {}: {}", r.remote_address, cec.message()));
    co_return;
  }
  std::error_code ec;
  auto local = sock.local_endpoint(ec);
  r.local_address = detail::formatAddress(local.address(), local.port());
  auto req = sip::buildOptions(requestParams(p, "TCP", local.address(), local.port()));
  r.raw_request = req.bytes;

  const auto t0 = SteadyClock::now();
  auto written = co_await (asio::async_write(sock, asio::buffer(req.bytes), kAsTuple) || timer.async_wait(kAsTuple));
  if (written.index() == 1) {
    fail(r, SipOutcome::kTimeout, fmt::format("sending the request to {} timed out", r.remote_address));
    co_return;
  }
  if (auto [wec, wn] = std::get<0>(written); wec) {
    (void)wn;
    fail(r, classify(wec), fmt::format("send to {}: {}", r.remote_address, wec.message()));
    co_return;
  }

  std::string buf;
  std::array<char, 16384> chunk{};
  std::size_t total = 0;
  int non_matching = 0;
  while (true) {
    // Consume every complete message already buffered before reading more.
    auto frame = sip::frameStream(buf);
    if (frame.status == sip::StreamFrame::Status::kError) {
      auto why = buf.size() > kMaxResponseBytes ? fmt::format("response larger than {} bytes", kMaxResponseBytes)
                                                : frame.error.message;
      fail(r, SipOutcome::kBadResponse, fmt::format("from {}: {}", r.remote_address, why));
      co_return;
    }
    if (frame.status == sip::StreamFrame::Status::kMessage) {
      std::string message = buf.substr(frame.skip, frame.length);
      buf.erase(0, frame.skip + frame.length);
      auto m = sip::parseMessage(message, false);
      if (!m.ok()) {
        fail(r, SipOutcome::kBadResponse,
             fmt::format("unparseable response from {}: {}", r.remote_address, m.error().message));
        co_return;
      }
      if (!matches(*m, req)) {
        ++non_matching;
        continue;
      }
      if (m->statusLine().code < 200) {
        ++r.provisional;
        continue;
      }
      fillFinal(r, *m, message, t0);
      co_return;
    }
    buf.erase(0, frame.skip);
    if (buf.size() > kMaxResponseBytes) {
      fail(r, SipOutcome::kBadResponse, fmt::format("response larger than {} bytes", kMaxResponseBytes));
      co_return;
    }
    auto got = co_await (sock.async_read_some(asio::buffer(chunk), kAsTuple) || timer.async_wait(kAsTuple));
    if (got.index() == 1) {
      fail(r, SipOutcome::kTimeout,
           fmt::format("no final response within {} ms{}{}", p.timeout.count(),
                       buf.empty() ? "" : fmt::format("; {} bytes of an incomplete message", buf.size()),
                       non_matching > 0 ? fmt::format("; {} non-matching responses ignored", non_matching) : ""));
      co_return;
    }
    auto [rec, n] = std::get<0>(got);
    if (rec) {
      bool closed = rec == asio::error::eof;
      auto why = closed ? std::string("connection closed by peer") : rec.message();
      fail(r, total > 0 ? SipOutcome::kBadResponse : (closed ? SipOutcome::kError : classify(rec)),
           fmt::format("{} after {} bytes, before a final response", why, total));
      co_return;
    }
    total += n;
    buf.append(chunk.data(), n);
  }
}

}  // namespace

std::string_view toString(SipTransport t) {
  switch (t) {
    case SipTransport::kTcp: return "tcp";
    case SipTransport::kTls: return "tls";
    case SipTransport::kUdp: break;
  }
  return "udp";
}

std::string_view toString(SipOutcome o) {
  switch (o) {
    case SipOutcome::kResponse: return "response";
    case SipOutcome::kTimeout: return "timeout";
    case SipOutcome::kRefused: return "refused";
    case SipOutcome::kUnreachable: return "unreachable";
    case SipOutcome::kResolveFailed: return "resolve_failed";
    case SipOutcome::kBadResponse: return "bad_response";
    case SipOutcome::kError: return "error";
  }
  return "error";
}

asio::awaitable<SipOptionsResult> sipOptions(io::Resolver& resolver, SipOptionsParams params) {
  SipOptionsResult r;
  try {
    auto answer = co_await resolver.resolve(params.host, io::AddressFamily::kAny);
    if (!answer.ok() || answer->addresses.empty()) {
      fail(r, SipOutcome::kResolveFailed,
           answer.ok() ? fmt::format("{}: no address", params.host) : answer.error().message);
      co_return r;
    }
    auto address = answer->addresses.front();
    r.remote_address = detail::formatAddress(address, params.port);
    if (params.transport == SipTransport::kTls) {
      fail(r, SipOutcome::kError, "the sip_options check has no TLS; use `voipscope sip ping`");
    } else if (params.transport == SipTransport::kUdp) {
      co_await runUdp(r, params, asio::ip::udp::endpoint(address, params.port));
    } else {
      co_await runTcp(r, params, asio::ip::tcp::endpoint(address, params.port));
    }
  } catch (const std::exception& e) {
    // Only allocation failures and the like get here: the socket calls report errors as values.
    fail(r, SipOutcome::kError, e.what());
  }
  co_return r;
}

}  // namespace vs::probe
