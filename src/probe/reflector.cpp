#include "probe/reflector.h"

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/udp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <cmath>
#include <cstring>
#include <list>
#include <map>
#include <optional>
#include <vector>

#include "io/hmac.h"
#include "probe/detail_udp_tos.h"
#include "proto/reflect/message.h"
#include "proto/rtp/rtp.h"
#include "proto/rtp/stream_stats.h"
#include "probe/reflector_sip.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

namespace rtp = proto::rtp;
namespace rf = proto::reflect;
using Clock = SteadyClock;
constexpr std::size_t kMaxPendingCallbacks = 256;
constexpr std::size_t kMaxCallbacksPerSource = 16;


struct SessionKey {
  std::array<std::uint8_t, 16> address{};
  std::uint16_t port = 0;
  std::uint32_t session = 0;
  auto operator<=>(const SessionKey&) const = default;
};

struct Session {
  rtp::StreamStats stats;
  std::uint32_t replies = 0;  // probe replies sent
  std::uint32_t ackHighest = 0;
  std::uint64_t ackBits = 0;
  bool any = false;
  Clock::time_point lastSeen;
};

struct Bucket {
  double tokens = 0;
  Clock::time_point last;
};

std::array<std::uint8_t, 16> addressBytes(const asio::ip::address& a, std::uint8_t& family) {
  std::array<std::uint8_t, 16> out{};
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    auto b = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_bytes();
    std::memcpy(out.data(), b.data(), 4);
    family = 4;
  } else if (a.is_v6()) {
    auto b = a.to_v6().to_bytes();
    std::memcpy(out.data(), b.data(), 16);
    family = 6;
  } else {
    auto b = a.to_v4().to_bytes();
    std::memcpy(out.data(), b.data(), 4);
    family = 4;
  }
  return out;
}

struct Counters {
  std::atomic<std::uint64_t> reflected{0}, reports{0}, sip{0}, auth{0}, rate{0}, malformed{0}, evicted{0};
  std::atomic<std::uint64_t> callbacksSent{0}, callbacksRefused{0};
};

// A "call me back after T seconds" request waiting for its timer. The packet is built when the request
// arrives (MAC included) so firing is one send.
struct PendingCallback {
  explicit PendingCallback(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::array<std::uint8_t, 16> source{};
  asio::ip::udp::endpoint to;
  int from = 0;  // socket index the callback leaves from
  std::vector<std::byte> packet;
};

// Socket indexes: bit 0 the second port, bit 1 the second address (kAltAddressBit sockets exist only
// with ReflectorOptions::alt_address).
constexpr int kAltPortBit = 1;
constexpr int kAltAddressBit = 2;

struct State {
  State(asio::any_io_executor ex, ReflectorOptions o)
      : socks{asio::ip::udp::socket(ex), asio::ip::udp::socket(ex), asio::ip::udp::socket(ex),
              asio::ip::udp::socket(ex)},
        options(std::move(o)) {}
  std::array<asio::ip::udp::socket, 4> socks;
  std::array<int, 4> dscps{-1, -1, -1, -1};
  std::optional<rf::AltAddress> altAddress;  // advertised in every reply when set
  ReflectorOptions options;
  std::map<SessionKey, Session> sessions;
  std::map<std::array<std::uint8_t, 16>, Bucket> buckets;
  Counters counters;
  std::list<PendingCallback> callbacks;
  std::weak_ptr<State> self;
  bool closed = false;

  std::size_t callbacksFrom(const std::array<std::uint8_t, 16>& source) const {
    std::size_t n = 0;
    for (const auto& c : callbacks) n += c.source == source ? 1U : 0U;
    return n;
  }

  template <class Map>
  void evictOldest(Map& m, auto lastOf) {
    auto oldest = m.begin();
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (lastOf(it->second) < lastOf(oldest->second)) oldest = it;
    }
    if (oldest != m.end()) m.erase(oldest);
  }

