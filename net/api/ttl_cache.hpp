#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace messenger::net::api {

/// A small thread-safe cache whose entries expire after `ttl` (the edge keeps answers of
/// authentication and policy queries this long). Bounded: when full, it starts over.
template <class Value>
class ttl_cache {
public:
  using clock_type = std::chrono::steady_clock;

  ttl_cache(std::chrono::milliseconds ttl, size_t max_entries)
      : ttl_(ttl),
        max_entries_(max_entries) {
    // nop
  }

  std::optional<Value> get(const std::string& key) {
    if (ttl_.count() == 0)
      return std::nullopt;
    std::lock_guard<std::mutex> guard{mutex_};
    auto it = entries_.find(key);
    if (it == entries_.end())
      return std::nullopt;
    if (clock_type::now() >= it->second.second) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.first;
  }

  void put(const std::string& key, Value value) {
    if (ttl_.count() == 0)
      return;
    std::lock_guard<std::mutex> guard{mutex_};
    if (entries_.size() >= max_entries_)
      entries_.clear();
    entries_[key] = {std::move(value), clock_type::now() + ttl_};
  }

private:
  std::chrono::milliseconds ttl_;
  size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::pair<Value, clock_type::time_point>> entries_;
};

} // namespace messenger::net::api
