#include "net/api/auth.hpp"

#include "domain/types.hpp"
#include "persistence/queries/auth.hpp"

namespace messenger::net::api {

std::optional<int64_t> id_param(const http_request& req, const std::string& name) {
  auto it = req.params.find(name);
  if (it == req.params.end())
    return std::nullopt;
  return domain::parse_id(it->second);
}

std::shared_ptr<edge_caches> make_edge_caches(std::chrono::milliseconds ttl) {
  return std::make_shared<edge_caches>(ttl);
}

void with_account_user(const context& ctx, const http_request& req, const responder& respond,
                       std::function<void(caller)> next) {
  auto token = req.header("api_access_token");
  auto account = id_param(req, "account_id");
  if (token.empty())
    return respond(http_response::error(401, "Invalid Access Token"));
  if (!account)
    return respond(http_response::error(404, "Resource could not be found"));
  auto digest = sha256_hex(token);
  auto key = digest + "/" + std::to_string(*account);
  if (ctx.caches)
    if (auto hit = ctx.caches->callers.get(key))
      return next(*hit);
  query(
    ctx, persistence::queries::auth::account_user(digest, *account),
    [ctx, key, next, account](persistence::result_set& rs) -> http_response {
      auto row = persistence::queries::auth::read_account_user(rs);
      if (!row)
        return http_response::error(401, "Invalid Access Token");
      if (!row->account_exists)
        return http_response::error(404, "Resource could not be found");
      if (row->account_suspended)
        return http_response::error(401, "Account is suspended");
      if (!row->role)
        return http_response::error(401, "You are not authorized to access this account");
      caller who;
      who.user_id = row->user_id;
      who.name = row->name;
      who.administrator = *row->role == 1;
      who.account_id = *account;
      if (ctx.caches)
        ctx.caches->callers.put(key, who);
      next(who);
      return deferred(); // `next` answers the request itself
    },
    pass_on(respond));
}

} // namespace messenger::net::api
