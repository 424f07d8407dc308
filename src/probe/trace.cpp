#include "probe/trace.h"

#include <netinet/in.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <exception>
#include <map>
#include <memory>
#include <random>
#include <unordered_map>

#include <fmt/format.h>

#include "io/raw_socket.h"
#include "probe/detail_net.h"
#include "proto/icmp/icmp.h"

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace icmp = proto::icmp;
using SysClock = std::chrono::system_clock;
using Steady = std::chrono::steady_clock;

// The numbers probes are told apart by: 1..65534 (UDP checksums 0 and 0xffff are not usable).
constexpr std::uint32_t kIdentSpace = 65534;
// How long the end of a run waits for reverse lookups still in flight.
constexpr std::chrono::seconds kNameWait{5};

struct ProbeSlot {
  int ttl = 0;
  SysClock::time_point sent;
  Steady::time_point deadline;
  std::optional<double> rtt;
  std::string from;
  bool reached = false;       // the destination answered this probe
  std::string unreachable;    // a router's "!H"-style verdict
  bool decided = false;
};

icmp::Address toProto(const asio::ip::address& a) {
  icmp::Address out;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
  } else {
    out.family = icmp::Family::kV6;
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), out.bytes.begin());
  }
  return out;
}

// traceroute(8)'s annotations for a destination-unreachable from a router.
std::string unreachableMark(const icmp::Message& m) {
  if (m.family == icmp::Family::kV4) {
    switch (m.code) {
      case 0: return "!N";
      case 1: return "!H";
      case 2: return "!P";
      case 4: return "!F";
      case 9: case 10: case 13: return "!X";
      default: return fmt::format("!<{}>", m.code);
    }
  }
  switch (m.code) {
    case 0: return "!N";
    case 1: return "!X";
    case 3: return "!H";
    default: return fmt::format("!<{}>", m.code);
  }
}

struct NameCache {
  std::map<std::string, std::string> names;
  int pending = 0;
};

class Tracer {
 public:
  Tracer(TraceReport& rep, io::Resolver& resolver, const TraceParams& p, const TraceCallbacks& cb, const bool* stop)
      : rep_(rep), resolver_(resolver), p_(p), cb_(cb), stop_(stop) {}

  asio::awaitable<void> run() {
    auto answer = co_await resolver_.resolve(p_.host, p_.family);
    if (!answer.ok() || answer->addresses.empty()) {
      rep_.detail = answer.ok() ? fmt::format("{}: no address", p_.host) : answer.error().message;
      co_return;
    }
    dst_ = answer->addresses.front();
    rep_.remote_address = dst_.to_string();
    v6_ = dst_.is_v6();
    family_ = v6_ ? icmp::Family::kV6 : icmp::Family::kV4;
    auto ex = co_await asio::this_coro::executor;
    if (!(co_await open(ex))) co_return;
    rep_.ok = true;
    names_ = std::make_shared<NameCache>();
    hops_.resize(static_cast<std::size_t>(p_.max_hops + 1));
    for (int t = 0; t <= p_.max_hops; ++t) hops_[static_cast<std::size_t>(t)].ttl = t;

    asio::steady_timer pause(ex);
    for (int round = 0; round < p_.cycles && !stopped(); ++round) {
      const auto round_start = Steady::now();
      co_await runRound(ex);
      rep_.cycles_done = round + 1;
      if (p_.resolve_names) lookupNames(ex);
      publish();
      if (cb_.on_round) cb_.on_round(rep_);
      if (round + 1 < p_.cycles) {
        pause.expires_at(round_start + p_.interval);
        while (!stopped() && Steady::now() < round_start + p_.interval) {
          pause.expires_at(std::min(round_start + p_.interval, Steady::now() + std::chrono::milliseconds(100)));
          co_await pause.async_wait(detail::kAsTuple);
        }
      }
    }
    if (p_.resolve_names) {
      const auto until = Steady::now() + kNameWait;
      while (names_->pending > 0 && Steady::now() < until && !stopped()) {
        pause.expires_after(std::chrono::milliseconds(20));
        co_await pause.async_wait(detail::kAsTuple);
      }
      publish();
    }
  }

