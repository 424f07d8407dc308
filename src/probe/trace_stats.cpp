#include "probe/trace_stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace vs::probe {

void HopStats::add(std::optional<double> rtt) {
  ++sent;
  if (!rtt) return;
  ++received;
  last_ms = *rtt;
  samples.push_back(*rtt);
  if (received == 1) best_ms = worst_ms = *rtt;
  best_ms = std::min(best_ms, *rtt);
  worst_ms = std::max(worst_ms, *rtt);
  double sum = 0;
  for (double s : samples) sum += s;
  avg_ms = sum / static_cast<double>(samples.size());
  // Sample standard deviation (n - 1), as mtr shows it.
  double ssd = 0;
  for (double s : samples) ssd += (s - avg_ms) * (s - avg_ms);
  stdev_ms = samples.size() > 1 ? std::sqrt(ssd / static_cast<double>(samples.size() - 1)) : 0;
}

namespace {

std::string hopName(const HopStats& h) { return h.addresses.empty() ? std::string("?") : h.addresses.front(); }

}  // namespace

TraceAnalysis analyzeTrace(const std::vector<HopStats>& hops, bool reached, double jump_threshold_ms) {
  TraceAnalysis a;
  // Latency jumps between answering hops. A hop that is slow itself but whose successors are not is a
  // router slow to generate ICMP (control plane), not a slower path: it is noted, not used as a baseline.
  const HopStats* base = nullptr;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const auto& h = hops[i];
    if (h.received == 0) continue;
    if (!base) {
      base = &h;
      continue;
    }
    const double delta = h.best_ms - base->best_ms;
    if (delta >= jump_threshold_ms) {
      const HopStats* next = nullptr;
      for (std::size_t j = i + 1; j < hops.size() && !next; ++j) {
        if (hops[j].received > 0) next = &hops[j];
      }
      if (next && next->best_ms - base->best_ms < jump_threshold_ms / 2) {
        a.notes.push_back(fmt::format("hop {} ({}) answers {:.1f} ms slower than hop {} but later hops do not: "
                                      "slow ICMP generation on that router, not a slower path",
                                      h.ttl, hopName(h), delta, base->ttl));
        continue;
      }
      a.jumps.push_back({h.ttl, base->ttl, delta});
      a.notes.push_back(fmt::format("+{:.1f} ms at hop {} ({}) over hop {} ({})", delta, h.ttl, hopName(h), base->ttl,
                                    hopName(*base)));
    }
    base = &h;
  }

  // Loss. The last hop listed is the destination when reached (else the last one that answered).
  if (hops.empty()) return a;
  const auto& last = hops.back();
  const int last_lost = last.sent - last.received;
  // The first hop from which every hop through the last one loses: loss that carries on.
  std::optional<std::size_t> carry_from;
  if (last_lost > 0 && last.received < last.sent) {
    std::size_t k = hops.size() - 1;
    while (k > 0 && hops[k - 1].sent > hops[k - 1].received) --k;
    carry_from = k;
  }
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const auto& h = hops[i];
    const int lost = h.sent - h.received;
    if (lost <= 0) continue;
    if (carry_from && i >= *carry_from) {
      if (i == *carry_from) {
        LossFinding f{LossKind::kCarriesToDestination, h.ttl, lost, h.sent, last_lost, last.sent};
        a.losses.push_back(f);
        a.notes.push_back(fmt::format(
            "loss from hop {} ({}) carries on to the {} ({} of {} lost at hop {}; {} of {} at hop {}): forwarding loss",
            h.ttl, hopName(h), reached ? "destination" : "last hop that answered", lost, h.sent, h.ttl, last_lost,
            last.sent, last.ttl));
      }
      continue;
    }
    a.losses.push_back({LossKind::kSingleHop, h.ttl, lost, h.sent, 0, 0});
    if (h.received == 0) {
      a.notes.push_back(fmt::format("hop {} does not answer ({} probes) while later hops do: a router that sends no "
                                    "ICMP time exceeded, not loss",
                                    h.ttl, h.sent));
    } else {
      a.notes.push_back(fmt::format("loss at hop {} ({}) only ({} of {}): later hops answer, so that router "
                                    "rate-limits its ICMP answers; not forwarding loss",
                                    h.ttl, hopName(h), lost, h.sent));
    }
  }
  return a;
}

}  // namespace vs::probe
