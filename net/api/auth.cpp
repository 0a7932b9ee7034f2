#include "net/api/auth.hpp"

#include "domain/types.hpp"
#include "persistence/sql.hpp"

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
  auto stmt = persistence::make_statement(
    "SELECT u.id, u.name, a.id AS account_id, coalesce(a.status, 0) AS account_status, au.role "
    "FROM access_tokens t JOIN users u ON u.id = t.owner_id "
    "LEFT JOIN accounts a ON a.id = $2 "
    "LEFT JOIN account_users au ON au.user_id = u.id AND au.account_id = $2 "
    "WHERE t.owner_type = 'User' AND t.token_digest = $1",
    {digest, std::to_string(*account)});
  query(
    ctx, std::move(stmt),
    [ctx, key, next, respond, account](persistence::result_set& rs) -> http_response {
      if (rs.rows.empty())
        return http_response::error(401, "Invalid Access Token");
      if (rs.field(0, "account_id").is_null)
        return http_response::error(404, "Resource could not be found");
      if (rs.field(0, "account_status").text == "1")
        return http_response::error(401, "Account is suspended");
      if (rs.field(0, "role").is_null)
        return http_response::error(401, "You are not authorized to access this account");
      caller who;
      who.user_id = std::stoll(rs.field(0, "id").text);
      who.name = rs.field(0, "name").text;
      who.administrator = rs.field(0, "role").text == "1";
      who.account_id = *account;
      if (ctx.caches)
        ctx.caches->callers.put(key, who);
      next(who);
      return deferred(); // `next` answers the request itself
    },
    pass_on(respond));
}

} // namespace messenger::net::api
