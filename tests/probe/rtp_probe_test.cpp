// rtp probe and the reflector on loopback. Ground truth is the impairment relay's record of what it did
// to every packet (tests/support/impair_relay.h), never voipscope's own output.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <thread>

#include "io/dns.h"
#include "probe/reflector.h"
#include "probe/rtp_probe.h"
#include "proto/quality/emodel.h"
#include "proto/quality/loss_pattern.h"
#include "proto/reflect/message.h"
#include "proto/rtp/rtp.h"
#include "proto/rtp/stream_stats.h"
#include "support/impair_relay.h"
#include "support/run_coroutine.h"

namespace {

using namespace std::chrono_literals;
namespace rf = vs::proto::reflect;
namespace rtp = vs::proto::rtp;
namespace q = vs::proto::quality;
using vs::testing::ImpairRelay;
using vs::testing::Impairment;

// A reflector on its own thread, as it would be on its own machine.
struct ReflectorThread {
  explicit ReflectorThread(vs::probe::ReflectorOptions o = {}) {
    o.bind_address = "127.0.0.1";
    o.port = 0;
    auto r = vs::probe::Reflector::start(ioc.get_executor(), o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (r.ok()) reflector = std::move(*r);
    thread = std::thread([this] { ioc.run(); });
  }
  ~ReflectorThread() {
    work.reset();
    asio::post(ioc, [this] { reflector.reset(); });
    ioc.stop();
    thread.join();
  }
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ioc.get_executor()};
  std::unique_ptr<vs::probe::Reflector> reflector;
  std::thread thread;
};

vs::probe::RtpProbeResult probeOnce(vs::probe::RtpProbeParams p, std::chrono::milliseconds limit = 60s) {
  asio::io_context ioc;
  auto resolver = vs::io::Resolver::create(ioc.get_executor(), {});
  EXPECT_TRUE(resolver.ok());
  vs::probe::RtpProbeResult out;
  vs::testing::runFor(
      ioc, [&]() -> asio::awaitable<void> { out = co_await vs::probe::runRtpProbe(**resolver, p); }(), limit);
  return out;
}

// What a relay record's bytes were: the reflect message inside the RTP payload.
struct Classified {
  bool ok = false;
  rf::Type type{};
  std::uint32_t probeSeq = 0;
  rtp::RtpHeader rtp;
};
Classified classify(const std::vector<std::byte>& head) {
  Classified c;
  auto p = rtp::parseRtp(head);
  if (!p.ok()) return c;
  auto common = rf::parseCommon(p->payload);
  if (!common.ok()) return c;
  c.ok = true;
  c.type = common->type;
  c.probeSeq = common->probeSeq;
  c.rtp = p->header;
  return c;
}

double seconds(std::int64_t wallNs) { return static_cast<double>(wallNs) / 1e9; }

// A delivery by the relay: when (seconds, the clock after the send), how uncertain that is (ms), what.
struct Arrival {
  double t = 0;
  double windowMs = 0;
  rtp::RtpHeader header;
};

}  // namespace

TEST(RtpProbe, CleanLoopbackBothDirections) {
  ReflectorThread refl;
  vs::probe::RtpProbeParams p;
  p.host = "127.0.0.1";
  p.port = refl.reflector->port();
  p.duration = 2s;
  p.dscp = 46;
  auto r = probeOnce(p);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.forward.sent, 100U);
  EXPECT_EQ(r.forward.received, 100U);
  EXPECT_EQ(r.forward.lost, 0);
  EXPECT_EQ(r.back.sent, 100U);
  EXPECT_EQ(r.back.received, 100U);
  EXPECT_EQ(r.forward.duplicates + r.back.duplicates, 0U);
  EXPECT_TRUE(r.forward.stats_from_report);
  EXPECT_EQ(r.payload_bytes, 160U);
  EXPECT_EQ(r.public_address.rfind("127.0.0.1:", 0), 0U) << r.public_address;
  // Loopback keeps the TOS byte: EF both ways, read back by the receiving sockets.
  EXPECT_EQ(r.forward.dscp_received, 46);
  EXPECT_EQ(r.back.dscp_received, 46);
  EXPECT_EQ(r.forward.dscp_mismatches + r.back.dscp_mismatches, 0U);
  EXPECT_EQ(r.schedule_error_us.size(), 100U);
  EXPECT_GT(r.forward.quality.mos, 4.0);
  EXPECT_EQ(refl.reflector->counters().reflected, 100U);
}

