#include "net/api/account.hpp"

#include "actors/errors.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/inboxes.hpp"
#include "net/api/platform.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::make_statement;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;
using opt_text = std::optional<std::string>;
constexpr auto timeout = std::chrono::seconds{30};

/// Each conversation drops its (deleted) team through its actor; answers 200 once all did,
/// 503 when one could not (the team is gone either way; a retry finds what is left).
void drop_team(const context& ctx, std::vector<int64_t> conversations, const responder& respond) {
  if (conversations.empty())
    return respond(http_response::json(200, ""));
  auto left = std::make_shared<std::atomic<size_t>>(conversations.size());
  auto failed = std::make_shared<std::atomic<bool>>(false);
  auto done = [left, failed, respond](bool ok) {
    if (!ok)
      *failed = true;
    if (--*left == 0)
      respond(*failed ? http_response::error(503, "Service unavailable, try again")
                      : http_response::json(200, ""));
  };
  auto sys = ctx.sys;
  for (auto id : conversations)
    ask(
      *sys, ctx.registry, timeout,
      [sys, done](actors::conversation_actor& conv) {
        ask(
          *sys, conv, timeout, [done](actors::conversation_row&) { done(true); },
          [done](caf::error&) { done(false); }, actors::team_atom_v, int64_t{0}, std::string{},
          actors::performer{});
      },
      // A conversation deleted meanwhile has no team to drop.
      [done](caf::error& err) { done(actors::from_caf_error(err).code == errc::not_found); },
      actors::conversation_atom_v, id);
}

/// Every row's column `j` (JSON text) as an array, optionally wrapped as {"<key>": [...]}.
http_response rows_json(const result_set& rs, const char* wrap = nullptr) {
  std::string out = "[";
  for (size_t i = 0; i < rs.rows.size(); ++i) {
    if (i > 0)
      out += ',';
    out += rs.field(i, "j").text;
  }
  out += ']';
  if (wrap)
    out = std::string{"{\""} + wrap + "\":" + out + "}";
  return http_response::json(200, std::move(out));
}

/// The first row's column `j`, or 404.
http_response row_json(const result_set& rs) {
  if (rs.rows.empty())
    return not_found();
  return http_response::json(200, rs.field(0, "j").text);
}

/// The request body's object under `key` when present (Rails' `params.require(:key)`),
/// else the body itself (the swagger documents top-level attributes).
json nested(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_object() ? *it : body;
}

std::string account_of(const caller& who) {
  return std::to_string(who.account_id);
}

/// Runs `next` for administrators; answers 401 to everyone else.
void with_admin(const context& ctx, const http_request& req, const responder& respond,
                std::function<void(caller)> next) {
  with_account_user(ctx, req, respond, [respond, next](caller who) {
    if (!who.administrator)
      return respond(not_admin());
    next(who);
  });
}

/// DELETE of an account-owned row by the `param` id of the path: administrators, 404 when
/// the account has no such row, 200 with an empty body otherwise.
handler delete_owned(const context& ctx, const char* table, const char* param) {
  std::string sql = "DELETE FROM ";
  sql += table;
  sql += " WHERE account_id = $1 AND id = $2 RETURNING id";
  return [ctx, sql, param](http_request& req, responder respond) {
    auto id = id_param(req, param);
    with_admin(ctx, req, respond, [ctx, respond, id, sql](caller who) {
      if (!id)
        return respond(not_found());
      write(
        ctx, write_command{{make_statement(sql, {account_of(who), std::to_string(*id)})}},
        [](write_result& res) {
          return res.results.at(0).rows.empty() ? not_found() : http_response::json(200, "");
        },
        respond);
    });
  };
}

std::optional<uint8_t> availability_of(const std::string& text) {
  if (text == "online")
    return 0;
  if (text == "offline")
    return 1;
  if (text == "busy")
    return 2;
  return std::nullopt;
}

/// Sets an agent's availability through its operator actor (which persists it and tells
/// the inboxes), then calls `done`.
void set_availability(const context& ctx, int64_t user_id, int64_t account_id, uint8_t availability,
                      bool auto_offline, std::function<void()> done, responder respond) {
  auto sys = ctx.sys;
  auto fail = [respond](caf::error& err) { respond(error_response(err)); };
  ask(
    *sys, ctx.registry, timeout,
    [=](actors::operator_actor& op) {
      ask(
        *sys, op, timeout, [done](actors::operator_view&) { done(); }, fail,
        actors::availability_atom_v, account_id, availability, auto_offline);
    },
    fail, actors::operator_atom_v, user_id);
}

constexpr const char* agent_sql
  = "SELECT messenger_agent_json(u, au)::text AS j FROM account_users au JOIN users u ON u.id "
    "= au.user_id WHERE au.account_id = $1 AND au.user_id = $2";

