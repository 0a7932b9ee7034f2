#include "net/throttle.hpp"

#include <algorithm>
#include <chrono>

namespace messenger::net {

throttle::throttle(throttle_options opts) : opts_(std::move(opts)) {
  // nop
}

std::optional<http_response> throttle::check(const http_request& req) {
  if (opts_.per_ip == 0 && opts_.per_token == 0)
    return std::nullopt;
  if (std::find(opts_.allowed_ips.begin(), opts_.allowed_ips.end(), req.remote_ip)
      != opts_.allowed_ips.end())
    return std::nullopt;
  auto now = std::chrono::time_point_cast<domain::duration>(
    opts_.clock ? opts_.clock() : std::chrono::system_clock::now());
  auto token = req.header("api_access_token");
  std::lock_guard<std::mutex> guard{mutex_};
  bool ok = opts_.per_ip == 0 || limiter_.allow("ip:" + req.remote_ip, opts_.per_ip, now);
  if (ok && opts_.per_token > 0 && !token.empty())
    ok = limiter_.allow("token:" + token, opts_.per_token, now);
  if (ok)
    return std::nullopt;
  auto res = http_response::error(429, "Retry later");
  res.headers.emplace_back("Retry-After", std::to_string(limiter_.retry_after(now)));
  return res;
}

} // namespace messenger::net
