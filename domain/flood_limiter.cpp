#include "domain/flood_limiter.hpp"

namespace messenger::domain {

void flood_limiter::expire(timestamp now) {
  // Chatwoot counts created_at >= now - 1 minute: older entries leave the window.
  while (!recent_.empty() && recent_.front() < now - window)
    recent_.pop_front();
}

bool flood_limiter::allows(timestamp now) {
  return count(now) < limit_;
}

void flood_limiter::record(timestamp at) {
  recent_.push_back(at);
}

size_t flood_limiter::count(timestamp now) {
  expire(now);
  return recent_.size();
}

} // namespace messenger::domain
