#include "io/raw_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace vs::io {
namespace {

std::string errnoText(int e) { return std::strerror(e); }

socklen_t fillSockaddr(const asio::ip::address& a, std::uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    auto b = a.to_v4().to_bytes();
    std::memcpy(&sin.sin_addr, b.data(), b.size());
    std::memcpy(&ss, &sin, sizeof sin);
    return sizeof sin;
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  auto b = a.to_v6().to_bytes();
  std::memcpy(&sin6.sin6_addr, b.data(), b.size());
  sin6.sin6_scope_id = static_cast<std::uint32_t>(a.to_v6().scope_id());
  std::memcpy(&ss, &sin6, sizeof sin6);
  return sizeof sin6;
}

asio::ip::address fromSockaddr(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof sin);
    asio::ip::address_v4::bytes_type b{};
    std::memcpy(b.data(), &sin.sin_addr, b.size());
    return asio::ip::address_v4(b);
  }
  sockaddr_in6 sin6{};
  std::memcpy(&sin6, &ss, sizeof sin6);
  asio::ip::address_v6::bytes_type b{};
  std::memcpy(b.data(), &sin6.sin6_addr, b.size());
  return asio::ip::address_v6(b);
}

template <class T>
VoidResult setOpt(int fd, int level, int name, T value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) {
    return makeError(fmt::format("{}: {}", what, errnoText(errno)));
  }
  return Ok{};
}

}  // namespace

Result<RawSocket> RawSocket::open(asio::any_io_executor ex, bool v6, RawKind kind, int protocol) {
  const int type = kind == RawKind::kRaw ? SOCK_RAW : SOCK_DGRAM;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    const int e = errno;
    return makeError(fmt::format("{} {} socket: {}", kind == RawKind::kRaw ? "raw" : "ICMP datagram",
                                 v6 ? "IPv6" : "IPv4", errnoText(e)));
  }
  asio::posix::stream_descriptor d(ex, fd);  // owns fd from here on
  const int on = 1;
  // Best effort: without them the TTL is unknown and the time is taken on wake-up.
  (void)::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  if (v6) {
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    // A constant flow label (0) rather than one the kernel may derive per packet: IPv6 load balancers
    // hash the flow label, and traceroute probes must all stay on one flow.
    const int off = 0;
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &off, sizeof off);
  }
  else (void)::setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
  return RawSocket(std::move(d), v6, kind);
}

Result<RawSocket> RawSocket::openIcmp(asio::any_io_executor ex, bool v6) {
  const int proto = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  auto raw = open(ex, v6, RawKind::kRaw, proto);
  if (raw) return raw;
  auto dgram = open(ex, v6, RawKind::kDatagram, proto);
  if (dgram) return dgram;
  return makeError(fmt::format(
      "cannot open an ICMP socket ({}; {}): run as root, give the binary CAP_NET_RAW "
      "(setcap cap_net_raw+ep), or allow ICMP datagram sockets for your group (sysctl net.ipv4.ping_group_range)",
      raw.error().message, dgram.error().message));
}

VoidResult RawSocket::setTtl(int ttl) {
  if (v6_) return setOpt(desc_.native_handle(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, "IPV6_UNICAST_HOPS");
  return setOpt(desc_.native_handle(), IPPROTO_IP, IP_TTL, ttl, "IP_TTL");
}

VoidResult RawSocket::setDscp(int dscp) {
  const int tos = dscp << 2;
  if (v6_) return setOpt(desc_.native_handle(), IPPROTO_IPV6, IPV6_TCLASS, tos, "IPV6_TCLASS");
  return setOpt(desc_.native_handle(), IPPROTO_IP, IP_TOS, tos, "IP_TOS");
}

VoidResult RawSocket::bind(const asio::ip::address& address, std::uint16_t port) {
  sockaddr_storage ss;
  auto len = fillSockaddr(address, port, ss);
  if (::bind(desc_.native_handle(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    return makeError(fmt::format("bind {}: {}", address.to_string(), errnoText(errno)));
  }
  return Ok{};
}

VoidResult RawSocket::dropAllInput() {
  std::array<sock_filter, 1> code = {{BPF_STMT(BPF_RET | BPF_K, 0)}};
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  if (::setsockopt(desc_.native_handle(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0) {
    return makeError(fmt::format("SO_ATTACH_FILTER: {}", errnoText(errno)));
  }
  return Ok{};
}

std::uint16_t RawSocket::localPort() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  auto fd = const_cast<asio::posix::stream_descriptor&>(desc_).native_handle();
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof sin);
    return ntohs(sin.sin_port);
  }
  sockaddr_in6 sin6{};
  std::memcpy(&sin6, &ss, sizeof sin6);
  return ntohs(sin6.sin6_port);
}

Result<std::size_t> RawSocket::sendTo(std::span<const std::byte> bytes, const asio::ip::address& to) {
  sockaddr_storage ss;
  auto len = fillSockaddr(to, 0, ss);
  auto n = ::sendto(desc_.native_handle(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&ss), len);
  if (n < 0) return makeError(fmt::format("send to {}: {}", to.to_string(), errnoText(errno)));
  return static_cast<std::size_t>(n);
}

Result<RawPacket> RawSocket::receive(std::span<std::byte> buffer, std::error_code& ec) {
  ec.clear();
  sockaddr_storage from{};
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) std::array<char, 512> control{};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  auto n = ::recvmsg(desc_.native_handle(), &msg, 0);
  if (n < 0) {
    ec = std::error_code(errno, std::system_category());
    return makeError(fmt::format("receive: {}", errnoText(errno)));
  }
  RawPacket p;
  p.size = static_cast<std::size_t>(n);
  p.from = fromSockaddr(from);
  p.when = std::chrono::system_clock::now();
  for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      p.when = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
    } else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
               (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
      int ttl = 0;
      std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      p.ttl = ttl;
    }
  }
  return p;
}

asio::awaitable<std::error_code> RawSocket::waitReadable() {
  auto [ec] = co_await desc_.async_wait(asio::posix::descriptor_base::wait_read,
                                        asio::experimental::as_tuple(asio::use_awaitable));
  co_return ec;
}

void RawSocket::cancel() {
  std::error_code ignored;
  desc_.cancel(ignored);
}

Result<asio::ip::address> sourceAddressFor(const asio::ip::address& to) {
  int fd = ::socket(to.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(fmt::format("UDP socket: {}", errnoText(errno)));
  sockaddr_storage ss;
  auto len = fillSockaddr(to, 9, ss);  // any port: connect() on UDP sends nothing, it only routes
  Result<asio::ip::address> out = makeError("");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    out = makeError(fmt::format("no route to {}: {}", to.to_string(), errnoText(errno)));
  } else {
    sockaddr_storage local{};
    socklen_t ll = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) {
      out = makeError(fmt::format("getsockname: {}", errnoText(errno)));
    } else {
      out = fromSockaddr(local);
    }
  }
  ::close(fd);
  return out;
}

}  // namespace vs::io
