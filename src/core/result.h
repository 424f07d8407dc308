#pragma once
// Result<T>: a value or an Error. Untrusted input and environment failures are values, never exceptions
// that escape a layer and never exit() below main.
#include <cassert>
#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace vs {

struct Error {
  std::string message;
  // Where in the input the problem is (byte offset, or 0 when not applicable).
  std::size_t offset = 0;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using VoidResult = Result<Ok>;

inline Error makeError(std::string message, std::size_t offset = 0) { return Error{std::move(message), offset}; }

}  // namespace vs
