#include "probe/nat_probe.h"

#include <algorithm>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/write.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <type_traits>

#include <fmt/format.h>

#include "io/hmac.h"
#include "probe/detail_net.h"
#include "probe/reflector.h"
#include "proto/reflect/message.h"
#include "proto/rtp/rtp.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace rtp = proto::rtp;
namespace rf = proto::reflect;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;
using detail::kAsTuple;

// What we keep of a reflector reply (the parsed Reply views the receive buffer).
struct ReplyInfo {
  std::uint32_t session = 0;
  std::string mapped;
  std::optional<std::uint16_t> accepted;
  bool refused = false;
  bool callback = false;
  std::optional<asio::ip::address> altAddress;  // the reflector's second address (kTlvAltAddress)
  udp::endpoint from;                           // where the reply came from
};

std::string mappedOf(const rf::Reply& r) {
  if (r.family == 6) {
    asio::ip::address_v6::bytes_type b{};
    std::memcpy(b.data(), r.address.data(), 16);
    return detail::formatAddress(asio::ip::address_v6(b), r.port);
  }
  asio::ip::address_v4::bytes_type b{};
  std::memcpy(b.data(), r.address.data(), 4);
  return detail::formatAddress(asio::ip::address_v4(b), r.port);
}

std::vector<std::byte> buildProbe(const std::string& secret, std::uint32_t session, std::uint32_t ssrc,
                                  std::optional<std::uint16_t> callbackAfter, std::uint8_t flags) {
  rf::Probe p;
  p.common.type = rf::Type::kProbe;
  p.common.session = session;
  p.common.flags = flags;
  if (!secret.empty()) p.common.flags |= rf::kFlagAuthenticated;
  std::array<std::byte, 3> cb{};
  if (callbackAfter) {
    cb = {std::byte{static_cast<std::uint8_t>(*callbackAfter >> 8)},
          std::byte{static_cast<std::uint8_t>(*callbackAfter & 0xFFU)}, std::byte{0}};
    p.tlvs.push_back(rf::Tlv{rf::kTlvCallbackRequest, cb});
  }
  const std::size_t header = rf::kProbeSize + rf::tlvBytes(p.tlvs);
  std::vector<std::byte> payload(std::max<std::size_t>(160, header + rf::kMacSize), std::byte{0xFF});
  auto n = rf::writeProbe(payload, p);
  if (!n) return {};
  rtp::RtpHeader h;
  h.payloadType = 0;
  h.ssrc = ssrc;
  auto pkt = rtp::buildRtp(h, payload);
  if (!secret.empty()) {
    auto mac = io::hmacSha256(secret, rf::macInput(pkt, rtp::kFixedHeaderSize, static_cast<std::uint16_t>(*n)));
    std::memcpy(pkt.data() + rf::macOffset(rtp::kFixedHeaderSize, static_cast<std::uint16_t>(*n)), mac.data(),
                rf::kMacSize);
  }
  return pkt;
}

std::optional<ReplyInfo> parseReplyPacket(std::span<const std::byte> packet, const std::string& secret) {
  auto parsed = rtp::parseRtp(packet);
  if (!parsed.ok() || !rf::looksLikeReflect(parsed->payload)) return std::nullopt;
  auto r = rf::parseReply(parsed->payload);
  if (!r.ok()) return std::nullopt;
  if (!secret.empty()) {
    const auto at = rf::macOffset(parsed->headerLength, r->common.headerLength);
    auto input = rf::macInput(packet, parsed->headerLength, r->common.headerLength);
    if ((r->common.flags & rf::kFlagAuthenticated) == 0 || input.empty() || at + rf::kMacSize > packet.size()) {
      return std::nullopt;
    }
    auto mac = io::hmacSha256(secret, input);
    if (!rf::macEqual(std::span<const std::byte>(mac).first(rf::kMacSize), packet.subspan(at, rf::kMacSize))) {
      return std::nullopt;
    }
  }
  ReplyInfo info;
  info.session = r->common.session;
  info.mapped = mappedOf(*r);
  info.accepted = rf::tlvU16(r->tlvs, rf::kTlvCallbackAccepted);
  info.refused = rf::findTlv(r->tlvs, rf::kTlvCallbackRefused).has_value();
  info.callback = rf::findTlv(r->tlvs, rf::kTlvCallback).has_value();
  if (auto alt = rf::altAddress(r->tlvs)) {
    if (alt->family == 6) {
      asio::ip::address_v6::bytes_type b{};
      std::memcpy(b.data(), alt->address.data(), 16);
      info.altAddress = asio::ip::address_v6(b);
    } else {
      asio::ip::address_v4::bytes_type b{};
      std::memcpy(b.data(), alt->address.data(), 4);
      info.altAddress = asio::ip::address_v4(b);
    }
  }
  return info;
}

