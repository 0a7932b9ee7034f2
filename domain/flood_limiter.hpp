#pragma once

#include "domain/types.hpp"

#include <cstddef>
#include <deque>

namespace messenger::domain {

/// Chatwoot's message flood limit (§4): a conversation accepts a new message only while
/// fewer than `limit` of its messages (any kind, private included) were created in the
/// last 60 s. Sliding window over the creation times the owner remembers.
class flood_limiter {
public:
  explicit flood_limiter(size_t limit = 200) : limit_(limit) {}

  /// True if a message created at `now` is allowed (does not record it).
  bool allows(timestamp now);
  /// Records a message created at `at` (every accepted message, activity included).
  void record(timestamp at);
  /// Messages inside the window ending at `now`.
  size_t count(timestamp now);
  size_t limit() const { return limit_; }

  static constexpr auto window = std::chrono::seconds{60};

private:
  void expire(timestamp now);

  size_t limit_;
  std::deque<timestamp> recent_;
};

} // namespace messenger::domain
