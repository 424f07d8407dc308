#include "probe/sip_pinger.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <deque>
#include <exception>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "core/time.h"
#include "probe/detail_net.h"
#include "probe/sip_resolve.h"
#include "proto/endpoint.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace sip = proto::sip;
using asio::ip::tcp;
using asio::ip::udp;
using detail::kAsTuple;

// The largest UDP payload (IPv6 jumbograms aside) fits; one buffer serves every socket, since all
// receives run on the one loop thread and nothing awaits between a read and its handling.
constexpr std::size_t kReceiveBuffer = 65536;

// The parts of the echoed headers a response must copy from the request (RFC 3261 8.2.6.2). Via
// received/rport and the To tag are added legitimately by the far end, so they are not compared.
struct Echoed {
  std::string via, from, to, call_id, cseq;
};

std::string_view uriOf(std::string_view name_addr) {
  auto open = name_addr.find('<');
  if (open != std::string_view::npos) {
    auto close = name_addr.find('>', open);
    if (close != std::string_view::npos) return name_addr.substr(open + 1, close - open - 1);
  }
  return name_addr.substr(0, name_addr.find(';'));
}

Echoed echoed(const sip::Message& m) {
  Echoed e;
  if (auto v = m.topVia()) e.via = fmt::format("{};branch={}", v->sent_by, v->branch);
  if (auto f = m.header("From")) e.from = fmt::format("{};tag={}", uriOf(*f), m.fromTag());
  if (auto t = m.header("To")) e.to = std::string(uriOf(*t));
  e.call_id = std::string(m.callId());
  if (auto c = m.cseq()) e.cseq = fmt::format("{} {}", c->number, c->method);
  return e;
}

struct Ping {
  std::uint64_t seq = 0;
  std::string call_id;
  std::string branch;
  std::uint32_t cseq = 0;
  Echoed sent;
  SteadyClock::time_point sent_at;
  SteadyClock::time_point deadline;
  bool decided = false;
  bool late = false;
  std::optional<LateReply> late_pending;  // a late reply seen before the ping was reported
  PingResult result;
  std::shared_ptr<udp::socket> own_socket;  // --new-port-per-ping
};

struct Target {
  explicit Target(asio::any_io_executor ex) : timer(std::move(ex)) {}
  std::size_t index = 0;
  PingTarget spec;
  asio::ip::address address;
  std::uint16_t port = 0;                        // resolved (an SRV record may change it)
  SipTransport transport = SipTransport::kUdp;  // resolved (a NAPTR record may choose it)
  std::string via_host;
  TargetReport report;
  std::shared_ptr<udp::socket> udp_socket;  // the run's socket (UDP, not new-port mode)
  std::shared_ptr<tcp::socket> tcp_socket;  // current connection; null while down
  std::shared_ptr<tcp::socket> connecting;
  std::shared_ptr<io::TlsConnection> tls_conn;  // current TLS connection; null while down
  std::shared_ptr<io::TlsConnection> tls_connecting;
  std::string last_connect_error;
  SteadyClock::time_point no_connect_before;  // pings planned up to here fail without a new attempt
  std::deque<std::shared_ptr<Ping>> inflight;  // send order; undecided, or decided but not yet reported
  std::deque<std::shared_ptr<Ping>> recent;    // reported; kept for late replies and duplicates
  std::unordered_map<std::string, std::shared_ptr<Ping>> by_call_id;
  std::unordered_map<std::string, std::shared_ptr<Ping>> by_branch;
  std::set<std::string> rewritten;
  asio::steady_timer timer;
  SteadyClock::time_point first_planned;
  std::uint64_t next_seq = 1;
};

template <class Socket>
std::error_code setDscp(Socket& sock, bool v6, int dscp) {
  int tos = dscp << 2;
  int rc = v6 ? ::setsockopt(sock.native_handle(), IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
              : ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  return rc == 0 ? std::error_code{} : std::error_code(errno, std::system_category());
}

}  // namespace

