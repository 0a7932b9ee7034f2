#pragma once

#include "domain/types.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <utility>
#include <vector>

namespace messenger::domain {

/// Assignment fairness (§9.6): at most `limit` assignments per agent within a sliding
/// `window` (per inbox: one limiter per inbox actor). Always on in messenger.
class assignment_rate_limiter {
public:
  assignment_rate_limiter(uint32_t limit, std::chrono::seconds window)
      : limit_(limit),
        window_(window) {}

  bool within_limit(int64_t agent_id, timestamp now);
  void record(int64_t agent_id, timestamp now);
  /// Takes back a record made at `at` (an assignment that did not happen after all).
  void undo(int64_t agent_id, timestamp at);
  /// Assignments per agent inside the window ending at `now` (agents with zero omitted).
  std::map<int64_t, uint32_t> counts(timestamp now);
  /// When the oldest assignment of `agent_id` leaves the window (nullopt: not limited).
  opt_time next_free(int64_t agent_id, timestamp now);
  /// Every assignment inside the window ending at `now`, (agent, time), per agent oldest
  /// first: what a handoff carries to the inbox's next owner.
  std::vector<std::pair<int64_t, timestamp>> recorded(timestamp now);
  /// Replaces the records with `records` (as `recorded` gave them).
  void restore(const std::vector<std::pair<int64_t, timestamp>>& records);
  uint32_t limit() const { return limit_; }
  std::chrono::seconds window() const { return window_; }

private:
  void expire(int64_t agent_id, timestamp now);

  uint32_t limit_;
  std::chrono::seconds window_;
  std::map<int64_t, std::deque<timestamp>> assignments_;
};

} // namespace messenger::domain
