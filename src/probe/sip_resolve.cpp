#include "probe/sip_resolve.h"

#include <algorithm>
#include <random>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "proto/sip/message.h"

namespace vs::probe {
namespace {

struct Service {
  std::string_view naptr;  // RFC 3263 service field
  SipTransport transport;
  std::string_view srv_prefix;
};

// Without NAPTR, SRV names are tried in this order (RFC 3263 4.1 leaves it to the client): UDP first, as
// the default transport is.
constexpr Service kServices[] = {
    {"SIP+D2U", SipTransport::kUdp, "_sip._udp."},
    {"SIP+D2T", SipTransport::kTcp, "_sip._tcp."},
    {"SIPS+D2T", SipTransport::kTls, "_sips._tcp."},
};

const Service* serviceFor(std::string_view naptr_service) {
  for (const auto& s : kServices) {
    if (proto::sip::iequals(s.naptr, naptr_service)) return &s;
  }
  return nullptr;
}

asio::awaitable<Result<asio::ip::address>> addressOf(io::Resolver& resolver, const std::string& host,
                                                     io::AddressFamily family) {
  auto answer = co_await resolver.resolve(host, family);
  if (!answer) co_return answer.error();
  for (const auto& a : answer->addresses) {
    if (family == io::AddressFamily::kV4 && !a.is_v4()) continue;
    if (family == io::AddressFamily::kV6 && !a.is_v6()) continue;
    co_return a;
  }
  co_return makeError(fmt::format("{}: no {} address", host,
                                  family == io::AddressFamily::kV6   ? "IPv6"
                                  : family == io::AddressFamily::kV4 ? "IPv4"
                                                                     : "usable"));
}

std::uint32_t randomUpTo(std::uint32_t n) {
  static thread_local std::mt19937 gen{std::random_device{}()};
  return std::uniform_int_distribution<std::uint32_t>(0, n)(gen);
}

// Tries the SRV records of `name` in RFC 2782 order; the first target with an address wins.
// Empty `how` in the result means: no SRV records at all.
asio::awaitable<Result<SipDestination>> viaSrv(io::Resolver& resolver, const std::string& name, SipTransport transport,
                                               io::AddressFamily family, std::string& trail) {
  auto records = co_await resolver.querySrv(name);
  if (!records) co_return records.error();
  SipDestination d;
  d.transport = transport;
  if (records->empty()) co_return d;
  std::string failures;
  for (const auto& r : orderSrv(std::move(*records), &randomUpTo)) {
    if (r.target.empty()) continue;  // "." : no service here
    auto a = co_await addressOf(resolver, r.target, family);
    if (!a) {
      failures += (failures.empty() ? "" : "; ") + a.error().message;
      continue;
    }
    d.address = *a;
    d.port = r.port;
    d.how = fmt::format("SRV {} -> {}:{} -> {}", name, r.target, r.port, a->to_string());
    co_return d;
  }
  trail += fmt::format("{}SRV {}: no usable target{}", trail.empty() ? "" : "; ", name,
                       failures.empty() ? "" : " (" + failures + ")");
  d.how = "-";  // records existed, none usable
  co_return d;
}

}  // namespace

std::vector<io::SrvRecord> orderSrv(std::vector<io::SrvRecord> records,
                                    const std::function<std::uint32_t(std::uint32_t)>& uniform) {
  std::stable_sort(records.begin(), records.end(),
                   [](const io::SrvRecord& a, const io::SrvRecord& b) { return a.priority < b.priority; });
  std::vector<io::SrvRecord> out;
  out.reserve(records.size());
  auto begin = records.begin();
  while (begin != records.end()) {
    auto end = std::find_if(begin, records.end(), [&](const io::SrvRecord& r) { return r.priority != begin->priority; });
    // RFC 2782: zero weights first, then draw a running-sum threshold in [0, total]; the first record whose
    // running sum reaches it is next. Repeat on what is left.
    std::vector<io::SrvRecord> group(begin, end);
    std::stable_partition(group.begin(), group.end(), [](const io::SrvRecord& r) { return r.weight == 0; });
    while (!group.empty()) {
      std::uint32_t total = 0;
      for (const auto& r : group) total += r.weight;
      const std::uint32_t pick = uniform(total);
      std::uint32_t sum = 0;
      std::size_t chosen = group.size() - 1;
      for (std::size_t i = 0; i < group.size(); ++i) {
        sum += group[i].weight;
        if (sum >= pick) {
          chosen = i;
          break;
        }
      }
      out.push_back(group[chosen]);
      group.erase(group.begin() + static_cast<std::ptrdiff_t>(chosen));
    }
    begin = end;
  }
  return out;
}

asio::awaitable<Result<SipDestination>> resolveSipDestination(io::Resolver& resolver, SipDestinationQuery q) {
  std::error_code ec;
  auto literal = asio::ip::make_address(q.host, ec);
  if (!ec) {
    auto a = co_await addressOf(resolver, q.host, q.family);  // checks the family
    if (!a) co_return a.error();
    co_return SipDestination{literal, q.port, q.transport, ""};
  }
  if (q.explicit_port) {
    auto a = co_await addressOf(resolver, q.host, q.family);
    if (!a) co_return a.error();
    co_return SipDestination{*a, q.port, q.transport, fmt::format("A/AAAA (port given) -> {}", a->to_string())};
  }

  std::string trail;  // what led nowhere, for the error message
  if (!q.explicit_transport) {
    auto naptr = co_await resolver.queryNaptr(q.host);
    if (!naptr) co_return naptr.error();
    std::vector<std::pair<io::NaptrRecord, const Service*>> usable;
    for (const auto& r : *naptr) {
      const Service* s = serviceFor(r.service);
      // Only terminal "s" records leading to an SRV name are for SIP (RFC 3263 4.1); sips: wants TLS.
      if (!s || r.flags != "s" || r.replacement.empty()) continue;
      if (q.sips && s->transport != SipTransport::kTls) continue;
      usable.emplace_back(r, s);
    }
    std::stable_sort(usable.begin(), usable.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first.order, a.first.preference) < std::tie(b.first.order, b.first.preference);
    });
    for (const auto& [r, s] : usable) {
      auto d = co_await viaSrv(resolver, r.replacement, s->transport, q.family, trail);
      if (!d) co_return d.error();
      if (d->how.empty()) {
        trail += fmt::format("{}NAPTR {} -> SRV {}: no records", trail.empty() ? "" : "; ", r.service, r.replacement);
        continue;
      }
      if (d->how == "-") continue;
      d->how = fmt::format("NAPTR {} -> {}", r.service, d->how);
      co_return *d;
    }
    if (!usable.empty()) {
      co_return makeError(fmt::format("{}: NAPTR records lead to no address ({})", q.host, trail));
    }
  }

  // No NAPTR (or a fixed transport): SRV for each transport we may use.
  for (const auto& s : kServices) {
    if (q.explicit_transport && s.transport != q.transport) continue;
    if (q.sips && s.transport != SipTransport::kTls) continue;
    auto name = std::string(s.srv_prefix) + q.host;
    auto d = co_await viaSrv(resolver, name, s.transport, q.family, trail);
    if (!d) co_return d.error();
    if (d->how.empty() || d->how == "-") continue;
    co_return *d;
  }

  auto a = co_await addressOf(resolver, q.host, q.family);
  if (!a) {
    if (trail.empty()) co_return a.error();
    co_return makeError(fmt::format("{} ({})", a.error().message, trail));
  }
  const SipTransport t = q.explicit_transport ? q.transport : q.sips ? SipTransport::kTls : SipTransport::kUdp;
  co_return SipDestination{*a, q.explicit_transport ? q.port : defaultPort(t), t,
                           fmt::format("A/AAAA (no NAPTR or SRV) -> {}", a->to_string())};
}

}  // namespace vs::probe