 private:
  bool stopped() const { return stop_ && *stop_; }

  asio::awaitable<bool> open(const asio::any_io_executor& ex) {
    auto fail = [&](std::string why) {
      rep_.detail = std::move(why);
      return false;
    };
    auto src = io::sourceAddressFor(dst_);
    if (!src) co_return fail(src.error().message);
    src_ = *src;
    rep_.flow.src_address = src_.to_string();
    const int icmp_proto = v6_ ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
    auto raw_hint = [](const std::string& m) {
      return fmt::format("trace needs raw sockets: {} (run as root or give the binary CAP_NET_RAW: "
                         "setcap cap_net_raw+ep voipscope)",
                         m);
    };
    auto ic = io::RawSocket::open(ex, v6_, io::RawKind::kRaw, icmp_proto);
    if (!ic) co_return fail(raw_hint(ic.error().message));
    icmp_.emplace(std::move(*ic));
    std::random_device rd;
    if (p_.mode == TraceMode::kIcmp) {
      if (auto b = icmp_->bind(src_, 0); !b) co_return fail(b.error().message);
      rep_.flow.icmp_id = static_cast<std::uint16_t>(rd() & 0xffff);
      // The checksum every probe will carry (see buildParisEcho): computed once for the record.
      auto sample = icmp::buildParisEcho(family_, rep_.flow.icmp_id, 1, p_.payload_bytes, &srcP(), &dstP());
      rep_.flow.icmp_checksum = static_cast<std::uint16_t>((std::to_integer<unsigned>(sample[2]) << 8) |
                                                           std::to_integer<unsigned>(sample[3]));
      if (p_.dscp) (void)icmp_->setDscp(*p_.dscp);
      co_return true;
    }
    const bool udp = p_.mode == TraceMode::kUdp;
    rep_.flow.dst_port = p_.port != 0 ? p_.port : (udp ? kTraceDefaultUdpPort : kTraceDefaultTcpPort);
    // Reserve the source port with an ordinary socket, so nothing else on the host uses it meanwhile.
    std::error_code ec;
    if (udp) {
      udp_reserve_.emplace(ex);
      udp_reserve_->open(v6_ ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
      if (!ec) udp_reserve_->bind({src_, p_.src_port}, ec);
      if (!ec) rep_.flow.src_port = udp_reserve_->local_endpoint(ec).port();
    } else {
      tcp_reserve_.emplace(ex);
      tcp_reserve_->open(v6_ ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), ec);
      if (!ec) tcp_reserve_->bind({src_, p_.src_port}, ec);
      if (!ec) rep_.flow.src_port = tcp_reserve_->local_endpoint(ec).port();
    }
    if (ec) co_return fail(fmt::format("source port {}: {}", p_.src_port, ec.message()));
    auto s = io::RawSocket::open(ex, v6_, io::RawKind::kRaw, udp ? static_cast<int>(IPPROTO_UDP) : static_cast<int>(IPPROTO_TCP));
    if (!s) co_return fail(raw_hint(s.error().message));
    sender_.emplace(std::move(*s));
    if (auto b = sender_->bind(src_, 0); !b) co_return fail(b.error().message);
    // UDP: a send-only socket. TCP: it also receives the destination's SYN-ACK or RST.
    if (udp) (void)sender_->dropAllInput();
    if (p_.dscp) (void)sender_->setDscp(*p_.dscp);
    tcp_base_ = rd();
    co_return true;
  }

  const icmp::Address& srcP() {
    if (!src_proto_) src_proto_ = toProto(src_);
    return *src_proto_;
  }
  const icmp::Address& dstP() {
    if (!dst_proto_) dst_proto_ = toProto(dst_);
    return *dst_proto_;
  }

  std::uint32_t identOf(std::uint64_t k) const { return static_cast<std::uint32_t>(k % kIdentSpace) + 1; }