// Receives datagrams on `sock` until `want` (bytes, or bytes and sender) accepts one or `until` passes.
template <class Want>
asio::awaitable<bool> receiveUntil(udp::socket& sock, Clock::time_point until, Want want) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  std::array<std::byte, 65536> buf{};
  while (Clock::now() < until) {
    timer.expires_at(until);
    auto ev = co_await (sock.async_wait(udp::socket::wait_read, kAsTuple) || timer.async_wait(kAsTuple));
    if (ev.index() == 1) break;
    for (int i = 0; i < 64; ++i) {
      udp::endpoint from;
      std::error_code ec;
      const auto n = sock.receive_from(asio::buffer(buf), from, 0, ec);
      if (ec == asio::error::would_block) break;
      if (ec) continue;
      const std::span<const std::byte> got(buf.data(), n);
      if constexpr (std::is_invocable_v<Want&, std::span<const std::byte>, const udp::endpoint&>) {
        if (want(got, from)) co_return true;
      } else {
        if (want(got)) co_return true;
      }
    }
  }
  co_return false;
}

// Sends a probe to `to` and waits for its reply (same session), up to params.attempts times; a fresh
// session per attempt so a late answer to an earlier one is not taken for this one.
asio::awaitable<std::optional<ReplyInfo>> exchange(udp::socket& sock, udp::endpoint to, const NatProbeParams& params,
                                                   std::optional<std::uint16_t> callbackAfter, std::mt19937& rng,
                                                   std::uint32_t& sessionOut, std::uint8_t flags = 0) {
  for (int attempt = 0; attempt < params.attempts; ++attempt) {
    const auto session = static_cast<std::uint32_t>(rng());
    auto pkt = buildProbe(params.secret, session, static_cast<std::uint32_t>(rng()), callbackAfter, flags);
    std::error_code ec;
    sock.send_to(asio::buffer(pkt), to, 0, ec);
    std::optional<ReplyInfo> got;
    co_await receiveUntil(sock, Clock::now() + params.wait, [&](std::span<const std::byte> b, const udp::endpoint& from) {
      auto info = parseReplyPacket(b, params.secret);
      if (!info || info->session != session || info->callback) return false;
      info->from = from;
      got = std::move(info);
      return true;
    });
    if (got) {
      sessionOut = session;
      co_return got;
    }
  }
  co_return std::nullopt;
}

std::error_code openUnconnected(udp::socket& sock, const asio::ip::address& remote) {
  std::error_code ec;
  sock.open(remote.is_v6() ? udp::v6() : udp::v4(), ec);
  if (!ec) sock.bind(udp::endpoint(remote.is_v6() ? udp::v6() : udp::v4(), 0), ec);
  if (!ec) sock.non_blocking(true, ec);
  return ec;
}

// The local address the kernel picks toward the reflector (a connected socket sends nothing).
asio::ip::address localAddressToward(asio::any_io_executor ex, const udp::endpoint& to) {
  udp::socket s(ex);
  std::error_code ec;
  s.open(to.protocol(), ec);
  if (!ec) s.connect(to, ec);
  auto local = s.local_endpoint(ec);
  return ec ? asio::ip::address{} : local.address();
}