Result<std::vector<PingTarget>> parsePingTargets(const SipPingOptions& options) {
  std::vector<PingTarget> out;
  if (options.targets.empty()) return makeError("no target");
  for (const auto& text : options.targets) {
    auto ep = proto::parseEndpoint(text);
    if (!ep) return ep.error();
    if (ep->scheme == "http" || ep->scheme == "https") return makeError("'" + text + "': not a SIP target");
    PingTarget t;
    t.text = text;
    t.host = ep->host;
    if (ep->scheme == "sips" || ep->transport == "tls") {
      t.transport = SipTransport::kTls;
      t.explicit_transport = true;
    } else if (ep->transport.empty()) {
      t.transport = options.transport;
      t.explicit_transport = options.transport_given;
    } else if (ep->transport == "udp" || ep->transport == "tcp") {
      t.transport = ep->transport == "tcp" ? SipTransport::kTcp : SipTransport::kUdp;
      t.explicit_transport = true;
    } else {
      return makeError("'" + text + "': unsupported transport '" + ep->transport + "'");
    }
    t.explicit_port = ep->port.has_value() || options.default_port.has_value();
    t.port = ep->port.value_or(options.default_port.value_or(defaultPort(t.transport)));
    out.push_back(std::move(t));
  }
  return out;
}