// Several streams of one run share one scheduler. Truth: the relay's kernel arrival timestamp of every
// probe. Each stream keeps its own counts, its own phase (start_offset), and its fixed grid: packet n
// arrives about start + n * ptime, so the offset from the grid at the end of the run is the offset at
// the start (a schedule that slept ptime after each send would drift by every wake-up's lateness). A
// stream with a bad codec fails alone.
TEST(RtpProbe, ManyStreamsShareOneSchedulerAndKeepTheirOwnGrid) {
  ReflectorThread refl;
  ImpairRelay relay({asio::ip::make_address("127.0.0.1"), refl.reflector->port()}, Impairment{}, Impairment{}, 4);
  constexpr int kStreams = 4;
  constexpr auto kSpread = 5ms;
  std::vector<vs::probe::RtpProbeParams> streams;
  for (int i = 0; i < kStreams; ++i) {
    vs::probe::RtpProbeParams p;
    p.host = "127.0.0.1";
    p.port = relay.port();
    p.duration = 4s;
    p.linger = 500ms;
    p.start_offset = kSpread * i;
    streams.push_back(p);
  }
  streams.push_back(streams.front());
  streams.back().codec = "nope";
  asio::io_context ioc;
  auto resolver = vs::io::Resolver::create(ioc.get_executor(), {});
  ASSERT_TRUE(resolver.ok());
  std::vector<vs::probe::RtpProbeResult> results;
  vs::testing::runFor(
      ioc, [&]() -> asio::awaitable<void> { results = co_await vs::probe::runRtpProbes(**resolver, streams); }(), 60s);
  relay.stop();
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kStreams + 1));
  EXPECT_FALSE(results.back().ok);
  EXPECT_NE(results.back().detail.find("unknown codec"), std::string::npos) << results.back().detail;

  // Relay truth per stream (SSRC): (probe number, kernel arrival ns).
  std::map<std::uint32_t, std::vector<std::pair<std::uint32_t, std::int64_t>>> arrivals;
  for (const auto& rec : relay.records(ImpairRelay::kForward)) {
    auto c = classify(rec.head);
    if (c.ok && c.type == rf::Type::kProbe) arrivals[c.rtp.ssrc].emplace_back(c.probeSeq, rec.in);
  }
  ASSERT_EQ(arrivals.size(), static_cast<std::size_t>(kStreams));
  for (int i = 0; i < kStreams; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    ASSERT_TRUE(r.ok) << i << ": " << r.detail;
    EXPECT_EQ(r.forward.sent, 200U);
    EXPECT_EQ(r.schedule_error_us.size(), 200U);
    EXPECT_EQ(r.forward.received, 200U);
    EXPECT_EQ(r.forward.lost, 0);
    // No return-direction counts here: the relay answers only its latest client, so replies of the
    // streams cross over (the single-stream tests cover the return path).
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<double> phases;  // each stream's offset from one common grid at its start, ms
  const std::int64_t origin = arrivals.begin()->second.front().second;
  for (const auto& [ssrc, pkts] : arrivals) {
    ASSERT_EQ(pkts.size(), 200U) << ssrc;
    std::vector<double> head, tail;  // offset from the grid, ms, of the first and last 50 packets
    for (const auto& [n, at] : pkts) {
      const double offset = static_cast<double>(at - origin) / 1e6 - 20.0 * n;
      if (n < 50) head.push_back(offset);
      if (n >= 150) tail.push_back(offset);
    }
    EXPECT_NEAR(median(tail), median(head), 3.0) << "stream " << ssrc << " drifted off its grid";
    phases.push_back(median(head));
  }
  std::sort(phases.begin(), phases.end());
  for (std::size_t i = 1; i < phases.size(); ++i) {
    EXPECT_NEAR(phases[i] - phases[i - 1], 5.0, 2.5) << "streams are not spread by their start_offset";
  }
}