// RFC 4787 section 5 (the tests of RFC 5780 4.4): from a fresh socket that has only sent to (A, port 1),
// ask the reflector to answer from (B, port 2), then from (A, port 2). An answer from the other address
// gets through only endpoint-independent filtering; from the other port only, address-dependent too.
// An answer from the socket we sent to means the reflector ignored the request (older version).
asio::awaitable<void> filteringTest(NatResult& r, udp::endpoint mainEp, std::optional<asio::ip::address> second,
                                    std::uint16_t altPort, const NatProbeParams& params, std::mt19937& rng) {
  auto ex = co_await asio::this_coro::executor;
  udp::socket sock(ex);
  if (auto ec = openUnconnected(sock, mainEp.address())) {
    r.filtering_detail = "socket: " + ec.message();
    co_return;
  }
  std::uint32_t session = 0;
  // A reply from the other address and port, when the reflector has one; nullopt: not asked.
  std::optional<bool> fromOtherAddress;
  if (second) {
    auto reply = co_await exchange(sock, mainEp, params, std::nullopt, rng, session,
                                   rf::kFlagReplyFromAltAddress | rf::kFlagReplyFromAltPort);
    if (reply && reply->from != udp::endpoint(*second, altPort)) {
      r.filtering_detail = fmt::format("the reflector answered from {} instead of {} (older version?)",
                                       detail::formatAddress(reply->from.address(), reply->from.port()),
                                       detail::formatAddress(*second, altPort));
      co_return;
    }
    fromOtherAddress = reply.has_value();
  }
  bool fromOtherPort = true;
  if (!fromOtherAddress.value_or(false)) {
    auto reply = co_await exchange(sock, mainEp, params, std::nullopt, rng, session, rf::kFlagReplyFromAltPort);
    if (reply && reply->from != udp::endpoint(mainEp.address(), altPort)) {
      r.filtering_detail = fmt::format("the reflector answered from {} instead of {}",
                                       detail::formatAddress(reply->from.address(), reply->from.port()),
                                       detail::formatAddress(mainEp.address(), altPort));
      co_return;
    }
    fromOtherPort = reply.has_value();
  }
  r.filtering = classifyFiltering(fromOtherAddress, fromOtherPort);
}

asio::awaitable<void> lifetimeOne(LifetimeProbe& out, udp::endpoint to, NatProbeParams params, std::uint32_t seed,
                                  std::shared_ptr<int> pending) {
  auto ex = co_await asio::this_coro::executor;
  std::mt19937 rng(seed);
  udp::socket sock(ex);
  if (auto ec = openUnconnected(sock, to.address())) {
    out.detail = "socket: " + ec.message();
  } else {
    std::uint32_t session = 0;
    auto reply = co_await exchange(sock, to, params, static_cast<std::uint16_t>(out.idle_s), rng, session);
    if (!reply) {
      out.detail = "no answer to the callback request";
    } else if (reply->refused) {
      out.detail = "the reflector refused the callback (limit reached or delay out of range)";
    } else if (!reply->accepted) {
      out.detail = "the reflector does not support callbacks (older version)";
    } else {
      out.accepted = true;
      // Silence now: anything we sent would refresh the binding under test.
      const auto until = Clock::now() + std::chrono::seconds(out.idle_s) + params.callback_grace;
      out.survived = co_await receiveUntil(sock, until, [&](std::span<const std::byte> b) {
        auto info = parseReplyPacket(b, params.secret);
        return info && info->callback && info->session == session;
      });
    }
  }
  --*pending;
}

std::string randomToken(std::mt19937& rng) { return fmt::format("{:08x}{:08x}", rng(), rng()); }

std::string buildSipRequest(std::string_view method, const std::string& host, std::uint16_t port,
                            const std::string& localIp, std::uint16_t localPort, bool tcp, std::mt19937& rng) {
  const bool v6 = localIp.find(':') != std::string::npos;
  const std::string hostPart = v6 ? "[" + localIp + "]" : localIp;
  const std::string sdp = fmt::format(
      "v=0\r\no=voipscope {0} {0} IN {1} {2}\r\ns=voipscope nat\r\nc=IN {1} {2}\r\nt=0 0\r\n"
      "m=audio {3} RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
      rng() % 100000, v6 ? "IP6" : "IP4", localIp, static_cast<unsigned>((localPort & ~1U) + 2U));
  const std::string target = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return fmt::format(
      "{0} sip:nat-test@{1}:{2}{10} SIP/2.0\r\n"
      "Via: SIP/2.0/{11} {3}:{4};branch=z9hG4bK{5};rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:voipscope@{3}>;tag={6}\r\n"
      "To: <sip:nat-test@{1}>\r\n"
      "Call-ID: {7}@{3}\r\n"
      "CSeq: 1 {0}\r\n"
      "Contact: <sip:voipscope@{3}:{4}{10}>\r\n"
      "User-Agent: voipscope\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: {8}\r\n\r\n{9}",
      method, target, port, hostPart, localPort, randomToken(rng), randomToken(rng), randomToken(rng), sdp.size(),
      sdp, tcp ? ";transport=tcp" : "", tcp ? "TCP" : "UDP");
}

