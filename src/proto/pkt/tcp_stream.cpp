#include "proto/pkt/tcp_stream.h"

#include <algorithm>

#include "proto/pkt/packet.h"

namespace vs::proto::pkt {
namespace {

// Signed distance a - b in sequence space (RFC 1982 style wrap-around).
std::int32_t seqDiff(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b); }

}  // namespace

void TcpStream::append(std::string_view bytes, std::uint64_t tag) {
  if (data().size() + bytes.size() > kMaxTcpBufferBytes) {
    // The consumer could not frame a message within the limit: drop what is buffered, keep the new bytes.
    stats_.overflow_bytes += data().size();
    buf_.clear();
    start_ = 0;
    discontinuity_ = true;
    if (bytes.size() > kMaxTcpBufferBytes) {
      stats_.overflow_bytes += bytes.size() - kMaxTcpBufferBytes;
      bytes = bytes.substr(bytes.size() - kMaxTcpBufferBytes);
    }
  }
  buf_.append(bytes);
  stats_.bytes += bytes.size();
  pieces_.emplace_back(static_cast<std::size_t>(stats_.bytes - add_start_), tag);
}

void TcpStream::consume(std::size_t n) {
  start_ = std::min(buf_.size(), start_ + n);
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  } else if (start_ > 64 * 1024 && start_ * 2 > buf_.size()) {
    buf_.erase(0, start_);
    start_ = 0;
  }
}

bool TcpStream::takeDiscontinuity() {
  bool d = discontinuity_;
  discontinuity_ = false;
  return d;
}

void TcpStream::drainHeld() {
  while (!held_.empty()) {
    auto it = held_.begin();
    // Held segments are keyed by absolute seq; find any that starts at or before next_.
    bool progressed = false;
    for (it = held_.begin(); it != held_.end(); ++it) {
      auto d = seqDiff(it->first, next_);
      if (d > 0) continue;
      auto skip = static_cast<std::size_t>(-static_cast<std::int64_t>(d));
      std::string seg = std::move(it->second.bytes);
      const auto tag = it->second.tag;
      held_bytes_ -= seg.size();
      held_.erase(it);
      if (skip < seg.size()) {
        append(std::string_view(seg).substr(skip), tag);
        next_ += static_cast<std::uint32_t>(seg.size() - skip);
      } else {
        stats_.retransmitted_bytes += seg.size();
      }
      progressed = true;
      break;
    }
    if (!progressed) return;
  }
}

std::size_t TcpStream::add(std::uint32_t seq, std::uint8_t flags, std::span<const std::byte> payload,
                           std::uint64_t tag) {
  ++stats_.segments;
  std::string_view bytes(reinterpret_cast<const char*>(payload.data()), payload.size());
  auto before = stats_.bytes;
  add_start_ = before;
  pieces_.clear();
  if (flags & tcpflag::kSyn) {
    init_ = true;
    next_ = seq + 1;
    held_.clear();
    held_bytes_ = 0;
    return 0;  // data on a SYN (TFO) is rare for SIP; ignored
  }
  if (!init_) {  // capture started mid-connection: the first segment seen defines the start
    init_ = true;
    next_ = seq;
  }
  if (flags & (tcpflag::kFin | tcpflag::kRst)) fin_ = true;
  if (bytes.empty()) return 0;
  auto d = seqDiff(seq, next_);
  if (d <= 0) {
    auto skip = static_cast<std::size_t>(-static_cast<std::int64_t>(d));
    if (skip >= bytes.size()) {
      stats_.retransmitted_bytes += bytes.size();
      return 0;
    }
    stats_.retransmitted_bytes += skip;
    append(bytes.substr(skip), tag);
    next_ += static_cast<std::uint32_t>(bytes.size() - skip);
    drainHeld();
  } else {
    ++stats_.out_of_order;
    auto& slot = held_[seq];
    if (slot.bytes.size() < bytes.size()) {
      held_bytes_ += bytes.size() - slot.bytes.size();
      slot.bytes.assign(bytes);
      slot.tag = tag;
    }
    if (held_.size() > kMaxTcpHeldSegments || held_bytes_ > kMaxTcpHeldBytes) {
      // The missing bytes are not coming (lost before the capture point): skip to the earliest held one.
      auto earliest = std::min_element(held_.begin(), held_.end(), [&](const auto& a, const auto& b) {
        return seqDiff(a.first, next_) < seqDiff(b.first, next_);
      });
      ++stats_.gaps;
      discontinuity_ = true;
      next_ = earliest->first;
      drainHeld();
    }
  }
  return static_cast<std::size_t>(stats_.bytes - before);
}

}  // namespace vs::proto::pkt
