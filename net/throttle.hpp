#pragma once

#include "domain/request_limiter.hpp"
#include "net/http_types.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace messenger::net {

struct throttle_options {
  uint32_t per_ip = 0;                  ///< requests per minute per client IP; 0 = unlimited
  uint32_t per_token = 0;               ///< requests per minute per api_access_token; 0 = unlimited
  std::vector<std::string> allowed_ips; ///< exempt from every limit (Rack::Attack safelist)
  /// The wall clock the windows follow; empty: std::chrono::system_clock (tests set it).
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// The edge's request rate limit (Chatwoot's Rack::Attack): per client IP and per access
/// token, one-minute windows, 429 beyond. Safe to call from any I/O thread.
class throttle {
public:
  explicit throttle(throttle_options opts);

  /// The 429 answer when `req` is over a limit at the clock's time now, else nothing.
  std::optional<http_response> check(const http_request& req);

private:
  throttle_options opts_;
  std::mutex mutex_;
  domain::request_limiter limiter_;
};

} // namespace messenger::net