// The ACK of an INVITE's non-2xx final answer (the reflector ignores ACKs; it completes the transaction).
std::string ackFor(std::string request) {
  request.replace(request.find("INVITE"), 6, "ACK");
  if (auto cseq = request.find("CSeq: 1 INVITE"); cseq != std::string::npos) request.replace(cseq, 14, "CSeq: 1 ACK");
  return request;
}

// SIP over TCP to the reflector: one connection, the request, its answer (Content-Length framed), and the
// ACK for an INVITE. Everything within params.wait * params.attempts; the answer at most 256 KiB.
asio::awaitable<void> tcpTransaction(std::string_view method, asio::ip::tcp::endpoint to, const std::string& host,
                                     const NatProbeParams& params, std::mt19937& rng, std::string& request,
                                     std::string& response, std::string& why) {
  using tcp = asio::ip::tcp;
  auto ex = co_await asio::this_coro::executor;
  const auto until = Clock::now() + params.wait * params.attempts;
  tcp::socket sock(ex);
  asio::steady_timer timer(ex);
  timer.expires_at(until);
  auto connected = co_await (sock.async_connect(to, kAsTuple) || timer.async_wait(kAsTuple));
  if (connected.index() == 1) {
    why = fmt::format("TCP connect to {} timed out", detail::formatAddress(to.address(), to.port()));
    co_return;
  }
  if (auto [ec] = std::get<0>(connected); ec) {
    why = fmt::format("TCP connect to {}: {}", detail::formatAddress(to.address(), to.port()), ec.message());
    co_return;
  }
  std::error_code ec;
  const auto local = sock.local_endpoint(ec);
  request = buildSipRequest(method, host, to.port(), local.address().to_string(), local.port(), true, rng);
  auto sent = proto::sip::parseMessage(request);
  auto wrote = co_await (asio::async_write(sock, asio::buffer(request), kAsTuple) || timer.async_wait(kAsTuple));
  if (wrote.index() == 1 || std::get<0>(std::get<0>(wrote))) {
    why = "TCP: could not send the request";
    co_return;
  }
  std::string buf;
  std::array<char, 4096> chunk{};
  for (;;) {
    auto frame = proto::sip::frameStream(buf);
    if (frame.status == proto::sip::StreamFrame::Status::kError) {
      why = "TCP: unframeable answer: " + frame.error.message;
      co_return;
    }
    if (frame.status == proto::sip::StreamFrame::Status::kMessage) {
      std::string message = buf.substr(frame.skip, frame.length);
      buf.erase(0, frame.skip + frame.length);
      auto m = proto::sip::parseMessage(message, false);
      if (m.ok() && !m->isRequest() && sent.ok() && m->callId() == sent->callId()) {
        response = std::move(message);
        break;
      }
      continue;
    }
    buf.erase(0, frame.skip);
    auto got = co_await (sock.async_read_some(asio::buffer(chunk), kAsTuple) || timer.async_wait(kAsTuple));
    if (got.index() == 1) {
      why = "no SIP answer over TCP";
      co_return;
    }
    auto [rec, n] = std::get<0>(got);
    if (rec) {
      why = "TCP: connection closed without an answer (" + rec.message() + ")";
      co_return;
    }
    buf.append(chunk.data(), n);
  }
  if (method == "INVITE") {
    const auto ack = ackFor(request);
    co_await (asio::async_write(sock, asio::buffer(ack), kAsTuple) || timer.async_wait(kAsTuple));
  }
  sock.shutdown(tcp::socket::shutdown_both, ec);
}

