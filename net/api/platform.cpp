#include "net/api/platform.hpp"

#include "net/api/auth.hpp"
#include "persistence/sql.hpp"

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::make_statement;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;

// Column lists are macros so the queries stay string literals (g++ 12 -O3 reports a false
// -Wrestrict on std::string concatenation).
#define ACCOUNT_COLUMNS                                                                            \
  "id, name, coalesce(locale, 0) AS locale, domain, support_email, coalesce(status, 0) AS "        \
  "status, "                                                                                       \
  "coalesce(custom_attributes, '{}')::text AS custom_attributes, "                                 \
  "coalesce(limits, '{}')::text AS limits"

#define USER_COLUMNS                                                                               \
  "u.id, u.name, u.display_name, u.email, u.uid, u.provider, u.pubsub_token, u.type, "             \
  "coalesce(u.custom_attributes, '{}')::text AS custom_attributes, u.message_signature, "          \
  "coalesce(u.ui_settings, '{}')::text AS ui_settings, "                                           \
  "coalesce((SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'role', "               \
  "CASE au.role WHEN 1 THEN 'administrator' ELSE 'agent' END, 'status', "                          \
  "CASE a.status WHEN 1 THEN 'suspended' ELSE 'active' END, 'availability', CASE au.availability " \
  "WHEN 0 THEN 'online' WHEN 2 THEN 'busy' ELSE 'offline' END, 'availability_status', CASE "       \
  "au.availability WHEN 0 THEN 'online' WHEN 2 THEN 'busy' ELSE 'offline' END, 'auto_offline', "   \
  "au.auto_offline) ORDER BY a.id)::text "                                                         \
  "FROM account_users au JOIN accounts a ON a.id = au.account_id WHERE au.user_id = u.id), "       \
  "'[]') AS accounts"

json parse_object(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  return doc.is_object() ? doc : json::object();
}

json text_or_null(const persistence::sql_value& v) {
  return v.is_null ? json(nullptr) : json(v.text);
}

json account_json(const result_set& rs, size_t row = 0) {
  static const char* statuses[] = {"active", "suspended"};
  auto status = std::stoi(rs.field(row, "status").text);
  return {{"id", std::stoll(rs.field(row, "id").text)},
          {"name", rs.field(row, "name").text},
          {"locale", std::stoi(rs.field(row, "locale").text) == 0 ? "en" : "en"},
          {"domain", text_or_null(rs.field(row, "domain"))},
          {"support_email", text_or_null(rs.field(row, "support_email"))},
          {"status", statuses[status == 1 ? 1 : 0]},
          {"custom_attributes", parse_object(rs.field(row, "custom_attributes").text)},
          {"limits", parse_object(rs.field(row, "limits").text)}};
}

json user_json(const result_set& rs, const std::string& access_token, size_t row = 0) {
  auto name = rs.field(row, "name").text;
  auto display = rs.field(row, "display_name");
  auto accounts = json::parse(rs.field(row, "accounts").text, nullptr, false);
  return {{"id", std::stoll(rs.field(row, "id").text)},
          {"access_token", access_token},
          {"available_name", display.is_null || display.text.empty() ? name : display.text},
          {"avatar_url", ""},
          {"confirmed", true},
          {"display_name", text_or_null(display)},
          {"message_signature", text_or_null(rs.field(row, "message_signature"))},
          {"email", rs.field(row, "email").text},
          {"name", name},
          {"provider", rs.field(row, "provider").text},
          {"pubsub_token", rs.field(row, "pubsub_token").text},
          {"uid", rs.field(row, "uid").text},
          {"type", text_or_null(rs.field(row, "type"))},
          {"custom_attributes", parse_object(rs.field(row, "custom_attributes").text)},
          {"ui_settings", parse_object(rs.field(row, "ui_settings").text)},
          {"accounts", accounts.is_array() ? accounts : json::array()}};
}

