#pragma once
// One direction of a TCP connection as a byte stream: segments in sequence order, retransmitted bytes
// dropped (never delivered twice), out-of-order segments held until the gap fills, and a gap that never
// fills is skipped (flagged, so the consumer can resynchronise on the next message start). Bounded: the
// in-order buffer and the held segments each have a kMax... limit.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vs::proto::pkt {

// Above sip::kMaxMessageBytes (256 KiB), so one maximal SIP message always fits.
inline constexpr std::size_t kMaxTcpBufferBytes = 320 * 1024;
inline constexpr std::size_t kMaxTcpHeldSegments = 256;
inline constexpr std::size_t kMaxTcpHeldBytes = 256 * 1024;

struct TcpStreamStats {
  std::uint64_t segments = 0;
  std::uint64_t bytes = 0;             // delivered in order
  std::uint64_t retransmitted_bytes = 0;
  std::uint64_t out_of_order = 0;      // segments held for a while
  std::uint64_t gaps = 0;              // holes skipped because the missing bytes never came
  std::uint64_t overflow_bytes = 0;    // dropped because the consumer did not keep up with the limit
};

class TcpStream {
 public:
  // Feeds one segment; `tag` names it (its frame number). Returns the number of new in-order bytes
  // appended to data().
  std::size_t add(std::uint32_t seq, std::uint8_t flags, std::span<const std::byte> payload, std::uint64_t tag = 0);
  // Where the bytes the last add() appended came from, in order: (end within those bytes, tag of the
  // segment). More than one when the segment filled a gap and held segments followed it.
  const std::vector<std::pair<std::size_t, std::uint64_t>>& pieces() const { return pieces_; }
  // Bytes delivered in order and not yet consumed.
  std::string_view data() const { return std::string_view(buf_).substr(start_); }
  void consume(std::size_t n);
  // True once after bytes were skipped (gap or overflow): the data no longer continues the previous bytes.
  bool takeDiscontinuity();
  const TcpStreamStats& stats() const { return stats_; }
  bool finished() const { return fin_; }

 private:
  void append(std::string_view bytes, std::uint64_t tag);
  void drainHeld();
  struct Held {
    std::string bytes;
    std::uint64_t tag = 0;
  };

  bool init_ = false;
  bool fin_ = false;
  bool discontinuity_ = false;
  std::uint32_t next_ = 0;  // next expected sequence number
  std::string buf_;
  std::size_t start_ = 0;
  std::map<std::uint32_t, Held> held_;  // keyed by absolute seq (by seq - next_ would break as next_ moves)
  std::size_t held_bytes_ = 0;
  std::uint64_t add_start_ = 0;  // stats_.bytes when the current add() began
  std::vector<std::pair<std::size_t, std::uint64_t>> pieces_;
  TcpStreamStats stats_;
};

}  // namespace vs::proto::pkt
