#include "probe/detail_udp_tos.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace vs::probe::detail {

std::int64_t wallClockNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::error_code enableReceiveTos(asio::ip::udp::socket& sock) {
  const int on = 1;
  const int fd = sock.native_handle();
  (void)::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);  // without it: read the clock ourselves
  if (sock.local_endpoint().address().is_v6()) {
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof on) != 0) {
      return {errno, asio::error::get_system_category()};
    }
    (void)::setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof on);  // v4-mapped peers; harmless if refused
    return {};
  }
  if (::setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof on) != 0) return {errno, asio::error::get_system_category()};
  return {};
}

std::error_code setSendDscp(asio::ip::udp::socket& sock, int dscp) {
  const int tos = dscp << 2;
  const int fd = sock.native_handle();
  std::error_code ec;
  const bool v6 = sock.local_endpoint(ec).address().is_v6();
  if (ec) return ec;
  int rc = v6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos)
              : ::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  if (rc != 0) return {errno, asio::error::get_system_category()};
  if (v6) (void)::setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);  // for v4-mapped destinations
  return {};
}

std::error_code receiveWithTos(asio::ip::udp::socket& sock, std::span<std::byte> buf, Datagram& out) {
  return receiveWithTos(sock.native_handle(), buf, out);
}

std::error_code receiveWithTos(int fd, std::span<std::byte> buf, Datagram& out) {
  sockaddr_storage from{};
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[128];
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  out.at = SteadyClock::now();
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return asio::error::would_block;
    return {errno, asio::error::get_system_category()};
  }
  out.size = static_cast<std::size_t>(n);
  out.tos = -1;
  out.wallNs = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      out.wallNs = static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
      unsigned char t = 0;
      std::memcpy(&t, CMSG_DATA(c), 1);
      out.tos = t;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int t = 0;
      std::memcpy(&t, CMSG_DATA(c), sizeof t);
      out.tos = t & 0xFF;
    }
  }
  if (out.wallNs == 0) out.wallNs = wallClockNs();
  if (from.ss_family == AF_INET6) {
    sockaddr_in6 s6{};
    std::memcpy(&s6, &from, sizeof s6);
    asio::ip::address_v6::bytes_type b{};
    std::memcpy(b.data(), &s6.sin6_addr, 16);
    out.from = {asio::ip::address_v6(b, s6.sin6_scope_id), ntohs(s6.sin6_port)};
  } else {
    sockaddr_in s4{};
    std::memcpy(&s4, &from, sizeof s4);
    out.from = {asio::ip::address_v4(ntohl(s4.sin_addr.s_addr)), ntohs(s4.sin_port)};
  }
  return {};
}

}  // namespace vs::probe::detail
