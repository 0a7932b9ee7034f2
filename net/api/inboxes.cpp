#include "net/api/inboxes.hpp"

#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/contacts_common.hpp"
#include "persistence/queries/inboxes.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::result_set;
using persistence::write_result;
namespace q = persistence::queries::inboxes;
using common::parsed;
constexpr auto timeout = std::chrono::seconds{30};

json opt_text(const std::optional<std::string>& v) {
  return v ? json(*v) : json(nullptr);
}

json inbox_json(const q::inbox_row& row, bool administrator) {
  json j = {{"id", row.id},
            {"avatar_url", ""},
            {"channel_id", row.channel_id},
            {"name", row.name},
            {"channel_type", row.channel_type},
            {"greeting_enabled", row.greeting_enabled},
            {"greeting_message", opt_text(row.greeting_message)},
            {"enable_auto_assignment", row.enable_auto_assignment},
            {"timezone", row.timezone},
            {"lock_to_single_conversation", row.lock_to_single_conversation},
            {"webhook_url", opt_text(row.webhook_url)},
            {"inbox_identifier", opt_text(row.identifier)},
            {"hmac_mandatory", row.hmac_mandatory},
            {"provider", nullptr}};
  if (administrator) {
    j["hmac_token"] = opt_text(row.hmac_token);
    j["secret"] = opt_text(row.secret);
  }
  return j;
}

/// {"payload": [agent, …]}.
http_response members_answer(const std::vector<persistence::queries::json_doc>& members) {
  json payload = json::array();
  for (const auto& agent : members)
    payload.push_back(parsed(agent));
  return http_response::json(200, json{{"payload", payload}}.dump());
}

std::vector<std::pair<int64_t, std::string>> users_of(const std::vector<q::member_change>& ch) {
  std::vector<std::pair<int64_t, std::string>> users;
  for (const auto& c : ch)
    users.emplace_back(c.user_id, c.name);
  return users;
}

std::vector<int64_t> user_ids_of(const json& body) {
  std::vector<int64_t> ids;
  if (body.contains("user_ids") && body["user_ids"].is_array())
    for (const auto& v : body["user_ids"])
      if (v.is_number_integer())
        ids.push_back(v.get<int64_t>());
  return ids;
}

/// The `channel` object of a body ({} when absent or not an object).
json channel_of(const json& body) {
  return body.contains("channel") && body["channel"].is_object() ? body["channel"] : json::object();
}

/// `channel.webhook_url` when it is a string; false (422 answered) when it is not a URL.
bool webhook_of(const json& channel, std::optional<std::string>& webhook,
                const responder& respond) {
  if (channel.contains("webhook_url") && channel["webhook_url"].is_string())
    webhook = channel["webhook_url"].get<std::string>();
  if (webhook && !webhook->empty() && webhook->rfind("http://", 0) != 0
      && webhook->rfind("https://", 0) != 0) {
    respond(http_response::error(422, "Webhook url is invalid"));
    return false;
  }
  return true;
}

/// A boolean member: nullopt when absent or null; anything but a boolean sets `problem`.
std::optional<bool> strict_flag(const json& doc, const char* key, std::string& problem) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null())
    return std::nullopt;
  if (!it->is_boolean()) {
    problem = std::string{key} + " must be true or false";
    return std::nullopt;
  }
  return it->get<bool>();
}

void list_inboxes(const context& ctx, http_request& req, responder respond) {
  with_account_user(ctx, req, respond, [ctx, respond](caller who) {
    query(
      ctx, q::list(who.account_id, who.administrator, who.user_id),
      [who](result_set& rs) {
        json payload = json::array();
        for (const auto& row : q::read_inboxes(rs))
          payload.push_back(inbox_json(row, who.administrator));
        return http_response::json(200, json{{"payload", payload}}.dump());
      },
      respond);
  });
}

void show_inbox(const context& ctx, http_request& req, responder respond) {
  common::with_path_id(ctx, req, respond, "id", [ctx, respond](caller who, int64_t id) {
    query(
      ctx, q::show(who.account_id, who.administrator, who.user_id, id),
      [who](result_set& rs) {
        auto found = q::read_show(rs);
        if (!found)
          return not_found();
        if (!found->allowed)
          return not_admin();
        return http_response::json(200, inbox_json(found->inbox, who.administrator).dump());
      },
      respond);
  });
}

