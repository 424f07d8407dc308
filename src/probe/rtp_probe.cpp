#include "probe/rtp_probe.h"

#include <algorithm>
#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <random>

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
  asio::ip::udp::socket* sock = nullptr;
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
  bool senderDone = false;
  Clock::time_point lingerUntil;
  int lastForwardTos = -1, lastReturnTos = -1;
  std::uint64_t forwardTosMismatch = 0, returnTosMismatch = 0;
  RtpProbeResult* result = nullptr;

  std::vector<std::byte> buildPacket(rf::Type type, std::uint32_t n, std::uint64_t txNs) const {
    rtp::RtpHeader h;
    h.payloadType = pt;
    // Report requests are not part of the stream: their own SSRC keeps them out of every receiver's
    // statistics (ours, the reflector's, a capture tool's).
    h.ssrc = type == rf::Type::kProbe ? ssrc : ssrc ^ 1U;
    h.marker = n == 0 && type == rf::Type::kProbe;
    h.sequence = static_cast<std::uint16_t>(seq0 + n);
    h.timestamp = ts0 + n * (codec.clockRate / 1000U) * static_cast<std::uint32_t>(params.ptime_ms);
    std::vector<std::byte> payload(payloadBytes, std::byte{0xFF});  // 0xFF: PCMU silence
    rf::Probe p;
    p.common.type = type;
    p.common.session = session;
    p.common.probeSeq = n;
    if (!params.secret.empty()) p.common.flags |= rf::kFlagAuthenticated;
    if (params.reply_from_alt_port) p.common.flags |= rf::kFlagReplyFromAltPort;
    p.txNs = txNs;
    p.clockRate = codec.clockRate;
    p.returnDscp = static_cast<std::uint8_t>(params.dscp.value_or(0));
    (void)rf::writeProbe(payload, p);
    auto pkt = rtp::buildRtp(h, payload);
    if (!params.secret.empty()) {
      auto mac = io::hmacSha256(params.secret,
                                rf::macInput(pkt, rtp::kFixedHeaderSize, static_cast<std::uint16_t>(rf::kProbeSize)));
      std::memcpy(pkt.data() + rf::macOffset(rtp::kFixedHeaderSize, rf::kProbeSize), mac.data(), rf::kMacSize);
    }
    return pkt;
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
    if (r->family != 0) {
      asio::ip::address a;
      if (r->family == 4) {
        asio::ip::address_v4::bytes_type b{};
        std::memcpy(b.data(), r->address.data(), 4);
        a = asio::ip::address_v4(b);
      } else {
        asio::ip::address_v6::bytes_type b{};
        std::memcpy(b.data(), r->address.data(), 16);
        a = asio::ip::address_v6(b);
      }
      result->public_address = detail::formatAddress(a, r->port);
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

  asio::awaitable<void> sender() {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    const auto ptime = std::chrono::milliseconds(params.ptime_ms);
    const auto start = Clock::now() + std::chrono::milliseconds(5) + params.start_offset;
    for (std::size_t n = 0; n < count; ++n) {
      const auto planned = start + ptime * static_cast<long>(n);
      timer.expires_at(planned);
      co_await timer.async_wait(kAsTuple);
      const auto now = Clock::now();
      result->schedule_error_us.push_back(std::chrono::duration<double, std::micro>(now - planned).count());
      const auto txNs = static_cast<std::uint64_t>(detail::wallClockNs());
      probes[n].txNs = txNs;
      auto pkt = buildPacket(rf::Type::kProbe, static_cast<std::uint32_t>(n), txNs);
      std::error_code ec;
      sock->send(asio::buffer(pkt), 0, ec);
      if (ec && detail::isRefused(ec)) ++result->icmp_refused;
      ++sent;
    }
    senderDone = true;
    lingerUntil = Clock::now() + params.linger;
  }

  // Receives until the sender is done and the linger time has passed (or, in the report phase, until
  // `until` or the report arrives).
  asio::awaitable<void> receiver(std::optional<Clock::time_point> until = std::nullopt) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    std::array<std::byte, 65536> buf{};
    for (;;) {
      const auto now = Clock::now();
      if (until ? (report.has_value() || now >= *until) : (senderDone && now >= lingerUntil)) co_return;
      timer.expires_at(until ? *until : senderDone ? lingerUntil : now + std::chrono::milliseconds(100));
      auto ev = co_await (sock->async_wait(asio::ip::udp::socket::wait_read, kAsTuple) || timer.async_wait(kAsTuple));
      if (ev.index() == 1) continue;
      for (int i = 0; i < 256; ++i) {
        detail::Datagram d;
        auto ec = detail::receiveWithTos(*sock, buf, d);
        if (ec == asio::error::would_block) break;
        if (ec) {
          if (detail::isRefused(ec)) ++result->icmp_refused;
          continue;
        }
        onDatagram(std::span<const std::byte>(buf.data(), d.size), d);
      }
    }
  }
};

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

