#include "probe/rtp_probe.h"

#include <algorithm>
#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <random>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "io/hmac.h"
#include "probe/detail_net.h"
#include "probe/detail_udp_tos.h"
#include "probe/reflector.h"
#include "proto/quality/score.h"
#include "proto/reflect/message.h"
#include "proto/rtp/rtp.h"
#include "proto/rtp/stream_stats.h"

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace rtp = proto::rtp;
namespace rf = proto::reflect;
namespace q = proto::quality;
using Clock = SteadyClock;
using detail::kAsTuple;

constexpr std::uint8_t kOpusPayloadType = 111;  // the usual dynamic PT for Opus in SDP offers
constexpr int kReportAttempts = 3;
constexpr auto kReportWait = std::chrono::milliseconds(500);

double nsToMs(double ns) { return ns / 1e6; }

enum class Fate : std::uint8_t { kUnknown, kReceived, kMissing };

struct ProbeRecord {
  std::uint64_t txNs = 0;
  bool replied = false;
  std::uint64_t reflectorRxNs = 0, reflectorTxNs = 0, rxNs = 0;
  Fate fate = Fate::kUnknown;
};

struct ReturnRecord {
  bool received = false;
  std::uint64_t reflectorTxNs = 0, rxNs = 0;
};

struct Run {
  RtpProbeParams params;
  q::CodecImpairment codec;
  RtpProbeResult* result = nullptr;
  std::optional<asio::ip::udp::socket> sock;
  // During the send phase the descriptor is taken out of asio (sock->release()): asio's epoll would wake
  // the thread for every reply, although replies carry kernel receive timestamps and can be read at the
  // next send of the same stream instead. Given back to sock for the linger and report phases.
  int fd = -1;
  asio::ip::udp protocol = asio::ip::udp::v4();
  bool ready = false;  // resolved and the socket is up: takes part in the send phase
  std::uint32_t session = 0, ssrc = 0;
  std::uint16_t seq0 = 0;
  std::uint32_t ts0 = 0;
  std::uint8_t pt = 0;
  std::size_t payloadBytes = 0;
  std::size_t count = 0;
  std::vector<ProbeRecord> probes;
  std::vector<ReturnRecord> back;
  rtp::StreamStats returnStats;
  std::optional<rf::Reply> report;
  std::optional<rf::Reply> lastReply;
  std::uint64_t sent = 0;
  Clock::time_point start;  // planned time of packet 0
  bool stopReceiving = false;
  int lastForwardTos = -1, lastReturnTos = -1;
  std::uint64_t forwardTosMismatch = 0, returnTosMismatch = 0;
  // The source address the reflector last reported, formatted once at the end (not per reply).
  std::uint8_t seenFamily = 0;
  std::uint16_t seenPort = 0;
  std::array<std::uint8_t, 16> seenAddress{};
  // Reused for every packet: no allocation on the send path.
  std::vector<std::byte> payloadBuf, packetBuf;

  Run() = default;
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  ~Run() {
    if (fd >= 0) ::close(fd);
  }

  // Takes the socket out of asio's reactor for the send phase.
  std::error_code detach() {
    std::error_code ec;
    protocol = sock->local_endpoint(ec).protocol();
    if (!ec) fd = sock->release(ec);
    return ec;
  }
  // Hands it back, for event-driven receiving.
  std::error_code reattach() {
    std::error_code ec;
    if (fd < 0) return ec;
    sock->assign(protocol, fd, ec);
    if (!ec) fd = -1;
    return ec;
  }

