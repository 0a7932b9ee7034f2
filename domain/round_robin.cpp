#include "domain/round_robin.hpp"

#include <algorithm>

namespace messenger::domain {

void round_robin_ring::add(int64_t user_id) {
  queue_.push_front(user_id);
}

void round_robin_ring::remove(int64_t user_id) {
  queue_.erase(std::remove(queue_.begin(), queue_.end(), user_id), queue_.end());
}

void round_robin_ring::reset(const std::vector<int64_t>& members_in_added_order) {
  queue_.clear();
  for (auto id : members_in_added_order)
    queue_.push_front(id);
}

void round_robin_ring::restore(const std::vector<int64_t>& head_first,
                               const std::vector<int64_t>& members_in_added_order) {
  if (head_first.empty()) {
    reset(members_in_added_order);
    return;
  }
  std::set<int64_t> members(members_in_added_order.begin(), members_in_added_order.end());
  std::set<int64_t> kept;
  queue_.clear();
  for (auto id : head_first)
    if (members.count(id) != 0 && kept.insert(id).second)
      queue_.push_back(id);
  for (auto id : members_in_added_order)
    if (kept.count(id) == 0)
      add(id);
}

std::optional<int64_t> round_robin_ring::pick(const std::vector<int64_t>& members_in_added_order,
                                              const std::set<int64_t>& allowed) {
  std::vector<int64_t> want(members_in_added_order);
  std::vector<int64_t> have(queue_.begin(), queue_.end());
  std::sort(want.begin(), want.end());
  std::sort(have.begin(), have.end());
  if (want != have)
    reset(members_in_added_order);
  if (allowed.empty())
    return std::nullopt;
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
    if (allowed.count(*it) != 0) {
      auto picked = *it;
      remove(picked);
      queue_.push_front(picked);
      return picked;
    }
  }
  return std::nullopt;
}

} // namespace messenger::domain