#define ACCOUNT_JSON                                                                               \
  "jsonb_build_object('id', a.id, 'name', a.name, 'locale', 'en', 'domain', a.domain, "            \
  "'support_email', a.support_email, 'status', CASE a.status WHEN 1 THEN 'suspended' ELSE "        \
  "'active' END, 'created_at', a.created_at, 'custom_attributes', coalesce(a.custom_attributes, "  \
  "'{}'), 'settings', coalesce(a.settings, '{}') || jsonb_build_object('auto_resolve_after', "     \
  "a.auto_resolve_duration), 'features', '{}'::jsonb, 'cache_keys', '{}'::jsonb)::text AS j"

#define TEAM_JSON                                                                                  \
  "jsonb_build_object('id', t.id, 'name', t.name, 'description', t.description, "                  \
  "'allow_auto_assign', coalesce(t.allow_auto_assign, true), 'account_id', t.account_id, "         \
  "'is_member', EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = t.id AND tm.user_id = "   \
  "$2))::text AS j"

#define LABEL_JSON                                                                                 \
  "jsonb_build_object('id', l.id, 'title', l.title, 'description', l.description, 'color', "       \
  "l.color, 'show_on_sidebar', l.show_on_sidebar)::text AS j"

#define CANNED_JSON                                                                                \
  "jsonb_build_object('id', r.id, 'account_id', r.account_id, 'short_code', r.short_code, "        \
  "'content', r.content, 'created_at', r.created_at, 'updated_at', r.updated_at)::text AS j"

#define WEBHOOK_JSON                                                                               \
  "jsonb_build_object('id', w.id, 'url', w.url, 'name', w.name, 'subscriptions', "                 \
  "w.subscriptions, 'account_id', w.account_id, 'secret', w.secret, 'inbox', (SELECT "             \
  "jsonb_build_object('id', i.id, 'name', i.name) FROM inboxes i WHERE i.id = w.inbox_id))::text " \
  "AS j"

#define REPORTING_JSON                                                                             \
  "jsonb_build_object('id', e.id, 'name', e.name, 'value', e.value, 'value_in_business_hours', "   \
  "e.value_in_business_hours, 'event_start_time', e.event_start_time, 'event_end_time', "          \
  "e.event_end_time, 'account_id', e.account_id, 'conversation_id', e.conversation_id, "           \
  "'inbox_id', e.inbox_id, 'user_id', e.user_id, 'created_at', e.created_at, 'updated_at', "       \
  "e.updated_at)::text AS j"

constexpr std::array<const char*, 12> webhook_events{"conversation_status_changed",
                                                     "conversation_updated",
                                                     "conversation_created",
                                                     "contact_created",
                                                     "contact_updated",
                                                     "message_created",
                                                     "message_updated",
                                                     "webwidget_triggered",
                                                     "inbox_created",
                                                     "inbox_updated",
                                                     "conversation_typing_on",
                                                     "conversation_typing_off"};

std::vector<int64_t> ids_of(const json& body, const char* key) {
  std::vector<int64_t> ids;
  if (auto it = body.find(key); it != body.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_number_integer())
        ids.push_back(v.get<int64_t>());
  return ids;
}

bool valid_url(const std::string& url) {
  return (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) && url.size() > 8
         && url.size() <= 2048 && url.find_first_of(" \t\r\n") == std::string::npos;
}

