#include "domain/request_limiter.hpp"

namespace messenger::domain {

request_limiter::request_limiter(duration window, size_t max_keys)
    : window_(window),
      max_keys_(max_keys) {
  // nop
}

bool request_limiter::allow(const std::string& key, uint32_t limit, timestamp now) {
  auto index = now.time_since_epoch() / window_;
  if (index != current_window_) {
    counts_.clear();
    current_window_ = index;
  }
  auto it = counts_.find(key);
  if (it == counts_.end()) {
    if (counts_.size() >= max_keys_)
      return true;
    it = counts_.emplace(key, 0).first;
  }
  if (it->second >= limit)
    return false;
  ++it->second;
  return true;
}

int64_t request_limiter::retry_after(timestamp now) const {
  auto into = now.time_since_epoch() % window_;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(window_ - into).count();
  return left < 1 ? 1 : left;
}

} // namespace messenger::domain
