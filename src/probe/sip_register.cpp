#include "probe/sip_register.h"

#include <algorithm>
#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/write.hpp>
#include <charconv>
#include <exception>
#include <memory>
#include <span>

#include <fmt/format.h>

#include "core/time.h"
#include "io/digest_hash.h"
#include "io/tls_stream.h"
#include "probe/detail_net.h"
#include "probe/sip_resolve.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"
#include "proto/sip/register_builder.h"

// GCC 12 inlines Asio's coroutine-frame operator new (::operator new under ASIO_DISABLE_STD_ALIGNED_ALLOC)
// into the larger coroutines here and then flags the frame's class operator delete, which frees it with
// ::operator delete, as a mismatch: a false positive that depends only on inlining.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace sip = proto::sip;
using detail::kAsTuple;
using TimePoint = SteadyClock::time_point;

constexpr std::chrono::milliseconds kT1{500};
constexpr std::chrono::milliseconds kT2{4000};
constexpr std::size_t kMaxResponseBytes = sip::kMaxMessageBytes;
// 401 then 407 (or the reverse), a stale nonce and a 423 retry fit; anything beyond is a loop.
constexpr int kMaxTransactions = 5;

struct Exchange {
  bool ok = false;
  SipRegisterOutcome outcome = SipRegisterOutcome::kError;
  std::string detail;
  std::string response;  // the matched final response, as received
};

Exchange failed(SipRegisterOutcome o, std::string detail) { return {false, o, std::move(detail), {}}; }

SipRegisterOutcome classify(const std::error_code& ec) {
  if (detail::isRefused(ec)) return SipRegisterOutcome::kRefused;
  if (detail::isUnreachable(ec)) return SipRegisterOutcome::kUnreachable;
  if (detail::isTimedOut(ec)) return SipRegisterOutcome::kTimeout;
  return SipRegisterOutcome::kError;
}

bool matches(const sip::Message& m, const sip::BuiltRegister& req) {
  if (!m.isResponse() || m.callId() != req.call_id) return false;
  auto cseq = m.cseq();
  if (!cseq || cseq->number != req.cseq || !sip::iequals(cseq->method, "REGISTER")) return false;
  auto via = m.topVia();
  return via && via->branch == req.branch;
}

// One REGISTER transaction at a time over a socket that lives for the whole attempt.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual asio::awaitable<Exchange> exchange(const sip::BuiltRegister& req, TimePoint deadline) = 0;
  std::string_view transport() const { return transport_; }
  asio::ip::address local_ip;
  std::uint16_t local_port = 0;
  int retransmissions = 0;

 protected:
  explicit Channel(std::string_view transport, std::string remote)
      : transport_(transport), remote_(std::move(remote)) {}
  std::string transport_;
  std::string remote_;
};

class UdpChannel : public Channel {
 public:
  UdpChannel(asio::any_io_executor ex, std::string remote, bool retransmit)
      : Channel("UDP", std::move(remote)), sock_(ex), retransmit_(retransmit) {}

  // Binds `preferred_port` when free (keeps a refresh's source port equal to its Contact), else any port.
  std::error_code open(const asio::ip::udp::endpoint& target, std::uint16_t preferred_port) {
    std::error_code ec;
    if (preferred_port != 0) {
      sock_.open(target.protocol(), ec);
      if (!ec) sock_.bind(asio::ip::udp::endpoint(target.protocol(), preferred_port), ec);
      if (ec) {
        std::error_code ignored;
        sock_.close(ignored);
        ec.clear();
      }
    }
    if (!sock_.is_open()) sock_.open(target.protocol(), ec);
    if (!ec) sock_.connect(target, ec);  // connected: an ICMP port unreachable then fails the receive
    if (ec) return ec;
    auto local = sock_.local_endpoint(ec);
    local_ip = local.address();
    local_port = local.port();
    return ec;
  }