  asio::awaitable<void> runRound(const asio::any_io_executor& ex) {
    const int last_ttl = dest_ttl_.value_or(p_.max_hops);
    slots_.clear();
    by_ident_.clear();
    for (int ttl = p_.first_ttl; ttl <= last_ttl; ++ttl) {
      auto& sock = p_.mode == TraceMode::kIcmp ? *icmp_ : *sender_;
      (void)sock.setTtl(ttl);
      for (int j = 0; j < p_.probes_per_hop; ++j) {
        const auto ident = identOf(next_probe_++);
        std::vector<std::byte> pkt;
        switch (p_.mode) {
          case TraceMode::kUdp:
            pkt = icmp::buildParisUdp(srcP(), dstP(), rep_.flow.src_port, rep_.flow.dst_port,
                                      static_cast<std::uint16_t>(ident), p_.payload_bytes);
            break;
          case TraceMode::kTcp:
            pkt = icmp::buildTcpSyn(srcP(), dstP(), rep_.flow.src_port, rep_.flow.dst_port, tcp_base_ + ident);
            break;
          case TraceMode::kIcmp:
            pkt = icmp::buildParisEcho(family_, rep_.flow.icmp_id, static_cast<std::uint16_t>(ident), p_.payload_bytes,
                                       &srcP(), &dstP());
            break;
        }
        ProbeSlot slot;
        slot.ttl = ttl;
        slot.sent = SysClock::now();
        slot.deadline = Steady::now() + p_.timeout;
        by_ident_[ident] = slots_.size();
        slots_.push_back(slot);
        if (!sock.sendTo(pkt, dst_)) slots_.back().decided = true;  // not sent: lost
      }
    }
    asio::steady_timer timer(ex);
    std::vector<std::byte> buf(65536);
    while (!stopped()) {
      const auto now = Steady::now();
      bool open_left = false;
      auto wake = Steady::time_point::max();
      const int limit = dest_ttl_.value_or(p_.max_hops);
      for (auto& s : slots_) {
        if (s.decided) continue;
        if (now > s.deadline) {
          s.decided = true;
          continue;
        }
        if (s.ttl > limit) continue;  // beyond the destination: nobody waits for those
        open_left = true;
        wake = std::min(wake, s.deadline);
      }
      if (!open_left) break;
      timer.expires_at(std::min(wake, now + std::chrono::milliseconds(100)) + std::chrono::milliseconds(1));
      if (p_.mode == TraceMode::kTcp) {
        auto ev = co_await (icmp_->waitReadable() || sender_->waitReadable() || timer.async_wait(detail::kAsTuple));
        (void)ev;
      } else {
        auto ev = co_await (icmp_->waitReadable() || timer.async_wait(detail::kAsTuple));
        (void)ev;
      }
      drainIcmp(buf);
      if (p_.mode == TraceMode::kTcp) drainTcp(buf);
    }
    account();
  }

  void answer(std::uint32_t ident, const asio::ip::address& from, SysClock::time_point when, bool reached,
              std::string unreachable) {
    auto it = by_ident_.find(ident);
    if (it == by_ident_.end()) return;  // a previous round's late answer, or not ours
    auto& s = slots_[it->second];
    if (s.rtt) return;  // duplicate
    if (Steady::now() > s.deadline + std::chrono::milliseconds(5)) return;  // late: the probe stays lost
    s.rtt = std::max(0.0, std::chrono::duration<double, std::milli>(when - s.sent).count());
    s.from = from.to_string();
    s.reached = reached;
    s.unreachable = std::move(unreachable);
    s.decided = true;
    if (reached && (!dest_ttl_ || s.ttl < *dest_ttl_)) dest_ttl_ = s.ttl;
    if (!s.unreachable.empty() && (!dest_ttl_ || s.ttl < *dest_ttl_)) dest_ttl_ = s.ttl;  // the path ends here
  }

