#pragma once

#include "net/api/auth.hpp"
#include "net/api/context.hpp"
#include "persistence/queries/row.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <utility>

/// Small helpers shared by the contacts, inboxes and Client API handlers.
namespace messenger::net::api::common {

/// A route handler of the form `void f(const context&, http_request&, responder)`.
using context_handler = void (*)(const context&, http_request&, responder);

/// The router's handler calling `fn` with `ctx`.
inline handler bind(const context& ctx, context_handler fn) {
  return [ctx, fn](http_request& req, responder respond) { fn(ctx, req, std::move(respond)); };
}

/// A JSON document rendered by SQL, parsed.
inline nlohmann::json parsed(const persistence::queries::json_doc& doc) {
  return nlohmann::json::parse(doc.json);
}

/// Authenticates the caller (with_account_user), then runs `next` with the caller and the
/// path parameter `name` (digits), or answers 404 when it is not an id.
inline void with_path_id(const context& ctx, const http_request& req, const responder& respond,
                         const char* name, std::function<void(caller, int64_t)> next) {
  auto id = id_param(req, name);
  with_account_user(ctx, req, respond, [respond, id, next](caller who) {
    if (!id)
      return respond(not_found());
    next(who, *id);
  });
}

/// As with_path_id, for administrators only: 401 (not_admin) before the 404.
inline void with_admin_path_id(const context& ctx, const http_request& req,
                               const responder& respond, const char* name,
                               std::function<void(caller, int64_t)> next) {
  auto id = id_param(req, name);
  with_account_user(ctx, req, respond, [respond, id, next](caller who) {
    if (!who.administrator)
      return respond(not_admin());
    if (!id)
      return respond(not_found());
    next(who, *id);
  });
}

} // namespace messenger::net::api::common