  asio::awaitable<Exchange> exchange(const sip::BuiltRegister& req, TimePoint deadline) override {
    asio::steady_timer timer(sock_.get_executor());
    auto interval = kT1;
    auto next_retransmit = SteadyClock::now() + interval;
    int unparseable = 0, non_matching = 0, sent = 1;
    if (auto [ec, n] = co_await sock_.async_send(asio::buffer(req.bytes), kAsTuple); ec) {
      (void)n;
      co_return failed(classify(ec), fmt::format("send to {}: {}", remote_, ec.message()));
    }
    while (true) {
      timer.expires_at(retransmit_ ? std::min(next_retransmit, deadline) : deadline);
      auto event = co_await (sock_.async_receive(asio::buffer(buf_), kAsTuple) || timer.async_wait(kAsTuple));
      if (event.index() == 1) {
        auto now = SteadyClock::now();
        if (now >= deadline) break;
        if (retransmit_ && now >= next_retransmit) {
          if (auto [ec, n] = co_await sock_.async_send(asio::buffer(req.bytes), kAsTuple); ec) {
            (void)n;
            co_return failed(classify(ec), fmt::format("send to {}: {}", remote_, ec.message()));
          }
          ++retransmissions;
          ++sent;
          interval = std::min(interval * 2, kT2);
          next_retransmit += interval;
        }
        continue;
      }
      auto [ec, n] = std::get<0>(event);
      if (ec) {
        auto o = classify(ec);
        co_return failed(
            o, fmt::format("{} from {}", o == SipRegisterOutcome::kRefused ? "ICMP port unreachable" : ec.message(),
                           remote_));
      }
      std::string_view data(buf_.data(), n);
      auto m = sip::parseMessage(data);
      if (!m.ok()) {
        ++unparseable;
        continue;
      }
      // Late answers to an earlier transaction of this attempt (a retransmitted 401) land here too.
      if (!matches(*m, req)) {
        ++non_matching;
        continue;
      }
      if (m->statusLine().code < 200) continue;
      co_return Exchange{true, SipRegisterOutcome::kError, {}, std::string(data)};
    }
    auto noise = fmt::format("{}{}", unparseable > 0 ? fmt::format("; {} unparseable datagrams", unparseable) : "",
                             non_matching > 0 ? fmt::format("; {} non-matching responses", non_matching) : "");
    co_return failed(SipRegisterOutcome::kTimeout,
                     fmt::format("no final response to REGISTER CSeq {} ({} transmissions){}", req.cseq, sent, noise));
  }

 private:
  asio::ip::udp::socket sock_;
  bool retransmit_;
  std::array<char, 65536> buf_{};
};

// TCP and TLS: one REGISTER transaction at a time over a byte stream, responses framed by Content-Length.
class StreamChannel : public Channel {
 public:
  asio::awaitable<Exchange> exchange(const sip::BuiltRegister& req, TimePoint deadline) override {
    auto [wec, wtimeout] = co_await writeAll(req.bytes, deadline);
    if (wtimeout) co_return failed(SipRegisterOutcome::kTimeout, fmt::format("sending to {} timed out", remote_));
    if (wec) co_return failed(classify(wec), fmt::format("send to {}: {}", remote_, describe(wec)));
    std::array<char, 16384> chunk{};
    int non_matching = 0;
    while (true) {
      auto frame = sip::frameStream(buf_);
      if (frame.status == sip::StreamFrame::Status::kError) {
        co_return failed(SipRegisterOutcome::kBadResponse, fmt::format("from {}: {}", remote_, frame.error.message));
      }
      if (frame.status == sip::StreamFrame::Status::kMessage) {
        std::string message = buf_.substr(frame.skip, frame.length);
        buf_.erase(0, frame.skip + frame.length);
        auto m = sip::parseMessage(message, false);
        if (!m.ok()) {
          co_return failed(SipRegisterOutcome::kBadResponse,
                           fmt::format("unparseable response from {}: {}", remote_, m.error().message));
        }
        if (!matches(*m, req)) {
          ++non_matching;  // a request from the registrar (OPTIONS keepalive) or a stray response
          continue;
        }
        if (m->statusLine().code < 200) continue;
        co_return Exchange{true, SipRegisterOutcome::kError, {}, std::move(message)};
      }
      buf_.erase(0, frame.skip);
      if (buf_.size() > kMaxResponseBytes) {
        co_return failed(SipRegisterOutcome::kBadResponse,
                         fmt::format("response larger than {} bytes", kMaxResponseBytes));
      }
      auto [ec, n, timed_out] = co_await readSome(chunk, deadline);
      if (timed_out) {
        co_return failed(
            SipRegisterOutcome::kTimeout,
            fmt::format("no final response to REGISTER CSeq {}{}{}", req.cseq,
                        buf_.empty() ? "" : fmt::format("; {} bytes of an incomplete message", buf_.size()),
                        non_matching > 0 ? fmt::format("; {} non-matching messages", non_matching) : ""));
      }
      if (ec) {
        bool closed = ec == asio::error::eof || describe(ec) == "connection closed by peer";
        co_return failed(closed ? SipRegisterOutcome::kBadResponse : classify(ec),
                         fmt::format("{} before a final response to REGISTER CSeq {}",
                                     closed ? std::string("connection closed by peer") : describe(ec), req.cseq));
      }
      buf_.append(chunk.data(), n);
    }
  }

