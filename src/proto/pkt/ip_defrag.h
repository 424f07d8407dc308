#pragma once
// IPv4 / IPv6 fragment reassembly (RFC 791, RFC 8200 section 4.5), bounded in every dimension: pending
// datagrams, fragments per datagram, datagram size, and age measured in capture time (not wall time),
// so replaying a file gives the same answer at any speed. Overlapping fragments: the later one wins.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string_view>
#include <tuple>
#include <vector>

#include "proto/pkt/packet.h"

namespace vs::proto::pkt {

inline constexpr std::size_t kMaxPendingDatagrams = 1024;
inline constexpr std::size_t kMaxFragmentsPerDatagram = 128;
inline constexpr std::size_t kMaxDatagramBytes = 65535;
inline constexpr std::int64_t kFragmentTimeoutNs = 30'000'000'000;  // Linux ipfrag_time default

struct FragmentKey {
  IpAddr src, dst;
  std::uint32_t id = 0;
  std::uint8_t proto = 0;
  auto operator<=>(const FragmentKey&) const = default;
};

struct DefragStats {
  std::uint64_t fragments = 0;
  std::uint64_t completed = 0;
  std::uint64_t timed_out = 0;  // datagrams given up because a fragment never came
  std::uint64_t dropped = 0;    // fragments refused by a limit or as nonsense
};

class IpDefragmenter {
 public:
  enum class Outcome { kHeld, kComplete, kDropped };
  struct Added {
    Outcome outcome = Outcome::kHeld;
    std::span<const std::byte> payload;  // kComplete: the whole transport payload, valid until the next add
    // kComplete: the tags of the other fragments, in arrival order (frame numbers, for saving a message
    // with every frame that carried it), valid until the next add.
    std::span<const std::uint64_t> earlier;
    std::string_view reason;             // kDropped
  };

  // `offset` is in bytes; `data` is the fragment's payload after the IP (and extension) headers; `tag`
  // names the fragment's frame (Added::earlier gives them back).
  Added add(const FragmentKey& key, std::size_t offset, bool more, std::span<const std::byte> data,
            std::int64_t ts_ns, std::uint64_t tag = 0);
  const DefragStats& stats() const { return stats_; }
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::vector<std::byte> buf;
    std::vector<std::pair<std::size_t, std::size_t>> ranges;  // [begin, end)
    std::vector<std::uint64_t> tags;                          // of the fragments so far
    std::size_t total = 0;  // known once the last fragment (MF=0) arrived
    bool have_last = false;
    std::int64_t first_ts = 0;
  };
  void expire(std::int64_t now_ns);
  static bool covered(Pending& p);

  std::map<FragmentKey, Pending> pending_;
  std::vector<std::byte> out_;
  std::vector<std::uint64_t> out_tags_;
  std::int64_t last_sweep_ns_ = 0;
  DefragStats stats_;
};

}  // namespace vs::proto::pkt