  bool allow(const std::array<std::uint8_t, 16>& source, Clock::time_point now) {
    auto it = buckets.find(source);
    if (it == buckets.end()) {
      if (buckets.size() >= options.max_sources) evictOldest(buckets, [](const Bucket& b) { return b.last; });
      it = buckets.emplace(source, Bucket{options.rate_limit_pps, now}).first;
    }
    auto& b = it->second;
    b.tokens = std::min(options.rate_limit_pps, b.tokens + options.rate_limit_pps * elapsedMs(b.last, now) / 1000);
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  bool macOk(std::span<const std::byte> packet, std::size_t payloadOffset, const rf::Common& c) {
    if (options.secret.empty()) return true;
    if ((c.flags & rf::kFlagAuthenticated) == 0) return false;
    auto input = rf::macInput(packet, payloadOffset, c.headerLength);
    const auto at = rf::macOffset(payloadOffset, c.headerLength);
    if (input.empty() || at + rf::kMacSize > packet.size()) return false;
    auto mac = io::hmacSha256(options.secret, input);
    return rf::macEqual(std::span<const std::byte>(mac).first(rf::kMacSize), packet.subspan(at, rf::kMacSize));
  }

  // The socket a reply to a packet received on `onSock` leaves from, given the probe's flags.
  int replySocket(int onSock, bool otherPort, bool otherAddress) const {
    int idx = onSock ^ (otherPort ? kAltPortBit : 0);
    if (otherAddress && altAddress) idx ^= kAltAddressBit;
    return idx;
  }

  void sendFrom(int idx, std::span<const std::byte> bytes, const asio::ip::udp::endpoint& to, int dscp) {
    auto& sock = socks[static_cast<std::size_t>(idx)];
    int& cached = dscps[static_cast<std::size_t>(idx)];
    if (dscp >= 0 && dscp != cached) {
      if (!detail::setSendDscp(sock, dscp)) cached = dscp;
    }
    std::error_code ec;
    sock.send_to(asio::buffer(bytes.data(), bytes.size()), to, 0, ec);
  }

  void answerSip(std::string_view text, const detail::Datagram& d, int onSock) {
    bool malformed = false;
    auto out = detail::sipEchoResponse(text, true, malformed);
    if (malformed) counters.malformed.fetch_add(1, std::memory_order_relaxed);
    if (!out) return;
    counters.sip.fetch_add(1, std::memory_order_relaxed);  // before the send: a peer may read it on receipt
    sendFrom(onSock, std::as_bytes(std::span(out->data(), out->size())), d.from, -1);
  }

  void handle(std::span<std::byte> packet, const detail::Datagram& d, int onSock) {
    std::uint8_t family = 0;
    const auto source = addressBytes(d.from.address(), family);
    if (!allow(source, d.at)) {
      counters.rate.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::string_view text(reinterpret_cast<const char*>(packet.data()), packet.size());
    if (options.answer_sip && proto::sip::probe(text)) {
      answerSip(text, d, onSock);
      return;
    }
    auto parsed = rtp::parseRtp(packet);
    if (!parsed.ok() || !rf::looksLikeReflect(parsed->payload)) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const std::size_t payloadOffset = parsed->headerLength;
    auto probe = rf::parseProbe(parsed->payload);
    if (!probe.ok()) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (!macOk(packet, payloadOffset, probe->common)) {
      counters.auth.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    SessionKey key{source, d.from.port(), probe->common.session};
    auto it = sessions.find(key);
    if (it == sessions.end()) {
      if (sessions.size() >= options.max_sessions) {
        evictOldest(sessions, [](const Session& s) { return s.lastSeen; });
        counters.evicted.fetch_add(1, std::memory_order_relaxed);
      }
      it = sessions.emplace(key, Session{}).first;
      it->second.stats.setClockRate(parsed->header.payloadType, probe->clockRate);
    }
    auto& s = it->second;
    s.lastSeen = d.at;
    const bool isReport = probe->common.type == rf::Type::kReportRequest;
    if (!isReport) {
      s.stats.add(parsed->header, static_cast<double>(d.wallNs) / 1e9);
      const auto seq = probe->common.probeSeq;
      if (!s.any) {
        s.any = true;
        s.ackHighest = seq;
      } else if (seq > s.ackHighest) {
        const auto shift = seq - s.ackHighest;
        s.ackBits = shift >= 64 ? 0 : (s.ackBits << shift);
        if (shift <= 64) s.ackBits |= std::uint64_t{1} << (shift - 1);  // the previous highest
        s.ackHighest = seq;
      } else if (seq < s.ackHighest && s.ackHighest - seq <= 64) {
        s.ackBits |= std::uint64_t{1} << (s.ackHighest - seq - 1);
      }
    }

    rf::Reply r;
    r.common.type = isReport ? rf::Type::kReportReply : rf::Type::kReply;
    r.common.flags = static_cast<std::uint8_t>(probe->common.flags & rf::kFlagAuthenticated);
    if (d.tos >= 0) r.common.flags |= rf::kFlagTosValid;
    r.common.session = probe->common.session;
    r.common.probeSeq = probe->common.probeSeq;
    r.proberTxNs = probe->txNs;
    r.reflectorRxNs = static_cast<std::uint64_t>(d.wallNs);
    r.replySeq = isReport ? s.replies : s.replies++;
    r.tos = static_cast<std::uint8_t>(d.tos < 0 ? 0 : d.tos);
    r.family = family;
    r.port = d.from.port();
    r.address = source;
    r.ackHighest = s.ackHighest;
    r.ackBits = s.ackBits;
    auto toUs = [](double ms) { return static_cast<std::uint32_t>(std::lround(std::min(ms * 1000, 4.0e9))); };
    r.forward.received = static_cast<std::uint32_t>(s.stats.received());
    r.forward.lost = static_cast<std::int32_t>(s.stats.lost());
    r.forward.duplicates = static_cast<std::uint32_t>(s.stats.duplicates());
    r.forward.outOfOrder = static_cast<std::uint32_t>(s.stats.outOfOrder());
    r.forward.jitterUs = toUs(s.stats.jitterMs());
    r.forward.maxJitterUs = toUs(s.stats.maxJitterMs());
    r.forward.meanJitterUs = toUs(s.stats.meanJitterMs());
    r.forward.maxDeltaUs = toUs(s.stats.maxDeltaMs());

    // NAT binding-lifetime callback: accepted within bounds, answered now with the verdict.
    const auto cb = isReport ? std::nullopt : rf::callbackRequest(probe->tlvs);
    // Copied out of the optional: GCC 12 at -O2 cannot see that `cb` is engaged where they are used.
    const rf::CallbackRequest wanted = cb.value_or(rf::CallbackRequest{});
    std::array<std::byte, 2> delayBytes{};
    std::array<std::byte, 1> refusal{};
    bool acceptCallback = false;
    if (cb) {
      delayBytes = {std::byte{static_cast<std::uint8_t>(cb->delaySeconds >> 8)},
                    std::byte{static_cast<std::uint8_t>(cb->delaySeconds & 0xFFU)}};
      if (cb->delaySeconds == 0 || cb->delaySeconds > rf::kMaxCallbackDelaySeconds) {
        refusal[0] = std::byte{static_cast<std::uint8_t>(rf::CallbackRefusal::kBadDelay)};
      } else if (callbacks.size() >= kMaxPendingCallbacks || callbacksFrom(source) >= kMaxCallbacksPerSource) {
        refusal[0] = std::byte{static_cast<std::uint8_t>(rf::CallbackRefusal::kTooMany)};
      } else {
        acceptCallback = true;
      }
      if (acceptCallback) {
        r.tlvs.push_back(rf::Tlv{rf::kTlvCallbackAccepted, delayBytes});
      } else {
        r.tlvs.push_back(rf::Tlv{rf::kTlvCallbackRefused, refusal});
        counters.callbacksRefused.fetch_add(1, std::memory_order_relaxed);
      }
    }

    std::array<std::byte, 17> altBytes{};
    if (altAddress) r.tlvs.push_back(rf::Tlv{rf::kTlvAltAddress, rf::altAddressValue(*altAddress, altBytes)});
    const int from = replySocket(onSock, (probe->common.flags & rf::kFlagReplyFromAltPort) != 0,
                                 (probe->common.flags & rf::kFlagReplyFromAltAddress) != 0);
    auto out = buildReply(r, *parsed, probe->clockRate);
    if (out.empty()) return;
    (isReport ? counters.reports : counters.reflected).fetch_add(1, std::memory_order_relaxed);
    sendFrom(from, out, d.from, probe->returnDscp);

    if (acceptCallback) {
      // The callback leaves from the socket the request came to (the 5-tuple the NAT binding holds),
      // or the other one when asked (filtering tests).
      r.tlvs.clear();
      r.tlvs.push_back(rf::Tlv{rf::kTlvCallback, delayBytes});
      r.replySeq = s.replies++;
      auto& pc = callbacks.emplace_back(socks[0].get_executor());
      pc.source = source;
      pc.to = d.from;
      pc.from = replySocket(onSock, (wanted.flags & rf::kCallbackFromAltPort) != 0, false);
      pc.packet = buildReply(r, *parsed, probe->clockRate);
      pc.timer.expires_after(std::chrono::seconds(wanted.delaySeconds));
      auto pending = std::prev(callbacks.end());
      pc.timer.async_wait([weak = self, it = pending](std::error_code ec) {
        auto st = weak.lock();
        if (!st || st->closed) return;
        if (!ec && !it->packet.empty()) {
          st->counters.callbacksSent.fetch_add(1, std::memory_order_relaxed);
          st->sendFrom(it->from, it->packet, it->to, -1);
        }
        st->callbacks.erase(it);
      });
    }
  }

  // The reply packet: same PT and size as the probe (at least a reply header), its own SSRC and
  // sequence. Empty when it cannot be built.
  std::vector<std::byte> buildReply(rf::Reply& r, const rtp::RtpPacket& parsed, std::uint32_t clockRate) {
    const bool auth = (r.common.flags & rf::kFlagAuthenticated) != 0;
    const std::size_t headerLength = rf::kReplySize + rf::tlvBytes(r.tlvs);
    const std::size_t payloadSize =
        std::max(parsed.payload.size(), headerLength + (auth ? rf::kMacSize : std::size_t{0}));
    std::vector<std::byte> out(rtp::kFixedHeaderSize + payloadSize);
    if (out.size() > 2048) {
      counters.malformed.fetch_add(1, std::memory_order_relaxed);
      return {};
    }
    rtp::RtpHeader h;
    h.payloadType = parsed.header.payloadType;
    h.marker = parsed.header.marker;
    h.ssrc = parsed.header.ssrc ^ kReturnSsrcXor;  // a report request's own SSRC keeps its answer apart too
    h.sequence = static_cast<std::uint16_t>(r.replySeq);
    r.reflectorTxNs = static_cast<std::uint64_t>(detail::wallClockNs());
    // RTP timestamp from our own send clock, so the return stream's jitter is the return path's alone.
    h.timestamp = static_cast<std::uint32_t>(
        static_cast<unsigned __int128>(r.reflectorTxNs) * clockRate / 1000000000U);
    std::vector<std::byte> body(payloadSize);
    auto n = rf::writeReply(body, r);
    if (!n.ok()) return {};
    auto w = rtp::writeRtp(out, h, body);
    if (!w.ok()) return {};
    out.resize(*w);
    if (auth) {
      const auto input =
          rf::macInput(out, rtp::kFixedHeaderSize, static_cast<std::uint16_t>(*n));
      auto mac = io::hmacSha256(options.secret, input);
      std::memcpy(out.data() + rf::macOffset(rtp::kFixedHeaderSize, static_cast<std::uint16_t>(*n)), mac.data(), rf::kMacSize);
    }
    return out;
  }
};

asio::awaitable<void> receiveLoop(std::shared_ptr<State> state, int onSock) {
  auto& sock = state->socks[static_cast<std::size_t>(onSock)];
  std::array<std::byte, 65536> buf{};
  for (;;) {
    std::error_code ec;
    co_await sock.async_wait(asio::ip::udp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !sock.is_open()) co_return;
    for (int i = 0; i < 64; ++i) {  // drain a burst, then yield to the other socket
      detail::Datagram d;
      auto rec = detail::receiveWithTos(sock, buf, d);
      if (rec == asio::error::would_block) break;
      if (rec) continue;  // e.g. ECONNREFUSED from an earlier reply to a closed port
      state->handle(std::span<std::byte>(buf.data(), d.size), d, onSock);
    }
  }
}

class ReflectorImpl final : public Reflector {
 public:
  explicit ReflectorImpl(std::shared_ptr<State> s) : s_(std::move(s)) {}
  ~ReflectorImpl() override {
    std::error_code ec;
    s_->closed = true;
    for (auto& c : s_->callbacks) c.timer.cancel();
    for (auto& sock : s_->socks) sock.close(ec);
  }
  std::uint16_t port() const override { return port_; }
  std::uint16_t altPort() const override { return altPort_; }
  std::string altAddress() const override { return altAddress_; }
  std::uint16_t sipTcpPort() const override { return tcp_ ? tcp_->port() : 0; }
  ReflectorCounters counters() const override {
    const auto& c = s_->counters;
    auto l = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    ReflectorCounters out{l(c.reflected), l(c.reports),  l(c.sip),     l(c.auth),
                          l(c.rate),      l(c.malformed), l(c.evicted), l(c.callbacksSent), l(c.callbacksRefused)};
    if (tcp_) {
      const auto t = tcp_->counters();
      out.sip_answered += t.answered;
      out.sip_tcp_answered = t.answered;
      out.dropped_malformed += t.malformed;
      out.dropped_rate += t.rate;
      out.tcp_refused = t.refused;
      out.tcp_closed_idle = t.idle;
    }
    return out;
  }
  std::uint16_t port_ = 0, altPort_ = 0;
  std::string altAddress_;
  std::unique_ptr<detail::SipTcpServer> tcp_;

 private:
  std::shared_ptr<State> s_;
};

std::error_code openBound(asio::ip::udp::socket& sock, const asio::ip::address& a, std::uint16_t port) {
  std::error_code ec;
  const asio::ip::udp::endpoint ep(a, port);
  sock.open(ep.protocol(), ec);
  if (!ec && a.is_v6()) sock.set_option(asio::ip::v6_only(false), ec);
  if (!ec) sock.bind(ep, ec);
  if (!ec) sock.non_blocking(true, ec);
  if (!ec) ec = detail::enableReceiveTos(sock);
  return ec;
}

}  // namespace

Result<std::unique_ptr<Reflector>> Reflector::start(asio::any_io_executor executor, ReflectorOptions options) {
  std::error_code ec;
  const auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) return makeError("reflect: bad bind address \"" + options.bind_address + "\"");
  if (options.max_sessions == 0 || options.max_sources == 0 || options.rate_limit_pps <= 0) {
    return makeError("reflect: session, source and rate limits must be positive");
  }
  asio::ip::address second;
  if (!options.alt_address.empty()) {
    second = asio::ip::make_address(options.alt_address, ec);
    if (ec) return makeError("reflect: bad second address \"" + options.alt_address + "\"");
    // A wildcard socket would answer probes to either address from whichever the route picks, and would
    // take the second address's packets too: both must be concrete addresses of one family.
    if (address.is_unspecified() || second.is_unspecified() || address.is_v4() != second.is_v4() ||
        address == second) {
      return makeError("reflect: --alt-address needs --bind set to another concrete address of the same family (got " +
                       options.bind_address + " and " + options.alt_address + ")");
    }
  }
  auto state = std::make_shared<State>(executor, options);
  state->self = state;
  auto& mainSock = state->socks[0];
  if (auto e = openBound(mainSock, address, options.port)) {
    return makeError("reflect: cannot bind UDP " + options.bind_address + ":" + std::to_string(options.port) + ": " +
                     e.message());
  }
  const std::uint16_t mainPort = mainSock.local_endpoint(ec).port();
  std::uint16_t alt = options.alt_port;
  if (alt == 0 && options.port != 0) alt = static_cast<std::uint16_t>(mainPort + 1);
  if (auto e = openBound(state->socks[kAltPortBit], address, alt)) {
    return makeError("reflect: cannot bind the second UDP port " + std::to_string(alt) + ": " + e.message());
  }
  auto impl = std::make_unique<ReflectorImpl>(state);
  impl->port_ = mainPort;
  impl->altPort_ = state->socks[kAltPortBit].local_endpoint(ec).port();
  if (!second.is_unspecified()) {
    for (int bit : {0, kAltPortBit}) {
      const auto p = bit == 0 ? impl->port_ : impl->altPort_;
      if (auto e = openBound(state->socks[static_cast<std::size_t>(kAltAddressBit | bit)], second, p)) {
        return makeError("reflect: cannot bind UDP " + options.alt_address + ":" + std::to_string(p) + ": " +
                         e.message());
      }
    }
    rf::AltAddress a;
    a.address = addressBytes(second, a.family);
    state->altAddress = a;
    impl->altAddress_ = second.to_string();
  }
  if (options.answer_sip && options.sip_tcp) {
    detail::SipTcpLimits limits;
    limits.max_connections = options.max_tcp_connections;
    limits.max_per_source = options.max_tcp_per_source;
    limits.max_message = kMaxSipTcpMessageBytes;
    limits.idle = options.tcp_idle_timeout;
    // Each message over TCP spends a token of its source's bucket, like a datagram.
    auto allow = [weak = std::weak_ptr<State>(state)](const asio::ip::address& a) {
      auto st = weak.lock();
      std::uint8_t family = 0;
      return st && !st->closed && st->allow(addressBytes(a, family), Clock::now());
    };
    auto tcp = detail::SipTcpServer::start(executor, address, mainPort, limits, allow);
    if (!tcp && options.port == 0) tcp = detail::SipTcpServer::start(executor, address, 0, limits, allow);
    if (!tcp) return makeError("reflect: SIP over TCP: " + tcp.error().message + " (--no-sip-tcp to go without)");
    impl->tcp_ = std::move(*tcp);
  }
  for (int i = 0; i < 4; ++i) {
    if (state->socks[static_cast<std::size_t>(i)].is_open()) asio::co_spawn(executor, receiveLoop(state, i), asio::detached);
  }
  return std::unique_ptr<Reflector>(std::move(impl));
}

}  // namespace vs::probe
