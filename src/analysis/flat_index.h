#pragma once
// An open-addressing hash index from a 64-bit key hash to a 32-bit slot in a table the caller owns
// (linear probing, backward-shift deletion so there are no tombstones, load at most 1/2).
//
// Why not std::unordered_map<std::string, T>: with tens of thousands of live Call-IDs every lookup there
// walks a bucket pointer, a node and the key's heap buffer, three cache misses; it was the largest single
// cost of the signalling analysis. Here a lookup reads one 16-byte cell, compares the full hash, and only
// then asks the caller whether the key at that slot really matches.
#include <cstdint>
#include <optional>
#include <vector>

namespace vs::analysis {

class FlatIndex {
 public:
  FlatIndex() : cells_(kInitial) {}

  std::size_t size() const { return size_; }

  // The slot whose hash is `h` and for which eq(slot) holds.
  template <class Eq>
  std::optional<std::uint32_t> find(std::uint64_t h, Eq&& eq) const {
    for (std::size_t i = h & mask(); cells_[i].used; i = (i + 1) & mask()) {
      if (cells_[i].hash == h && eq(cells_[i].slot)) return cells_[i].slot;
    }
    return std::nullopt;
  }

  // The caller makes sure no equal key is present.
  void insert(std::uint64_t h, std::uint32_t slot) {
    if ((size_ + 1) * 2 > cells_.size()) grow();
    place(h, slot);
    ++size_;
  }

  // Removes the entry (h, slot); false when there is none.
  bool erase(std::uint64_t h, std::uint32_t slot) {
    std::size_t i = h & mask();
    for (; cells_[i].used; i = (i + 1) & mask()) {
      if (cells_[i].hash == h && cells_[i].slot == slot) break;
    }
    if (!cells_[i].used) return false;
    // Backward shift: pull later members of the probe run into the hole when their home allows it.
    for (std::size_t j = (i + 1) & mask(); cells_[j].used; j = (j + 1) & mask()) {
      std::size_t home = cells_[j].hash & mask();
      bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        cells_[i] = cells_[j];
        i = j;
      }
    }
    cells_[i] = Cell{};
    --size_;
    return true;
  }

  void clear() {
    cells_.assign(kInitial, Cell{});
    size_ = 0;
  }

 private:
  static constexpr std::size_t kInitial = 64;
  struct Cell {
    std::uint64_t hash = 0;
    std::uint32_t slot = 0;
    bool used = false;
  };
  std::size_t mask() const { return cells_.size() - 1; }
  void place(std::uint64_t h, std::uint32_t slot) {
    std::size_t i = h & mask();
    while (cells_[i].used) i = (i + 1) & mask();
    cells_[i] = Cell{h, slot, true};
  }
  void grow() {
    std::vector<Cell> old(cells_.size() * 2);
    old.swap(cells_);
    for (const auto& c : old) {
      if (c.used) place(c.hash, c.slot);
    }
  }

  std::vector<Cell> cells_;
  std::size_t size_ = 0;
};

}  // namespace vs::analysis