struct SipPinger::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor executor, io::Resolver& r, SipPingOptions o, SipPingCallbacks c)
      : ex(std::move(executor)), resolver(r), opts(std::move(o)), cb(std::move(c)), done(ex), rx(kReceiveBuffer) {}

  std::shared_ptr<io::TlsClientContext> tls_ctx;  // made on the first TLS target

  asio::any_io_executor ex;
  io::Resolver& resolver;
  SipPingOptions opts;
  SipPingCallbacks cb;
  std::vector<std::shared_ptr<Target>> targets;
  bool stopped = false;
  std::size_t running = 0;
  asio::steady_timer done;
  std::vector<char> rx;
  SteadyClock::time_point steady_base;
  std::int64_t unix_base = 0;

  std::int64_t unixMs(SteadyClock::time_point t) const {
    return unix_base + std::chrono::duration_cast<std::chrono::milliseconds>(t - steady_base).count();
  }

  bool morePings(const Target& t) const { return !stopped && (opts.count == 0 || t.next_seq <= opts.count); }

  SteadyClock::time_point planned(const Target& t, std::uint64_t seq) const {
    return t.first_planned + opts.interval * static_cast<std::int64_t>(seq - 1);
  }

  // --- reporting ------------------------------------------------------------------------------------

  void decideLost(Ping& p, std::string reason) {
    p.decided = true;
    p.result.received = false;
    if (p.result.reason.empty()) p.result.reason = std::move(reason);
  }

  void flush(Target& t) {
    while (!stopped && !t.inflight.empty() && t.inflight.front()->decided) {
      auto p = t.inflight.front();
      t.inflight.pop_front();
      t.recent.push_back(p);
      if (cb.on_result) cb.on_result(p->result);
      if (p->late_pending && cb.on_late) cb.on_late(*p->late_pending);
      p->late_pending.reset();
      // Reported pings stay for late_window (32 s) to recognise late replies: keep only what that needs,
      // or 5,000 targets at 1/s hold 160,000 full results.
      const bool received = p->result.received;
      p->result = PingResult{};
      p->result.received = received;
    }
  }

  void expire(Target& t, SteadyClock::time_point now) {
    for (auto& p : t.inflight) {
      if (!p->decided && p->deadline <= now) decideLost(*p, "timeout");
    }
  }

  void forget(Target& t, Ping& p) {
    if (auto it = t.by_call_id.find(p.call_id); it != t.by_call_id.end() && it->second.get() == &p) t.by_call_id.erase(it);
    if (auto it = t.by_branch.find(p.branch); it != t.by_branch.end() && it->second.get() == &p) t.by_branch.erase(it);
    if (p.own_socket) {
      std::error_code ignored;
      p.own_socket->close(ignored);
      p.own_socket.reset();
    }
  }

  void prune(Target& t, SteadyClock::time_point now) {
    while (!t.recent.empty() && t.recent.front()->deadline + opts.late_window <= now) {
      forget(t, *t.recent.front());
      t.recent.pop_front();
    }
  }

  // --- responses ------------------------------------------------------------------------------------

  void noise(Target& t, std::string_view what, std::string_view bytes) {
    if (cb.on_noise) cb.on_noise(t.index, what, bytes);
  }

  void checkRewrites(Target& t, const Ping& p, const sip::Message& m) {
    auto got = echoed(m);
    auto check = [&](const char* header, const std::string& sent, const std::string& received) {
      if (sent == received || t.rewritten.count(header) > 0) return;
      t.rewritten.insert(header);
      HeaderRewrite rw{header, sent, received.empty() ? "(absent)" : received, p.seq};
      t.report.rewrites.push_back(rw);
      if (cb.on_rewrite) cb.on_rewrite(t.index, rw);
    };
    check("Via", p.sent.via, got.via);
    check("From", p.sent.from, got.from);
    check("To", p.sent.to, got.to);
    check("Call-ID", p.sent.call_id, got.call_id);
    check("CSeq", p.sent.cseq, got.cseq);
  }

  void handleMessage(Target& t, std::string_view data, bool datagram, const asio::ip::address& from,
                     std::uint16_t from_port) {
    const auto now = SteadyClock::now();
    auto m = sip::parseMessage(data, datagram);
    if (!m.ok()) {
      ++t.report.counters.unparseable;
      noise(t, fmt::format("unparseable ({})", m.error().message), data);
      return;
    }
    if (!m->isResponse() || m->callId().empty()) {
      ++t.report.counters.unparseable;
      noise(t, m->isResponse() ? "response without Call-ID" : "a request, not a response", data);
      return;
    }
    // By Call-ID first; by branch when something rewrote the Call-ID, so the rewrite is still seen.
    std::shared_ptr<Ping> p;
    if (auto it = t.by_call_id.find(std::string(m->callId())); it != t.by_call_id.end()) p = it->second;
    auto via = m->topVia();
    if (!p && via) {
      if (auto it = t.by_branch.find(std::string(via->branch)); it != t.by_branch.end()) p = it->second;
    }
    if (!p) {
      ++t.report.counters.unmatched;
      noise(t, "response to none of our pings", data);
      return;
    }
    checkRewrites(t, *p, *m);
    const bool foreign = from != t.address || from_port != t.port;
    const int code = m->statusLine().code;
    if (code < 200) {
      ++t.report.counters.provisional;
      ++p->result.provisional;
      return;
    }
    auto cseq = m->cseq();
    bool full = m->callId() == p->call_id && cseq && cseq->number == p->cseq && sip::iequals(cseq->method, "OPTIONS") &&
                via && via->branch == p->branch;
    if (!full) {
      ++t.report.counters.unmatched;
      noise(t, "response with our Call-ID or branch but not our transaction", data);
      return;
    }
    if (foreign) ++t.report.counters.foreign_replies;
    const double rtt = elapsedMs(p->sent_at, now);
    if (!p->decided && now <= p->deadline) {
      p->decided = true;
      auto& r = p->result;
      r.received = true;
      r.reason.clear();
      r.rtt_ms = rtt;
      r.status_code = code;
      r.status_line = std::string(m->startLine());
      r.responder = detail::formatAddress(from, from_port);
      r.foreign_source = foreign;
      if (opts.keep_raw) r.raw_response = std::string(m->raw());
      flush(t);
      return;
    }
    if (p->result.received || p->late) {
      ++t.report.counters.duplicates;
      return;
    }
    // After the timeout: the ping is lost, the reply is reported as late.
    if (!p->decided) decideLost(*p, "timeout");
    p->late = true;
    LateReply late{t.index, t.spec.text, p->seq, rtt, std::string(m->startLine())};
    bool reported = std::find(t.inflight.begin(), t.inflight.end(), p) == t.inflight.end();
    if (reported) {
      if (cb.on_late) cb.on_late(late);
    } else {
      p->late_pending = std::move(late);
      flush(t);
    }
  }

  asio::awaitable<void> receiveUdp(std::shared_ptr<Target> t, std::shared_ptr<udp::socket> sock) {
    auto self = shared_from_this();
    try {
      while (!stopped && sock->is_open()) {
        auto [ec] = co_await sock->async_wait(udp::socket::wait_read, kAsTuple);
        if (ec || stopped) co_return;
        // Drain what is queued; the socket is non-blocking.
        for (int i = 0; i < 64; ++i) {
          udp::endpoint from;
          std::error_code rec;
          auto n = sock->receive_from(asio::buffer(rx), from, 0, rec);
          if (rec == asio::error::would_block || rec == asio::error::try_again) break;
          if (rec) break;  // e.g. a queued ICMP error: this datagram is gone, the socket lives on
          handleMessage(*t, std::string_view(rx.data(), n), true, from.address(), from.port());
        }
      }
    } catch (const std::exception&) {
      // Only allocation failures reach here; the target's remaining pings then time out.
    }
  }

  // Handles every complete message in `buf`; false when the stream cannot be framed any more.
  bool consumeStream(Target& t, std::string& buf) {
    while (true) {
      auto frame = sip::frameStream(buf);
      if (frame.status == sip::StreamFrame::Status::kMessage) {
        std::string message = buf.substr(frame.skip, frame.length);
        buf.erase(0, frame.skip + frame.length);
        handleMessage(t, message, false, t.address, t.port);
        continue;
      }
      if (frame.status == sip::StreamFrame::Status::kError || buf.size() > sip::kMaxMessageBytes) {
        // No way to find the next message boundary: drop the connection, the next ping reconnects.
        ++t.report.counters.unparseable;
        noise(t, fmt::format("unframeable stream ({})", frame.error.message), buf);
        return false;
      }
      buf.erase(0, frame.skip);
      return true;
    }
  }

  asio::awaitable<void> receiveTls(std::shared_ptr<Target> t, std::shared_ptr<io::TlsConnection> conn) {
    auto self = shared_from_this();
    std::string buf;
    std::string why = "connection closed";
    // Per connection: a TLS read completes inside OpenSSL's record processing, so the shared rx buffer
    // could be overwritten by another target's read before this one is handled.
    std::vector<char> chunk(16384);
    try {
      while (!stopped) {
        auto [ec, n] = co_await conn->readSome(chunk);
        if (ec) {
          why = io::TlsConnection::describe(ec);
          break;
        }
        buf.append(chunk.data(), n);
        if (!consumeStream(*t, buf)) {
          why = "unframeable bytes from the peer";
          break;
        }
      }
    } catch (const std::exception& e) {
      why = e.what();
    }
    conn->close();
    if (t->tls_conn == conn) {
      t->tls_conn.reset();
      t->last_connect_error = why;
      for (auto& p : t->inflight) {
        if (!p->decided) p->result.reason = "timeout (" + why + ")";
      }
    }
  }

  asio::awaitable<void> receiveTcp(std::shared_ptr<Target> t, std::shared_ptr<tcp::socket> sock) {
    auto self = shared_from_this();
    std::string buf;
    std::string why = "connection closed";
    try {
      while (!stopped) {
        auto [ec] = co_await sock->async_wait(tcp::socket::wait_read, kAsTuple);
        if (ec) {
          why = ec.message();
          break;
        }
        std::error_code rec;
        auto n = sock->read_some(asio::buffer(rx), rec);
        if (rec == asio::error::would_block || rec == asio::error::try_again) continue;
        if (rec) {
          why = rec == asio::error::eof ? "connection closed by peer" : rec.message();
          break;
        }
        buf.append(rx.data(), n);
        if (!consumeStream(*t, buf)) {
          why = "unframeable bytes from the peer";
          break;
        }
      }
    } catch (const std::exception& e) {
      why = e.what();
    }
    std::error_code ignored;
    sock->close(ignored);
    if (t->tcp_socket == sock) {
      t->tcp_socket.reset();
      t->last_connect_error = why;
      for (auto& p : t->inflight) {
        if (!p->decided) p->result.reason = "timeout (" + why + ")";
      }
    }
  }

  // --- sending --------------------------------------------------------------------------------------

  sip::BuiltRequest buildRequest(const Target& t, std::uint16_t local_port, std::uint64_t seq) const {
    sip::OptionsRequestParams rp;
    rp.transport = t.transport == SipTransport::kTcp ? "TCP" : t.transport == SipTransport::kTls ? "TLS" : "UDP";
    rp.local_host = t.via_host;
    rp.local_port = local_port;
    rp.target_host = t.spec.host;
    rp.target_port = t.port;
    rp.from_user = opts.from_user;
    rp.from_domain = opts.from_domain;
    rp.max_forwards = opts.max_forwards;
    rp.cseq = static_cast<std::uint32_t>(seq);
    return sip::buildOptions(rp);
  }

  Result<std::shared_ptr<udp::socket>> openUdp(const Target& t) {
    auto sock = std::make_shared<udp::socket>(ex);
    std::error_code ec;
    const bool v6 = t.address.is_v6();
    sock->open(v6 ? udp::v6() : udp::v4(), ec);
    if (!ec) sock->bind(udp::endpoint(v6 ? asio::ip::address(asio::ip::address_v6::any())
                                         : asio::ip::address(asio::ip::address_v4::any()), 0), ec);
    if (!ec) sock->non_blocking(true, ec);
    if (!ec && opts.dscp) ec = setDscp(*sock, v6, *opts.dscp);
    if (ec) return makeError(fmt::format("UDP socket for {}: {}", t.spec.text, ec.message()));
    return sock;
  }

  asio::awaitable<bool> connectTcp(Target& t, const std::shared_ptr<Target>& keep) {
    auto sock = std::make_shared<tcp::socket>(ex);
    std::error_code ec;
    const bool v6 = t.address.is_v6();
    sock->open(v6 ? tcp::v6() : tcp::v4(), ec);
    if (!ec && opts.dscp) ec = setDscp(*sock, v6, *opts.dscp);
    if (ec) {
      t.last_connect_error = ec.message();
      co_return false;
    }
    t.connecting = sock;
    asio::steady_timer limit(ex);
    limit.expires_after(opts.timeout);
    auto r = co_await (sock->async_connect(tcp::endpoint(t.address, t.port), kAsTuple) ||
                       limit.async_wait(kAsTuple));
    t.connecting.reset();
    if (r.index() == 1) {
      t.last_connect_error = fmt::format("TCP connect timed out after {} ms", opts.timeout.count());
      co_return false;
    }
    if (auto [cec] = std::get<0>(r); cec) {
      t.last_connect_error = detail::isRefused(cec) ? "connection refused" : cec.message();
      co_return false;
    }
    if (stopped) co_return false;
    sock->non_blocking(true, ec);
    auto local = sock->local_endpoint(ec);
    if (!ec) t.report.local_address = detail::formatAddress(local.address(), local.port());
    if (t.report.counters.connects++ > 0) ++t.report.counters.reconnects;
    t.tcp_socket = sock;
    asio::co_spawn(ex, receiveTcp(keep, sock), asio::detached);
    co_return true;
  }

  // TCP connect, then the TLS handshake, each bounded by the ping timeout. On success returns the peer
  // certificate when it is new for this target (the first one, or a different one after a reconnect).
  asio::awaitable<bool> connectTls(Target& t, const std::shared_ptr<Target>& keep, std::optional<io::TlsInfo>& fresh) {
    auto conn = std::make_shared<io::TlsConnection>(ex, tls_ctx);
    auto& sock = conn->socket();
    std::error_code ec;
    const bool v6 = t.address.is_v6();
    sock.open(v6 ? tcp::v6() : tcp::v4(), ec);
    if (!ec && opts.dscp) ec = setDscp(sock, v6, *opts.dscp);
    if (ec) {
      t.last_connect_error = ec.message();
      co_return false;
    }
    t.tls_connecting = conn;
    asio::steady_timer limit(ex);
    limit.expires_after(opts.timeout);
    auto r = co_await (sock.async_connect(tcp::endpoint(t.address, t.port), kAsTuple) || limit.async_wait(kAsTuple));
    if (r.index() == 1) {
      t.tls_connecting.reset();
      t.last_connect_error = fmt::format("TCP connect timed out after {} ms", opts.timeout.count());
      co_return false;
    }
    if (auto [cec] = std::get<0>(r); cec) {
      t.tls_connecting.reset();
      t.last_connect_error = detail::isRefused(cec) ? "connection refused" : cec.message();
      co_return false;
    }
    if (stopped) co_return false;
    auto info = co_await conn->handshake(t.spec.host, opts.timeout);
    t.tls_connecting.reset();
    if (!info) {
      t.last_connect_error = info.error().message;
      co_return false;
    }
    if (stopped) co_return false;
    auto local = sock.local_endpoint(ec);
    if (!ec) t.report.local_address = detail::formatAddress(local.address(), local.port());
    if (t.report.counters.connects++ > 0) ++t.report.counters.reconnects;
    if (!t.report.tls || t.report.tls->subject != info->subject || t.report.tls->not_after_ms != info->not_after_ms) {
      fresh = *info;
      if (cb.on_tls) cb.on_tls(t.index, *info);
    }
    t.report.tls = *info;
    t.tls_conn = conn;
    asio::co_spawn(ex, receiveTls(keep, conn), asio::detached);
    co_return true;
  }

  asio::awaitable<void> sendPing(std::shared_ptr<Target> t, std::uint64_t seq) {
    // The scheduler's own lateness: taken before any TCP/TLS connection set-up, which is the network's time.
    const auto started = SteadyClock::now();
    auto p = std::make_shared<Ping>();
    p->seq = seq;
    auto& r = p->result;
    r.sched_error_us = std::chrono::duration_cast<std::chrono::microseconds>(started - planned(*t, seq)).count();
    r.target_index = t->index;
    r.target = t->spec.text;
    r.transport = std::string(toString(t->transport));
    r.seq = seq;

    std::shared_ptr<udp::socket> usock;
    std::uint16_t local_port = 0;
    std::string failure;
    if (t->transport == SipTransport::kUdp) {
      usock = t->udp_socket;
      if (opts.new_port_per_ping) {
        auto opened = openUdp(*t);
        if (opened) {
          usock = *opened;
        } else {
          failure = opened.error().message;
          usock.reset();
        }
      }
      std::error_code ec;
      if (usock) local_port = usock->local_endpoint(ec).port();
    } else if (t->transport == SipTransport::kTls) {
      if (!t->tls_conn) {
        std::optional<io::TlsInfo> fresh;
        if (planned(*t, seq) <= t->no_connect_before) {
          failure = "not connected: " + t->last_connect_error;
        } else if (!co_await connectTls(*t, t, fresh)) {
          t->no_connect_before = SteadyClock::now();
          ++t->report.counters.connect_failures;
          failure = t->last_connect_error;
        }
        if (fresh) {
          r.tls_subject = fresh->subject;
          r.tls_not_after_ms = fresh->not_after_ms;
        }
      }
      std::error_code ec;
      if (t->tls_conn) local_port = t->tls_conn->socket().local_endpoint(ec).port();
    } else {
      if (!t->tcp_socket) {
        if (planned(*t, seq) <= t->no_connect_before) {
          failure = "not connected: " + t->last_connect_error;
        } else if (!co_await connectTcp(*t, t)) {
          t->no_connect_before = SteadyClock::now();
          ++t->report.counters.connect_failures;
          failure = t->last_connect_error;
        }
      }
      std::error_code ec;
      if (t->tcp_socket) local_port = t->tcp_socket->local_endpoint(ec).port();
    }
    if (stopped) co_return;

    auto req = buildRequest(*t, local_port, seq);
    p->call_id = req.call_id;
    p->branch = req.branch;
    p->cseq = req.cseq;
    if (auto parsed = sip::parseMessage(std::string_view(req.bytes)); parsed.ok()) p->sent = echoed(*parsed);
    r.call_id = req.call_id;
    if (opts.keep_raw) r.raw_request = req.bytes;
    p->sent_at = SteadyClock::now();
    p->deadline = p->sent_at + opts.timeout;
    r.sent_unix_ms = unixMs(p->sent_at);
    t->inflight.push_back(p);
    if (!failure.empty()) {
      decideLost(*p, failure);
      flush(*t);
      co_return;
    }
    t->by_call_id[p->call_id] = p;
    t->by_branch[p->branch] = p;

    std::error_code ec;
    if (usock) {
      usock->send_to(asio::buffer(req.bytes), udp::endpoint(t->address, t->port), 0, ec);
      if (opts.new_port_per_ping) {
        p->own_socket = usock;
        asio::co_spawn(ex, receiveUdp(t, usock), asio::detached);
      }
    } else if (t->transport == SipTransport::kTls) {
      auto conn = t->tls_conn;
      // A write that does not finish within the timeout (peer not reading) closes the connection.
      auto limit = std::make_shared<asio::steady_timer>(ex);
      limit->expires_after(opts.timeout);
      limit->async_wait([limit, conn](std::error_code wec) {
        if (!wec) conn->close();
      });
      ec = co_await conn->write(req.bytes);
      limit->cancel();
      if (ec) conn->close();  // the reader sees it and marks the connection down
    } else {
      auto conn = t->tcp_socket;
      asio::steady_timer limit(ex);
      limit.expires_after(opts.timeout);
      auto w = co_await (asio::async_write(*conn, asio::buffer(req.bytes), kAsTuple) || limit.async_wait(kAsTuple));
      if (w.index() == 1) {
        ec = asio::error::timed_out;
      } else {
        ec = std::get<0>(std::get<0>(w));
      }
      if (ec) {
        std::error_code ignored;
        conn->close(ignored);  // the reader sees it and marks the connection down
      }
    }
    if (ec && !p->decided) {
      ++t->report.counters.send_errors;
      decideLost(*p, fmt::format("send failed: {}", detail::isRefused(ec) ? "connection refused" : ec.message()));
      flush(*t);
    }
  }

  asio::awaitable<void> schedule(std::shared_ptr<Target> t) {
    auto self = shared_from_this();
    try {
      while (!stopped) {
        auto now = SteadyClock::now();
        // Catch up on every ping whose planned time has come: the schedule never shifts.
        while (morePings(*t) && planned(*t, t->next_seq) <= now) {
          co_await sendPing(t, t->next_seq++);
          now = SteadyClock::now();
        }
        if (stopped) break;
        expire(*t, now);
        flush(*t);
        prune(*t, now);
        if (!morePings(*t) && t->inflight.empty()) break;
        auto wake = SteadyClock::time_point::max();
        if (morePings(*t)) wake = planned(*t, t->next_seq);
        if (!t->inflight.empty()) wake = std::min(wake, t->inflight.front()->deadline);
        t->timer.expires_at(wake);
        co_await t->timer.async_wait(kAsTuple);
      }
      if (!stopped) {  // late replies to the last pings
        t->timer.expires_after(opts.timeout);
        co_await t->timer.async_wait(kAsTuple);
      }
    } catch (const std::exception&) {
      // Allocation failure: this target stops; the others go on.
    }
    if (--running == 0) done.cancel();
  }

  void closeTarget(Target& t) {
    std::error_code ignored;
    t.timer.cancel();
    if (t.udp_socket) t.udp_socket->close(ignored);
    if (t.tcp_socket) t.tcp_socket->close(ignored);
    if (t.connecting) t.connecting->close(ignored);
    if (t.tls_conn) t.tls_conn->close();
    if (t.tls_connecting) t.tls_connecting->close();
    for (auto& p : t.inflight) forget(t, *p);
    for (auto& p : t.recent) forget(t, *p);
  }

  void stop() {
    stopped = true;
    done.cancel();
    for (auto& t : targets) closeTarget(*t);
  }

  asio::awaitable<Result<SipDestination>> resolveTarget(const PingTarget& spec) {
    SipDestinationQuery q;
    q.host = spec.host;
    q.port = spec.port;
    q.explicit_port = spec.explicit_port;
    q.transport = spec.transport;
    q.explicit_transport = spec.explicit_transport;
    q.family = opts.family;
    auto d = co_await resolveSipDestination(resolver, q);
    if (!d) co_return d.error();
    co_return d;
  }

  Result<Ok> prepare(Target& t) {
    t.report.remote_address = detail::formatAddress(t.address, t.port);
    // The local address the kernel picks for this destination (a UDP connect sends nothing).
    std::error_code ec;
    udp::socket probe(ex);
    probe.open(t.address.is_v6() ? udp::v6() : udp::v4(), ec);
    if (!ec) probe.connect(udp::endpoint(t.address, t.port), ec);
    auto local = ec ? udp::endpoint{} : probe.local_endpoint(ec);
    if (ec) return makeError(fmt::format("{}: no route to {}: {}", t.spec.text, t.report.remote_address, ec.message()));
    t.via_host = opts.via_host.empty() ? local.address().to_string() : opts.via_host;
    if (t.transport == SipTransport::kTls && !tls_ctx) {
      auto ctx = io::TlsClientContext::create(opts.tls);
      if (!ctx) return makeError("TLS: " + ctx.error().message);
      tls_ctx = *ctx;
    }
    if (t.transport == SipTransport::kUdp && !opts.new_port_per_ping) {
      auto sock = openUdp(t);
      if (!sock) return sock.error();
      t.udp_socket = *sock;
      auto bound = t.udp_socket->local_endpoint(ec);
      t.report.local_address = detail::formatAddress(local.address(), bound.port());
    }
    return Ok{};
  }

  asio::awaitable<Result<std::vector<TargetReport>>> run() {
    auto self = shared_from_this();
    auto specs = parsePingTargets(opts);
    if (!specs) co_return specs.error();
    if (opts.interval.count() <= 0 || opts.timeout.count() <= 0) {
      co_return makeError("interval and timeout must be positive");
    }
    for (std::size_t i = 0; i < specs->size(); ++i) {
      auto t = std::make_shared<Target>(ex);
      t->index = i;
      t->spec = (*specs)[i];
      t->report.target = t->spec;
      auto dest = co_await resolveTarget(t->spec);
      if (!dest) co_return dest.error();
      t->address = dest->address;
      t->port = dest->port;
      t->transport = dest->transport;
      t->report.resolution = dest->how;
      if (!dest->how.empty() && cb.on_resolved) cb.on_resolved(t->index, dest->how);
      if (auto ok = prepare(*t); !ok) co_return ok.error();
      targets.push_back(std::move(t));
      if (stopped) break;
    }
    if (!stopped) {
      steady_base = SteadyClock::now();
      unix_base = nowUnixMs();
      running = targets.size();
      // Targets are spread over the interval so that thousands of them do not send in one burst.
      for (auto& t : targets) {
        t->first_planned = steady_base + opts.interval * static_cast<std::int64_t>(t->index) /
                                             static_cast<std::int64_t>(targets.size());
        if (t->udp_socket) asio::co_spawn(ex, receiveUdp(t, t->udp_socket), asio::detached);
        asio::co_spawn(ex, schedule(t), asio::detached);
      }
      done.expires_at(SteadyClock::time_point::max());
      while (running > 0 && !stopped) co_await done.async_wait(kAsTuple);
    }
    std::vector<TargetReport> reports;
    for (auto& t : targets) {
      closeTarget(*t);
      reports.push_back(t->report);
    }
    co_return reports;
  }
};

SipPinger::SipPinger(asio::any_io_executor executor, io::Resolver& resolver, SipPingOptions options,
                     SipPingCallbacks callbacks)
    : impl_(std::make_shared<Impl>(std::move(executor), resolver, std::move(options), std::move(callbacks))) {}

SipPinger::~SipPinger() {
  if (impl_) impl_->stop();
}

asio::awaitable<Result<std::vector<TargetReport>>> SipPinger::run() {
  auto impl = impl_;
  try {
    co_return co_await impl->run();
  } catch (const std::exception& e) {
    co_return makeError(e.what());
  }
}

void SipPinger::stop() { impl_->stop(); }

}  // namespace vs::probe
