#include "io/hep_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <zlib.h>

#include "proto/hep/hep.h"
#include "proto/pkt/pcapng_writer.h"

namespace vs::io {
namespace {

// A HEP payload sent compressed (chunk 16, captagent's and heplify's option): zlib or gzip framing, told
// apart by zlib itself. Inflating past 65535 bytes (no SIP message is that large over HEP's UDP) is an
// error rather than an unbounded allocation.
Result<bool> inflatePayload(std::span<const std::byte> in, std::string& out) {
  constexpr std::size_t kMaxPayload = 65535;
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return makeError("compressed payload: zlib could not start");
  out.resize(kMaxPayload + 1);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const std::string why = z.msg != nullptr ? z.msg : "truncated stream";
  const auto n = static_cast<std::size_t>(z.total_out);
  inflateEnd(&z);
  if (n > kMaxPayload) return makeError(fmt::format("compressed payload inflates past {} bytes", kMaxPayload));
  if (rc != Z_STREAM_END) return makeError(fmt::format("compressed payload: {}", why));
  out.resize(n);
  return true;
}

}  // namespace

HepListener::~HepListener() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<HepListener>> HepListener::open(const std::string& spec) {
  std::string_view s = spec;
  if (s.substr(0, 4) != "udp:") return makeError(fmt::format("--hep-listen '{}': expected udp:PORT or udp:ADDR:PORT", spec));
  s.remove_prefix(4);
  std::string addr = "0.0.0.0";
  auto colon = s.rfind(':');
  if (colon != std::string_view::npos) {
    addr = std::string(s.substr(0, colon));
    if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
    s.remove_prefix(colon + 1);
  }
  unsigned port = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  if (ec != std::errc{} || p != s.data() + s.size() || port > 65535) {
    return makeError(fmt::format("--hep-listen '{}': bad port", spec));
  }
  std::unique_ptr<HepListener> l(new HepListener);
  sockaddr_storage ss{};
  socklen_t sl = 0;
  if (auto* a4 = reinterpret_cast<sockaddr_in*>(&ss); inet_pton(AF_INET, addr.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<std::uint16_t>(port));
    sl = sizeof(sockaddr_in);
  } else if (auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss); inet_pton(AF_INET6, addr.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<std::uint16_t>(port));
    sl = sizeof(sockaddr_in6);
  } else {
    return makeError(fmt::format("--hep-listen '{}': '{}' is not an IP address", spec, addr));
  }
  l->fd_ = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (l->fd_ < 0) return makeError(fmt::format("--hep-listen '{}': socket: {}", spec, std::strerror(errno)));
  int rcvbuf = 8 * 1024 * 1024;
  setsockopt(l->fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  if (bind(l->fd_, reinterpret_cast<sockaddr*>(&ss), sl) != 0) {
    return makeError(fmt::format("--hep-listen '{}': bind: {}", spec, std::strerror(errno)));
  }
  sockaddr_storage bound{};
  socklen_t bl = sizeof(bound);
  getsockname(l->fd_, reinterpret_cast<sockaddr*>(&bound), &bl);
  l->port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                              : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  l->buf_.resize(65536);
  return l;
}

Result<bool> HepListener::next(proto::pkt::Record& out, int timeout_ms) {
  pollfd pfd{fd_, POLLIN, 0};
  int r = poll(&pfd, 1, timeout_ms);
  if (r < 0 && errno == EINTR) return false;
  if (r < 0) return makeError(fmt::format("poll: {}", std::strerror(errno)));
  if (r == 0) return false;
  auto n = recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return false;
    return makeError(fmt::format("recv: {}", std::strerror(errno)));
  }
  ++stats_.datagrams;
  auto d = std::span<const std::byte>(reinterpret_cast<const std::byte*>(buf_.data()), static_cast<std::size_t>(n));
  auto m = proto::hep::parse(d);
  if (!m) {
    ++stats_.malformed;
    stats_.last_error = fmt::format("datagram {}: {}", stats_.datagrams, m.error().message);
    return false;
  }
  if (m->proto_type != proto::hep::kProtoSip) {
    ++stats_.not_sip;
    return false;
  }
  auto payload = m->payload;
  if (m->compressed) {
    if (auto z = inflatePayload(payload, inflated_); !z) {
      ++stats_.malformed;
      stats_.last_error = fmt::format("datagram {}: {}", stats_.datagrams, z.error().message);
      return false;
    }
    ++stats_.compressed;
    payload = std::span<const std::byte>(reinterpret_cast<const std::byte*>(inflated_.data()), inflated_.size());
  }
  ++stats_.sip;
  frame_ = proto::pkt::buildUdpFrame(m->src, m->sport, m->dst, m->dport, payload);
  out.link_type = proto::pkt::link::kRaw;
  out.interface_id = 0;
  out.ts_ns = m->tsNs();
  out.orig_len = static_cast<std::uint32_t>(frame_.size());
  out.data = std::span<const std::byte>(reinterpret_cast<const std::byte*>(frame_.data()), frame_.size());
  return true;
}

}  // namespace vs::io
