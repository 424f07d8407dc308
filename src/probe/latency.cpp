#include "probe/latency.h"

#include <algorithm>
#include <array>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <cmath>
#include <cstring>
#include <exception>
#include <unordered_map>

#include <fmt/format.h>

#include "core/time.h"
#include "probe/detail_net.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

using namespace asio::experimental::awaitable_operators;
namespace sip = proto::sip;
using detail::kAsTuple;

constexpr char kMagic[4] = {'V', 'S', 'L', '1'};
constexpr std::size_t kEchoHeaderBytes = 4 + 4 + 8;

void putBigEndian(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t getBigEndian(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

std::string echoPayload(std::uint32_t seq, std::size_t payload_bytes) {
  std::string out(kMagic, sizeof kMagic);
  putBigEndian(out, seq, 4);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch()).count();
  putBigEndian(out, static_cast<std::uint64_t>(ns), 8);
  out.resize(std::max(payload_bytes, kEchoHeaderBytes), '\0');
  return out;
}

std::optional<std::uint32_t> echoSequence(std::string_view reply) {
  if (reply.size() < kEchoHeaderBytes || std::memcmp(reply.data(), kMagic, sizeof kMagic) != 0) return std::nullopt;
  return static_cast<std::uint32_t>(getBigEndian(reply, 4, 4));
}

struct Probe {
  SteadyClock::time_point sent;
  bool answered = false;  // in time
  bool late = false;      // a reply came after the timeout
};

}  // namespace

void computeLatencyStats(LatencyResult& r) {
  r.min_ms = r.avg_ms = r.max_ms = r.jitter_ms = 0;
  r.loss_pct = r.sent > 0 ? static_cast<double>(r.sent - r.received) / r.sent * 100.0 : 0;
  double sum = 0, jitter_sum = 0;
  int n = 0, pairs = 0;
  std::optional<double> previous;
  for (const auto& rtt : r.rtt_ms) {
    if (!rtt) continue;  // lost probes are skipped, not treated as a break in the sequence
    if (n == 0) r.min_ms = r.max_ms = *rtt;
    r.min_ms = std::min(r.min_ms, *rtt);
    r.max_ms = std::max(r.max_ms, *rtt);
    sum += *rtt;
    ++n;
    if (previous) {
      jitter_sum += std::abs(*rtt - *previous);
      ++pairs;
    }
    previous = rtt;
  }
  if (n > 0) r.avg_ms = sum / n;
  if (pairs > 0) r.jitter_ms = jitter_sum / pairs;
}

namespace {

asio::awaitable<void> runLatency(LatencyResult& r, io::Resolver& resolver, const LatencyParams& params) {
  auto answer = co_await resolver.resolve(params.host, io::AddressFamily::kAny);
  if (!answer.ok() || answer->addresses.empty()) {
    r.detail = answer.ok() ? fmt::format("{}: no address", params.host) : answer.error().message;
    co_return;
  }
  auto address = answer->addresses.front();
  r.remote_address = detail::formatAddress(address, params.port);
  auto ex = co_await asio::this_coro::executor;
  asio::ip::udp::socket sock(ex);
  std::error_code ec;
  sock.open(address.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
  if (!ec) sock.connect(asio::ip::udp::endpoint(address, params.port), ec);
  auto local = ec ? asio::ip::udp::endpoint{} : sock.local_endpoint(ec);
  if (ec) {
    r.detail = fmt::format("UDP socket to {}: {}", r.remote_address, ec.message());
    co_return;
  }
  r.ok = true;

  const auto count = static_cast<std::size_t>(params.count);
  std::vector<Probe> probes(count);
  r.rtt_ms.assign(count, std::nullopt);
  std::unordered_map<std::string, std::size_t> by_call_id;
  asio::steady_timer timer(ex);
  std::array<char, 65536> buf{};
  int refused = 0;
  std::size_t next = 0;
  int answered = 0;
  // Planned send times: a slow reply or a late wake-up never shifts the probes after it.
  const auto start = SteadyClock::now();
  auto planned = [&](std::size_t i) { return start + params.interval * static_cast<long>(i); };

  while (true) {
    auto now = SteadyClock::now();
    while (next < count && planned(next) <= now) {
      std::string payload;
      if (params.mode == LatencyMode::kUdpEcho) {
        payload = echoPayload(static_cast<std::uint32_t>(next), params.payload_bytes);
      } else {
        sip::OptionsRequestParams rp;
        rp.local_host = local.address().to_string();
        rp.local_port = local.port();
        rp.target_host = params.host;
        rp.target_port = params.port;
        auto req = sip::buildOptions(rp);
        by_call_id.emplace(req.call_id, next);
        payload = std::move(req.bytes);
      }
      probes[next].sent = SteadyClock::now();
      // A failed send (e.g. a pending ICMP error) just means this probe is lost.
      std::error_code send_ec;
      sock.send(asio::buffer(payload), 0, send_ec);
      if (send_ec && detail::isRefused(send_ec)) ++refused;
      ++r.sent;
      ++next;
    }
    if (next == count) {
      if (answered == params.count) break;
      if (now >= probes[count - 1].sent + params.timeout) break;
    }
    timer.expires_at(next < count ? planned(next) : probes[count - 1].sent + params.timeout);
    auto event = co_await (sock.async_receive(asio::buffer(buf), kAsTuple) || timer.async_wait(kAsTuple));
    if (event.index() == 1) continue;
    auto [rec, n] = std::get<0>(event);
    auto arrived = SteadyClock::now();
    if (rec) {
      if (detail::isRefused(rec)) {
        ++refused;
        continue;
      }
      r.detail = fmt::format("receive from {}: {}", r.remote_address, rec.message());
      break;
    }
    std::string_view data(buf.data(), n);
    std::optional<std::size_t> index;
    if (params.mode == LatencyMode::kUdpEcho) {
      if (auto seq = echoSequence(data); seq && *seq < next) index = *seq;
    } else if (auto m = sip::parseMessage(data); m.ok() && m->isResponse() && m->statusLine().code >= 200) {
      if (auto it = by_call_id.find(std::string(m->callId())); it != by_call_id.end()) index = it->second;
    }
    if (!index) continue;  // not ours
    auto& probe = probes[*index];
    if (probe.answered || probe.late) {
      ++r.duplicates;
      continue;
    }
    auto rtt = std::chrono::duration<double, std::milli>(arrived - probe.sent);
    if (arrived - probe.sent > params.timeout) {
      probe.late = true;
      ++r.late;
      continue;
    }
    probe.answered = true;
    ++answered;
    r.rtt_ms[*index] = rtt.count();
  }
  r.received = answered;
  if (refused > 0 && r.detail.empty()) {
    r.detail = fmt::format("{} ICMP port unreachable errors from {}", refused, r.remote_address);
  }
  computeLatencyStats(r);
}

}  // namespace

asio::awaitable<LatencyResult> measureLatency(io::Resolver& resolver, LatencyParams params) {
  LatencyResult r;
  if (params.count <= 0) {
    r.detail = "count must be at least 1";
    co_return r;
  }
  try {
    co_await runLatency(r, resolver, params);
  } catch (const std::exception& e) {
    r.ok = false;
    r.detail = e.what();
  }
  co_return r;
}

}  // namespace vs::probe