  void drainIcmp(std::vector<std::byte>& buf) {
    while (true) {
      std::error_code ec;
      auto pkt = icmp_->receive(buf, ec);
      if (!pkt) return;
      std::span<const std::byte> data(buf.data(), pkt->size);
      if (icmp_->deliversIpHeader()) {
        auto ip = icmp::parseIpv4Header(data);
        if (!ip) continue;
        data = data.subspan(ip->header_bytes);
      }
      auto m = icmp::parseMessage(data, family_);
      if (!m) continue;
      const bool from_dst = pkt->from == dst_;
      if (m->kind == icmp::Kind::kEchoReply) {
        if (p_.mode == TraceMode::kIcmp && from_dst && m->id == rep_.flow.icmp_id) {
          answer(m->seq, pkt->from, pkt->when, true, "");
        }
        continue;
      }
      if (!m->isError() || !m->quoted || !m->quoted->has_transport8) continue;
      const auto& q = *m->quoted;
      if (!(q.dst == dstP())) continue;
      std::optional<std::uint32_t> ident;
      switch (p_.mode) {
        case TraceMode::kUdp:
          if (q.protocol == icmp::kProtoUdp && q.src_port == rep_.flow.src_port && q.dst_port == rep_.flow.dst_port) {
            ident = q.udp_checksum;
          }
          break;
        case TraceMode::kTcp:
          if (q.protocol == icmp::kProtoTcp && q.src_port == rep_.flow.src_port && q.dst_port == rep_.flow.dst_port) {
            ident = q.tcp_seq - tcp_base_;
          }
          break;
        case TraceMode::kIcmp:
          if ((q.protocol == icmp::kProtoIcmp || q.protocol == icmp::kProtoIcmpV6) && q.icmp_id == rep_.flow.icmp_id) {
            ident = q.icmp_seq;
          }
          break;
      }
      if (!ident) continue;
      if (m->kind == icmp::Kind::kTimeExceeded) {
        answer(*ident, pkt->from, pkt->when, false, "");
      } else if (m->kind == icmp::Kind::kDestUnreachable) {
        if (from_dst && m->isPortUnreachable()) answer(*ident, pkt->from, pkt->when, true, "");
        else answer(*ident, pkt->from, pkt->when, from_dst, unreachableMark(*m));
      }
    }
  }

  void drainTcp(std::vector<std::byte>& buf) {
    while (true) {
      std::error_code ec;
      auto pkt = sender_->receive(buf, ec);
      if (!pkt) return;
      std::span<const std::byte> data(buf.data(), pkt->size);
      if (sender_->deliversIpHeader()) {
        auto ip = icmp::parseIpv4Header(data);
        if (!ip || ip->protocol != icmp::kProtoTcp) continue;
        data = data.subspan(ip->header_bytes);
      }
      if (pkt->from != dst_) continue;
      auto h = icmp::parseTcpHeader(data);
      if (!h || h->src_port != rep_.flow.dst_port || h->dst_port != rep_.flow.src_port) continue;
      // SYN-ACK (open) or RST (closed): either way the destination answered; both acknowledge seq + 1.
      if (!(h->syn() && h->ack_flag()) && !h->rst()) continue;
      answer(h->ack - 1 - tcp_base_, pkt->from, pkt->when, true, "");
    }
  }

  // The round's outcomes into the per-hop statistics (probes beyond the destination are not counted).
  void account() {
    const int limit = dest_ttl_.value_or(p_.max_hops);
    for (const auto& s : slots_) {
      if (s.ttl > limit) continue;
      auto& h = hops_[static_cast<std::size_t>(s.ttl)];
      h.add(s.rtt);
      if (!s.from.empty() && std::find(h.addresses.begin(), h.addresses.end(), s.from) == h.addresses.end()) {
        h.addresses.push_back(s.from);
      }
      if (s.reached) h.destination = true;
      if (!s.unreachable.empty()) h.unreachable = s.unreachable;
    }
  }