std::string str_or_empty(const json& doc, const char* key) {
  return doc.contains(key) && doc[key].is_string() ? doc[key].get<std::string>() : std::string{};
}

std::optional<std::string> opt_str(const json& doc, const char* key) {
  if (doc.contains(key) && doc[key].is_string())
    return doc[key].get<std::string>();
  return std::nullopt;
}

std::optional<std::string> opt_object_text(const json& doc, const char* key) {
  if (doc.contains(key) && doc[key].is_object())
    return doc[key].dump();
  return std::nullopt;
}

/// Wraps a handler with the platform-token check.
handler platform_only(const context& ctx, handler fn) {
  return [token = ctx.platform_token, fn](http_request& req, responder respond) {
    if (!secure_equals(req.header("api_access_token"), token)) {
      respond(http_response::error(401, "Invalid Access Token"));
      return;
    }
    fn(req, std::move(respond));
  };
}

http_response ok_json(const json& j) {
  return http_response::json(200, j.dump());
}

std::string role_text(const json& doc) {
  auto role = str_or_empty(doc, "role");
  return role == "administrator" ? "1" : "0";
}

} // namespace

void add_platform_routes(router& routes, const context& ctx) {
  const std::string base = "/platform/api/v1";
  auto not_found = [](result_set& rs, auto build) {
    return rs.rows.empty() ? http_response::error(404, "Resource could not be found") : build(rs);
  };

  routes.add(
    "POST", base + "/accounts", platform_only(ctx, [ctx](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      auto name = str_or_empty(*body, "name");
      if (name.empty())
        return respond(http_response::error(422, "Name can't be blank"));
      auto sql = "INSERT INTO accounts (name, domain, support_email, custom_attributes, "
                 "limits, created_at, updated_at) VALUES ($1, $2, $3, "
                 "coalesce($4::jsonb, '{}'), coalesce($5::jsonb, '{}'), now() AT TIME "
                 "ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING " ACCOUNT_COLUMNS;
      write(
        ctx,
        write_command{{make_statement(
          sql, {name, opt_str(*body, "domain"), opt_str(*body, "support_email"),
                opt_object_text(*body, "custom_attributes"), opt_object_text(*body, "limits")})}},
        [](write_result& res) { return ok_json(account_json(res.results.at(0))); }, respond);
    }));

  routes.add("GET", base + "/accounts/:account_id",
             platform_only(ctx, [ctx, not_found](http_request& req, responder respond) {
               auto id = id_param(req, "account_id");
               if (!id)
                 return respond(http_response::error(404, "Resource could not be found"));
               query(
                 ctx,
                 make_statement("SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = $1",
                                {std::to_string(*id)}),
                 [not_found](result_set& rs) {
                   return not_found(rs, [](result_set& r) { return ok_json(account_json(r)); });
                 },
                 respond);
             }));

  routes.add(
    "PATCH", base + "/accounts/:account_id",
    platform_only(ctx, [ctx, not_found](http_request& req, responder respond) {
      auto id = id_param(req, "account_id");
      auto body = body_of(req, respond);
      if (!body)
        return;
      if (!id)
        return respond(http_response::error(404, "Resource could not be found"));
      auto sql = "UPDATE accounts SET name = coalesce(NULLIF($2, ''), name), domain = "
                 "coalesce($3, domain), support_email = coalesce($4, support_email), "
                 "custom_attributes = coalesce($5::jsonb, custom_attributes), limits = "
                 "coalesce($6::jsonb, limits), status = coalesce($7::int, status), "
                 "updated_at = now() AT TIME ZONE 'utc' WHERE id = $1 RETURNING " ACCOUNT_COLUMNS;
      std::optional<std::string> status;
      if (auto s = opt_str(*body, "status"))
        status.emplace(1, *s == "suspended" ? '1' : '0'); // (g++ 12 -O3 -Wrestrict)
      write(
        ctx,
        write_command{{make_statement(
          sql, {std::to_string(*id), str_or_empty(*body, "name"), opt_str(*body, "domain"),
                opt_str(*body, "support_email"), opt_object_text(*body, "custom_attributes"),
                opt_object_text(*body, "limits"), status})}},
        [not_found](write_result& res) {
          return not_found(res.results.at(0),
                           [](result_set& r) { return ok_json(account_json(r)); });
        },
        respond);
    }));

  routes.add("DELETE", base + "/accounts/:account_id",
             platform_only(ctx, [ctx](http_request& req, responder respond) {
               auto id = id_param(req, "account_id");
               if (!id)
                 return respond(http_response::error(404, "Resource could not be found"));
               // The account's live conversation and inbox actors are retired first.
               retire_and_write(
                 ctx, actors::retire_scope::account, *id,
                 write_command{{make_statement("DELETE FROM account_users WHERE account_id = $1",
                                               {std::to_string(*id)}),
                                make_statement("DELETE FROM accounts WHERE id = $1 RETURNING id",
                                               {std::to_string(*id)})}},
                 [](write_result& res) {
                   return res.results.at(1).rows.empty()
                            ? http_response::error(404, "Resource could not be found")
                            : http_response::json(200, "");
                 },
                 respond);
             }));

  routes.add(
    "POST", base + "/users", platform_only(ctx, [ctx](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      auto name = str_or_empty(*body, "name");
      auto email = str_or_empty(*body, "email");
      if (name.empty() || email.empty() || email.find('@') == std::string::npos)
        return respond(
          http_response::error(422, name.empty() ? "Name can't be blank" : "Email is invalid"));
      auto token = secure_token();
      auto sql = "WITH u AS (INSERT INTO users (name, display_name, email, uid, "
                 "provider, encrypted_password, pubsub_token, custom_attributes, "
                 "confirmed_at, created_at, updated_at) VALUES ($1, $2, lower($3), "
                 "lower($3), 'email', crypt(coalesce($4, $5), gen_salt('bf', 8)), $6, "
                 "coalesce($7::jsonb, '{}'), now() AT TIME ZONE 'utc', now() AT TIME "
                 "ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING *), t AS (INSERT INTO "
                 "access_tokens (owner_type, owner_id, token_digest, created_at, "
                 "updated_at) SELECT 'User', id, $8, now() AT TIME ZONE 'utc', now() AT "
                 "TIME ZONE 'utc' FROM u) SELECT " USER_COLUMNS " FROM u";
      write(
        ctx,
        write_command{
          {make_statement(sql, {name, opt_str(*body, "display_name"), email,
                                opt_str(*body, "password"), secure_token(), secure_token(),
                                opt_object_text(*body, "custom_attributes"), sha256_hex(token)})}},
        [token](write_result& res) { return ok_json(user_json(res.results.at(0), token)); },
        respond);
    }));

  routes.add("GET", base + "/users/:id",
             platform_only(ctx, [ctx, not_found](http_request& req, responder respond) {
               auto id = id_param(req, "id");
               if (!id)
                 return respond(http_response::error(404, "Resource could not be found"));
               query(
                 ctx,
                 make_statement("SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1",
                                {std::to_string(*id)}),
                 [not_found](result_set& rs) {
                   // Tokens are stored as digests: the token itself is only shown when
                   // it is created (POST) and to its owner (GET /api/v1/profile).
                   return not_found(rs, [](result_set& r) { return ok_json(user_json(r, "")); });
                 },
                 respond);
             }));

  routes.add(
    "PATCH", base + "/users/:id",
    platform_only(ctx, [ctx, not_found](http_request& req, responder respond) {
      auto id = id_param(req, "id");
      auto body = body_of(req, respond);
      if (!body)
        return;
      if (!id)
        return respond(http_response::error(404, "Resource could not be found"));
      auto sql = "WITH u AS (UPDATE users SET name = coalesce(NULLIF($2, ''), "
                 "name), display_name = coalesce($3, display_name), email = "
                 "coalesce(lower($4), email), custom_attributes = "
                 "coalesce($5::jsonb, custom_attributes), updated_at = now() "
                 "AT TIME ZONE 'utc' WHERE id = $1 RETURNING *) SELECT " USER_COLUMNS " FROM u";
      write(
        ctx,
        write_command{{make_statement(sql, {std::to_string(*id), str_or_empty(*body, "name"),
                                            opt_str(*body, "display_name"), opt_str(*body, "email"),
                                            opt_object_text(*body, "custom_attributes")})}},
        [not_found](write_result& res) {
          return not_found(res.results.at(0),
                           [](result_set& r) { return ok_json(user_json(r, "")); });
        },
        respond);
    }));

  routes.add(
    "DELETE", base + "/users/:id", platform_only(ctx, [ctx](http_request& req, responder respond) {
      auto id = id_param(req, "id");
      if (!id)
        return respond(http_response::error(404, "Resource could not be found"));
      auto uid = std::to_string(*id);
      write(
        ctx,
        write_command{{make_statement("DELETE FROM access_tokens WHERE owner_type = 'User' AND "
                                      "owner_id = $1",
                                      {uid}),
                       make_statement("DELETE FROM account_users WHERE user_id = $1", {uid}),
                       make_statement("DELETE FROM inbox_members WHERE user_id = $1", {uid}),
                       make_statement("DELETE FROM users WHERE id = $1 RETURNING id", {uid})}},
        [](write_result& res) {
          return res.results.at(3).rows.empty()
                   ? http_response::error(404, "Resource could not be found")
                   : http_response::json(200, "");
        },
        respond);
    }));

  auto account_users_json = [](result_set& rs) {
    json out = json::array();
    for (size_t i = 0; i < rs.rows.size(); ++i)
      out.push_back({{"account_id", std::stoll(rs.field(i, "account_id").text)},
                     {"user_id", std::stoll(rs.field(i, "user_id").text)},
                     {"role", rs.field(i, "role").text == "1" ? "administrator" : "agent"}});
    return out;
  };

  routes.add("GET", base + "/accounts/:account_id/account_users",
             platform_only(ctx, [ctx, account_users_json](http_request& req, responder respond) {
               auto id = id_param(req, "account_id");
               if (!id)
                 return respond(http_response::error(404, "Resource could not be found"));
               query(
                 ctx,
                 make_statement("SELECT account_id, user_id, role FROM account_users WHERE "
                                "account_id = $1 AND EXISTS (SELECT 1 FROM accounts WHERE id "
                                "= $1) ORDER BY id",
                                {std::to_string(*id)}),
                 [account_users_json](result_set& rs) { return ok_json(account_users_json(rs)); },
                 respond);
             }));

  routes.add("POST", base + "/accounts/:account_id/account_users",
             platform_only(ctx, [ctx, account_users_json](http_request& req, responder respond) {
               auto id = id_param(req, "account_id");
               auto body = body_of(req, respond);
               if (!body)
                 return;
               if (!id)
                 return respond(http_response::error(404, "Resource could not be found"));
               if (!body->contains("user_id") || !(*body)["user_id"].is_number_integer())
                 return respond(http_response::error(422, "user_id is required"));
               auto user = std::to_string((*body)["user_id"].get<int64_t>());
               write(
                 ctx,
                 write_command{{make_statement(
                   "INSERT INTO account_users (account_id, user_id, role, created_at, "
                   "updated_at) SELECT a.id, u.id, $3, now() AT TIME ZONE 'utc', now() AT "
                   "TIME ZONE 'utc' FROM accounts a, users u WHERE a.id = $1 AND u.id = $2 "
                   "ON CONFLICT (account_id, user_id) DO UPDATE SET role = excluded.role "
                   "RETURNING account_id, user_id, role",
                   {std::to_string(*id), user, role_text(*body)})}},
                 [account_users_json](write_result& res) {
                   auto list = account_users_json(res.results.at(0));
                   return list.empty() ? http_response::error(404, "Resource could not be found")
                                       : ok_json(list.at(0));
                 },
                 respond);
             }));

  routes.add("DELETE", base + "/accounts/:account_id/account_users",
             platform_only(ctx, [ctx](http_request& req, responder respond) {
               auto id = id_param(req, "account_id");
               auto body = body_of(req, respond);
               if (!body)
                 return;
               if (!id || !body->contains("user_id") || !(*body)["user_id"].is_number_integer())
                 return respond(http_response::error(404, "Resource could not be found"));
               write(
                 ctx,
                 write_command{{make_statement(
                   "DELETE FROM account_users WHERE account_id = $1 AND user_id = $2 "
                   "RETURNING id",
                   {std::to_string(*id), std::to_string((*body)["user_id"].get<int64_t>())})}},
                 [](write_result& res) {
                   return res.results.at(0).rows.empty()
                            ? http_response::error(404, "Resource could not be found")
                            : http_response::json(200, "");
                 },
                 respond);
             }));
}

