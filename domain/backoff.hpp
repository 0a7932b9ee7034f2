#pragma once

#include <chrono>
#include <cstdint>

namespace messenger::domain {

/// Exponential backoff: base * 2^attempt, capped. `attempt` counts failures so far
/// (0 for the first retry). Pure; callers add jitter if they want it.
struct backoff {
  std::chrono::milliseconds base{100};
  std::chrono::milliseconds cap{5000};

  std::chrono::milliseconds delay(uint32_t attempt) const;
};

} // namespace messenger::domain
