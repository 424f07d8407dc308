#include "proto/pkt/ip_defrag.h"

#include <algorithm>
#include <cstring>

namespace vs::proto::pkt {

bool IpDefragmenter::covered(Pending& p) {
  if (!p.have_last) return false;
  std::sort(p.ranges.begin(), p.ranges.end());
  std::size_t reach = 0;
  for (auto [b, e] : p.ranges) {
    if (b > reach) return false;
    reach = std::max(reach, e);
  }
  return reach >= p.total;
}

void IpDefragmenter::expire(std::int64_t now_ns) {
  if (now_ns - last_sweep_ns_ < 1'000'000'000 && now_ns >= last_sweep_ns_) return;
  last_sweep_ns_ = now_ns;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ns - it->second.first_ts > kFragmentTimeoutNs || now_ns < it->second.first_ts - kFragmentTimeoutNs) {
      ++stats_.timed_out;
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

IpDefragmenter::Added IpDefragmenter::add(const FragmentKey& key, std::size_t offset, bool more,
                                          std::span<const std::byte> data, std::int64_t ts_ns,
                                          std::uint64_t tag) {
  ++stats_.fragments;
  expire(ts_ns);
  Added r;
  auto end = offset + data.size();
  if (end > kMaxDatagramBytes) {
    ++stats_.dropped;
    r.outcome = Outcome::kDropped;
    r.reason = "fragment ends beyond 65535 bytes";
    return r;
  }
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    if (pending_.size() >= kMaxPendingDatagrams) {
      // Give up the oldest datagram rather than refuse new traffic.
      auto oldest = std::min_element(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
        return a.second.first_ts < b.second.first_ts;
      });
      ++stats_.timed_out;
      pending_.erase(oldest);
    }
    it = pending_.emplace(key, Pending{}).first;
    it->second.first_ts = ts_ns;
  }
  auto& p = it->second;
  if (p.ranges.size() >= kMaxFragmentsPerDatagram) {
    ++stats_.dropped;
    pending_.erase(it);
    r.outcome = Outcome::kDropped;
    r.reason = "too many fragments for one datagram";
    return r;
  }
  if (!more) {
    if (p.have_last && p.total != end) {
      ++stats_.dropped;
      pending_.erase(it);
      r.outcome = Outcome::kDropped;
      r.reason = "two last fragments with different lengths";
      return r;
    }
    p.have_last = true;
    p.total = end;
  }
  if (p.buf.size() < end) p.buf.resize(end);
  if (!data.empty()) std::memcpy(p.buf.data() + offset, data.data(), data.size());
  p.ranges.emplace_back(offset, end);
  if (!covered(p)) {
    if (std::find(p.tags.begin(), p.tags.end(), tag) == p.tags.end()) p.tags.push_back(tag);
    return r;
  }
  out_.assign(p.buf.begin(), p.buf.begin() + static_cast<std::ptrdiff_t>(p.total));
  out_tags_.clear();
  for (auto t : p.tags) {
    if (t != tag) out_tags_.push_back(t);
  }
  r.earlier = out_tags_;
  pending_.erase(it);
  ++stats_.completed;
  r.outcome = Outcome::kComplete;
  r.payload = out_;
  return r;
}

}  // namespace vs::proto::pkt
