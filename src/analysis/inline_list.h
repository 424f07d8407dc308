#pragma once
// A short list kept inside its owner for the first N elements, on the heap only past that. A leg's
// endpoints, To-tags, fingerprints and status counts are a handful each: inline, updating them touches
// the leg's own cache lines instead of one heap block per list (the analysis of 40 000 live legs was
// bound by those misses).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace vs::analysis {

template <class T, std::size_t N>
class InlineList {
 public:
  std::size_t size() const { return n_ + (more_ ? more_->size() : 0); }
  bool empty() const { return n_ == 0; }
  void push_back(T v) {
    if (n_ < N) {
      inline_[n_++] = std::move(v);
      return;
    }
    if (!more_) more_ = std::make_unique<std::vector<T>>();
    more_->push_back(std::move(v));
  }
  // The first element for which pred holds, or nullptr.
  template <class P>
  T* find(P&& pred) {
    for (std::size_t i = 0; i < n_; ++i) {
      if (pred(inline_[i])) return &inline_[i];
    }
    if (more_) {
      for (auto& x : *more_) {
        if (pred(x)) return &x;
      }
    }
    return nullptr;
  }
  template <class P>
  const T* find(P&& pred) const {
    return const_cast<InlineList*>(this)->find(std::forward<P>(pred));
  }
  template <class F>
  void forEach(F&& f) const {
    for (std::size_t i = 0; i < n_; ++i) f(inline_[i]);
    if (more_) {
      for (const auto& x : *more_) f(x);
    }
  }
  template <class F>
  void forEach(F&& f) {
    for (std::size_t i = 0; i < n_; ++i) f(inline_[i]);
    if (more_) {
      for (auto& x : *more_) f(x);
    }
  }
  void clear() {
    for (std::size_t i = 0; i < n_; ++i) inline_[i] = T{};
    n_ = 0;
    if (more_) more_->clear();  // its capacity kept for the slot's next leg
  }

 private:
  std::array<T, N> inline_{};
  std::uint32_t n_ = 0;
  // Past N: rare, so a pointer (8 bytes in every one of 40 000 leg slots) rather than a vector (24).
  std::unique_ptr<std::vector<T>> more_;
};

}  // namespace vs::analysis