  // The packet for probe (or report request) n, written into packetBuf.
  std::span<const std::byte> writePacket(rf::Type type, std::uint32_t n, std::uint64_t txNs) {
    rtp::RtpHeader h;
    h.payloadType = pt;
    // Report requests are not part of the stream: their own SSRC keeps them out of every receiver's
    // statistics (ours, the reflector's, a capture tool's).
    h.ssrc = type == rf::Type::kProbe ? ssrc : ssrc ^ 1U;
    h.marker = n == 0 && type == rf::Type::kProbe;
    h.sequence = static_cast<std::uint16_t>(seq0 + n);
    h.timestamp = ts0 + n * (codec.clockRate / 1000U) * static_cast<std::uint32_t>(params.ptime_ms);
    rf::Probe p;
    p.common.type = type;
    p.common.session = session;
    p.common.probeSeq = n;
    if (!params.secret.empty()) p.common.flags |= rf::kFlagAuthenticated;
    if (params.reply_from_alt_port) p.common.flags |= rf::kFlagReplyFromAltPort;
    p.txNs = txNs;
    p.clockRate = codec.clockRate;
    p.returnDscp = static_cast<std::uint8_t>(params.dscp.value_or(0));
    (void)rf::writeProbe(payloadBuf, p);  // the fixed part only; the rest stays 0xFF (PCMU silence)
    auto written = rtp::writeRtp(packetBuf, h, payloadBuf);
    if (!written.ok()) return {};
    std::span<std::byte> pkt(packetBuf.data(), *written);
    if (!params.secret.empty()) {
      auto mac = io::hmacSha256(params.secret,
                                rf::macInput(pkt, rtp::kFixedHeaderSize, static_cast<std::uint16_t>(rf::kProbeSize)));
      std::memcpy(pkt.data() + rf::macOffset(rtp::kFixedHeaderSize, rf::kProbeSize), mac.data(), rf::kMacSize);
    }
    return pkt;
  }

  // Sends probe n now; `planned` is its slot on the schedule.
  void sendProbe(std::size_t n, Clock::time_point planned) {
    const auto now = Clock::now();
    result->schedule_error_us.push_back(std::chrono::duration<double, std::micro>(now - planned).count());
    const auto txNs = static_cast<std::uint64_t>(detail::wallClockNs());
    probes[n].txNs = txNs;
    auto pkt = writePacket(rf::Type::kProbe, static_cast<std::uint32_t>(n), txNs);
    if (::send(fd, pkt.data(), pkt.size(), MSG_DONTWAIT) < 0 && errno == ECONNREFUSED) ++result->icmp_refused;
    ++sent;
  }

  // The replies queued on the detached descriptor (one stream gets about one per ptime).
  void drainDetached(std::span<std::byte> receiveBuf) {
    for (int i = 0; i < 256; ++i) {
      detail::Datagram d;
      auto ec = detail::receiveWithTos(fd, receiveBuf, d);
      if (ec == asio::error::would_block) return;
      if (ec) {
        if (ec.value() == ECONNREFUSED) ++result->icmp_refused;
        continue;
      }
      onDatagram(std::span<const std::byte>(receiveBuf.data(), d.size), d);
    }
  }

  void mergeAcks(const rf::Reply& r) {
    auto mark = [&](std::uint64_t s, bool got) {
      if (s >= probes.size()) return;
      auto& f = probes[s].fate;
      if (got) f = Fate::kReceived;
      else if (f == Fate::kUnknown) f = Fate::kMissing;
    };
    mark(r.ackHighest, true);
    for (std::uint64_t i = 0; i < 64 && i + 1 <= r.ackHighest; ++i) {
      mark(r.ackHighest - 1 - i, ((r.ackBits >> i) & 1U) != 0);
    }
  }

  void onDatagram(std::span<const std::byte> packet, const detail::Datagram& d) {
    auto parsed = rtp::parseRtp(packet);
    if (!parsed.ok() || !rf::looksLikeReflect(parsed->payload)) {
      ++result->bad_replies;
      return;
    }
    auto r = rf::parseReply(parsed->payload);
    if (!r.ok() || r->common.session != session) {
      ++result->bad_replies;
      return;
    }
    r->tlvs.clear();  // views into the receive buffer: not kept past this datagram
    if (!params.secret.empty()) {
      const auto at = rf::macOffset(parsed->headerLength, r->common.headerLength);
      auto input = rf::macInput(packet, parsed->headerLength, r->common.headerLength);
      if ((r->common.flags & rf::kFlagAuthenticated) == 0 || input.empty() || at + rf::kMacSize > packet.size()) {
        ++result->bad_replies;
        return;
      }
      auto mac = io::hmacSha256(params.secret, input);
      if (!rf::macEqual(std::span<const std::byte>(mac).first(rf::kMacSize), packet.subspan(at, rf::kMacSize))) {
        ++result->bad_replies;
        return;
      }
    }
    const auto rxNs = static_cast<std::uint64_t>(d.wallNs);
    mergeAcks(*r);
    if ((r->common.flags & rf::kFlagTosValid) != 0) {
      lastForwardTos = r->tos;
      if ((r->tos >> 2) != params.dscp.value_or(0)) ++forwardTosMismatch;
    }
    if (r->family == 4 || r->family == 6) {
      seenFamily = r->family;
      seenPort = r->port;
      seenAddress = r->address;
    }
    if (r->common.type == rf::Type::kReportReply) {
      report = *r;
      return;
    }
    lastReply = *r;
    if (d.tos >= 0) {
      lastReturnTos = d.tos;
      if ((d.tos >> 2) != params.dscp.value_or(0)) ++returnTosMismatch;
    }
    returnStats.add(parsed->header, static_cast<double>(d.wallNs) / 1e9);
    if (r->replySeq < back.size() && !back[r->replySeq].received) {
      back[r->replySeq] = {true, r->reflectorTxNs, rxNs};
    }
    if (r->common.probeSeq < probes.size()) {
      auto& p = probes[r->common.probeSeq];
      if (!p.replied && p.txNs == r->proberTxNs) {
        p.replied = true;
        p.reflectorRxNs = r->reflectorRxNs;
        p.reflectorTxNs = r->reflectorTxNs;
        p.rxNs = rxNs;
      }
    }
  }