TEST(RtpProbe, UnreachableReflectorIsAClearFailure) {
  // A bound socket that never answers stands for a silent firewall; port 1 refused stands for no reflector.
  asio::io_context ioc;
  asio::ip::udp::socket silent(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  vs::probe::RtpProbeParams p;
  p.host = "127.0.0.1";
  p.port = silent.local_endpoint().port();
  p.duration = 200ms;
  p.linger = 200ms;
  auto r = probeOnce(p);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.reachable);
  EXPECT_NE(r.detail.find("no reply from a reflector"), std::string::npos) << r.detail;
}

TEST(RtpProbe, SharedSecretDropsUnauthenticatedProbes) {
  vs::probe::ReflectorOptions o;
  o.secret = "s3cret";
  ReflectorThread refl(o);
  vs::probe::RtpProbeParams p;
  p.host = "127.0.0.1";
  p.port = refl.reflector->port();
  p.duration = 200ms;
  p.linger = 200ms;
  auto none = probeOnce(p);
  EXPECT_FALSE(none.ok);
  p.secret = "wrong";
  auto wrong = probeOnce(p);
  EXPECT_FALSE(wrong.ok);
  const auto dropped = refl.reflector->counters().dropped_auth;
  EXPECT_EQ(dropped, 2U * (10U + 3U));  // 10 probes and 3 report requests per run, none answered
  EXPECT_EQ(refl.reflector->counters().reflected, 0U);
  p.secret = "s3cret";
  auto right = probeOnce(p);
  ASSERT_TRUE(right.ok) << right.detail;
  EXPECT_EQ(right.forward.received, 10U);
  EXPECT_EQ(right.back.received, 10U);
}

