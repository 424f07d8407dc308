#include "probe/icmp_ping.h"

#include <algorithm>
#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <cmath>
#include <exception>
#include <random>

#include <fmt/format.h>

#include "io/raw_socket.h"
#include "probe/detail_net.h"
#include "proto/icmp/icmp.h"

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace icmp = proto::icmp;
using SysClock = std::chrono::system_clock;

struct Probe {
  SysClock::time_point sent;
  std::chrono::steady_clock::time_point deadline;
  bool answered = false;
  bool late = false;
  bool timed_out = false;
};

double msBetween(SysClock::time_point a, SysClock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

PingStatistics computePingStatistics(const std::vector<std::optional<double>>& rtts, int duplicates, int late,
                                     int errors) {
  PingStatistics s;
  s.transmitted = static_cast<int>(rtts.size());
  s.duplicates = duplicates;
  s.late = late;
  s.errors = errors;
  double sum = 0, sum2 = 0;
  std::optional<double> previous;
  for (const auto& r : rtts) {
    if (!r) continue;
    if (s.received == 0) s.min_ms = s.max_ms = *r;
    s.min_ms = std::min(s.min_ms, *r);
    s.max_ms = std::max(s.max_ms, *r);
    sum += *r;
    sum2 += *r * *r;
    ++s.received;
    if (previous) s.jitter_ms += (std::abs(*r - *previous) - s.jitter_ms) / 16.0;
    previous = r;
  }
  if (s.transmitted > 0) s.loss_pct = 100.0 * (s.transmitted - s.received) / s.transmitted;
  if (s.received > 0) {
    s.avg_ms = sum / s.received;
    s.mdev_ms = std::sqrt(std::max(0.0, sum2 / s.received - s.avg_ms * s.avg_ms));
  }
  return s;
}

namespace {

asio::awaitable<void> runPing(IcmpPingResult& r, io::Resolver& resolver, const IcmpPingParams& params,
                              const std::function<void(const PingEvent&)>& on_event, const bool* stop) {
  auto emit = [&](const PingEvent& e) {
    if (on_event) on_event(e);
  };
  auto answer = co_await resolver.resolve(params.host, params.family);
  if (!answer.ok() || answer->addresses.empty()) {
    r.detail = answer.ok() ? fmt::format("{}: no address", params.host) : answer.error().message;
    co_return;
  }
  // kAny: the first address, IPv4 first (as the resolver orders them).
  const auto address = answer->addresses.front();
  r.remote_address = address.to_string();
  const bool v6 = address.is_v6();
  const auto family = v6 ? icmp::Family::kV6 : icmp::Family::kV4;
  auto ex = co_await asio::this_coro::executor;
  auto sock = io::RawSocket::openIcmp(ex, v6);
  if (!sock) {
    r.detail = sock.error().message;
    co_return;
  }
  r.socket_kind = sock->kind() == io::RawKind::kRaw ? "raw" : "datagram";
  if (params.dscp) {
    if (auto d = sock->setDscp(*params.dscp); !d) {
      r.detail = d.error().message;
      co_return;
    }
  }
  if (params.ttl) {
    if (auto t = sock->setTtl(*params.ttl); !t) {
      r.detail = t.error().message;
      co_return;
    }
  }
  std::uint16_t id = 0;
  if (sock->kind() == io::RawKind::kDatagram) {
    // The kernel owns the identifier of a datagram socket: it is the local "port" and replies for
    // other identifiers never reach us.
    if (auto b = sock->bind(v6 ? asio::ip::address(asio::ip::address_v6::any()) : asio::ip::address(asio::ip::address_v4::any()), 0); !b) {
      r.detail = b.error().message;
      co_return;
    }
    id = sock->localPort();
  } else {
    std::random_device rd;
    id = static_cast<std::uint16_t>(rd() & 0xffff);
  }
  r.ok = true;
  r.payload_bytes = params.payload_bytes;
  {
    PingEvent started;
    started.kind = PingEventKind::kStarted;
    started.from = r.remote_address;
    started.detail = r.socket_kind;
    emit(started);
  }

  const auto count = static_cast<std::size_t>(params.count);
  std::vector<Probe> probes(count);
  r.rtt_ms.assign(count, std::nullopt);
  std::vector<std::byte> payload(params.payload_bytes);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i & 0xff);
  std::vector<std::byte> buf(65536 + 60);
  asio::steady_timer timer(ex);
  int duplicates = 0, late = 0, errors = 0;
  std::size_t next = 0, decided = 0;
  const auto start = std::chrono::steady_clock::now();
  auto planned = [&](std::size_t i) { return start + params.interval * static_cast<long>(i); };

  auto handle = [&](std::span<const std::byte> data, const io::RawPacket& pkt) {
    std::optional<int> ttl = pkt.ttl;
    if (sock->deliversIpHeader()) {
      auto ip = icmp::parseIpv4Header(data);
      if (!ip) return;
      ttl = ip->ttl;
      data = data.subspan(ip->header_bytes);
    }
    auto m = icmp::parseMessage(data, family);
    if (!m) return;
    std::uint16_t seq = 0;
    bool error = false;
    if (m->kind == icmp::Kind::kEchoReply) {
      if (m->id != id) return;  // another ping's reply (raw sockets see them all)
      seq = m->seq;
    } else if (m->isError() && m->quoted && m->quoted->has_transport8 &&
               (m->quoted->protocol == icmp::kProtoIcmp || m->quoted->protocol == icmp::kProtoIcmpV6)) {
      if (m->quoted->icmp_id != id) return;
      seq = m->quoted->icmp_seq;
      error = true;
    } else {
      return;
    }
    if (seq == 0 || seq > next) return;  // never sent: not ours
    auto& probe = probes[seq - 1U];
    PingEvent e;
    e.seq = seq;
    e.from = pkt.from.to_string();
    e.ttl = ttl;
    e.bytes = data.size();
    if (error) {
      e.kind = PingEventKind::kError;
      e.detail = m->describe();
      ++errors;
      if (!probe.answered && !probe.late && !probe.timed_out) {
        probe.timed_out = true;  // decided: lost, with a reason
        ++decided;
      }
      emit(e);
      return;
    }
    e.rtt_ms = std::max(0.0, msBetween(probe.sent, pkt.when));
    if (probe.answered) {
      e.kind = PingEventKind::kDuplicate;
      ++duplicates;
    } else if (probe.timed_out || std::chrono::steady_clock::now() > probe.deadline) {
      e.kind = PingEventKind::kLate;
      if (!probe.late) ++late;
      probe.late = true;
      if (!probe.timed_out) {
        probe.timed_out = true;
        ++decided;
      }
    } else {
      e.kind = PingEventKind::kReply;
      probe.answered = true;
      ++decided;
      r.rtt_ms[seq - 1U] = e.rtt_ms;
    }
    emit(e);
  };

  while (!(stop && *stop)) {
    auto now = std::chrono::steady_clock::now();
    while (next < count && planned(next) <= now) {
      const auto seq = static_cast<std::uint16_t>(next + 1);
      auto packet = icmp::buildEchoRequest(family, id, seq, payload);
      probes[next].sent = SysClock::now();
      probes[next].deadline = std::chrono::steady_clock::now() + params.timeout;
      // A failed send (no route, ...) just loses this probe; the reason is shown once.
      if (auto s = sock->sendTo(packet, address); !s) {
        PingEvent e;
        e.kind = PingEventKind::kError;
        e.seq = seq;
        e.detail = s.error().message;
        ++errors;
        emit(e);
      }
      ++next;
    }
    // Timeouts, in send order.
    for (std::size_t i = 0; i < next; ++i) {
      auto& p = probes[i];
      if (!p.answered && !p.timed_out && now > p.deadline) {
        p.timed_out = true;
        ++decided;
        PingEvent e;
        e.kind = PingEventKind::kTimeout;
        e.seq = static_cast<std::uint16_t>(i + 1);
        emit(e);
      }
    }
    if (next == count && decided == count) break;
    auto wake = next < count ? planned(next) : std::chrono::steady_clock::time_point::max();
    for (std::size_t i = 0; i < next; ++i) {
      if (!probes[i].answered && !probes[i].timed_out) wake = std::min(wake, probes[i].deadline);
    }
    if (stop) wake = std::min(wake, now + std::chrono::milliseconds(100));
    timer.expires_at(wake + std::chrono::milliseconds(1));
    auto event = co_await (sock->waitReadable() || timer.async_wait(detail::kAsTuple));
    if (event.index() == 1) continue;
    while (true) {
      std::error_code ec;
      auto pkt = sock->receive(buf, ec);
      if (!pkt) break;  // would block (drained), or an error we cannot act on
      handle(std::span<const std::byte>(buf.data(), pkt->size), *pkt);
    }
  }
  r.rtt_ms.resize(next);  // stopped early: only what was sent counts
  r.stats = computePingStatistics(r.rtt_ms, duplicates, late, errors);
}

}  // namespace

asio::awaitable<IcmpPingResult> icmpPing(io::Resolver& resolver, IcmpPingParams params,
                                         std::function<void(const PingEvent&)> on_event, const bool* stop) {
  IcmpPingResult r;
  r.target = params.host;
  if (params.count <= 0 || params.count > kPingMaxCount) {
    r.detail = fmt::format("count must be from 1 to {}", kPingMaxCount);
    co_return r;
  }
  try {
    co_await runPing(r, resolver, params, on_event, stop);
  } catch (const std::exception& e) {
    r.ok = false;
    r.detail = e.what();
  }
  co_return r;
}

}  // namespace vs::probe
