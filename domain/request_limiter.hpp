#pragma once

#include "domain/types.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace messenger::domain {

/// Request throttling as Rack::Attack does it: a fixed window (aligned to the epoch) with a
/// counter per key (client IP, access token); the request that exceeds `limit` within the
/// window is refused. Memory is bounded: counters of past windows are dropped when the
/// window turns, and at most `max_keys` keys are tracked (beyond that, unseen keys pass).
class request_limiter {
public:
  explicit request_limiter(duration window = std::chrono::seconds{60}, size_t max_keys = 1000000);

  /// Counts one request of `key` at `now`; false when it is over `limit`.
  bool allow(const std::string& key, uint32_t limit, timestamp now);

  /// Seconds until the current window ends (Retry-After).
  int64_t retry_after(timestamp now) const;

  size_t tracked_keys() const { return counts_.size(); }

private:
  duration window_;
  size_t max_keys_;
  int64_t current_window_ = -1;
  std::unordered_map<std::string, uint32_t> counts_;
};

} // namespace messenger::domain
