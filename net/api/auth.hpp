#pragma once

#include "net/api/context.hpp"
#include "net/api/ttl_cache.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace messenger::net::api {

/// The authenticated user of an Application API request, inside one account.
struct caller {
  int64_t user_id = 0;
  std::string name;
  bool administrator = false;
  int64_t account_id = 0;
};

/// A conversation addressed by (account, display id) as one user may see it.
struct conversation_access {
  int64_t conversation_id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  bool allowed = false;
};

/// Positive answers of the authentication and policy queries, kept for a short time (2 s by
/// default): a grant counts at once, a revoked token or membership is refused at the latest
/// that much later.
struct edge_caches {
  explicit edge_caches(std::chrono::milliseconds ttl) : callers(ttl, 100000), access(ttl, 200000) {}
  ttl_cache<caller> callers;             ///< key: token digest + account id
  ttl_cache<conversation_access> access; ///< key: user, account, display id
};

/// Authenticates `api_access_token` (by digest) and the caller's membership in the
/// `:account_id` of the path, with Chatwoot's answers: 401 "Invalid Access Token", 404 for
/// an unknown account, 401 "Account is suspended", 401 "You are not authorized to access
/// this account". Calls `next` with the caller otherwise.
void with_account_user(const context& ctx, const http_request& req, const responder& respond,
                       std::function<void(caller)> next);

/// Parses a path parameter made of digits.
std::optional<int64_t> id_param(const http_request& req, const std::string& name);

} // namespace messenger::net::api