asio::awaitable<void> probeOnce(RtpProbeResult& r, io::Resolver& resolver, const RtpProbeParams& params) {
  Run run;
  run.params = params;
  run.result = &r;
  auto codec = q::findCodec(params.codec);
  if (!codec) {
    r.detail = fmt::format("unknown codec '{}'", params.codec);
    co_return;
  }
  run.codec = *codec;
  r.codec = std::string(codec->name);
  r.codec_source = std::string(codec->source);
  r.ptime_ms = params.ptime_ms;
  r.jitter_buffer = params.jitter_buffer.describe();
  run.pt = codec->payloadType >= 0 ? static_cast<std::uint8_t>(codec->payloadType) : kOpusPayloadType;
  const std::size_t minPayload = rf::kProbeSize + (params.secret.empty() ? 0 : rf::kMacSize);
  run.payloadBytes = std::max<std::size_t>(codec->bytesPer20ms * static_cast<std::size_t>(params.ptime_ms) / 20, minPayload);
  r.payload_bytes = run.payloadBytes;
  run.count = static_cast<std::size_t>(params.duration.count() / params.ptime_ms);
  if (run.count == 0) run.count = 1;
  run.probes.resize(run.count);
  run.back.resize(2 * run.count + 64);  // a forward duplicate is reflected twice; the cap bounds memory

  auto answer = co_await resolver.resolve(params.host, params.family);
  if (!answer.ok() || answer->addresses.empty()) {
    r.detail = answer.ok() ? fmt::format("{}: no address", params.host) : answer.error().message;
    co_return;
  }
  const auto address = answer->addresses.front();
  r.remote = detail::formatAddress(address, params.port);
  auto ex = co_await asio::this_coro::executor;
  asio::ip::udp::socket sock(ex);
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
  run.sock = &sock;
  std::random_device rd;
  run.session = rd();
  run.ssrc = rd();
  run.seq0 = static_cast<std::uint16_t>(rd());
  run.ts0 = rd();

  co_await (run.sender() && run.receiver());
  for (int attempt = 0; attempt < kReportAttempts && !run.report; ++attempt) {
    auto pkt = run.buildPacket(rf::Type::kReportRequest, static_cast<std::uint32_t>(run.count), static_cast<std::uint64_t>(detail::wallClockNs()));
    sock.send(asio::buffer(pkt), 0, ec);
    co_await run.receiver(Clock::now() + kReportWait);
  }
  r.reachable = run.report.has_value() || run.lastReply.has_value();
  if (!r.reachable) {
    r.detail = fmt::format("no reply from a reflector at {} ({} probes sent{}{})", r.remote, run.sent,
                           r.icmp_refused > 0 ? fmt::format(", {} ICMP port unreachable", r.icmp_refused) : "",
                           r.bad_replies > 0 ? fmt::format(", {} replies rejected: wrong --secret or not a voipscope "
                                                           "reflector", r.bad_replies)
                                             : "");
    co_return;
  }
  r.ok = true;
  summarise(run, r);
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

asio::awaitable<RtpProbeResult> runRtpProbe(io::Resolver& resolver, RtpProbeParams params) {
  RtpProbeResult r;
  if (params.ptime_ms <= 0 || params.ptime_ms > 200) {
    r.detail = "ptime must be 1..200 ms";
    co_return r;
  }
  try {
    co_await probeOnce(r, resolver, params);
  } catch (const std::exception& e) {
    r.ok = false;
    r.detail = e.what();
  }
  co_return r;
}

}  // namespace vs::probe
