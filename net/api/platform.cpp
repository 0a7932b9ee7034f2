#include "net/api/platform.hpp"

#include "net/api/auth.hpp"
#include "persistence/queries/platform.hpp"

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

namespace platform = persistence::queries::platform;
using json = nlohmann::json;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;

json parse_object(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  return doc.is_object() ? doc : json::object();
}

json text_or_null(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

json account_json(const platform::account_row& row) {
  return {{"id", row.id},
          {"name", row.name},
          {"locale", "en"},
          {"domain", text_or_null(row.domain)},
          {"support_email", text_or_null(row.support_email)},
          {"status", row.status == 1 ? "suspended" : "active"},
          {"custom_attributes", parse_object(row.custom_attributes_json)},
          {"limits", parse_object(row.limits_json)}};
}

json user_json(const platform::user_row& row, const std::string& access_token) {
  auto accounts = json::parse(row.accounts_json, nullptr, false);
  const auto& display = row.display_name;
  return {{"id", row.id},
          {"access_token", access_token},
          {"available_name", !display || display->empty() ? row.name : *display},
          {"avatar_url", ""},
          {"confirmed", true},
          {"display_name", text_or_null(display)},
          {"message_signature", text_or_null(row.message_signature)},
          {"email", row.email},
          {"name", row.name},
          {"provider", row.provider},
          {"pubsub_token", row.pubsub_token},
          {"uid", row.uid},
          {"type", text_or_null(row.type)},
          {"custom_attributes", parse_object(row.custom_attributes_json)},
          {"ui_settings", parse_object(row.ui_settings_json)},
          {"accounts", accounts.is_array() ? accounts : json::array()}};
}

json account_user_json(const platform::account_user_row& row) {
  return {{"account_id", row.account_id},
          {"user_id", row.user_id},
          {"role", row.administrator ? "administrator" : "agent"}};
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

/// The handler `fn` behind the platform-token check.
handler platform_only(const context& ctx, context_handler fn) {
  return [ctx, fn](http_request& req, responder respond) {
    if (!secure_equals(req.header("api_access_token"), ctx.platform_token)) {
      respond(http_response::error(401, "Invalid Access Token"));
      return;
    }
    fn(ctx, req, std::move(respond));
  };
}

http_response ok_json(const json& j) {
  return http_response::json(200, j.dump());
}

http_response account_or_not_found(const result_set& rs) {
  auto row = platform::read_account(rs);
  return row ? ok_json(account_json(*row)) : not_found();
}

/// A user's JSON (the token is only shown when it is created and to its owner).
http_response user_or_not_found(const result_set& rs, const std::string& access_token = "") {
  auto row = platform::read_user(rs);
  return row ? ok_json(user_json(*row, access_token)) : not_found();
}

platform::account_fields account_fields_of(const json& body) {
  platform::account_fields fields;
  fields.name = str_or_empty(body, "name");
  fields.domain = opt_str(body, "domain");
  fields.support_email = opt_str(body, "support_email");
  fields.custom_attributes_json = opt_object_text(body, "custom_attributes");
  fields.limits_json = opt_object_text(body, "limits");
  return fields;
}

void create_account(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto fields = account_fields_of(*body);
  if (fields.name.empty())
    return respond(http_response::error(422, "Name can't be blank"));
  write(
    ctx, write_command{{platform::create_account(fields)}},
    [](write_result& res) { return account_or_not_found(res.results.at(0)); }, respond);
}

void show_account(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "account_id");
  if (!id)
    return respond(not_found());
  query(ctx, platform::show_account(*id), account_or_not_found, respond);
}

void update_account(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "account_id");
  auto body = body_of(req, respond);
  if (!body)
    return;
  if (!id)
    return respond(not_found());
  auto fields = account_fields_of(*body);
  if (auto s = opt_str(*body, "status"))
    fields.suspended = *s == "suspended";
  write(
    ctx, write_command{{platform::update_account(*id, fields)}},
    [](write_result& res) { return account_or_not_found(res.results.at(0)); }, respond);
}

void delete_account(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "account_id");
  if (!id)
    return respond(not_found());
  // The account's live conversation and inbox actors are retired first.
  retire_and_write(
    ctx, actors::retire_scope::account, *id,
    write_command{{platform::remove_account_users(*id), platform::remove_account(*id)}},
    [](write_result& res) { return ok_empty_or_not_found(res.results.at(1)); }, respond);
}

void create_user(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  platform::new_user user;
  user.name = str_or_empty(*body, "name");
  user.email = str_or_empty(*body, "email");
  if (user.name.empty() || user.email.empty() || user.email.find('@') == std::string::npos)
    return respond(
      http_response::error(422, user.name.empty() ? "Name can't be blank" : "Email is invalid"));
  auto token = secure_token();
  user.display_name = opt_str(*body, "display_name");
  user.password = opt_str(*body, "password");
  user.fallback_password = secure_token();
  user.pubsub_token = secure_token();
  user.custom_attributes_json = opt_object_text(*body, "custom_attributes");
  user.token_digest = sha256_hex(token);
  write(
    ctx, write_command{{platform::create_user(user)}},
    [token](write_result& res) { return user_or_not_found(res.results.at(0), token); }, respond);
}

void show_user(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "id");
  if (!id)
    return respond(not_found());
  // Tokens are stored as digests: the token itself is only shown when it is created
  // (POST) and to its owner (GET /api/v1/profile).
  query(
    ctx, platform::show_user(*id), [](result_set& rs) { return user_or_not_found(rs); }, respond);
}