void create_inbox(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  q::create_request in;
  std::string problem;
  in.name = text_field(*body, "name", problem).value_or("");
  auto channel = channel_of(*body);
  auto type = text_field(channel, "type", problem).value_or("api");
  in.enable_auto_assignment = strict_flag(*body, "enable_auto_assignment", problem).value_or(true);
  in.lock_to_single_conversation
    = strict_flag(*body, "lock_to_single_conversation", problem).value_or(false);
  if (answered_problem(problem, respond))
    return;
  if (in.name.empty())
    return respond(http_response::error(422, "Name can't be blank"));
  if (type != "api")
    return respond(http_response::error(422, "only API channels are supported"));
  if (!webhook_of(channel, in.webhook_url, respond))
    return;
  with_account_user(ctx, req, respond, [ctx, respond, in](caller who) mutable {
    if (!who.administrator)
      return respond(not_admin());
    in.account_id = who.account_id;
    in.identifier = secure_token();
    in.hmac_token = secure_token();
    in.secret = secure_token();
    write(
      ctx, persistence::write_command{{q::create(in)}},
      [](write_result& res) {
        auto row = q::read_inbox(res.results.at(0));
        if (!row)
          return http_response::error(500, "inbox was not created");
        return http_response::json(200, inbox_json(*row, true).dump());
      },
      respond);
  });
}

/// The changes of a PATCH body, or 422 (answered) and nothing.
std::optional<q::update_request> update_of(const json& body, const responder& respond) {
  q::update_request up;
  auto channel = channel_of(body);
  up.name = string_field(body, "name");
  up.greeting_message = string_field(body, "greeting_message");
  up.timezone = string_field(body, "timezone");
  std::string problem;
  up.enable_auto_assignment = strict_flag(body, "enable_auto_assignment", problem);
  up.greeting_enabled = strict_flag(body, "greeting_enabled", problem);
  up.lock_to_single_conversation = strict_flag(body, "lock_to_single_conversation", problem);
  up.hmac_mandatory = strict_flag(channel, "hmac_mandatory", problem);
  if (answered_problem(problem, respond) || !webhook_of(channel, up.webhook_url, respond))
    return std::nullopt;
  if (up.name && up.name->size() > 255) {
    respond(http_response::error(422, "Name is too long (maximum is 255 characters)"));
    return std::nullopt;
  }
  return up;
}

/// Tells the inbox actor that auto assignment was turned on or off.
void toggle_auto_assignment(const context& ctx, int64_t inbox_id, bool on) {
  ask(
    *ctx.sys, ctx.registry, timeout,
    [on](actors::inbox_actor& inbox) { caf::anon_send(inbox, actors::toggle_atom_v, on); },
    [](caf::error&) {}, actors::inbox_atom_v, inbox_id);
}

void update_inbox(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto up = update_of(*body, respond);
  if (!up)
    return;
  common::with_admin_path_id(
    ctx, req, respond, "id", [ctx, respond, changes = *up](caller who, int64_t id) mutable {
      changes.account_id = who.account_id;
      changes.inbox_id = id;
      write(
        ctx, q::update(changes),
        [ctx, id, auto_assign = changes.enable_auto_assignment](write_result& res) {
          auto row = q::read_updated(res);
          if (!row)
            return not_found();
          if (auto_assign)
            toggle_auto_assignment(ctx, id, *auto_assign);
          return http_response::json(200, inbox_json(*row, true).dump());
        },
        respond);
    });
}

void delete_inbox(const context& ctx, http_request& req, responder respond) {
  common::with_admin_path_id(ctx, req, respond, "id", [ctx, respond](caller who, int64_t id) {
    // Chatwoot deletes asynchronously; here the inbox goes with its channel, members,
    // contact inboxes, conversations and messages in one transaction, after the registry
    // retired the inbox actor and its live conversation actors.
    retire_and_write(
      ctx, actors::retire_scope::inbox, id, q::destroy(who.account_id, id),
      [](write_result& res) {
        if (!q::read_destroyed(res))
          return not_found();
        return http_response::json(200, R"({"message":"Inbox deleted"})");
      },
      respond);
  });
}

void list_members(const context& ctx, http_request& req, responder respond) {
  common::with_path_id(ctx, req, respond, "inbox_id", [ctx, respond](caller who, int64_t inbox) {
    query(
      ctx, q::members(who.account_id, inbox),
      [](result_set& rs) { return members_answer(q::read_members(rs)); }, respond);
  });
}

