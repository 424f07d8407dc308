#pragma once
// A table of slots that only grows, in blocks of kBlock value-initialised elements whose addresses
// never move. A block can be made ahead of time and handed in (addBlock): the two-thread capture
// analysis has whichever thread is idle make it, so zeroing the blocks of a growing table of 40 000 legs
// (58 MB) does not land on the thread that sets the pace.
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace vs::analysis {

// Blocks are 2 MiB in ordinary pages: no MADV_HUGEPAGE hint. A huge page takes one fault instead of
// 512, but on the VMs this is measured on (virtio-balloon free page reporting hands whole free 2 MiB
// blocks back to the host) a fresh huge page is exactly the memory the host has to fault in again:
// zeroing the 28 blocks of a 40 000-leg table was 19 % of a run's samples after the machine sat idle for
// a few seconds, against 1.5 % with ordinary pages (signalling bench file, median of 5 runs with 4 s
// pauses: 0.580 s -> 0.478 s wall; back to back, the same).
inline constexpr std::size_t kSlotBlockBytes = std::size_t{2} << 20;

template <class T, std::size_t kBlock>
class SlotTable {
 public:
  static constexpr std::size_t kBlockBytes =
      (kBlock * sizeof(T) + kSlotBlockBytes - 1) / kSlotBlockBytes * kSlotBlockBytes;
  struct Free {
    void operator()(T* p) const {
      std::destroy_n(p, kBlock);
      std::free(p);
    }
  };
  using Block = std::unique_ptr<T[], Free>;

  // A block of kBlock value-initialised elements: every page of it is written here, by the caller.
  static Block makeBlock() {
    void* raw = std::aligned_alloc(kSlotBlockBytes, kBlockBytes);
    if (raw == nullptr) throw std::bad_alloc();
    T* p = static_cast<T*>(raw);
    try {
      std::uninitialized_value_construct_n(p, kBlock);
    } catch (...) {
      std::free(raw);
      throw;
    }
    return Block(p);
  }

  T& operator[](std::size_t i) { return blocks_[i / kBlock][i % kBlock]; }
  const T& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return blocks_.size() * kBlock; }  // slots in blocks in use, spares aside

  // One more slot at the end (value-initialised), from a spare block when one was handed in.
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