void respond_profile(const context& ctx, const std::string& token, responder respond) {
  query(
    ctx,
    make_statement("SELECT " USER_COLUMNS " FROM access_tokens t JOIN users u ON u.id = "
                   "t.owner_id WHERE t.owner_type = 'User' AND t.token_digest = $1",
                   {sha256_hex(token)}),
    [token](result_set& rs) {
      return rs.rows.empty() ? http_response::error(401, "Invalid Access Token")
                             : ok_json(user_json(rs, token));
    },
    std::move(respond));
}

void add_profile_routes(router& routes, const context& ctx) {
  routes.add("GET", "/api/v1/profile", [ctx](http_request& req, responder respond) {
    auto token = req.header("api_access_token");
    if (token.empty())
      return respond(http_response::error(401, "Invalid Access Token"));
    respond_profile(ctx, token, std::move(respond));
  });

  // PUT /api/v1/profile {profile: {name, display_name, email, message_signature,
  // ui_settings}}: the caller's own user.
  routes.add("PUT", "/api/v1/profile", [ctx](http_request& req, responder respond) {
    auto token = req.header("api_access_token");
    auto body = body_of(req, respond);
    if (!body)
      return;
    if (token.empty())
      return respond(http_response::error(401, "Invalid Access Token"));
    const json profile
      = body->contains("profile") && (*body)["profile"].is_object() ? (*body)["profile"] : *body;
    auto email = opt_str(profile, "email");
    if (email && email->find('@') == std::string::npos)
      return respond(http_response::error(422, "Email is invalid"));
    auto sql = "UPDATE users u SET name = coalesce(NULLIF($2, ''), u.name), display_name = "
               "coalesce($3, u.display_name), email = coalesce(lower($4), u.email), "
               "message_signature = coalesce($5, u.message_signature), ui_settings = "
               "coalesce(u.ui_settings, '{}') || coalesce($6::jsonb, '{}'), updated_at = now() AT "
               "TIME ZONE 'utc' FROM access_tokens t WHERE t.owner_type = 'User' AND "
               "t.token_digest = $1 AND u.id = t.owner_id RETURNING u.id";
    write(
      ctx,
      write_command{{make_statement(sql, {sha256_hex(token), str_or_empty(profile, "name"),
                                          opt_str(profile, "display_name"), email,
                                          opt_str(profile, "message_signature"),
                                          opt_object_text(profile, "ui_settings")})}},
      [ctx, token, respond](write_result& res) {
        if (res.results.at(0).rows.empty())
          return http_response::error(401, "Invalid Access Token");
        respond_profile(ctx, token, respond);
        return deferred();
      },
      pass_on(respond));
  });
}

} // namespace messenger::net::api