void add_account_and_agent_routes(router& routes, const context& ctx, const std::string& base) {
  routes.add("GET", base, [ctx](http_request& req, responder respond) {
    with_account_user(ctx, req, respond, [ctx, respond](caller who) {
      query(ctx,
            make_statement("SELECT " ACCOUNT_JSON " FROM accounts a WHERE a.id = $1",
                           {account_of(who)}),
            row_json, respond);
    });
  });

  routes.add("PATCH", base, [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto name = string_field(*body, "name");
    auto domain = string_field(*body, "domain");
    auto email = string_field(*body, "support_email");
    opt_text resolve_after;
    if (auto v = int_field(*body, "auto_resolve_after"))
      resolve_after = std::to_string(*v);
    if (name && name->size() > 255)
      return respond(http_response::error(422, "Name is too long (maximum is 255 characters)"));
    if ((domain && domain->size() > 100) || (email && email->size() > 100))
      return respond(http_response::error(422, "Domain is too long (maximum is 100 characters)"));
    with_admin(ctx, req, respond, [=](caller who) {
      write(
        ctx,
        write_command{{make_statement(
          "WITH a AS (UPDATE accounts SET name = coalesce($2, name), domain = coalesce($3, "
          "domain), support_email = coalesce($4, support_email), auto_resolve_duration = "
          "coalesce($5::int, auto_resolve_duration), updated_at = now() AT TIME ZONE 'utc' "
          "WHERE id = $1 RETURNING *) SELECT " ACCOUNT_JSON " FROM a",
          {account_of(who), name, domain, email, resolve_after})}},
        [](write_result& res) { return row_json(res.results.at(0)); }, respond);
    });
  });

  routes.add("GET", base + "/agents", [ctx](http_request& req, responder respond) {
    with_account_user(ctx, req, respond, [ctx, respond](caller who) {
      query(
        ctx,
        make_statement("SELECT messenger_agent_json(u, au)::text AS j FROM account_users au "
                       "JOIN users u ON u.id = au.user_id WHERE au.account_id = $1 ORDER BY "
                       "u.name, u.id",
                       {account_of(who)}),
        [](result_set& rs) { return rows_json(rs); }, respond);
    });
  });

  routes.add("POST", base + "/agents", [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto agent = nested(*body, "agent");
    auto name = string_field(agent, "name");
    auto email = string_field(agent, "email");
    auto role = string_field(agent, "role").value_or("agent");
    auto availability = availability_of(string_field(agent, "availability").value_or("online"));
    bool auto_offline = agent.value("auto_offline", true);
    if (!email || email->find('@') == std::string::npos)
      return respond(http_response::error(422, "Email is invalid"));
    if (role != "agent" && role != "administrator")
      return respond(http_response::error(422, "'" + role + "' is not a valid role"));
    if (!availability)
      return respond(http_response::error(422, "availability must be online, busy or offline"));
    with_admin(ctx, req, respond, [=](caller who) {
      // The user is found by email or created (Chatwoot's AgentBuilder); a user already in
      // the account is a conflict.
      auto sql
        = "WITH found AS (SELECT id FROM users WHERE lower(email) = lower($2)), made AS (INSERT "
          "INTO users (name, email, uid, provider, pubsub_token, confirmed_at, created_at, "
          "updated_at) SELECT coalesce($1, split_part($2, '@', 1)), lower($2), lower($2), "
          "'email', gen_random_uuid()::text, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc', "
          "now() AT TIME ZONE 'utc' WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id), "
          "uid AS (SELECT id FROM found UNION ALL SELECT id FROM made) INSERT INTO account_users "
          "(account_id, user_id, role, availability, auto_offline, inviter_id, created_at, "
          "updated_at) SELECT $3, uid.id, $4, $5, $6, $7, now() AT TIME ZONE 'utc', now() AT "
          "TIME ZONE 'utc' FROM uid RETURNING user_id";
      write(
        ctx,
        write_command{
          {make_statement(sql, {name, email, account_of(who), role == "administrator" ? "1" : "0",
                                std::to_string(*availability), auto_offline ? "true" : "false",
                                std::to_string(who.user_id)})}},
        [ctx, respond, who](write_result& res) {
          auto user = res.results.at(0).field(0, "user_id").text;
          query(ctx, make_statement(agent_sql, {account_of(who), user}), row_json, respond);
          return deferred();
        },
        pass_on(respond));
    });
  });

  routes.add("PATCH", base + "/agents/:id", [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto id = id_param(req, "id");
    auto agent = nested(*body, "agent");
    auto name = string_field(agent, "name");
    auto role = string_field(agent, "role");
    auto availability_text = string_field(agent, "availability");
    std::optional<bool> auto_offline;
    if (auto it = agent.find("auto_offline"); it != agent.end() && it->is_boolean())
      auto_offline = it->get<bool>();
    if (role && *role != "agent" && *role != "administrator")
      return respond(http_response::error(422, "'" + *role + "' is not a valid role"));
    std::optional<uint8_t> availability;
    if (availability_text && !(availability = availability_of(*availability_text)))
      return respond(
        http_response::error(422, "'" + *availability_text + "' is not a valid availability"));
    with_admin(ctx, req, respond, [=](caller who) {
      if (!id)
        return respond(not_found());
      opt_text role_code;
      if (role)
        role_code = *role == "administrator" ? "1" : "0";
      auto user = std::to_string(*id);
      write(
        ctx,
        write_command{
          {make_statement("UPDATE users SET name = coalesce($3, name), updated_at = now() AT TIME "
                          "ZONE 'utc' WHERE id = $2 AND EXISTS (SELECT 1 FROM account_users WHERE "
                          "account_id = $1 AND user_id = $2)",
                          {account_of(who), user, name}),
           make_statement("UPDATE account_users SET role = coalesce($3::int, role), updated_at = "
                          "now() AT TIME ZONE 'utc' WHERE account_id = $1 AND user_id = $2 "
                          "RETURNING availability, auto_offline",
                          {account_of(who), user, role_code})}},
        [=](write_result& res) {
          const auto& rs = res.results.at(1);
          if (rs.rows.empty())
            return not_found();
          auto show = [ctx, respond, who, user] {
            query(ctx, make_statement(agent_sql, {account_of(who), user}), row_json, respond);
          };
          if (!availability && !auto_offline) {
            show();
            return deferred();
          }
          auto current = static_cast<uint8_t>(std::stoi(rs.field(0, "availability").text));
          set_availability(ctx, *id, who.account_id, availability.value_or(current),
                           auto_offline.value_or(rs.field(0, "auto_offline").text == "t"), show,
                           respond);
          return deferred();
        },
        pass_on(respond));
    });
  });

  routes.add("DELETE", base + "/agents/:id", [ctx](http_request& req, responder respond) {
    auto id = id_param(req, "id");
    with_admin(ctx, req, respond, [ctx, respond, id](caller who) {
      if (!id)
        return respond(not_found());
      auto account = account_of(who);
      auto user = std::to_string(*id);
      // The membership goes with the agent's inbox and team memberships in this account;
      // the user itself stays (it may belong to other accounts).
      write(
        ctx,
        write_command{
          {make_statement("DELETE FROM inbox_members WHERE user_id = $2 AND inbox_id IN (SELECT "
                          "id FROM inboxes WHERE account_id = $1) AND EXISTS (SELECT 1 FROM "
                          "account_users WHERE account_id = $1 AND user_id = $2) RETURNING "
                          "inbox_id, (SELECT name FROM users WHERE id = $2) AS name",
                          {account, user}),
           make_statement("DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id "
                          "FROM teams WHERE account_id = $1)",
                          {account, user}),
           make_statement("DELETE FROM account_users WHERE account_id = $1 AND user_id = $2 "
                          "RETURNING id",
                          {account, user})}},
        [ctx, who, id](write_result& res) {
          if (res.results.at(2).rows.empty())
            return not_found();
          const auto& inboxes = res.results.at(0);
          for (size_t i = 0; i < inboxes.rows.size(); ++i)
            notify_members(ctx, who.account_id, std::stoll(inboxes.field(i, "inbox_id").text),
                           {{*id, inboxes.field(i, "name").text}}, false);
          return http_response::json(200, "");
        },
        respond);
    });
  });

  routes.add("POST", "/api/v1/profile/availability", [ctx](http_request& req, responder respond) {
    auto token = req.header("api_access_token");
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto profile = nested(*body, "profile");
    auto account = int_field(profile, "account_id");
    auto availability = availability_of(string_field(profile, "availability").value_or(""));
    if (token.empty())
      return respond(http_response::error(401, "Invalid Access Token"));
    if (!account)
      return respond(http_response::error(422, "account_id is required"));
    if (!availability)
      return respond(http_response::error(422, "availability must be online, busy or offline"));
    query(
      ctx,
      make_statement("SELECT au.user_id, au.auto_offline FROM access_tokens t JOIN account_users "
                     "au ON au.user_id = t.owner_id AND au.account_id = $2 WHERE t.owner_type = "
                     "'User' AND t.token_digest = $1",
                     {sha256_hex(token), std::to_string(*account)}),
      [=](result_set& rs) {
        if (rs.rows.empty())
          return http_response::error(401, "You are not authorized to access this account");
        set_availability(
          ctx, std::stoll(rs.field(0, "user_id").text), *account, *availability,
          rs.field(0, "auto_offline").text == "t",
          [ctx, token, respond] { respond_profile(ctx, token, respond); }, respond);
        return deferred();
      },
      pass_on(respond));
  });
}

