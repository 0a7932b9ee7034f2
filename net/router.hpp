#pragma once

#include "net/http_types.hpp"

#include <string>
#include <vector>

namespace messenger::net {

/// (method, path pattern) -> handler. Patterns are split on '/'; a segment ":name"
/// captures one path segment into request.params["name"]. Unknown paths get 404 and a
/// known path with another method 405, both with Chatwoot's {"error": ...} body.
class router {
public:
  void add(std::string method, const std::string& pattern, handler fn);

  /// The pattern of the route `req` would be dispatched to (empty: none), for metrics.
  std::string pattern_of(const http_request& req) const;

  /// Finds the handler and calls it; responds itself on 404/405.
  void dispatch(http_request& req, const responder& respond) const;

private:
  struct route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    handler fn;
  };
  static std::vector<std::string> split(const std::string& path);
  static bool match(const route& r, const std::vector<std::string>& segments, http_request& req);

  std::vector<route> routes_;
};

} // namespace messenger::net