  std::string seenAddressText() const {
    if (seenFamily == 4) {
      asio::ip::address_v4::bytes_type b{};
      std::memcpy(b.data(), seenAddress.data(), 4);
      return detail::formatAddress(asio::ip::address_v4(b), seenPort);
    }
    asio::ip::address_v6::bytes_type b{};
    std::memcpy(b.data(), seenAddress.data(), 16);
    return detail::formatAddress(asio::ip::address_v6(b), seenPort);
  }

  // Everything queued on the socket, handed to onDatagram.
  void drain(std::span<std::byte> buf) {
    for (int i = 0; i < 256; ++i) {
      detail::Datagram d;
      auto ec = detail::receiveWithTos(*sock, buf, d);
      if (ec == asio::error::would_block) return;
      if (ec) {
        if (detail::isRefused(ec)) ++result->icmp_refused;
        continue;
      }
      onDatagram(std::span<const std::byte>(buf.data(), d.size), d);
    }
  }

  // Send phase: a plain readiness wait per wake-up (no timer, no awaitable-operator group, which
  // allocate per wait); the scheduler ends it with stopReceiving + cancel().
  asio::awaitable<void> receiveUntilStopped() {
    std::array<std::byte, 65536> buf{};
    while (!stopReceiving) {
      auto [ec] = co_await sock->async_wait(asio::ip::udp::socket::wait_read, kAsTuple);
      drain(buf);  // also after the stop: what was queued by then still counts
      if (ec == asio::error::operation_aborted) co_return;
    }
  }

  // Report phase: until the final report arrives or `until`.
  asio::awaitable<void> receiveReport(Clock::time_point until) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    std::array<std::byte, 65536> buf{};
    while (!report && Clock::now() < until) {
      timer.expires_at(until);
      auto ev = co_await (sock->async_wait(asio::ip::udp::socket::wait_read, kAsTuple) || timer.async_wait(kAsTuple));
      if (ev.index() == 1) continue;
      drain(buf);
    }
  }
};

// Coroutines started together and awaited together (asio 1.22 has no ranged parallel group).
class TaskGroup {
 public:
  explicit TaskGroup(const asio::any_io_executor& ex) : ex_(ex), allDone_(ex, Clock::time_point::max()) {}
  void spawn(asio::awaitable<void> task) {
    ++pending_;
    asio::co_spawn(ex_, std::move(task), [this](std::exception_ptr) {
      if (--pending_ == 0) allDone_.cancel();
    });
  }
  asio::awaitable<void> wait() {
    while (pending_ > 0) co_await allDone_.async_wait(kAsTuple);
  }

 private:
  asio::any_io_executor ex_;
  asio::steady_timer allDone_;
  std::size_t pending_ = 0;
};

// Sets the thread's timer slack (how late the kernel may fire a timer to batch wake-ups; 50 us by
// default) to 1 ns for the send phase, and puts it back afterwards.
class TimerSlack {
 public:
  TimerSlack() : previous_(::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0)) {
    if (previous_ >= 0) (void)::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  }
  ~TimerSlack() {
    if (previous_ >= 0) (void)::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(previous_), 0, 0, 0);
  }
  TimerSlack(const TimerSlack&) = delete;
  TimerSlack& operator=(const TimerSlack&) = delete;

 private:
  int previous_;
};