  void lookupNames(const asio::any_io_executor& ex) {
    for (const auto& h : hops_) {
      for (const auto& a : h.addresses) {
        if (names_->names.count(a) != 0) continue;
        names_->names[a] = "";
        std::error_code ec;
        auto addr = asio::ip::make_address(a, ec);
        if (ec) continue;
        ++names_->pending;
        asio::co_spawn(
            ex,
            [](io::Resolver& r, std::shared_ptr<NameCache> cache, asio::ip::address ad,
               std::string key) -> asio::awaitable<void> {
              auto name = co_await r.reverse(ad);
              if (name) cache->names[key] = *name;
              --cache->pending;
            }(resolver_, names_, addr, a),
            asio::detached);
      }
    }
  }

  void publish() {
    const int limit = dest_ttl_.value_or(p_.max_hops);
    rep_.reached = false;
    rep_.hops.clear();
    int last_answering = 0;
    for (int t = p_.first_ttl; t <= limit; ++t) {
      if (hops_[static_cast<std::size_t>(t)].received > 0) last_answering = t;
    }
    const int shown = dest_ttl_ ? limit : last_answering;
    for (int t = p_.first_ttl; t <= shown; ++t) {
      auto h = hops_[static_cast<std::size_t>(t)];
      h.names.clear();
      for (const auto& a : h.addresses) {
        auto it = names_->names.find(a);
        h.names.push_back(it == names_->names.end() ? std::string() : it->second);
      }
      if (h.destination) rep_.reached = true;
      rep_.hops.push_back(std::move(h));
    }
  }

  TraceReport& rep_;
  io::Resolver& resolver_;
  const TraceParams& p_;
  const TraceCallbacks& cb_;
  const bool* stop_;
  asio::ip::address dst_, src_;
  std::optional<icmp::Address> src_proto_, dst_proto_;
  bool v6_ = false;
  icmp::Family family_ = icmp::Family::kV4;
  std::optional<io::RawSocket> icmp_, sender_;
  std::optional<asio::ip::udp::socket> udp_reserve_;
  std::optional<asio::ip::tcp::socket> tcp_reserve_;
  std::uint32_t tcp_base_ = 0;
  std::uint64_t next_probe_ = 0;
  std::optional<int> dest_ttl_;
  std::vector<ProbeSlot> slots_;
  std::unordered_map<std::uint32_t, std::size_t> by_ident_;
  std::vector<HopStats> hops_;  // indexed by TTL
  std::shared_ptr<NameCache> names_;
};

}  // namespace

std::string traceModeName(TraceMode m) {
  switch (m) {
    case TraceMode::kUdp: return "udp";
    case TraceMode::kTcp: return "tcp";
    case TraceMode::kIcmp: return "icmp";
  }
  return "?";
}

asio::awaitable<TraceReport> runTrace(io::Resolver& resolver, TraceParams params, TraceCallbacks callbacks,
                                      const bool* stop) {
  TraceReport rep;
  rep.target = params.host;
  rep.mode = params.mode;
  if (params.max_hops < 1 || params.max_hops > kTraceMaxHops || params.first_ttl < 1 ||
      params.first_ttl > params.max_hops) {
    rep.detail = fmt::format("hops must satisfy 1 <= first <= max <= {}", kTraceMaxHops);
    co_return rep;
  }
  if (params.probes_per_hop < 1 || params.probes_per_hop > kTraceMaxProbesPerHop) {
    rep.detail = fmt::format("probes per hop must be from 1 to {}", kTraceMaxProbesPerHop);
    co_return rep;
  }
  if (params.cycles < 1 || params.cycles > kTraceMaxCycles) {
    rep.detail = fmt::format("cycles must be from 1 to {}", kTraceMaxCycles);
    co_return rep;
  }
  try {
    Tracer t(rep, resolver, params, callbacks, stop);
    co_await t.run();
  } catch (const std::exception& e) {
    rep.ok = false;
    rep.detail = e.what();
  }
  co_return rep;
}

}  // namespace vs::probe