TEST(Reflector, AnswersSipOptionsWithTheRequestAsItArrived) {
  ReflectorThread refl;
  asio::io_context ioc;
  asio::ip::udp::socket s(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const std::string req =
      "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-alg-test;rport\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\n"
      "Call-ID: alg-1@10.0.0.1\r\nCSeq: 1 OPTIONS\r\nContact: <sip:a@10.0.0.1:5060>\r\nContent-Length: 0\r\n\r\n";
  s.send_to(asio::buffer(req), {asio::ip::make_address("127.0.0.1"), refl.reflector->port()});
  std::array<char, 8192> buf{};
  s.non_blocking(false);
  struct timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::error_code ec;
  const auto n = s.receive(asio::buffer(buf), 0, ec);
  ASSERT_FALSE(ec) << ec.message();
  std::string resp(buf.data(), n);
  EXPECT_EQ(resp.rfind("SIP/2.0 200 OK\r\n", 0), 0U) << resp;
  EXPECT_NE(resp.find("Content-Type: message/sip"), std::string::npos);
  // The body is the request byte for byte.
  ASSERT_GE(resp.size(), req.size());
  EXPECT_EQ(resp.substr(resp.size() - req.size()), req);
  EXPECT_EQ(refl.reflector->counters().sip_answered, 1U);
}

TEST(Reflector, RateLimitAndSessionTableAreBounded) {
  vs::probe::ReflectorOptions o;
  o.rate_limit_pps = 20;  // bucket holds 20
  o.max_sessions = 2;
  ReflectorThread refl(o);
  asio::io_context ioc;
  asio::ip::udp::socket s(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const asio::ip::udp::endpoint to(asio::ip::make_address("127.0.0.1"), refl.reflector->port());
  // 100 probes in a burst, from 5 sessions.
  for (std::uint32_t i = 0; i < 100; ++i) {
    std::vector<std::byte> payload(160);
    rf::Probe pr;
    pr.common.session = i % 5;
    pr.common.probeSeq = i;
    ASSERT_TRUE(rf::writeProbe(payload, pr).ok());
    rtp::RtpHeader h;
    h.sequence = static_cast<std::uint16_t>(i);
    auto pkt = rtp::buildRtp(h, payload);
    s.send_to(asio::buffer(pkt), to);
  }
  // Wait (bounded) until the reflector has seen all of them.
  for (int i = 0; i < 100; ++i) {
    auto c = refl.reflector->counters();
    if (c.reflected + c.dropped_rate >= 100) break;
    std::this_thread::sleep_for(20ms);
  }
  const auto c = refl.reflector->counters();
  EXPECT_EQ(c.reflected + c.dropped_rate, 100U);
  // 20 tokens to start, plus at most what refills during the burst (well under 20 at 20 pps).
  EXPECT_GE(c.reflected, 20U);
  EXPECT_LT(c.reflected, 40U);
  // Sessions 0..4 arrive round robin into a table of 2: every new one after the second evicts.
  EXPECT_GE(c.sessions_evicted, 3U);
}

TEST(Reflector, AnswersFromTheSecondPortWhenAsked) {
  ReflectorThread refl;
  vs::probe::RtpProbeParams p;
  p.host = "127.0.0.1";
  p.port = refl.reflector->port();
  p.duration = 200ms;
  p.linger = 200ms;
  p.reply_from_alt_port = true;
  // Our socket is connected to the main port, so replies from the other port never reach it: that is the
  // point of the test (a NAT with address-and-port-dependent filtering behaves the same way).
  auto r = probeOnce(p);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(refl.reflector->counters().reflected, 10U);
}

// The measurement-truth test: impairments on both directions, every figure checked against the relay.
TEST(RtpProbeVsRelay, ReportMatchesWhatTheRelayDid) {
  ReflectorThread refl;
  Impairment fwd;
  fwd.base_delay_ms = 5;
  fwd.jitter_ms = 12;
  fwd.loss_pct = 3;
  fwd.duplicate_pct = 2;
  Impairment back;
  back.base_delay_ms = 8;
  back.jitter_ms = 6;
  back.burst = true;  // Gilbert: mean burst 2, about 4 % loss
  back.p = 0.02;
  back.q = 0.5;
  back.duplicate_pct = 1;
  ImpairRelay relay({asio::ip::make_address("127.0.0.1"), refl.reflector->port()}, fwd, back, 20261122);

  vs::probe::RtpProbeParams p;
  p.host = "127.0.0.1";
  p.port = relay.port();
  p.duration = 10s;
  p.jitter_buffer.kind = q::JitterBufferModel::Kind::kFixed;
  p.jitter_buffer.fixedMs = 200;  // larger than any injected delay spread: nothing is late
  auto r = probeOnce(p, 60s);
  relay.stop();
  ASSERT_TRUE(r.ok) << r.detail;
  ASSERT_TRUE(r.forward.stats_from_report);

  // ---- forward truth
  const auto fr = relay.records(ImpairRelay::kForward);
  std::uint64_t fSent = 0, fDropped = 0, fDup = 0;
  std::vector<char> fLost;
  std::vector<double> fHeld;  // per probe, NaN when dropped
  std::map<std::uint32_t, double> fwdDelay;  // probeSeq -> actual relay hold of the first copy
  std::vector<Arrival> fArrivals;
  for (const auto& rec : fr) {
    auto c = classify(rec.head);
    if (!c.ok || c.type != rf::Type::kProbe) continue;
    ++fSent;
    fLost.push_back(rec.dropped ? 1 : 0);
    fHeld.push_back(rec.dropped ? std::nan("") : rec.heldMs());
    if (rec.dropped) {
      ++fDropped;
      continue;
    }
    fDup += rec.duplicated ? 1 : 0;
    fwdDelay[c.probeSeq] = rec.heldMs();
    fArrivals.push_back({seconds(rec.out), rec.sendWindowMs(), c.rtp});
    if (rec.duplicated && rec.dupOut != 0) fArrivals.push_back({seconds(rec.dupOut), rec.dupSendWindowMs(), c.rtp});
  }
  EXPECT_EQ(r.forward.sent, fSent);
  EXPECT_EQ(r.forward.lost, static_cast<std::int64_t>(fDropped));
  EXPECT_EQ(r.forward.duplicates, fDup);
  EXPECT_GT(fDropped, 0U);
  EXPECT_GT(fDup, 0U);

  // ---- return truth
  const auto br = relay.records(ImpairRelay::kReturn);
  std::uint64_t bSent = 0, bDropped = 0, bDup = 0;
  std::vector<char> bLost;
  std::vector<double> bHeld;
  std::map<std::uint32_t, double> backDelay;  // probeSeq -> hold of the first forwarded reply for it
  std::vector<Arrival> bArrivals;
  for (const auto& rec : br) {
    auto c = classify(rec.head);
    if (!c.ok || c.type != rf::Type::kReply) continue;
    ++bSent;
    bLost.push_back(rec.dropped ? 1 : 0);
    bHeld.push_back(rec.dropped ? std::nan("") : rec.heldMs());
    if (rec.dropped) {
      ++bDropped;
      continue;
    }
    bDup += rec.duplicated ? 1 : 0;
    backDelay.emplace(c.probeSeq, rec.heldMs());
    bArrivals.push_back({seconds(rec.out), rec.sendWindowMs(), c.rtp});
    if (rec.duplicated && rec.dupOut != 0) bArrivals.push_back({seconds(rec.dupOut), rec.dupSendWindowMs(), c.rtp});
  }
  EXPECT_EQ(r.back.sent, bSent);
  EXPECT_EQ(r.back.lost, static_cast<std::int64_t>(bDropped));
  EXPECT_EQ(r.back.duplicates, bDup);
  EXPECT_GT(bDropped, 0U);

  // ---- RTT: what the relay held each probe and its reply, loopback hops on top (tens of microseconds).
  double sum = 0;
  int n = 0;
  for (const auto& [seq, b] : backDelay) {
    auto it = fwdDelay.find(seq);
    if (it == fwdDelay.end()) continue;
    sum += it->second + b;
    ++n;
  }
  ASSERT_GT(n, 0);
  EXPECT_EQ(r.rtt_samples, static_cast<std::uint64_t>(n));
  EXPECT_NEAR(r.rtt_avg_ms, sum / n, 0.5);

  // ---- jitter: RFC 3550 over the times the relay delivered each packet, in delivery order.
  // The relay knows each delivery time only to within its send window (clock read before and after the
  // send; a preemption in between widens it). An error of up to w in one arrival time moves the
  // transit difference D by as much, and J += (|D| - J) / 16 carries it on with weight (15/16)^k, so
  // the truth's J at every step is uncertain by at most B_i = 15/16 B_(i-1) + (w_i + w_(i-1)) / 16.
  // That bound is added to the max-jitter tolerance: a preempted relay widens the truth, not the test.
  struct Truth {
    rtp::StreamStats stats;
    double maxUncertaintyMs = 0;
  };
  auto jitterOf = [](std::vector<Arrival> arrivals) {
    std::sort(arrivals.begin(), arrivals.end(), [](const auto& a, const auto& b) { return a.t < b.t; });
    Truth truth;
    double bound = 0, previousWindow = 0;
    for (const auto& a : arrivals) {
      truth.stats.add(a.header, a.t);
      bound = bound * 15 / 16 + (a.windowMs + previousWindow) / 16;
      previousWindow = a.windowMs;
      truth.maxUncertaintyMs = std::max(truth.maxUncertaintyMs, bound);
    }
    return truth;
  };
  auto fTruth = jitterOf(fArrivals);
  auto bTruth = jitterOf(bArrivals);
  EXPECT_NEAR(r.forward.jitter_mean_ms, fTruth.stats.meanJitterMs(), 0.05 * fTruth.stats.meanJitterMs());
  EXPECT_NEAR(r.back.jitter_mean_ms, bTruth.stats.meanJitterMs(), 0.05 * bTruth.stats.meanJitterMs());
  EXPECT_NEAR(r.back.jitter_max_ms, bTruth.stats.maxJitterMs(),
              0.05 * bTruth.stats.maxJitterMs() + bTruth.maxUncertaintyMs)
      << "relay send-window bound " << bTruth.maxUncertaintyMs << " ms";
  // The widening is only honest while it stays small against what is measured.
  EXPECT_LT(bTruth.maxUncertaintyMs, bTruth.stats.maxJitterMs());

  // ---- MOS: G.107 straight from the relay's figures. The 200 ms buffer is far above the injected
  // spread, but a machine stall can still hold a packet in the relay longer than planned: the relay's
  // record of actual hold times decides lateness (held more than the shortest hold + 200 ms).
  auto lateOf = [](const std::vector<double>& held) {
    double lo = 1e9;
    for (double h : held) {
      if (!std::isnan(h)) lo = std::min(lo, h);
    }
    std::vector<char> late(held.size(), 0);
    for (std::size_t i = 0; i < held.size(); ++i) late[i] = !std::isnan(held[i]) && held[i] > lo + 200 ? 1 : 0;
    return late;
  };
  const auto fLate = lateOf(fHeld);
  const auto bLate = lateOf(bHeld);
  EXPECT_NEAR(static_cast<double>(r.forward.late), static_cast<double>(std::count(fLate.begin(), fLate.end(), 1)), 1);
  EXPECT_NEAR(static_cast<double>(r.back.late), static_cast<double>(std::count(bLate.begin(), bLate.end(), 1)), 1);
  auto g107 = [&](const std::vector<char>& lostFlags, const std::vector<char>& late) {
    auto flags = std::make_unique<bool[]>(lostFlags.size());
    for (std::size_t i = 0; i < lostFlags.size(); ++i) flags[i] = lostFlags[i] != 0 || late[i] != 0;
    auto lp = q::analyzeLoss(std::span<const bool>(flags.get(), lostFlags.size()));
    q::EModelParams e;
    e.setOneWayDelay(sum / n / 2 + 20 + 200);  // RTT/2 + packetisation + buffer
    e.ie = 0;
    e.bpl = 25.1;  // G.711 with PLC, G.113 Appendix I
    e.ppl = lp.pplPercent;
    e.burstR = lp.burstR;
    return q::computeEModel(e).mos;
  };
  EXPECT_NEAR(r.forward.quality.mos, g107(fLost, fLate), 0.1);
  EXPECT_NEAR(r.back.quality.mos, g107(bLost, bLate), 0.1);
  std::uint64_t longest = 0, run = 0;
  for (std::size_t i = 0; i < bLost.size(); ++i) longest = std::max(longest, run = bLost[i] || bLate[i] ? run + 1 : 0);
  EXPECT_EQ(r.back.loss.longestRun, longest);
}

TEST(RtpProbeVsRelay, ReorderingIsCountedAsTheRelayCausedIt) {
  ReflectorThread refl;
  Impairment fwd;
  fwd.reorder_pct = 5;
  fwd.reorder_extra_ms = 45;  // > 2 packet intervals: each held packet is overtaken by two
  ImpairRelay relay({asio::ip::make_address("127.0.0.1"), refl.reflector->port()}, fwd, Impairment{}, 7);
  vs::probe::RtpProbeParams p;
  p.host = "127.0.0.1";
  p.port = relay.port();
  p.duration = 4s;
  auto r = probeOnce(p);
  relay.stop();
  ASSERT_TRUE(r.ok) << r.detail;
  // Truth: deliveries in the order the relay sent them; a packet is out of order when a higher probe
  // number was delivered before it.
  std::vector<std::pair<std::int64_t, std::uint32_t>> order;
  for (const auto& rec : relay.records(ImpairRelay::kForward)) {
    auto c = classify(rec.head);
    if (c.ok && c.type == rf::Type::kProbe && !rec.dropped) order.emplace_back(rec.out, c.probeSeq);
  }
  std::sort(order.begin(), order.end());
  std::uint64_t ooo = 0;
  std::int64_t highest = -1;
  for (const auto& [t, seq] : order) {
    if (static_cast<std::int64_t>(seq) < highest) ++ooo;
    highest = std::max<std::int64_t>(highest, seq);
  }
  EXPECT_GT(ooo, 0U);
  EXPECT_EQ(r.forward.out_of_order, ooo);
  EXPECT_EQ(r.forward.lost, 0);
  EXPECT_EQ(r.back.out_of_order, 0U);
}
