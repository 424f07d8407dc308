#pragma once
// Drives one test coroutine on an io_context with a hard time limit, so no test can hang. Rethrows what
// the coroutine threw, so a failed ASSERT inside it (which throws nothing) or an exception both surface.
#include <gtest/gtest.h>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <exception>

namespace vs::testing {

inline void runFor(asio::io_context& ioc, asio::awaitable<void> body,
                   std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
    error = e;
    done = true;
    ioc.stop();
  });
  ioc.restart();
  ioc.run_for(limit);
  ASSERT_TRUE(done) << "test coroutine did not finish within " << limit.count() << " ms";
  if (error) std::rethrow_exception(error);
}

}  // namespace vs::testing