asio::awaitable<SipAlgExchange> sipExchange(std::string_view method, const asio::ip::address& address,
                                            std::uint16_t port, const std::string& host, const NatProbeParams& params,
                                            std::mt19937& rng) {
  SipAlgExchange x;
  x.method = std::string(method);
  std::string request, response;
  if (params.sip_tcp) {
    co_await tcpTransaction(method, asio::ip::tcp::endpoint(address, port), host, params, rng, request, response,
                            x.detail);
    if (response.empty()) {
      if (x.detail.empty()) x.detail = "no SIP answer over TCP";
      co_return x;
    }
  } else {
    auto ex = co_await asio::this_coro::executor;
    const udp::endpoint to(address, port);
    udp::socket sock(ex);
    std::error_code ec;
    sock.open(to.protocol(), ec);
    if (!ec) sock.connect(to, ec);
    if (!ec) sock.non_blocking(true, ec);
    if (ec) {
      x.detail = "socket: " + ec.message();
      co_return x;
    }
    const auto local = sock.local_endpoint(ec);
    request = buildSipRequest(method, host, to.port(), local.address().to_string(), local.port(), false, rng);
    auto sent = proto::sip::parseMessage(request);
    if (!sent.ok()) {
      x.detail = "internal: request does not parse";
      co_return x;
    }
    for (int attempt = 0; attempt < params.attempts && response.empty(); ++attempt) {
      sock.send(asio::buffer(request), 0, ec);
      co_await receiveUntil(sock, Clock::now() + params.wait, [&](std::span<const std::byte> b) {
        std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
        auto m = proto::sip::parseMessage(text);
        if (!m.ok() || m->isRequest() || m->callId() != sent->callId()) return false;
        response.assign(text);
        return true;
      });
    }
    if (response.empty()) {
      x.detail = "no SIP answer";
      co_return x;
    }
    // Complete the transaction of the non-2xx final answer (the reflector ignores ACKs).
    if (method == "INVITE") sock.send(asio::buffer(ackFor(request)), 0, ec);
  }
  auto sent = proto::sip::parseMessage(request);
  auto m = proto::sip::parseMessage(response, !params.sip_tcp);
  if (!sent.ok() || !m.ok()) {
    x.detail = "internal: request or answer does not parse";
    co_return x;
  }
  x.answered = true;
  x.status = m->statusLine().code;
  const auto type = m->header("Content-Type");
  if (!type || !proto::sip::iequals(*type, "message/sip")) {
    x.detail = "the answer carries no echo (not a voipscope reflector?)";
    co_return x;
  }
  auto echoed = proto::sip::parseMessage(m->body(), !params.sip_tcp);
  if (!echoed.ok()) {
    x.detail = "the echoed request does not parse: " + echoed.error().message;
    co_return x;
  }
  x.echoed = true;
  x.rewrites = proto::sip::diffForAlg(*sent, *echoed);
  co_return x;
}