 protected:
  using Channel::Channel;
  struct Read {
    std::error_code ec;
    std::size_t n = 0;
    bool timed_out = false;
  };
  virtual asio::awaitable<std::pair<std::error_code, bool>> writeAll(const std::string& bytes, TimePoint deadline) = 0;
  virtual asio::awaitable<Read> readSome(std::span<char> into, TimePoint deadline) = 0;
  virtual std::string describe(const std::error_code& ec) const { return ec.message(); }

 private:
  std::string buf_;
};

class TcpChannel : public StreamChannel {
 public:
  TcpChannel(asio::any_io_executor ex, std::string remote) : StreamChannel("TCP", std::move(remote)), sock_(ex) {}

  asio::awaitable<Exchange> connect(const asio::ip::tcp::endpoint& target, TimePoint deadline) {
    asio::steady_timer timer(sock_.get_executor());
    timer.expires_at(deadline);
    auto connected = co_await (sock_.async_connect(target, kAsTuple) || timer.async_wait(kAsTuple));
    if (connected.index() == 1)
      co_return failed(SipRegisterOutcome::kTimeout, fmt::format("TCP connect to {} timed out", remote_));
    if (auto [ec] = std::get<0>(connected); ec) {
      co_return failed(classify(ec), fmt::format("TCP connect to {}: {}", remote_, ec.message()));
    }
    std::error_code ec;
    auto local = sock_.local_endpoint(ec);
    local_ip = local.address();
    local_port = local.port();
    co_return Exchange{true, SipRegisterOutcome::kError, {}, {}};
  }

 protected:
  asio::awaitable<std::pair<std::error_code, bool>> writeAll(const std::string& bytes, TimePoint deadline) override {
    asio::steady_timer timer(sock_.get_executor());
    timer.expires_at(deadline);
    auto written = co_await (asio::async_write(sock_, asio::buffer(bytes), kAsTuple) || timer.async_wait(kAsTuple));
    if (written.index() == 1) co_return std::make_pair(std::error_code{}, true);
    co_return std::make_pair(std::get<0>(std::get<0>(written)), false);
  }

  asio::awaitable<Read> readSome(std::span<char> into, TimePoint deadline) override {
    asio::steady_timer timer(sock_.get_executor());
    timer.expires_at(deadline);
    auto got = co_await (sock_.async_read_some(asio::buffer(into.data(), into.size()), kAsTuple) ||
                         timer.async_wait(kAsTuple));
    if (got.index() == 1) co_return Read{{}, 0, true};
    auto [ec, n] = std::get<0>(got);
    co_return Read{ec, n, false};
  }

 private:
  asio::ip::tcp::socket sock_;
};

// TLS: the attempt's deadline closes the connection (OpenSSL's operations have no per-operation
// cancellation in Asio), which ends whatever is pending; timed_out_ tells that apart from a peer close.
class TlsChannel : public StreamChannel {
 public:
  TlsChannel(asio::any_io_executor ex, std::string remote, std::shared_ptr<io::TlsClientContext> ctx)
      : StreamChannel("TLS", std::move(remote)),
        conn_(std::make_shared<io::TlsConnection>(ex, std::move(ctx))),
        watchdog_(std::make_shared<asio::steady_timer>(ex)),
        timed_out_(std::make_shared<bool>(false)) {}
  ~TlsChannel() override { watchdog_->cancel(); }

  asio::awaitable<Exchange> connect(const asio::ip::tcp::endpoint& target, const std::string& server_name,
                                    TimePoint deadline, std::optional<io::TlsInfo>& peer) {
    watchdog_->expires_at(deadline);
    watchdog_->async_wait([conn = conn_, flag = timed_out_](std::error_code ec) {
      if (ec) return;
      *flag = true;
      conn->close();
    });
    auto [ec] = co_await conn_->socket().async_connect(target, kAsTuple);
    if (*timed_out_) co_return failed(SipRegisterOutcome::kTimeout, fmt::format("TCP connect to {} timed out", remote_));
    if (ec) co_return failed(classify(ec), fmt::format("TCP connect to {}: {}", remote_, ec.message()));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    io::TlsInfo seen;
    auto info = co_await conn_->handshake(server_name, std::max(left, std::chrono::milliseconds(1)), &seen);
    if (!seen.subject.empty() || !seen.version.empty()) peer = seen;
    if (!info) {
      co_return failed(*timed_out_ ? SipRegisterOutcome::kTimeout : SipRegisterOutcome::kError, info.error().message);
    }
    std::error_code lec;
    auto local = conn_->socket().local_endpoint(lec);
    local_ip = local.address();
    local_port = local.port();
    co_return Exchange{true, SipRegisterOutcome::kError, {}, {}};
  }

