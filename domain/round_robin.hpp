#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <vector>

namespace messenger::domain {

/// Chatwoot's InboxRoundRobinService (§9.3) without Redis: a list of user ids, head
/// first. A new member is pushed to the head (picked after the existing ones); a pick
/// takes the eligible id closest to the tail (least recently picked) and moves it to the
/// head. Before every pick the ring heals itself against the inbox's member list.
class round_robin_ring {
public:
  /// LPUSH: a member added to the inbox.
  void add(int64_t user_id);
  /// LREM: a member removed from the inbox.
  void remove(int64_t user_id);
  /// DEL + LPUSH of every member, in the order they were added.
  void reset(const std::vector<int64_t>& members_in_added_order);
  /// The ring as it was saved (`head_first`, as `order()` gave it), brought up to date with
  /// the members: those removed since are dropped (LREM), those added since are pushed to
  /// the head in the order they were added (LPUSH). A ring never saved starts from `reset`.
  void restore(const std::vector<int64_t>& head_first,
               const std::vector<int64_t>& members_in_added_order);

  /// Self-heals against `members_in_added_order`, then picks among `allowed`.
  std::optional<int64_t> pick(const std::vector<int64_t>& members_in_added_order,
                              const std::set<int64_t>& allowed);

  /// Head first (the most recently picked / newest member first).
  const std::deque<int64_t>& order() const { return queue_; }

private:
  std::deque<int64_t> queue_;
};

} // namespace messenger::domain
