#pragma once

#include "net/api/context.hpp"

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

/// Authenticates `api_access_token` (by digest) and the caller's membership in the
/// `:account_id` of the path, with Chatwoot's answers: 401 "Invalid Access Token", 404 for
/// an unknown account, 401 "Account is suspended", 401 "You are not authorized to access
/// this account". Calls `next` with the caller otherwise.
void with_account_user(const context& ctx, const http_request& req, const responder& respond,
                       std::function<void(caller)> next);

/// Parses a path parameter made of digits.
std::optional<int64_t> id_param(const http_request& req, const std::string& name);

} // namespace messenger::net::api