void add_team_routes(router& routes, const context& ctx, const std::string& base) {
  routes.add("GET", base + "/teams", [ctx](http_request& req, responder respond) {
    with_account_user(ctx, req, respond, [ctx, respond](caller who) {
      query(
        ctx,
        make_statement("SELECT " TEAM_JSON " FROM teams t WHERE t.account_id = $1 ORDER BY "
                       "t.name",
                       {account_of(who), std::to_string(who.user_id)}),
        [](result_set& rs) { return rows_json(rs); }, respond);
    });
  });

  routes.add("GET", base + "/teams/:team_id", [ctx](http_request& req, responder respond) {
    auto id = id_param(req, "team_id");
    with_account_user(ctx, req, respond, [ctx, respond, id](caller who) {
      if (!id)
        return respond(not_found());
      query(ctx,
            make_statement("SELECT " TEAM_JSON " FROM teams t WHERE t.account_id = $1 AND t.id "
                           "= $3",
                           {account_of(who), std::to_string(who.user_id), std::to_string(*id)}),
            row_json, respond);
    });
  });

  auto save_team = [ctx](bool create) {
    return [ctx, create](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      auto team = nested(*body, "team");
      auto name = string_field(team, "name");
      auto description = string_field(team, "description");
      opt_text auto_assign;
      if (auto it = team.find("allow_auto_assign"); it != team.end() && it->is_boolean())
        auto_assign = it->get<bool>() ? "true" : "false";
      if (create && !name)
        return respond(http_response::error(422, "Name can't be blank"));
      if (name && name->size() > 255)
        return respond(http_response::error(422, "Name is too long (maximum is 255 characters)"));
      auto id = id_param(req, "team_id");
      with_admin(ctx, req, respond, [=](caller who) {
        auto sql = create ? "WITH t AS (INSERT INTO teams (name, description, allow_auto_assign, "
                            "account_id, created_at, updated_at) VALUES (lower($3), $4, "
                            "coalesce($5::boolean, true), $1, now() AT TIME ZONE 'utc', now() AT "
                            "TIME ZONE 'utc') RETURNING *) SELECT " TEAM_JSON " FROM t"
                          : "WITH t AS (UPDATE teams SET name = coalesce(lower($3), name), "
                            "description = coalesce($4, description), allow_auto_assign = "
                            "coalesce($5::boolean, allow_auto_assign), updated_at = now() AT "
                            "TIME ZONE 'utc' WHERE account_id = $1 AND id = $6 RETURNING *) "
                            "SELECT " TEAM_JSON " FROM t";
        if (!create && !id)
          return respond(not_found());
        std::vector<opt_text> args{account_of(who), std::to_string(who.user_id), name, description,
                                   auto_assign};
        if (!create)
          args.push_back(std::to_string(*id));
        write(
          ctx, write_command{{make_statement(sql, std::move(args))}},
          [](write_result& res) { return row_json(res.results.at(0)); }, respond);
      });
    };
  };
  routes.add("POST", base + "/teams", save_team(true));
  routes.add("PATCH", base + "/teams/:team_id", save_team(false));

  routes.add("DELETE", base + "/teams/:team_id", [ctx](http_request& req, responder respond) {
    auto id = id_param(req, "team_id");
    with_admin(ctx, req, respond, [ctx, respond, id](caller who) {
      if (!id)
        return respond(not_found());
      auto team = std::to_string(*id);
      // The team goes first, then each of its conversations drops it through its own actor
      // (the one writer of its row; Chatwoot nullifies team_id).
      write(
        ctx,
        write_command{
          {make_statement("DELETE FROM team_members WHERE team_id = (SELECT id FROM teams "
                          "WHERE account_id = $1 AND id = $2)",
                          {account_of(who), team}),
           make_statement("DELETE FROM teams WHERE account_id = $1 AND id = $2 RETURNING id",
                          {account_of(who), team})}},
        [ctx, respond, who, team](write_result& res) {
          if (res.results.at(1).rows.empty())
            return not_found();
          query(
            ctx,
            make_statement("SELECT id FROM conversations WHERE account_id = $1 AND team_id = $2",
                           {account_of(who), team}),
            [ctx, respond](result_set& rs) {
              std::vector<int64_t> ids;
              for (size_t i = 0; i < rs.rows.size(); ++i)
                ids.push_back(std::stoll(rs.field(i, "id").text));
              drop_team(ctx, std::move(ids), respond);
              return deferred();
            },
            pass_on(respond));
          return deferred();
        },
        pass_on(respond));
    });
  });

  const auto members = base + "/teams/:team_id/team_members";
  constexpr const char* members_sql
    = "SELECT messenger_agent_json(u, au)::text AS j FROM team_members tm JOIN users u ON u.id = "
      "tm.user_id JOIN account_users au ON au.user_id = u.id AND au.account_id = $1 WHERE "
      "tm.team_id = $2 ORDER BY tm.id";
  routes.add("GET", members, [ctx](http_request& req, responder respond) {
    auto id = id_param(req, "team_id");
    with_account_user(ctx, req, respond, [ctx, respond, id](caller who) {
      if (!id)
        return respond(not_found());
      query(
        ctx, make_statement(members_sql, {account_of(who), std::to_string(*id)}),
        [](result_set& rs) { return rows_json(rs); }, respond);
    });
  });

  // add (POST: the added members), replace (PATCH: all members), remove (DELETE: empty).
  enum class change { add, replace, remove };
  auto change_members = [ctx](change how) {
    return [ctx, how](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      auto id = id_param(req, "team_id");
      auto ids = id_array(ids_of(*body, "user_ids"));
      with_admin(ctx, req, respond, [=](caller who) {
        if (!id)
          return respond(not_found());
        auto account = account_of(who);
        auto team = std::to_string(*id);
        write_command cmd;
        cmd.statements.push_back(
          make_statement("SELECT count(*) AS found FROM teams WHERE account_id = $1 AND id = $2",
                         {account, team}));
        if (how == change::replace)
          cmd.statements.push_back(make_statement(
            "DELETE FROM team_members WHERE team_id = (SELECT id FROM teams WHERE account_id = $1 "
            "AND id = $2) AND NOT (user_id = ANY ($3::bigint[]))",
            {account, team, ids}));
        if (how == change::remove)
          cmd.statements.push_back(make_statement(
            "DELETE FROM team_members WHERE team_id = (SELECT id FROM teams WHERE account_id = $1 "
            "AND id = $2) AND user_id = ANY ($3::bigint[])",
            {account, team, ids}));
        else
          cmd.statements.push_back(make_statement(
            "WITH ins AS (INSERT INTO team_members (team_id, user_id, created_at, updated_at) "
            "SELECT t.id, u, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM teams t, "
            "unnest($3::bigint[]) u WHERE t.account_id = $1 AND t.id = $2 AND EXISTS (SELECT 1 "
            "FROM account_users au WHERE au.account_id = $1 AND au.user_id = u) ON CONFLICT "
            "(team_id, user_id) DO NOTHING RETURNING user_id) SELECT messenger_agent_json(u, "
            "au)::text AS j FROM ins JOIN users u ON u.id = ins.user_id JOIN account_users au ON "
            "au.user_id = u.id AND au.account_id = $1",
            {account, team, ids}));
        cmd.statements.push_back(make_statement(members_sql, {account, team}));
        write(
          ctx, std::move(cmd),
          [how](write_result& res) {
            if (res.results.at(0).field(0, "found").text == "0")
              return not_found();
            if (how == change::remove)
              return http_response::json(200, "");
            return rows_json(how == change::add ? res.results.at(1) : res.results.back());
          },
          respond);
      });
    };
  };
  routes.add("POST", members, change_members(change::add));
  routes.add("PATCH", members, change_members(change::replace));
  routes.add("DELETE", members, change_members(change::remove));
}