// The one scheduler of a run: packet n of a stream is due at its start + n * ptime (a late packet never
// shifts the next). Sleeps on one timer until (next due - margin), then polls the clock up to the due
// time, yielding to the event loop between polls so receives are not held up, and sends every packet
// that is due, of every stream.
asio::awaitable<void> sendSchedule(std::vector<Run*> runs, RtpScheduleOptions schedule) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  const auto margin = std::clamp(schedule.spin_margin, std::chrono::microseconds(0), RtpScheduleOptions::kMaxSpinMargin);
  // Below this the spin does not yield: an event-loop round trip (an epoll_wait) takes a few microseconds.
  constexpr auto kTightSpin = std::chrono::microseconds(10);
  constexpr int kMaxSpinShare = 4;
  struct Due {
    Clock::time_point at;
    std::size_t run;
    std::size_t n;
  };
  auto later = [](const Due& a, const Due& b) { return a.at > b.at; };
  std::vector<Due> heap;
  heap.reserve(runs.size());
  std::vector<std::byte> receiveBuf(65536);
  const auto base = Clock::now() + std::chrono::milliseconds(5);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runs[i]->start = base + runs[i]->params.start_offset;
    if (runs[i]->count > 0) heap.push_back({runs[i]->start, i, 0});
  }
  std::make_heap(heap.begin(), heap.end(), later);
  TimerSlack slack;
  auto idleFrom = Clock::now();  // end of the previous batch of sends
  while (!heap.empty()) {
    const auto next = heap.front().at;
    auto now = Clock::now();
    // The spin may take at most a quarter of each idle gap: with many streams spread over a ptime the
    // gaps are short, and a full margin would turn the scheduler into a busy loop.
    const auto spin = std::clamp<Clock::duration>((next - idleFrom) / kMaxSpinShare, Clock::duration::zero(), margin);
    if (next - now > spin) {
      timer.expires_at(next - spin);
      co_await timer.async_wait(kAsTuple);
      continue;
    }
    while ((now = Clock::now()) < next) {
      if (next - now > kTightSpin) co_await asio::post(ex, asio::use_awaitable);
    }
    while (!heap.empty() && heap.front().at <= Clock::now()) {
      std::pop_heap(heap.begin(), heap.end(), later);
      auto due = heap.back();
      heap.pop_back();
      auto& run = *runs[due.run];
      run.sendProbe(due.n, due.at);
      run.drainDetached(receiveBuf);
      if (due.n + 1 < run.count) {
        const auto ptime = std::chrono::milliseconds(run.params.ptime_ms);
        heap.push_back({run.start + ptime * static_cast<long>(due.n + 1), due.run, due.n + 1});
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
    idleFrom = Clock::now();
  }
}

// Resolves and opens the stream's socket; on failure the result says why and the run stays out.
asio::awaitable<void> setUp(Run& run, io::Resolver& resolver) {
  auto& r = *run.result;
  const auto& params = run.params;
  auto answer = co_await resolver.resolve(params.host, params.family);
  if (!answer.ok() || answer->addresses.empty()) {
    r.detail = answer.ok() ? fmt::format("{}: no address", params.host) : answer.error().message;
    co_return;
  }
  const auto address = answer->addresses.front();
  r.remote = detail::formatAddress(address, params.port);
  auto ex = co_await asio::this_coro::executor;
  run.sock.emplace(ex);
  auto& sock = *run.sock;
  std::error_code ec;
  sock.open(address.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
  if (!ec) sock.connect(asio::ip::udp::endpoint(address, params.port), ec);
  if (!ec) sock.non_blocking(true, ec);
  if (!ec) ec = detail::enableReceiveTos(sock);
  if (!ec && params.dscp) ec = detail::setSendDscp(sock, *params.dscp);
  if (ec) {
    r.detail = fmt::format("UDP socket to {}: {}", r.remote, ec.message());
    co_return;
  }
  // With reply-from-alt-port the answer comes from another port: a connected socket would filter it out.
  if (params.reply_from_alt_port) {
    asio::ip::udp::endpoint local = sock.local_endpoint(ec);
    sock.close(ec);
    sock.open(local.protocol(), ec);
    if (!ec) sock.bind(local, ec);
    if (!ec) sock.non_blocking(true, ec);
    if (!ec) ec = detail::enableReceiveTos(sock);
    if (!ec && params.dscp) ec = detail::setSendDscp(sock, *params.dscp);
    if (!ec) sock.connect(asio::ip::udp::endpoint(address, params.port), ec);
    if (ec) {
      r.detail = fmt::format("UDP socket to {}: {}", r.remote, ec.message());
      co_return;
    }
  }
  run.ready = true;
}

void fillQuality(DirectionReport& dir, const std::vector<double>& transit, double jitterForBuffer, double rttAvg,
                 const RtpProbeParams& params, const q::CodecImpairment& codec) {
  auto playout = q::applyJitterBuffer(params.jitter_buffer, transit, jitterForBuffer);
  dir.late = playout.late;
  dir.buffer_ms = playout.bufferMs;
  auto flags = std::make_unique<bool[]>(playout.lostFlags.size());  // vector<bool> has no span
  std::copy(playout.lostFlags.begin(), playout.lostFlags.end(), flags.get());
  dir.loss = q::analyzeLoss(std::span<const bool>(flags.get(), playout.lostFlags.size()));
  dir.one_way_ms = rttAvg / 2 + params.ptime_ms + playout.bufferMs;
  dir.quality = q::scoreStream(codec, dir.one_way_ms, dir.loss);
  dir.delay_verdict = q::delayVerdictName(q::g114Verdict(dir.one_way_ms));
}

void summarise(Run& run, RtpProbeResult& r) {
  const auto& params = run.params;
  // RTT per answered probe, minus the time the reflector held it.
  double sum = 0;
  for (const auto& p : run.probes) {
    if (!p.replied) continue;
    const double rtt = nsToMs(static_cast<double>(p.rxNs - p.txNs) -
                              (static_cast<double>(p.reflectorTxNs) - static_cast<double>(p.reflectorRxNs)));
    if (r.rtt_samples == 0) r.rtt_min_ms = r.rtt_max_ms = rtt;
    r.rtt_min_ms = std::min(r.rtt_min_ms, rtt);
    r.rtt_max_ms = std::max(r.rtt_max_ms, rtt);
    sum += rtt;
    ++r.rtt_samples;
  }
  if (r.rtt_samples > 0) r.rtt_avg_ms = sum / static_cast<double>(r.rtt_samples);

  // ---- forward
  auto& f = r.forward;
  f.sent = run.sent;
  const rf::Reply* rep = run.report ? &*run.report : run.lastReply ? &*run.lastReply : nullptr;
  f.stats_from_report = run.report.has_value();
  if (rep != nullptr) {
    f.duplicates = rep->forward.duplicates;
    f.out_of_order = rep->forward.outOfOrder;
    f.received = rep->forward.received >= rep->forward.duplicates ? rep->forward.received - rep->forward.duplicates : 0;
    f.jitter_ms = rep->forward.jitterUs / 1000.0;
    f.jitter_max_ms = rep->forward.maxJitterUs / 1000.0;
    f.jitter_mean_ms = rep->forward.meanJitterUs / 1000.0;
    f.max_delta_ms = rep->forward.maxDeltaUs / 1000.0;
  }
  f.lost = static_cast<std::int64_t>(f.sent) - static_cast<std::int64_t>(f.received);
  f.loss_pct = f.sent > 0 ? 100.0 * static_cast<double>(std::max<std::int64_t>(f.lost, 0)) / static_cast<double>(f.sent) : 0;
  f.dscp_sent = params.dscp.value_or(0);
  f.dscp_received = run.lastForwardTos < 0 ? -1 : run.lastForwardTos >> 2;
  f.dscp_mismatches = run.forwardTosMismatch;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> fwdTransit(run.sent, nan);
  double minFwd = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < run.sent; ++i) {
    const auto& p = run.probes[i];
    if (p.replied) {
      fwdTransit[i] = nsToMs(static_cast<double>(p.reflectorRxNs) - static_cast<double>(p.txNs));
      minFwd = std::min(minFwd, fwdTransit[i]);
    }
  }
  // Acknowledged by the reflector but the reply was lost: it arrived, its transit is unknown; count it as
  // on time rather than inventing lateness.
  for (std::size_t i = 0; i < run.sent; ++i) {
    if (!run.probes[i].replied && run.probes[i].fate == Fate::kReceived && std::isfinite(minFwd)) fwdTransit[i] = minFwd;
  }
  fillQuality(f, fwdTransit, f.jitter_mean_ms, r.rtt_avg_ms, params, run.codec);

  // ---- return
  auto& b = r.back;
  std::uint64_t replies = 0;
  if (run.report) {
    replies = run.report->replySeq;
  } else {
    for (std::size_t i = 0; i < run.back.size(); ++i) {
      if (run.back[i].received) replies = i + 1;
    }
  }
  b.sent = std::min<std::uint64_t>(replies, run.back.size());
  std::vector<double> retTransit(b.sent, nan);
  for (std::size_t i = 0; i < b.sent; ++i) {
    if (!run.back[i].received) continue;
    ++b.received;
    retTransit[i] = nsToMs(static_cast<double>(run.back[i].rxNs) - static_cast<double>(run.back[i].reflectorTxNs));
  }
  b.lost = static_cast<std::int64_t>(b.sent) - static_cast<std::int64_t>(b.received);
  b.loss_pct = b.sent > 0 ? 100.0 * static_cast<double>(b.lost) / static_cast<double>(b.sent) : 0;
  b.duplicates = run.returnStats.duplicates();
  b.out_of_order = run.returnStats.outOfOrder();
  b.jitter_ms = run.returnStats.jitterMs();
  b.jitter_max_ms = run.returnStats.maxJitterMs();
  b.jitter_mean_ms = run.returnStats.meanJitterMs();
  b.max_delta_ms = run.returnStats.maxDeltaMs();
  b.dscp_sent = params.dscp.value_or(0);
  b.dscp_received = run.lastReturnTos < 0 ? -1 : run.lastReturnTos >> 2;
  b.dscp_mismatches = run.returnTosMismatch;
  fillQuality(b, retTransit, b.jitter_mean_ms, r.rtt_avg_ms, params, run.codec);
}

// Fills a run from its parameters; false (with the reason in the result) when they cannot work.
bool prepare(Run& run, RtpProbeParams params, RtpProbeResult& r) {
  run.params = std::move(params);
  run.result = &r;
  const auto& p = run.params;
  if (p.ptime_ms <= 0 || p.ptime_ms > 200) {
    r.detail = "ptime must be 1..200 ms";
    return false;
  }
  auto codec = q::findCodec(p.codec);
  if (!codec) {
    r.detail = fmt::format("unknown codec '{}'", p.codec);
    return false;
  }
  run.codec = *codec;
  r.codec = std::string(codec->name);
  r.codec_source = std::string(codec->source);
  r.ptime_ms = p.ptime_ms;
  r.jitter_buffer = p.jitter_buffer.describe();
  run.pt = codec->payloadType >= 0 ? static_cast<std::uint8_t>(codec->payloadType) : kOpusPayloadType;
  const std::size_t minPayload = rf::kProbeSize + (p.secret.empty() ? 0 : rf::kMacSize);
  run.payloadBytes = std::max<std::size_t>(codec->bytesPer20ms * static_cast<std::size_t>(p.ptime_ms) / 20, minPayload);
  r.payload_bytes = run.payloadBytes;
  run.payloadBuf.assign(run.payloadBytes, std::byte{0xFF});
  run.packetBuf.resize(rtp::kFixedHeaderSize + run.payloadBytes);
  run.count = static_cast<std::size_t>(p.duration.count() / p.ptime_ms);
  if (run.count == 0) run.count = 1;
  run.probes.resize(run.count);
  run.back.resize(2 * run.count + 64);  // a forward duplicate is reflected twice; the cap bounds memory
  r.schedule_error_us.reserve(run.count);
  std::random_device rd;
  run.session = rd();
  run.ssrc = rd();
  run.seq0 = static_cast<std::uint16_t>(rd());
  run.ts0 = rd();
  return true;
}

asio::awaitable<void> probeAll(std::vector<RtpProbeResult>& results, io::Resolver& resolver,
                               std::vector<RtpProbeParams> streams, RtpScheduleOptions schedule) {
  std::vector<std::unique_ptr<Run>> runs;
  runs.reserve(streams.size());
  for (std::size_t i = 0; i < streams.size(); ++i) {
    auto run = std::make_unique<Run>();
    if (prepare(*run, std::move(streams[i]), results[i])) runs.push_back(std::move(run));
  }
  auto ex = co_await asio::this_coro::executor;
  {
    TaskGroup group(ex);
    for (auto& run : runs) group.spawn(setUp(*run, resolver));
    co_await group.wait();
  }
  std::erase_if(runs, [](const auto& run) { return !run->ready; });
  if (runs.empty()) co_return;

  // ---- send phase: one scheduler sends and reads every stream (sockets out of asio's reactor), then
  // the linger for late replies with event-driven receivers.
  for (auto& run : runs) {
    if (auto ec = run->detach()) {
      run->result->detail = fmt::format("UDP socket to {}: {}", run->result->remote, ec.message());
      run->ready = false;
    }
  }
  std::erase_if(runs, [](const auto& run) { return !run->ready; });
  if (runs.empty()) co_return;
  std::vector<Run*> active;
  std::chrono::milliseconds linger{0};
  for (auto& run : runs) {
    active.push_back(run.get());
    linger = std::max(linger, run->params.linger);
  }
  bool sendFailed = false;
  try {
    co_await sendSchedule(active, schedule);
  } catch (const std::exception&) {
    sendFailed = true;
  }
  for (auto* run : active) {
    if (auto ec = run->reattach()) {
      run->result->detail = fmt::format("UDP socket to {}: {}", run->result->remote, ec.message());
      run->ready = false;
    }
  }
  std::erase_if(runs, [](const auto& run) { return !run->ready; });
  active.clear();
  for (auto& run : runs) active.push_back(run.get());
  auto stopAfterLinger = [&]() -> asio::awaitable<void> {
    asio::steady_timer t(ex, Clock::now() + linger);
    co_await t.async_wait(kAsTuple);
    for (auto* run : active) {
      run->stopReceiving = true;
      std::error_code ec;
      run->sock->cancel(ec);
    }
  };
  {
    TaskGroup group(ex);
    for (auto* run : active) group.spawn(run->receiveUntilStopped());
    group.spawn(stopAfterLinger());
    co_await group.wait();
  }
  if (sendFailed) {
    for (auto* run : active) run->result->detail = "send phase failed";
  }

  // ---- the final reports, all streams at once.
  for (int attempt = 0; attempt < kReportAttempts; ++attempt) {
    const auto until = Clock::now() + kReportWait;
    bool any = false;
    for (auto& run : runs) {
      if (run->report) continue;
      any = true;
      auto pkt = run->writePacket(rf::Type::kReportRequest, static_cast<std::uint32_t>(run->count),
                                  static_cast<std::uint64_t>(detail::wallClockNs()));
      std::error_code ec;
      run->sock->send(asio::buffer(pkt.data(), pkt.size()), 0, ec);
    }
    if (!any) break;
    TaskGroup group(ex);
    for (auto& run : runs) {
      if (!run->report) group.spawn(run->receiveReport(until));
    }
    co_await group.wait();
  }

  for (auto& run : runs) {
    auto& r = *run->result;
    if (run->seenFamily != 0) r.public_address = run->seenAddressText();
    r.reachable = run->report.has_value() || run->lastReply.has_value();
    if (!r.reachable) {
      r.detail = fmt::format("no reply from a reflector at {} ({} probes sent{}{})", r.remote, run->sent,
                             r.icmp_refused > 0 ? fmt::format(", {} ICMP port unreachable", r.icmp_refused) : "",
                             r.bad_replies > 0 ? fmt::format(", {} replies rejected: wrong --secret or not a voipscope "
                                                             "reflector", r.bad_replies)
                                               : "");
      continue;
    }
    if (sendFailed) continue;
    r.ok = true;
    summarise(*run, r);
  }
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

asio::awaitable<std::vector<RtpProbeResult>> runRtpProbes(io::Resolver& resolver, std::vector<RtpProbeParams> streams,
                                                          RtpScheduleOptions schedule) {
  std::vector<RtpProbeResult> results(streams.size());
  try {
    co_await probeAll(results, resolver, std::move(streams), schedule);
  } catch (const std::exception& e) {
    for (auto& r : results) {
      r.ok = false;
      r.detail = e.what();
    }
  }
  co_return results;
}

asio::awaitable<RtpProbeResult> runRtpProbe(io::Resolver& resolver, RtpProbeParams params, RtpScheduleOptions schedule) {
  std::vector<RtpProbeParams> one;
  one.push_back(std::move(params));
  auto results = co_await runRtpProbes(resolver, std::move(one), schedule);
  co_return std::move(results.front());
}

}  // namespace vs::probe
