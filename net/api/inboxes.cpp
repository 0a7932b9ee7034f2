#include "net/api/inboxes.hpp"

#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::make_statement;
using persistence::result_set;
constexpr auto timeout = std::chrono::seconds{30};

#define INBOX_COLUMNS                                                                              \
  "i.id, i.name, i.channel_id, i.channel_type, coalesce(i.enable_auto_assignment, true) AS "       \
  "enable_auto_assignment, coalesce(i.greeting_enabled, false) AS greeting_enabled, "              \
  "i.greeting_message, coalesce(i.timezone, 'UTC') AS timezone, "                                  \
  "i.lock_to_single_conversation, ch.webhook_url, ch.identifier, ch.hmac_token, ch.secret, "       \
  "coalesce(ch.hmac_mandatory, false) AS hmac_mandatory"

json opt_text(const persistence::sql_value& v) {
  return v.is_null ? json(nullptr) : json(v.text);
}

json inbox_json(const result_set& rs, size_t i, bool administrator) {
  auto f = [&](const char* c) { return rs.field(i, c); };
  json j = {{"id", std::stoll(f("id").text)},
            {"avatar_url", ""},
            {"channel_id", std::stoll(f("channel_id").text)},
            {"name", f("name").text},
            {"channel_type", f("channel_type").text},
            {"greeting_enabled", f("greeting_enabled").text == "t"},
            {"greeting_message", opt_text(f("greeting_message"))},
            {"enable_auto_assignment", f("enable_auto_assignment").text == "t"},
            {"timezone", f("timezone").text},
            {"lock_to_single_conversation", f("lock_to_single_conversation").text == "t"},
            {"webhook_url", opt_text(f("webhook_url"))},
            {"inbox_identifier", opt_text(f("identifier"))},
            {"hmac_mandatory", f("hmac_mandatory").text == "t"},
            {"provider", nullptr}};
  if (administrator) {
    j["hmac_token"] = opt_text(f("hmac_token"));
    j["secret"] = opt_text(f("secret"));
  }
  return j;
}

json agent_json(const result_set& rs, size_t i) {
  return json::parse(rs.field(i, "agent").text);
}

constexpr const char* members_sql
  = "SELECT messenger_agent_json(u, au)::text AS agent FROM inbox_members m JOIN users u ON "
    "u.id = m.user_id "
    "JOIN account_users au ON au.user_id = u.id AND au.account_id = $1 WHERE m.inbox_id = $2 "
    "ORDER BY m.id";

} // namespace

void notify_members(const context& ctx, int64_t account_id, int64_t inbox_id,
                    const std::vector<std::pair<int64_t, std::string>>& users, bool added) {
  auto sys = ctx.sys;
  ask(
    *sys, ctx.registry, timeout,
    [users, added](actors::inbox_actor& inbox) {
      for (const auto& [id, name] : users)
        caf::anon_send(inbox, actors::member_atom_v, id, added, name);
    },
    [](caf::error&) {}, actors::inbox_atom_v, inbox_id);
  for (const auto& [id, name] : users)
    ask(
      *sys, ctx.registry, timeout,
      [sys, inbox_id, account_id, added](actors::operator_actor& op) {
        ask(
          *sys, op, timeout, [](actors::operator_view&) {}, [](caf::error&) {},
          actors::member_atom_v, inbox_id, account_id, added);
      },
      [](caf::error&) {}, actors::operator_atom_v, id);
}

namespace {

std::vector<int64_t> user_ids_of(const json& body) {
  std::vector<int64_t> ids;
  if (body.contains("user_ids") && body["user_ids"].is_array())
    for (const auto& v : body["user_ids"])
      if (v.is_number_integer())
        ids.push_back(v.get<int64_t>());
  return ids;
}

} // namespace

