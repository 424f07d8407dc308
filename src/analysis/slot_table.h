#pragma once
// A table of slots that only grows, in blocks of kBlock default-constructed elements whose addresses
// never move. A block can be made ahead of time on another thread and handed in (addBlock): the
// two-thread capture analysis has its reading thread make them while it has time, so the page faults
// of a growing table of 40 000 legs (58 MB) are not taken on the tracking thread, which sets the pace.
#include <cstddef>
#include <memory>
#include <vector>

namespace vs::analysis {

template <class T, std::size_t kBlock>
class SlotTable {
 public:
  using Block = std::unique_ptr<T[]>;

  // A block of kBlock default-constructed elements: every page of it is written here, by the caller.
  static Block makeBlock() { return std::make_unique<T[]>(kBlock); }

  T& operator[](std::size_t i) { return blocks_[i / kBlock][i % kBlock]; }
  const T& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  std::size_t size() const { return size_; }

  // One more slot at the end (default-constructed), from a spare block when one was handed in.
  void emplace_back() {
    if (size_ == blocks_.size() * kBlock) {
      if (!spares_.empty()) {
        blocks_.push_back(std::move(spares_.back()));
        spares_.pop_back();
      } else {
        blocks_.push_back(makeBlock());
      }
    }
    ++size_;
  }

  void addBlock(Block b) { spares_.push_back(std::move(b)); }
  std::size_t spareBlocks() const { return spares_.size(); }

 private:
  std::vector<Block> blocks_;
  std::vector<Block> spares_;
  std::size_t size_ = 0;
};

}  // namespace vs::analysis