void add_label_and_canned_routes(router& routes, const context& ctx, const std::string& base) {
  routes.add("GET", base + "/labels", [ctx](http_request& req, responder respond) {
    with_account_user(ctx, req, respond, [ctx, respond](caller who) {
      query(
        ctx,
        make_statement("SELECT " LABEL_JSON " FROM labels l WHERE l.account_id = $1 ORDER BY "
                       "l.title",
                       {account_of(who)}),
        [](result_set& rs) { return rows_json(rs, "payload"); }, respond);
    });
  });

  routes.add("GET", base + "/labels/:id", [ctx](http_request& req, responder respond) {
    auto id = id_param(req, "id");
    with_account_user(ctx, req, respond, [ctx, respond, id](caller who) {
      if (!id)
        return respond(not_found());
      query(ctx,
            make_statement("SELECT " LABEL_JSON " FROM labels l WHERE l.account_id = $1 AND l.id "
                           "= $2",
                           {account_of(who), std::to_string(*id)}),
            row_json, respond);
    });
  });

  auto save_label = [ctx](bool create) {
    return [ctx, create](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      auto label = nested(*body, "label");
      auto title = string_field(label, "title");
      auto description = string_field(label, "description");
      auto color = string_field(label, "color");
      opt_text sidebar;
      if (auto it = label.find("show_on_sidebar"); it != label.end() && it->is_boolean())
        sidebar = it->get<bool>() ? "true" : "false";
      if (create && !title)
        return respond(http_response::error(422, "Title can't be blank"));
      // Chatwoot: letters, digits, '-' and '_' only (unicode letters allowed), lower-cased.
      if (title && (title->size() > 255 || std::any_of(title->begin(), title->end(), [](char c) {
                      auto u = static_cast<unsigned char>(c);
                      return u < 0x80 && !std::isalnum(u) && c != '-' && c != '_';
                    })))
        return respond(http_response::error(422, "Title is invalid"));
      if (color && (color->size() != 7 || (*color)[0] != '#'))
        return respond(http_response::error(422, "Color is invalid"));
      auto id = id_param(req, "id");
      with_admin(ctx, req, respond, [=](caller who) {
        if (!create && !id)
          return respond(not_found());
        auto sql = create
                     ? "WITH l AS (INSERT INTO labels (title, description, color, "
                       "show_on_sidebar, account_id, created_at, updated_at) VALUES "
                       "(lower($2), $3, coalesce($4, '#1f93ff'), $5::boolean, $1, now() AT "
                       "TIME ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING *) SELECT " LABEL_JSON
                       " FROM l"
                     : "WITH l AS (UPDATE labels SET title = coalesce(lower($2), title), "
                       "description = coalesce($3, description), color = coalesce($4, "
                       "color), show_on_sidebar = coalesce($5::boolean, show_on_sidebar), "
                       "updated_at = now() AT TIME ZONE 'utc' WHERE account_id = $1 AND id = "
                       "$6 RETURNING *) SELECT " LABEL_JSON " FROM l";
        std::vector<opt_text> args{account_of(who), title, description, color, sidebar};
        if (!create)
          args.push_back(std::to_string(*id));
        write(
          ctx, write_command{{make_statement(sql, std::move(args))}},
          [](write_result& res) { return row_json(res.results.at(0)); }, respond);
      });
    };
  };
  routes.add("POST", base + "/labels", save_label(true));
  routes.add("PATCH", base + "/labels/:id", save_label(false));

  routes.add("DELETE", base + "/labels/:id", delete_owned(ctx, "labels", "id"));

  routes.add("GET", base + "/canned_responses", [ctx](http_request& req, responder respond) {
    auto search = query_param(req, "search");
    with_account_user(ctx, req, respond, [ctx, respond, search](caller who) {
      // Chatwoot: short codes starting with the search first, then content matches.
      query(
        ctx,
        make_statement("SELECT " CANNED_JSON " FROM canned_responses r WHERE r.account_id = "
                       "$1 AND ($2::text IS NULL OR r.short_code ILIKE '%' || $2 || '%' OR "
                       "r.content ILIKE '%' || $2 || '%') ORDER BY ($2::text IS NOT NULL AND "
                       "r.short_code ILIKE $2 || '%') DESC, r.id",
                       {account_of(who), search}),
        [](result_set& rs) { return rows_json(rs); }, respond);
    });
  });

  auto save_canned = [ctx](bool create) {
    return [ctx, create](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      auto canned = nested(*body, "canned_response");
      auto short_code = string_field(canned, "short_code");
      auto content = string_field(canned, "content");
      if (create && !short_code)
        return respond(http_response::error(422, "Short code can't be blank"));
      if (create && !content)
        return respond(http_response::error(422, "Content can't be blank"));
      if (content && content->size() > 150000)
        return respond(http_response::error(422, "Content is too long"));
      auto id = id_param(req, "id");
      with_account_user(ctx, req, respond, [=](caller who) {
        if (!create && !who.administrator)
          return respond(not_admin());
        if (!create && !id)
          return respond(not_found());
        // Short codes are unique per account (Chatwoot validates it; no index backs it).
        auto sql
          = create
              ? "WITH r AS (INSERT INTO canned_responses (account_id, short_code, "
                "content, created_at, updated_at) SELECT $1, $2::text, $3::text, now() AT TIME "
                "ZONE 'utc', now() AT TIME ZONE 'utc' WHERE NOT EXISTS (SELECT 1 FROM "
                "canned_responses WHERE account_id = $1 AND short_code = $2::text) "
                "RETURNING *) SELECT " CANNED_JSON ", false AS taken FROM r UNION ALL "
                "SELECT NULL, true WHERE NOT EXISTS (SELECT 1 FROM r)"
              : "WITH r AS (UPDATE canned_responses SET short_code = coalesce($2::text, "
                "short_code), content = coalesce($3::text, content), updated_at = now() AT "
                "TIME ZONE 'utc' WHERE account_id = $1 AND id = $4 RETURNING *) "
                "SELECT " CANNED_JSON ", false AS taken FROM r";
        std::vector<opt_text> args{account_of(who), short_code, content};
        if (!create)
          args.push_back(std::to_string(*id));
        write(
          ctx, write_command{{make_statement(sql, std::move(args))}},
          [](write_result& res) {
            const auto& rs = res.results.at(0);
            if (!rs.rows.empty() && rs.field(0, "taken").text == "t")
              return http_response::error(422, "Short code has already been taken");
            return row_json(rs);
          },
          respond);
      });
    };
  };
  routes.add("POST", base + "/canned_responses", save_canned(true));
  routes.add("PATCH", base + "/canned_responses/:id", save_canned(false));

  routes.add("DELETE", base + "/canned_responses/:id", delete_owned(ctx, "canned_responses", "id"));
}

