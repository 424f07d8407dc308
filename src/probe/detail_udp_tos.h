#pragma once
// UDP datagrams with their IP TOS / IPv6 traffic class (private to probe/): asio has no ancillary data,
// so receives go through recvmsg on the native handle after asio says the socket is readable.
#include <asio/ip/udp.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

#include "core/time.h"

namespace vs::probe::detail {

struct Datagram {
  std::size_t size = 0;
  asio::ip::udp::endpoint from;
  int tos = -1;  // TOS / traffic class byte, -1 when the kernel gave none
  SteadyClock::time_point at;
  // Packet time: the kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME), so the time a process
  // takes to wake up is not counted as network delay or jitter; the realtime clock read after recvmsg
  // when the kernel gave none.
  std::int64_t wallNs = 0;
};

// CLOCK_REALTIME in ns: the clock packet timestamps are on (the kernel's receive timestamps use it).
// Only differences on one host are used; an NTP step during a run would show as one odd sample.
std::int64_t wallClockNs();

// IP_RECVTOS (and IPV6_RECVTCLASS on IPv6 sockets, whose IPv4-mapped peers still report IP_TOS), and
// SO_TIMESTAMPNS.
std::error_code enableReceiveTos(asio::ip::udp::socket& sock);
// IP_TOS / IPV6_TCLASS = dscp << 2 (ECN bits zero).
std::error_code setSendDscp(asio::ip::udp::socket& sock, int dscp);
// One non-blocking recvmsg. asio::error::would_block when nothing is queued.
std::error_code receiveWithTos(asio::ip::udp::socket& sock, std::span<std::byte> buf, Datagram& out);
// The same on a descriptor asio does not watch (a prober that polls its sockets instead of waking up
// for every datagram).
std::error_code receiveWithTos(int fd, std::span<std::byte> buf, Datagram& out);

}  // namespace vs::probe::detail