 protected:
  asio::awaitable<std::pair<std::error_code, bool>> writeAll(const std::string& bytes, TimePoint) override {
    auto ec = co_await conn_->write(bytes);
    co_return std::make_pair(ec, *timed_out_);
  }

  asio::awaitable<Read> readSome(std::span<char> into, TimePoint) override {
    auto [ec, n] = co_await conn_->readSome(into);
    co_return Read{ec, n, *timed_out_};
  }

  std::string describe(const std::error_code& ec) const override { return io::TlsConnection::describe(ec); }

 private:
  std::shared_ptr<io::TlsConnection> conn_;
  std::shared_ptr<asio::steady_timer> watchdog_;
  std::shared_ptr<bool> timed_out_;
};

std::optional<std::uint32_t> parseUint(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "sip:alice@10.0.0.1:5060;transport=tcp" -> "alice@10.0.0.1:5060": registrars may drop or reorder URI
// parameters when they echo a binding, but keep user and host:port.
std::string_view bindingKey(std::string_view uri) {
  auto colon = uri.find(':');
  if (colon != std::string_view::npos) uri.remove_prefix(colon + 1);
  return uri.substr(0, uri.find(';'));
}

std::string_view contactUri(std::string_view contact) {
  auto open = contact.find('<');
  if (open != std::string_view::npos) {
    auto close = contact.find('>', open);
    return contact.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  }
  return contact.substr(0, contact.find(';'));
}

void fillSuccess(SipRegisterResult& r, const sip::Message& m, const sip::BuiltRegister& req, SipRegisterKind kind) {
  r.outcome =
      kind == SipRegisterKind::kUnregister ? SipRegisterOutcome::kUnregistered : SipRegisterOutcome::kRegistered;
  for (auto value : m.headers("Contact")) {
    for (auto c : sip::splitList(value)) r.bindings.emplace_back(c);
  }
  if (kind != SipRegisterKind::kRegister) return;
  for (std::string_view c : r.bindings) {
    if (bindingKey(contactUri(c)) != bindingKey(req.contact_uri)) continue;
    if (auto e = sip::headerParam(c, "expires")) r.granted_expires = parseUint(*e);
    if (r.granted_expires) return;
  }
  if (auto e = m.header("Expires")) r.granted_expires = parseUint(*e);
  if (!r.granted_expires) r.detail = "the 2xx says no expiry for our Contact";
}

struct AuthState {
  sip::DigestClient client;
  bool answered = false;  // answered a challenge received in this attempt
};

asio::awaitable<void> runAttempt(SipRegisterResult& r, const SipRegisterParams& p, SipRegisterSession& s, Channel& ch,
                                 TimePoint t0, TimePoint deadline) {
  r.local_address = detail::formatAddress(ch.local_ip, ch.local_port);
  if (s.contact_host.empty()) {
    s.contact_host = ch.local_ip.to_string();
    s.contact_port = ch.local_port;
  }
  const auto& auth_user = p.auth_user.empty() ? p.user : p.auth_user;
  AuthState www{sip::DigestClient(auth_user, p.password, &io::digestHash)};
  AuthState proxy{sip::DigestClient(auth_user, p.password, &io::digestHash)};
  if (p.reuse_challenge && !p.password.empty()) {
    if (s.www_challenge) www.client.restore(*s.www_challenge, s.www_nc);
    if (s.proxy_challenge) proxy.client.restore(*s.proxy_challenge, s.proxy_nc);
  }
  std::uint32_t expires = p.kind == SipRegisterKind::kUnregister ? 0 : p.expires;
  bool interval_retried = false;

  for (int transaction = 0; transaction < kMaxTransactions; ++transaction) {
    sip::RegisterRequestParams rp;
    rp.transport = std::string(ch.transport());
    rp.local_host = ch.local_ip.to_string();
    rp.local_port = ch.local_port;
    rp.user = p.user;
    rp.domain = p.domain.empty() ? (p.port == 5060 ? p.host : sip::hostPort(p.host, p.port)) : p.domain;
    rp.contact_mode = p.kind == SipRegisterKind::kQuery ? sip::ContactMode::kQuery : sip::ContactMode::kBinding;
    rp.expires = expires;
    rp.max_forwards = p.max_forwards;
    rp.user_agent = p.user_agent;
    rp.cseq = s.next_cseq++;
    rp.call_id = s.call_id;
    rp.from_tag = s.from_tag;
    rp.request_uri = "sip:" + rp.domain;
    // The Contact stays the first attempt's address, so every refresh updates the same binding.
    rp.contact_host = s.contact_host;
    rp.contact_port = s.contact_port;
    for (auto* a : {&www, &proxy}) {
      if (!a->client.hasChallenge()) continue;
      auto answer = a->client.authorize("REGISTER", rp.request_uri);
      if (!answer.ok()) {
        r.outcome = SipRegisterOutcome::kError;
        r.detail = "cannot answer the challenge: " + answer.error().message;
        co_return;
      }
      (a == &www ? rp.authorization : rp.proxy_authorization) = answer->header_value;
      (a == &www ? s.www_nc : s.proxy_nc) = a->client.lastNonceCount();
      r.auth_algorithm =
          std::string(sip::toString(a->client.challenge()->algorithm.value_or(sip::DigestAlgorithm::kMd5)));
      r.auth_qop = answer->qop;
    }
    auto req = sip::buildRegister(rp);
    s.call_id = req.call_id;
    s.from_tag = req.from_tag;
    r.contact = req.contact_uri;
    r.raw_request = req.bytes;
    r.call_id = req.call_id;

    auto ex = co_await ch.exchange(req, deadline);
    r.retransmissions = ch.retransmissions;
    if (!ex.ok) {
      r.outcome = ex.outcome;
      r.detail = ex.detail + (r.round_trips > 0 ? fmt::format(" (after {} round trips)", r.round_trips) : "");
      co_return;
    }
    ++r.round_trips;
    auto m = sip::parseMessage(ex.response, ch.transport() == "UDP");
    if (!m.ok()) {  // the channel parsed it once already
      r.outcome = SipRegisterOutcome::kBadResponse;
      r.detail = m.error().message;
      co_return;
    }
    const int code = m->statusLine().code;
    r.latency_ms = elapsedMs(t0);
    r.status_code = code;
    r.reason = std::string(m->statusLine().reason);
    r.status_line = std::string(m->startLine());
    r.raw_response = ex.response;
    if (code >= 200 && code < 300) {
      fillSuccess(r, *m, req, p.kind);
      co_return;
    }
    r.outcome = SipRegisterOutcome::kRejected;
    if (code == 401 || code == 407) {
      auto& state = code == 401 ? www : proxy;
      auto values = m->headers(code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate");
      auto challenges = sip::parseDigestChallenges(values);
      if (!challenges.ok()) {
        r.outcome = SipRegisterOutcome::kBadResponse;
        r.detail = fmt::format("{} with a malformed challenge: {}", code, challenges.error().message);
        co_return;
      }
      auto chosen = sip::chooseChallenge(*challenges);
      if (!chosen) {
        r.detail = fmt::format("{} without a supported Digest challenge ({} offered)", code,
                               values.empty() ? "none" : fmt::format("'{}'", values.front()));
        co_return;
      }
      auto& c = (*challenges)[*chosen];
      if (p.password.empty()) {
        r.detail = "authentication required and no password given";
        co_return;
      }
      // A second challenge after we answered one from this attempt means the credentials were refused,
      // unless the registrar only says our nonce went stale.
      if (state.answered && !c.stale) {
        r.detail = fmt::format("credentials rejected: challenged again after answering (wrong user or password?)");
        (code == 401 ? s.www_challenge : s.proxy_challenge).reset();
        co_return;
      }
      state.answered = true;
      ++r.challenges;
      (code == 401 ? s.www_challenge : s.proxy_challenge) = c;
      (code == 401 ? s.www_nc : s.proxy_nc) = 0;
      state.client.setChallenge(c);
      continue;
    }
    if (code == 423 && p.kind == SipRegisterKind::kRegister && !interval_retried) {
      // RFC 3261 10.2.8: retry once with the registrar's minimum.
      if (auto min = m->header("Min-Expires"); min && parseUint(*min) && *parseUint(*min) > expires) {
        expires = *parseUint(*min);
        interval_retried = true;
        continue;
      }
    }
    r.detail = fmt::format("registrar answered {} {}", code, r.reason);
    co_return;
  }
  r.outcome = SipRegisterOutcome::kRejected;
  r.detail = fmt::format("gave up after {} REGISTER transactions", kMaxTransactions);
}

}  // namespace

std::string_view toString(SipRegisterOutcome o) {
  switch (o) {
    case SipRegisterOutcome::kRegistered: return "registered";
    case SipRegisterOutcome::kUnregistered: return "unregistered";
    case SipRegisterOutcome::kRejected: return "rejected";
    case SipRegisterOutcome::kTimeout: return "timeout";
    case SipRegisterOutcome::kRefused: return "refused";
    case SipRegisterOutcome::kUnreachable: return "unreachable";
    case SipRegisterOutcome::kResolveFailed: return "resolve_failed";
    case SipRegisterOutcome::kBadResponse: return "bad_response";
    case SipRegisterOutcome::kError: return "error";
  }
  return "error";
}

bool succeeded(SipRegisterOutcome o) {
  return o == SipRegisterOutcome::kRegistered || o == SipRegisterOutcome::kUnregistered;
}

asio::awaitable<SipRegisterResult> sipRegister(io::Resolver& resolver, SipRegisterParams params,
                                               SipRegisterSession& session) {
  SipRegisterResult r;
  try {
    for (std::string_view field : {std::string_view(params.user), std::string_view(params.domain),
                                   std::string_view(params.auth_user), std::string_view(params.user_agent)}) {
      if (field.find_first_of("\r\n<>\" ") != std::string_view::npos) {
        r.outcome = SipRegisterOutcome::kError;
        r.detail = fmt::format("invalid character in '{}'", field);
        co_return r;
      }
    }
    if (params.user.empty()) {
      r.outcome = SipRegisterOutcome::kError;
      r.detail = "no user to register";
      co_return r;
    }
    SipDestinationQuery q;
    q.host = params.host;
    q.port = params.port;
    q.explicit_port = params.explicit_port;
    q.transport = params.transport;
    q.explicit_transport = params.explicit_transport;
    auto dest = co_await resolveSipDestination(resolver, q);
    if (!dest) {
      r.outcome = SipRegisterOutcome::kResolveFailed;
      r.detail = dest.error().message;
      co_return r;
    }
    const auto address = dest->address;
    // The AOR domain is the name the user gave, never the port an SRV record chose.
    if (params.domain.empty() && !params.explicit_port) params.domain = params.host;
    params.port = dest->port;
    params.transport = dest->transport;
    r.resolution = dest->how;
    r.remote_address = detail::formatAddress(address, params.port);
    auto ex = co_await asio::this_coro::executor;
    const auto t0 = SteadyClock::now();
    const auto deadline = t0 + params.timeout;
    if (params.transport == SipTransport::kUdp) {
      UdpChannel ch(ex, r.remote_address, params.retransmit);
      if (auto ec = ch.open(asio::ip::udp::endpoint(address, params.port), session.contact_port); ec) {
        r.outcome = classify(ec);
        r.detail = fmt::format("UDP socket to {}: {}", r.remote_address, ec.message());
        co_return r;
      }
      co_await runAttempt(r, params, session, ch, t0, deadline);
    } else if (params.transport == SipTransport::kTls) {
      auto ctx = io::TlsClientContext::create(params.tls);
      if (!ctx) {
        r.outcome = SipRegisterOutcome::kError;
        r.detail = "TLS: " + ctx.error().message;
        co_return r;
      }
      TlsChannel ch(ex, r.remote_address, *ctx);
      auto connected = co_await ch.connect(asio::ip::tcp::endpoint(address, params.port), params.host, deadline, r.tls);
      if (!connected.ok) {
        r.outcome = connected.outcome;
        r.detail = connected.detail;
        co_return r;
      }
      co_await runAttempt(r, params, session, ch, t0, deadline);
    } else {
      TcpChannel ch(ex, r.remote_address);
      auto connected = co_await ch.connect(asio::ip::tcp::endpoint(address, params.port), deadline);
      if (!connected.ok) {
        r.outcome = connected.outcome;
        r.detail = connected.detail;
        co_return r;
      }
      co_await runAttempt(r, params, session, ch, t0, deadline);
    }
  } catch (const std::exception& e) {
    r.outcome = SipRegisterOutcome::kError;
    r.detail = e.what();
  }
  co_return r;
}

}  // namespace vs::probe