void update_user(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "id");
  auto body = body_of(req, respond);
  if (!body)
    return;
  if (!id)
    return respond(not_found());
  platform::user_fields fields{str_or_empty(*body, "name"), opt_str(*body, "display_name"),
                               opt_str(*body, "email"),
                               opt_object_text(*body, "custom_attributes")};
  write(
    ctx, write_command{{platform::update_user(*id, fields)}},
    [](write_result& res) { return user_or_not_found(res.results.at(0)); }, respond);
}

void delete_user(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "id");
  if (!id)
    return respond(not_found());
  write(
    ctx, write_command{platform::remove_user(*id)},
    [](write_result& res) { return ok_empty_or_not_found(res.results.at(3)); }, respond);
}

void list_account_users(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "account_id");
  if (!id)
    return respond(not_found());
  query(
    ctx, platform::account_users(*id),
    [](result_set& rs) {
      auto list = json::array();
      for (const auto& row : platform::read_account_users(rs))
        list.push_back(account_user_json(row));
      return ok_json(list);
    },
    respond);
}

/// The body's `user_id` when it is an integer.
std::optional<int64_t> user_id_of(const json& body) {
  if (!body.contains("user_id") || !body["user_id"].is_number_integer())
    return std::nullopt;
  return body["user_id"].get<int64_t>();
}

void add_account_user(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "account_id");
  auto body = body_of(req, respond);
  if (!body)
    return;
  if (!id)
    return respond(not_found());
  auto user = user_id_of(*body);
  if (!user)
    return respond(http_response::error(422, "user_id is required"));
  write(
    ctx,
    write_command{
      {platform::upsert_account_user(*id, *user, str_or_empty(*body, "role") == "administrator")}},
    [](write_result& res) {
      auto rows = platform::read_account_users(res.results.at(0));
      return rows.empty() ? not_found() : ok_json(account_user_json(rows.front()));
    },
    respond);
}

void remove_account_user(const context& ctx, http_request& req, responder respond) {
  auto id = id_param(req, "account_id");
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto user = user_id_of(*body);
  if (!id || !user)
    return respond(not_found());
  write(
    ctx, write_command{{platform::remove_account_user(*id, *user)}},
    [](write_result& res) { return ok_empty_or_not_found(res.results.at(0)); }, respond);
}

void show_profile(const context& ctx, http_request& req, responder respond) {
  auto token = req.header("api_access_token");
  if (token.empty())
    return respond(http_response::error(401, "Invalid Access Token"));
  respond_profile(ctx, token, std::move(respond));
}

/// PUT /api/v1/profile {profile: {name, display_name, email, message_signature,
/// ui_settings}}: the caller's own user.
void update_profile(const context& ctx, http_request& req, responder respond) {
  auto token = req.header("api_access_token");
  auto body = body_of(req, respond);
  if (!body)
    return;
  if (token.empty())
    return respond(http_response::error(401, "Invalid Access Token"));
  const json profile = nested(*body, "profile");
  platform::profile_fields fields{str_or_empty(profile, "name"), opt_str(profile, "display_name"),
                                  opt_str(profile, "email"), opt_str(profile, "message_signature"),
                                  opt_object_text(profile, "ui_settings")};
  if (fields.email && fields.email->find('@') == std::string::npos)
    return respond(http_response::error(422, "Email is invalid"));
  write(
    ctx, write_command{{platform::update_profile(sha256_hex(token), fields)}},
    [ctx, token, respond](write_result& res) {
      if (res.results.at(0).rows.empty())
        return http_response::error(401, "Invalid Access Token");
      respond_profile(ctx, token, respond);
      return deferred();
    },
    pass_on(respond));
}

} // namespace

void add_platform_routes(router& routes, const context& ctx) {
  const std::string base = "/platform/api/v1";
  routes.add("POST", base + "/accounts", platform_only(ctx, create_account));
  routes.add("GET", base + "/accounts/:account_id", platform_only(ctx, show_account));
  routes.add("PATCH", base + "/accounts/:account_id", platform_only(ctx, update_account));
  routes.add("DELETE", base + "/accounts/:account_id", platform_only(ctx, delete_account));
  routes.add("POST", base + "/users", platform_only(ctx, create_user));
  routes.add("GET", base + "/users/:id", platform_only(ctx, show_user));
  routes.add("PATCH", base + "/users/:id", platform_only(ctx, update_user));
  routes.add("DELETE", base + "/users/:id", platform_only(ctx, delete_user));
  const auto account_users = base + "/accounts/:account_id/account_users";
  routes.add("GET", account_users, platform_only(ctx, list_account_users));
  routes.add("POST", account_users, platform_only(ctx, add_account_user));
  routes.add("DELETE", account_users, platform_only(ctx, remove_account_user));
}

void respond_profile(const context& ctx, const std::string& token, responder respond) {
  query(
    ctx, platform::profile(sha256_hex(token)),
    [token](result_set& rs) {
      auto row = platform::read_user(rs);
      return row ? ok_json(user_json(*row, token))
                 : http_response::error(401, "Invalid Access Token");
    },
    std::move(respond));
}

void add_profile_routes(router& routes, const context& ctx) {
  routes.add("GET", "/api/v1/profile", bind_context(ctx, show_profile));
  routes.add("PUT", "/api/v1/profile", bind_context(ctx, update_profile));
}

} // namespace messenger::net::api
