#pragma once
// The way every probe command drives its coroutine: spawn it on the command's io_context, run the loop
// until the coroutine is done, and then cancel the Ctrl-C signal wait (if any) so that run() returns.
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <exception>
#include <optional>
#include <system_error>
#include <utility>

namespace vs::cli {

// The coroutine's result; nullopt when it ended with an exception (an internal error).
template <typename T>
std::optional<T> runOnLoop(asio::io_context& ioc, asio::awaitable<T> work, asio::signal_set* signals = nullptr) {
  std::optional<T> out;  // set from inside: T need not be default-constructible (Result<T>)
  auto release = [signals] {
    std::error_code ignored;
    if (signals != nullptr) signals->cancel(ignored);
  };
  auto drive = [&](asio::awaitable<T> w) -> asio::awaitable<void> {
    out.emplace(co_await std::move(w));
    release();
  };
  asio::co_spawn(ioc, drive(std::move(work)), [&](std::exception_ptr e) {
    if (e) out.reset();
    release();
  });
  ioc.run();
  return out;
}

// For a coroutine that keeps its results itself: false when it ended with an exception.
inline bool runOnLoop(asio::io_context& ioc, asio::awaitable<void> work, asio::signal_set* signals = nullptr) {
  bool ok = true;
  auto release = [signals] {
    std::error_code ignored;
    if (signals != nullptr) signals->cancel(ignored);
  };
  asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr e) {
    ok = !e;
    release();
  });
  ioc.run();
  return ok;
}

}  // namespace vs::cli
