#include "probe/ping_stats.h"

#include <algorithm>
#include <cmath>

namespace vs::probe {

double nearestRankPercentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto n = static_cast<double>(values.size());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

void PingStats::add(const PingResult& r) {
  ++sent_;
  if (!r.received) {
    if (current_run_ == 0) outages_.push_back(Outage{r.seq, 0, r.sent_unix_ms, std::nullopt});
    ++current_run_;
    outages_.back().lost = current_run_;
    longest_run_ = std::max(longest_run_, current_run_);
    return;
  }
  if (current_run_ > 0) {
    last_run_ = current_run_;
    current_run_ = 0;
    outages_.back().end_unix_ms = r.sent_unix_ms;
  }
  if (rtts_.empty()) {
    min_ = max_ = r.rtt_ms;
  } else {
    min_ = std::min(min_, r.rtt_ms);
    max_ = std::max(max_, r.rtt_ms);
    // Lost pings are skipped: D is taken between consecutive *received* pings.
    jitter_ += (std::abs(r.rtt_ms - rtts_.back()) - jitter_) / 16.0;
  }
  rtts_.push_back(r.rtt_ms);
  sum_ += r.rtt_ms;
}

PingSnapshot PingStats::snapshot() const {
  PingSnapshot s;
  s.sent = sent_;
  s.received = rtts_.size();
  s.lost = sent_ - rtts_.size();
  s.late = late_;
  s.longest_run = longest_run_;
  s.last_run = last_run_;
  s.current_run = current_run_;
  if (!rtts_.empty()) {
    s.min_ms = min_;
    s.max_ms = max_;
    s.avg_ms = sum_ / static_cast<double>(rtts_.size());
  }
  return s;
}

PingSummary PingStats::summary() const {
  PingSummary s;
  static_cast<PingSnapshot&>(s) = snapshot();
  s.outages = outages_;
  if (rtts_.empty()) return s;
  s.p50_ms = nearestRankPercentile(rtts_, 50);
  s.p95_ms = nearestRankPercentile(rtts_, 95);
  s.p99_ms = nearestRankPercentile(rtts_, 99);
  s.jitter_ms = jitter_;
  double squares = 0;
  for (double v : rtts_) squares += (v - s.avg_ms) * (v - s.avg_ms);
  s.stddev_ms = std::sqrt(squares / static_cast<double>(rtts_.size()));
  return s;
}

}  // namespace vs::probe
