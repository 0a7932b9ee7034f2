#include "net/router.hpp"

#include "common/log.hpp"

#include <nlohmann/json.hpp>

namespace messenger::net {

std::vector<std::string> router::split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    if (end > start)
      out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void router::add(std::string method, const std::string& pattern, handler fn) {
  routes_.push_back({std::move(method), pattern, split(pattern), std::move(fn)});
}

bool router::match(const route& r, const std::vector<std::string>& segments, http_request& req) {
  if (r.segments.size() != segments.size())
    return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& want = r.segments[i];
    if (!want.empty() && want.front() == ':')
      continue;
    if (want != segments[i])
      return false;
  }
  for (size_t i = 0; i < segments.size(); ++i)
    if (!r.segments[i].empty() && r.segments[i].front() == ':')
      req.params[r.segments[i].substr(1)] = segments[i];
  return true;
}

std::string router::pattern_of(const http_request& req) const {
  auto segments = split(req.path);
  http_request probe;
  for (const auto& r : routes_)
    if (r.method == req.method && match(r, segments, probe))
      return r.pattern;
  return {};
}

void router::dispatch(http_request& req, const responder& respond) const {
  auto segments = split(req.path);
  bool path_known = false;
  for (const auto& r : routes_) {
    if (r.method != req.method) {
      http_request probe;
      path_known = path_known || match(r, segments, probe);
      continue;
    }
    if (match(r, segments, req)) {
      req.route = r.pattern;
      try {
        r.fn(req, respond);
      } catch (const nlohmann::json::exception& e) {
        // Handlers check member types before they read (params.hpp's readers answer 422
        // without exceptions); a typed read that still throws is a handler bug. The client
        // still gets a 422, never a 500, and the bug is logged.
        log::warn("api_unchecked_json_read", log::fields{}("route", r.pattern)("error", e.what()));
        respond(http_response::error(422, std::string{"Validation failed: "} + e.what()));
      }
      return;
    }
  }
  if (path_known)
    respond(http_response::error(405, "Method Not Allowed"));
  else
    respond(http_response::error(404, "Resource could not be found"));
}

} // namespace messenger::net