/// POST (add) and DELETE (remove) of inbox members. The inbox comes in the body, or in the
/// path (`DELETE …/inbox_members/{inbox_id}`, which Chatwoot's JS clients use).
void change_members(const context& ctx, http_request& req, responder respond, bool add) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  int64_t inbox = id_param(req, "inbox_id").value_or(int_field(*body, "inbox_id").value_or(0));
  auto ids = user_ids_of(*body);
  with_account_user(ctx, req, respond, [ctx, respond, add, inbox, ids](caller who) {
    if (!who.administrator)
      return respond(not_admin());
    write(
      ctx, q::change_members(who.account_id, inbox, ids, add),
      [ctx, add, inbox, who](write_result& res) {
        auto changed = q::read_changed_members(res, add);
        if (!changed)
          return not_found();
        notify_members(ctx, who.account_id, inbox,
                       users_of(add ? changed->added : changed->removed), add);
        if (!add)
          return http_response::json(200, "");
        return members_answer(changed->members);
      },
      respond);
  });
}

void add_members(const context& ctx, http_request& req, responder respond) {
  change_members(ctx, req, std::move(respond), true);
}

void remove_members(const context& ctx, http_request& req, responder respond) {
  change_members(ctx, req, std::move(respond), false);
}

// PATCH replaces the membership: adds the missing ids, removes the absent ones.
void replace_members(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto inbox = int_field(*body, "inbox_id").value_or(0);
  auto ids = user_ids_of(*body);
  with_account_user(ctx, req, respond, [ctx, respond, inbox, ids](caller who) {
    if (!who.administrator)
      return respond(not_admin());
    write(
      ctx, q::replace_members(who.account_id, inbox, ids),
      [ctx, inbox, who](write_result& res) {
        auto changed = q::read_replaced_members(res);
        if (!changed)
          return not_found();
        if (!changed->removed.empty())
          notify_members(ctx, who.account_id, inbox, users_of(changed->removed), false);
        if (!changed->added.empty())
          notify_members(ctx, who.account_id, inbox, users_of(changed->added), true);
        return members_answer(changed->members);
      },
      respond);
  });
}

} // namespace

void notify_members(const context& ctx, int64_t account_id, int64_t inbox_id,
                    const std::vector<std::pair<int64_t, std::string>>& users, bool added) {
  auto sys = ctx.sys;
  ask(
    *sys, ctx.registry, timeout,
    [users, added](actors::inbox_actor& inbox) {
      for (const auto& [id, name] : users)
        caf::anon_send(inbox, actors::member_atom_v, actors::inbox_member_change{id, added, name});
    },
    [](caf::error&) {}, actors::inbox_atom_v, inbox_id);
  for (const auto& [id, name] : users)
    ask(
      *sys, ctx.registry, timeout,
      [sys, inbox_id, account_id, added](actors::operator_actor& op) {
        ask(
          *sys, op, timeout, [](actors::operator_view&) {}, [](caf::error&) {},
          actors::member_atom_v, actors::operator_member_change{inbox_id, account_id, added});
      },
      [](caf::error&) {}, actors::operator_atom_v, id);
}

void add_inbox_routes(router& routes, const context& ctx) {
  const std::string base = "/api/v1/accounts/:account_id";
  auto bind = [&ctx](common::context_handler fn) { return common::bind(ctx, fn); };
  routes.add("GET", base + "/inboxes", bind(list_inboxes));
  routes.add("GET", base + "/inboxes/:id", bind(show_inbox));
  routes.add("POST", base + "/inboxes", bind(create_inbox));
  routes.add("GET", base + "/inbox_members/:inbox_id", bind(list_members));
  routes.add("POST", base + "/inbox_members", bind(add_members));
  routes.add("DELETE", base + "/inbox_members", bind(remove_members));
  routes.add("DELETE", base + "/inbox_members/:inbox_id", bind(remove_members));
  routes.add("PATCH", base + "/inbox_members", bind(replace_members));
  routes.add("PATCH", base + "/inboxes/:id", bind(update_inbox));
  routes.add("DELETE", base + "/inboxes/:id", bind(delete_inbox));
}

} // namespace messenger::net::api
