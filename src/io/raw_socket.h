#pragma once
// Sockets for ICMP probes (ping, traceroute): raw IP sockets and the unprivileged ICMP datagram socket
// ("ping socket", net.ipv4.ping_group_range), with the receive-side details Asio does not expose:
// the TTL / hop limit and the kernel receive timestamp of each packet (recvmsg control messages).
// RAII: the descriptor is owned by an asio::posix::stream_descriptor and closed with it.
#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>

#include "core/result.h"

namespace vs::io {

enum class RawKind { kRaw, kDatagram };

struct RawPacket {
  std::size_t size = 0;                 // bytes written into the caller's buffer
  asio::ip::address from;
  std::optional<int> ttl;               // from IP_TTL / IPV6_HOPLIMIT control messages (not for raw IPv4:
                                        // there the IP header in the data carries it)
  std::chrono::system_clock::time_point when;  // kernel receive time (SO_TIMESTAMPNS), else now
};

class RawSocket {
 public:
  // protocol: IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_UDP, IPPROTO_TCP. Errors name the cause in one
  // line ("raw socket: Operation not permitted (needs root or CAP_NET_RAW)").
  static Result<RawSocket> open(asio::any_io_executor ex, bool v6, RawKind kind, int protocol);
  // ICMP echo for ping: a raw socket when permitted, else the ICMP datagram socket, else an error that
  // says how to allow either.
  static Result<RawSocket> openIcmp(asio::any_io_executor ex, bool v6);

  RawSocket(RawSocket&&) noexcept = default;
  RawSocket& operator=(RawSocket&&) noexcept = default;
  ~RawSocket() = default;

  RawKind kind() const { return kind_; }
  bool v6() const { return v6_; }
  // Raw IPv4 sockets deliver the IP header in front of the payload.
  bool deliversIpHeader() const { return kind_ == RawKind::kRaw && !v6_; }

  VoidResult setTtl(int ttl);
  VoidResult setDscp(int dscp);  // IP_TOS / IPV6_TCLASS = dscp << 2
  VoidResult bind(const asio::ip::address& address, std::uint16_t port);
  // A socket that only sends (a raw UDP/TCP sender would otherwise queue every UDP/TCP packet the
  // host receives): attaches a filter that accepts nothing.
  VoidResult dropAllInput();
  // The local port (the ICMP identifier the kernel uses on a datagram socket), 0 when unbound.
  std::uint16_t localPort() const;

  Result<std::size_t> sendTo(std::span<const std::byte> bytes, const asio::ip::address& to);
  // Non-blocking: error code would_block when nothing is queued.
  Result<RawPacket> receive(std::span<std::byte> buffer, std::error_code& ec);
  asio::awaitable<std::error_code> waitReadable();
  void cancel();

 private:
  RawSocket(asio::posix::stream_descriptor d, bool v6, RawKind kind) : desc_(std::move(d)), v6_(v6), kind_(kind) {}
  asio::posix::stream_descriptor desc_;
  bool v6_ = false;
  RawKind kind_ = RawKind::kRaw;
};

// The source address the kernel would use towards `to` (a connected UDP socket's local address).
Result<asio::ip::address> sourceAddressFor(const asio::ip::address& to);

}  // namespace vs::io
