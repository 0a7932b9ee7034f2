#include "domain/rate_limiter.hpp"

#include <algorithm>
#include <vector>

namespace messenger::domain {

void assignment_rate_limiter::expire(int64_t agent_id, timestamp now) {
  auto it = assignments_.find(agent_id);
  if (it == assignments_.end())
    return;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now - window_)
    times.pop_front();
  if (times.empty())
    assignments_.erase(it);
}

bool assignment_rate_limiter::within_limit(int64_t agent_id, timestamp now) {
  expire(agent_id, now);
  auto it = assignments_.find(agent_id);
  return it == assignments_.end() || it->second.size() < limit_;
}

void assignment_rate_limiter::record(int64_t agent_id, timestamp now) {
  assignments_[agent_id].push_back(now);
}

void assignment_rate_limiter::undo(int64_t agent_id, timestamp at) {
  auto it = assignments_.find(agent_id);
  if (it == assignments_.end())
    return;
  auto& times = it->second;
  for (auto t = times.begin(); t != times.end(); ++t)
    if (*t == at) {
      times.erase(t);
      break;
    }
  if (times.empty())
    assignments_.erase(it);
}

std::map<int64_t, uint32_t> assignment_rate_limiter::counts(timestamp now) {
  std::map<int64_t, uint32_t> out;
  std::vector<int64_t> agents;
  for (const auto& [agent, _] : assignments_)
    agents.push_back(agent);
  for (auto agent : agents) {
    expire(agent, now);
    auto it = assignments_.find(agent);
    if (it != assignments_.end())
      out[agent] = static_cast<uint32_t>(it->second.size());
  }
  return out;
}

std::vector<std::pair<int64_t, timestamp>> assignment_rate_limiter::recorded(timestamp now) {
  std::vector<std::pair<int64_t, timestamp>> out;
  for (const auto& [agent, count] : counts(now)) {
    (void) count;
    for (auto t : assignments_.at(agent))
      out.emplace_back(agent, t);
  }
  return out;
}

void assignment_rate_limiter::restore(const std::vector<std::pair<int64_t, timestamp>>& records) {
  assignments_.clear();
  for (const auto& [agent, at] : records)
    assignments_[agent].push_back(at);
  for (auto& [agent, times] : assignments_)
    std::sort(times.begin(), times.end());
}

opt_time assignment_rate_limiter::next_free(int64_t agent_id, timestamp now) {
  if (within_limit(agent_id, now))
    return std::nullopt;
  auto& times = assignments_[agent_id];
  return times[times.size() - limit_] + window_;
}

} // namespace messenger::domain