asio::awaitable<void> natOnce(NatResult& r, io::Resolver& resolver, NatProbeParams params) {
  auto answer = co_await resolver.resolve(params.host, params.family);
  if (!answer.ok() || answer->addresses.empty()) {
    r.detail = answer.ok() ? fmt::format("{}: no address", params.host) : answer.error().message;
    co_return;
  }
  const auto address = answer->addresses.front();
  const udp::endpoint mainEp(address, params.port);
  r.remote = detail::formatAddress(address, params.port);
  auto ex = co_await asio::this_coro::executor;
  std::random_device rd;
  std::mt19937 rng(rd());

  udp::socket sock(ex);
  if (auto ec = openUnconnected(sock, address)) {
    r.detail = fmt::format("UDP socket to {}: {}", r.remote, ec.message());
    co_return;
  }
  std::error_code ec;
  const auto localIp = localAddressToward(ex, mainEp);
  const auto localPort = sock.local_endpoint(ec).port();
  r.local_address = detail::formatAddress(localIp, localPort);
  std::uint32_t session = 0;
  auto first = co_await exchange(sock, mainEp, params, std::nullopt, rng, session);
  if (!first) {
    r.detail = fmt::format("no answer from a reflector at {} (is `voipscope reflect` running? same secret?)", r.remote);
    co_return;
  }
  r.ok = true;
  r.mapped = first->mapped;
  r.nat = r.mapped != r.local_address;
  const auto colon = r.mapped.rfind(':');
  r.port_preserved = colon != std::string::npos && r.mapped.substr(colon + 1) == std::to_string(localPort);
  r.mapping = "unknown";
  if (first->altAddress) r.alt_address = first->altAddress->to_string();
  if (params.mapping) {
    // A reply carries no hint of the reflector's second port: its default layout unless told.
    const auto altPort = params.alt_port != 0 ? params.alt_port : static_cast<std::uint16_t>(params.port + 1);
    // All from the one socket: (A, port 1) above, (A, port 2), and (B, port 1) when the reflector has B.
    auto second = co_await exchange(sock, udp::endpoint(address, altPort), params, std::nullopt, rng, session);
    if (second) r.mapped_alt = second->mapped;
    if (first->altAddress && first->altAddress->is_v4() == address.is_v4()) {
      auto third = co_await exchange(sock, udp::endpoint(*first->altAddress, params.port), params, std::nullopt, rng,
                                     session);
      if (third) r.mapped_alt_address = third->mapped;
    }
    const auto verdict = classifyMapping(r.mapped, r.mapped_alt, r.mapped_alt_address);
    r.mapping = verdict.mapping;
    r.mapping_address_tested = verdict.address_tested;
    if (params.filtering) {
      co_await filteringTest(r, mainEp,
                             first->altAddress && first->altAddress->is_v4() == address.is_v4()
                                 ? first->altAddress
                                 : std::nullopt,
                             altPort, params, rng);
    }
  }

  if (params.sip) {
    r.sip_tested = true;
    r.sip_transport = params.sip_tcp ? "tcp" : "udp";
    const std::uint16_t sipPort = params.sip_port != 0 ? params.sip_port : params.port;
    for (std::string_view method : {"OPTIONS", "INVITE"}) {
      auto x = co_await sipExchange(method, address, sipPort, params.host, params, rng);
      r.sip_alg = r.sip_alg || !x.rewrites.empty();
      r.sip.push_back(std::move(x));
    }
  }

  if (!params.idle_intervals_s.empty()) {
    r.lifetime.resize(params.idle_intervals_s.size());
    auto pending = std::make_shared<int>(static_cast<int>(r.lifetime.size()));
    for (std::size_t i = 0; i < r.lifetime.size(); ++i) {
      r.lifetime[i].idle_s = params.idle_intervals_s[i];
      asio::co_spawn(ex, lifetimeOne(r.lifetime[i], mainEp, params, static_cast<std::uint32_t>(rng()), pending), asio::detached);
    }
    asio::steady_timer timer(ex);
    const int longest = *std::max_element(params.idle_intervals_s.begin(), params.idle_intervals_s.end());
    const auto deadline = Clock::now() + std::chrono::seconds(longest) + params.callback_grace +
                          params.wait * (params.attempts + 1) + std::chrono::seconds(5);
    while (*pending > 0 && Clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(200));
      co_await timer.async_wait(kAsTuple);
    }
    for (const auto& l : r.lifetime) {
      if (!l.accepted) continue;
      if (l.survived) r.lifetime_survived_s = std::max(r.lifetime_survived_s, l.idle_s);
      else if (r.lifetime_failed_s < 0 || l.idle_s < r.lifetime_failed_s) r.lifetime_failed_s = l.idle_s;
    }
  }
}

}  // namespace

MappingVerdict classifyMapping(const std::string& toA1, const std::string& toA2, const std::string& toB1) {
  MappingVerdict v;
  v.address_tested = !toA1.empty() && !toB1.empty();
  if (toA1.empty() || toA2.empty()) return v;
  // Another port of the same address got another mapping: the port counts (whatever B shows).
  if (toA1 != toA2) {
    v.mapping = "address-and-port-dependent";
  } else if (!v.address_tested) {
    v.mapping = "endpoint-independent";  // as far as one address shows: address-dependent looks the same
  } else {
    v.mapping = toB1 == toA1 ? "endpoint-independent" : "address-dependent";
  }
  return v;
}

std::string classifyFiltering(std::optional<bool> fromOtherAddress, bool fromOtherPort) {
  if (fromOtherAddress.value_or(false)) return "endpoint-independent";
  if (!fromOtherPort) return "address-and-port-dependent";
  return fromOtherAddress ? "address-dependent" : "endpoint-independent or address-dependent";
}

std::vector<int> defaultIdleIntervals(int maxIdle, bool quick) {
  const std::vector<int> all = quick ? std::vector<int>{5, 10, 20, 30} : std::vector<int>{5, 10, 20, 40, 60, 90, 120};
  std::vector<int> out;
  for (int t : all) {
    if (t <= maxIdle) out.push_back(t);
  }
  if (out.empty() && maxIdle > 0) out.push_back(maxIdle);
  return out;
}

asio::awaitable<NatResult> runNatProbe(io::Resolver& resolver, NatProbeParams params) {
  NatResult r;
  co_await natOnce(r, resolver, std::move(params));
  co_return r;
}

}  // namespace vs::probe