void add_webhook_and_report_routes(router& routes, const context& ctx, const std::string& base) {
  routes.add("GET", base + "/webhooks", [ctx](http_request& req, responder respond) {
    with_admin(ctx, req, respond, [ctx, respond](caller who) {
      query(
        ctx,
        make_statement("SELECT " WEBHOOK_JSON " FROM webhooks w WHERE w.account_id = $1 "
                       "ORDER BY w.id",
                       {account_of(who)}),
        [](result_set& rs) {
          return http_response::json(200,
                                     "{\"payload\":{\"webhooks\":" + rows_json(rs).body + "}}");
        },
        respond);
    });
  });

  auto save_webhook = [ctx](bool create) {
    return [ctx, create](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      auto hook = nested(*body, "webhook");
      auto url = string_field(hook, "url");
      auto name = string_field(hook, "name");
      auto inbox = int_field(hook, "inbox_id");
      opt_text subscriptions;
      if (auto it = hook.find("subscriptions"); it != hook.end() && !it->is_null()) {
        bool valid = it->is_array() && !it->empty();
        if (valid)
          for (const auto& e : *it)
            valid = valid && e.is_string()
                    && std::find(webhook_events.begin(), webhook_events.end(), e.get<std::string>())
                         != webhook_events.end();
        if (!valid)
          return respond(http_response::error(422, "Subscriptions Invalid events"));
        subscriptions = it->dump();
      }
      if ((create && !url) || (url && !valid_url(*url)))
        return respond(http_response::error(422, "Url is invalid"));
      auto id = id_param(req, "webhook_id");
      with_admin(ctx, req, respond, [=](caller who) {
        if (!create && !id)
          return respond(not_found());
        opt_text inbox_text;
        if (inbox)
          inbox_text = std::to_string(*inbox);
        auto sql = create ? "WITH w AS (INSERT INTO webhooks (account_id, inbox_id, url, name, "
                            "subscriptions, webhook_type, secret, created_at, updated_at) SELECT "
                            "$1, i.id, $2, $3, coalesce($4::jsonb, '[\"conversation_status_"
                            "changed\", \"conversation_updated\", \"conversation_created\", "
                            "\"contact_created\", \"contact_updated\", \"message_created\", "
                            "\"message_updated\", \"webwidget_triggered\"]'), CASE WHEN i.id IS "
                            "NULL THEN 0 ELSE 1 END, $6, now() AT TIME ZONE 'utc', now() AT TIME "
                            "ZONE 'utc' FROM (SELECT (SELECT id FROM inboxes WHERE account_id = $1 "
                            "AND id = $5::int) AS id) i RETURNING *) SELECT " WEBHOOK_JSON " FROM w"
                          : "WITH w AS (UPDATE webhooks SET url = coalesce($2, url), name = "
                            "coalesce($3, name), subscriptions = coalesce($4::jsonb, "
                            "subscriptions), updated_at = now() AT TIME ZONE 'utc' WHERE "
                            "account_id = $1 AND id = $5 RETURNING *) SELECT " WEBHOOK_JSON
                            " FROM w";
        std::vector<opt_text> args{account_of(who), url, name, subscriptions};
        if (create) {
          args.push_back(inbox_text);
          args.push_back(secure_token());
        } else {
          args.push_back(std::to_string(*id));
        }
        write(
          ctx, write_command{{make_statement(sql, std::move(args))}},
          [](write_result& res) {
            const auto& rs = res.results.at(0);
            if (rs.rows.empty())
              return not_found();
            return http_response::json(200,
                                       "{\"payload\":{\"webhook\":" + rs.field(0, "j").text + "}}");
          },
          respond);
      });
    };
  };
  routes.add("POST", base + "/webhooks", save_webhook(true));
  routes.add("PATCH", base + "/webhooks/:webhook_id", save_webhook(false));

  routes.add("DELETE", base + "/webhooks/:webhook_id", delete_owned(ctx, "webhooks", "webhook_id"));

  routes.add("GET", base + "/reporting_events", [ctx](http_request& req, responder respond) {
    std::string problem;
    auto page = page_param(req, problem);
    if (!page)
      return respond(http_response::error(422, problem));
    auto number = [&](const char* key) -> std::optional<opt_text> {
      auto v = query_param(req, key);
      if (!v)
        return opt_text{};
      if (v->size() > 12 || v->find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
      return opt_text{*v};
    };
    auto since = number("since");
    auto until = number("until");
    auto inbox = number("inbox_id");
    auto user = number("user_id");
    if (!since || !until || !inbox || !user)
      return respond(http_response::error(422, "since, until, inbox_id and user_id must be "
                                               "numbers"));
    auto name = query_param(req, "name");
    with_admin(ctx, req, respond, [=](caller who) {
      auto filter = " FROM reporting_events e WHERE e.account_id = $1 AND ($2::bigint IS NULL OR "
                    "e.created_at >= to_timestamp($2::bigint) AT TIME ZONE 'utc') AND ($3::bigint "
                    "IS NULL OR e.created_at <= to_timestamp($3::bigint) AT TIME ZONE 'utc') AND "
                    "($4::int IS NULL OR e.inbox_id = $4) AND ($5::int IS NULL OR e.user_id = "
                    "$5) AND ($6::text IS NULL OR e.name = $6)";
      std::vector<opt_text> args{account_of(who), *since, *until, *inbox, *user, name};
      auto page_args = args;
      page_args.push_back(std::to_string((*page - 1) * 25));
      query(
        ctx, make_statement(std::string{"SELECT count(*) AS n"} + filter, args),
        [=](result_set& counted) {
          auto count = std::stoll(counted.field(0, "n").text);
          query(
            ctx,
            make_statement(std::string{"SELECT " REPORTING_JSON} + filter
                             + " ORDER BY e.created_at DESC, e.id DESC LIMIT 25 OFFSET $7",
                           page_args),
            [count, page](result_set& rs) {
              return http_response::json(200, "{\"meta\":"
                                                + json{{"count", count},
                                                       {"current_page", *page},
                                                       {"total_pages", (count + 24) / 25}}
                                                    .dump()
                                                + ",\"payload\":" + rows_json(rs).body + "}");
            },
            respond);
          return deferred();
        },
        pass_on(respond));
    });
  });

  routes.add(
    "GET", base + "/conversations/:display_id/reporting_events",
    [ctx](http_request& req, responder respond) {
      auto id = id_param(req, "display_id");
      with_account_user(ctx, req, respond, [ctx, respond, id](caller who) {
        if (!id)
          return respond(not_found());
        query(
          ctx,
          make_statement(
            "SELECT c.id AS conversation, ($3 OR c.inbox_id IN (SELECT inbox_id FROM "
            "inbox_members WHERE user_id = $4)) AS allowed, coalesce((SELECT "
            "json_agg(x.j::json ORDER BY x.created_at, x.id) FROM (SELECT e.created_at, e.id, "
            "" REPORTING_JSON " FROM reporting_events e WHERE e.conversation_id = c.id) x), "
            "'[]')::text AS j FROM conversations c WHERE c.account_id = $1 AND c.display_id "
            "= $2",
            {account_of(who), std::to_string(*id), who.administrator ? "true" : "false",
             std::to_string(who.user_id)}),
          [](result_set& rs) {
            if (rs.rows.empty())
              return not_found();
            if (rs.field(0, "allowed").text != "t")
              return not_admin();
            return http_response::json(200, rs.field(0, "j").text);
          },
          respond);
      });
    });
}

} // namespace

void add_account_routes(router& routes, const context& ctx) {
  const std::string base = "/api/v1/accounts/:account_id";
  add_account_and_agent_routes(routes, ctx, base);
  add_team_routes(routes, ctx, base);
  add_label_and_canned_routes(routes, ctx, base);
  add_webhook_and_report_routes(routes, ctx, base);
}

} // namespace messenger::net::api