void add_inbox_routes(router& routes, const context& ctx) {
  const std::string base = "/api/v1/accounts/:account_id";

  routes.add("GET", base + "/inboxes", [ctx](http_request& req, responder respond) {
    with_account_user(ctx, req, respond, [ctx, respond](caller who) {
      query(
        ctx,
        make_statement("SELECT " INBOX_COLUMNS " FROM inboxes i LEFT JOIN channel_api ch ON "
                       "ch.id = i.channel_id AND i.channel_type = 'Channel::Api' WHERE "
                       "i.account_id = $1 AND ($2 OR EXISTS (SELECT 1 FROM inbox_members m "
                       "WHERE m.inbox_id = i.id AND m.user_id = $3)) ORDER BY lower(i.name)",
                       {std::to_string(who.account_id), who.administrator ? "true" : "false",
                        std::to_string(who.user_id)}),
        [who](result_set& rs) {
          json payload = json::array();
          for (size_t i = 0; i < rs.rows.size(); ++i)
            payload.push_back(inbox_json(rs, i, who.administrator));
          return http_response::json(200, json{{"payload", payload}}.dump());
        },
        respond);
    });
  });

  routes.add("GET", base + "/inboxes/:id", [ctx](http_request& req, responder respond) {
    auto id = id_param(req, "id");
    with_account_user(ctx, req, respond, [ctx, respond, id](caller who) {
      if (!id)
        return respond(http_response::error(404, "Resource could not be found"));
      query(
        ctx,
        make_statement("SELECT " INBOX_COLUMNS ", ($2 OR EXISTS (SELECT 1 FROM inbox_members "
                       "m WHERE m.inbox_id = i.id AND m.user_id = $3)) AS allowed FROM "
                       "inboxes i LEFT JOIN channel_api ch ON ch.id = i.channel_id AND "
                       "i.channel_type = 'Channel::Api' WHERE i.account_id = $1 AND i.id = $4",
                       {std::to_string(who.account_id), who.administrator ? "true" : "false",
                        std::to_string(who.user_id), std::to_string(*id)}),
        [who](result_set& rs) {
          if (rs.rows.empty())
            return http_response::error(404, "Resource could not be found");
          if (rs.field(0, "allowed").text != "t")
            return not_admin();
          return http_response::json(200, inbox_json(rs, 0, who.administrator).dump());
        },
        respond);
    });
  });

  routes.add("POST", base + "/inboxes", [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto name = body->value("name", std::string{});
    if (name.empty())
      return respond(http_response::error(422, "Name can't be blank"));
    json channel = body->contains("channel") && (*body)["channel"].is_object() ? (*body)["channel"]
                                                                               : json::object();
    if (channel.value("type", std::string{"api"}) != "api")
      return respond(http_response::error(422, "only API channels are supported"));
    std::optional<std::string> webhook;
    if (channel.contains("webhook_url") && channel["webhook_url"].is_string())
      webhook = channel["webhook_url"].get<std::string>();
    if (webhook && !webhook->empty() && webhook->rfind("http://", 0) != 0
        && webhook->rfind("https://", 0) != 0)
      return respond(http_response::error(422, "Webhook url is invalid"));
    bool auto_assign = body->value("enable_auto_assignment", true);
    bool lock = body->value("lock_to_single_conversation", false);
    with_account_user(ctx, req, respond, [=](caller who) {
      if (!who.administrator)
        return respond(not_admin());
      auto sql
        = "WITH ch AS (INSERT INTO channel_api (account_id, webhook_url, identifier, hmac_token, "
          "secret, created_at, updated_at) VALUES ($1, NULLIF($2, ''), $3, $4, $5, now() AT TIME "
          "ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING *), i AS (INSERT INTO inboxes "
          "(channel_id, account_id, name, channel_type, enable_auto_assignment, "
          "lock_to_single_conversation, created_at, updated_at) SELECT ch.id, $1, $6, "
          "'Channel::Api', $7, $8, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM ch "
          "RETURNING *) SELECT " INBOX_COLUMNS " FROM i, ch";
      write(
        ctx,
        persistence::write_command{{make_statement(
          sql, {std::to_string(who.account_id), webhook, secure_token(), secure_token(),
                secure_token(), name, auto_assign ? "true" : "false", lock ? "true" : "false"})}},
        [](persistence::write_result& res) {
          return http_response::json(200, inbox_json(res.results.at(0), 0, true).dump());
        },
        respond);
    });
  });

  routes.add("GET", base + "/inbox_members/:inbox_id", [ctx](http_request& req, responder respond) {
    auto inbox = id_param(req, "inbox_id");
    with_account_user(ctx, req, respond, [ctx, respond, inbox](caller who) {
      if (!inbox)
        return respond(http_response::error(404, "Resource could not be found"));
      query(
        ctx, make_statement(members_sql, {std::to_string(who.account_id), std::to_string(*inbox)}),
        [](result_set& rs) {
          json payload = json::array();
          for (size_t i = 0; i < rs.rows.size(); ++i)
            payload.push_back(agent_json(rs, i));
          return http_response::json(200, json{{"payload", payload}}.dump());
        },
        respond);
    });
  });

  auto change_members = [ctx](bool add) {
    return [ctx, add](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      // The inbox comes in the body, or in the path (`DELETE …/inbox_members/{inbox_id}`,
      // which Chatwoot's JS clients use).
      int64_t inbox = id_param(req, "inbox_id").value_or(int_field(*body, "inbox_id").value_or(0));
      auto ids = user_ids_of(*body);
      with_account_user(ctx, req, respond, [ctx, respond, add, inbox, ids](caller who) {
        if (!who.administrator)
          return respond(not_admin());
        auto account = std::to_string(who.account_id);
        auto sql = add ? "WITH ok AS (SELECT id FROM inboxes WHERE id = $2 AND account_id = $1), "
                         "ins AS (INSERT INTO inbox_members (user_id, inbox_id, created_at, "
                         "updated_at) SELECT u, $2, now() AT TIME ZONE 'utc', now() AT TIME ZONE "
                         "'utc' FROM unnest($3::bigint[]) u, ok WHERE EXISTS (SELECT 1 FROM "
                         "account_users au WHERE au.user_id = u AND au.account_id = $1) ON "
                         "CONFLICT (inbox_id, user_id) DO NOTHING RETURNING user_id) SELECT "
                         "i.user_id, u.name, (SELECT count(*) FROM ok) AS inbox_found FROM ins i "
                         "JOIN users u ON u.id = i.user_id"
                       : "WITH ok AS (SELECT id FROM inboxes WHERE id = $2 AND account_id = $1), "
                         "del AS (DELETE FROM inbox_members WHERE inbox_id IN (SELECT id FROM ok) "
                         "AND user_id = ANY ($3::bigint[]) RETURNING user_id) SELECT d.user_id, "
                         "u.name, (SELECT count(*) FROM ok) AS inbox_found FROM del d JOIN users "
                         "u ON u.id = d.user_id";
        write(
          ctx,
          persistence::write_command{
            {make_statement(sql, {account, std::to_string(inbox), id_array(ids)}),
             make_statement("SELECT count(*) AS found FROM inboxes WHERE id = $2 AND account_id "
                            "= $1",
                            {account, std::to_string(inbox)}),
             make_statement(members_sql, {account, std::to_string(inbox)})}},
          [ctx, add, inbox, who](persistence::write_result& res) {
            if (res.results.at(1).field(0, "found").text == "0")
              return http_response::error(404, "Resource could not be found");
            std::vector<std::pair<int64_t, std::string>> changed;
            const auto& rs = res.results.at(0);
            for (size_t i = 0; i < rs.rows.size(); ++i)
              changed.emplace_back(std::stoll(rs.field(i, "user_id").text),
                                   rs.field(i, "name").text);
            notify_members(ctx, who.account_id, inbox, changed, add);
            if (!add)
              return http_response::json(200, "");
            json payload = json::array();
            for (size_t i = 0; i < res.results.at(2).rows.size(); ++i)
              payload.push_back(agent_json(res.results.at(2), i));
            return http_response::json(200, json{{"payload", payload}}.dump());
          },
          respond);
      });
    };
  };
  routes.add("POST", base + "/inbox_members", change_members(true));
  routes.add("DELETE", base + "/inbox_members", change_members(false));
  routes.add("DELETE", base + "/inbox_members/:inbox_id", change_members(false));

  // PATCH replaces the membership: adds the missing ids, removes the absent ones.
  routes.add("PATCH", base + "/inbox_members", [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto inbox = int_field(*body, "inbox_id").value_or(0);
    auto ids = user_ids_of(*body);
    with_account_user(ctx, req, respond, [ctx, respond, inbox, ids](caller who) {
      if (!who.administrator)
        return respond(not_admin());
      auto account = std::to_string(who.account_id);
      auto in = std::to_string(inbox);
      write(
        ctx,
        persistence::write_command{
          {make_statement("SELECT count(*) AS found FROM inboxes WHERE id = $2 AND account_id = "
                          "$1",
                          {account, in}),
           make_statement("WITH del AS (DELETE FROM inbox_members WHERE inbox_id = (SELECT id "
                          "FROM inboxes WHERE id = $2 AND account_id = $1) AND NOT (user_id = ANY "
                          "($3::bigint[])) RETURNING user_id) SELECT d.user_id, u.name FROM del d "
                          "JOIN users u ON u.id = d.user_id",
                          {account, in, id_array(ids)}),
           make_statement("WITH ins AS (INSERT INTO inbox_members (user_id, inbox_id, "
                          "created_at, updated_at) SELECT u, i.id, now() AT TIME ZONE 'utc', now() "
                          "AT TIME ZONE 'utc' FROM unnest($3::bigint[]) u, inboxes i WHERE i.id = "
                          "$2 AND i.account_id = $1 AND EXISTS (SELECT 1 FROM account_users au "
                          "WHERE au.user_id = u AND au.account_id = $1) ON CONFLICT (inbox_id, "
                          "user_id) DO NOTHING RETURNING user_id) SELECT i.user_id, u.name FROM "
                          "ins i JOIN users u ON u.id = i.user_id",
                          {account, in, id_array(ids)}),
           make_statement(members_sql, {account, in})}},
        [ctx, inbox, who](persistence::write_result& res) {
          if (res.results.at(0).field(0, "found").text == "0")
            return http_response::error(404, "Resource could not be found");
          for (size_t k : {size_t{1}, size_t{2}}) {
            std::vector<std::pair<int64_t, std::string>> changed;
            const auto& rs = res.results.at(k);
            for (size_t i = 0; i < rs.rows.size(); ++i)
              changed.emplace_back(std::stoll(rs.field(i, "user_id").text),
                                   rs.field(i, "name").text);
            if (!changed.empty())
              notify_members(ctx, who.account_id, inbox, changed, k == 2);
          }
          json payload = json::array();
          for (size_t i = 0; i < res.results.at(3).rows.size(); ++i)
            payload.push_back(agent_json(res.results.at(3), i));
          return http_response::json(200, json{{"payload", payload}}.dump());
        },
        respond);
    });
  });

  routes.add("PATCH", base + "/inboxes/:id", [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto id = id_param(req, "id");
    auto flag = [&](const json& doc, const char* key) -> std::optional<std::string> {
      auto it = doc.find(key);
      if (it == doc.end() || it->is_null())
        return std::nullopt;
      if (!it->is_boolean())
        throw json::type_error::create(302, std::string{key} + " must be true or false", nullptr);
      return std::string{it->get<bool>() ? "true" : "false"};
    };
    json channel = body->contains("channel") && (*body)["channel"].is_object() ? (*body)["channel"]
                                                                               : json::object();
    auto name = string_field(*body, "name");
    auto greeting = string_field(*body, "greeting_message");
    auto timezone = string_field(*body, "timezone");
    auto auto_assign = flag(*body, "enable_auto_assignment");
    auto greeting_on = flag(*body, "greeting_enabled");
    auto lock = flag(*body, "lock_to_single_conversation");
    auto hmac = flag(channel, "hmac_mandatory");
    std::optional<std::string> webhook;
    if (channel.contains("webhook_url") && channel["webhook_url"].is_string())
      webhook = channel["webhook_url"].get<std::string>();
    if (webhook && !webhook->empty() && webhook->rfind("http://", 0) != 0
        && webhook->rfind("https://", 0) != 0)
      return respond(http_response::error(422, "Webhook url is invalid"));
    if (name && name->size() > 255)
      return respond(http_response::error(422, "Name is too long (maximum is 255 characters)"));
    with_account_user(ctx, req, respond, [=](caller who) {
      if (!who.administrator)
        return respond(not_admin());
      if (!id)
        return respond(http_response::error(404, "Resource could not be found"));
      auto account = std::to_string(who.account_id);
      auto in = std::to_string(*id);
      write(
        ctx,
        persistence::write_command{
          {make_statement(
             "UPDATE channel_api ch SET webhook_url = CASE WHEN $3::text IS NULL THEN "
             "ch.webhook_url ELSE NULLIF($3, '') END, hmac_mandatory = coalesce($4::boolean, "
             "ch.hmac_mandatory), updated_at = now() AT TIME ZONE 'utc' FROM inboxes i WHERE "
             "i.id = $2 AND i.account_id = $1 AND i.channel_type = 'Channel::Api' AND ch.id = "
             "i.channel_id",
             {account, in, webhook, hmac}),
           make_statement(
             "WITH i AS (UPDATE inboxes SET name = coalesce($3, name), enable_auto_assignment = "
             "coalesce($4::boolean, enable_auto_assignment), greeting_enabled = "
             "coalesce($5::boolean, greeting_enabled), greeting_message = coalesce($6, "
             "greeting_message), lock_to_single_conversation = coalesce($7::boolean, "
             "lock_to_single_conversation), timezone = coalesce($8, timezone), updated_at = now() "
             "AT TIME ZONE 'utc' WHERE id = $2 AND account_id = $1 RETURNING *) "
             "SELECT " INBOX_COLUMNS
             " FROM i LEFT JOIN channel_api ch ON ch.id = i.channel_id AND i.channel_type = "
             "'Channel::Api'",
             {account, in, name, auto_assign, greeting_on, greeting, lock, timezone})}},
        [ctx, id, auto_assign](persistence::write_result& res) {
          const auto& rs = res.results.at(1);
          if (rs.rows.empty())
            return http_response::error(404, "Resource could not be found");
          if (auto_assign) {
            bool on = *auto_assign == "true";
            ask(
              *ctx.sys, ctx.registry, timeout,
              [on](actors::inbox_actor& inbox) {
                caf::anon_send(inbox, actors::toggle_atom_v, on);
              },
              [](caf::error&) {}, actors::inbox_atom_v, *id);
          }
          return http_response::json(200, inbox_json(rs, 0, true).dump());
        },
        respond);
    });
  });

  routes.add("DELETE", base + "/inboxes/:id", [ctx](http_request& req, responder respond) {
    auto id = id_param(req, "id");
    with_account_user(ctx, req, respond, [ctx, respond, id](caller who) {
      if (!who.administrator)
        return respond(not_admin());
      if (!id)
        return respond(http_response::error(404, "Resource could not be found"));
      auto account = std::to_string(who.account_id);
      auto in = std::to_string(*id);
      // Chatwoot deletes asynchronously; here the inbox goes with its channel, members,
      // contact inboxes, conversations and messages in one transaction, after the registry
      // retired the inbox actor and its live conversation actors.
      auto owned = [&](const char* sql) { return make_statement(sql, {account, in}); };
      retire_and_write(
        ctx, actors::retire_scope::inbox, *id,
        persistence::write_command{
          {owned("DELETE FROM messages WHERE inbox_id = (SELECT id FROM inboxes WHERE id = $2 "
                 "AND account_id = $1)"),
           owned("DELETE FROM reporting_events WHERE inbox_id = (SELECT id FROM inboxes WHERE id "
                 "= $2 AND account_id = $1)"),
           owned("DELETE FROM conversations WHERE inbox_id = (SELECT id FROM inboxes WHERE id = "
                 "$2 AND account_id = $1)"),
           owned("DELETE FROM contact_inboxes WHERE inbox_id = (SELECT id FROM inboxes WHERE id "
                 "= $2 AND account_id = $1)"),
           owned("DELETE FROM inbox_members WHERE inbox_id = (SELECT id FROM inboxes WHERE id = "
                 "$2 AND account_id = $1)"),
           owned("DELETE FROM channel_api WHERE id = (SELECT channel_id FROM inboxes WHERE id = "
                 "$2 AND account_id = $1 AND channel_type = 'Channel::Api')"),
           owned("DELETE FROM inboxes WHERE id = $2 AND account_id = $1 RETURNING id")}},
        [](persistence::write_result& res) {
          if (res.results.at(6).rows.empty())
            return http_response::error(404, "Resource could not be found");
          return http_response::json(200, R"({"message":"Inbox deleted"})");
        },
        respond);
    });
  });
}

} // namespace messenger::net::api
