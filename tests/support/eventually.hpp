#pragma once

#include <chrono>
#include <thread>

namespace messenger::test {

/// Polls `done` with a short pause between tries (never a bare spin) until it holds or
/// `limit` has passed; returns whether it held. For outcomes that arrive asynchronously and
/// have no event a test could wait on.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

} // namespace messenger::test
