#include "persistence/queries/agents.hpp"

#include "net/actor_bridge.hpp"
#include "net/api/account.hpp"
#include "net/api/auth.hpp"
#include "net/api/inboxes.hpp"
#include "net/api/platform.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

namespace agents = persistence::queries::agents;
using json = nlohmann::json;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;

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
    *sys, ctx.registry, request_timeout,
    [=](actors::operator_actor& op) {
      ask(
        *sys, op, request_timeout, [done](actors::operator_view&) { done(); }, fail,
        actors::availability_atom_v,
        actors::availability_command{account_id, availability, auto_offline});
    },
    fail, actors::operator_atom_v, user_id);
}

/// Answers with the agent as it is now.
void show_agent(const context& ctx, int64_t account_id, int64_t user_id, responder respond) {
  query(
    ctx, agents::show(account_id, user_id),
    [](result_set& rs) { return json_or_not_found(persistence::queries::json_doc_of(rs)); },
    std::move(respond));
}

void list_agents(const context& ctx, http_request& req, responder respond) {
  with_account_user(ctx, req, respond, [ctx, respond](caller who) {
    query(
      ctx, agents::list(who.account_id),
      [](result_set& rs) { return json_list(persistence::queries::json_docs(rs)); }, respond);
  });
}

void create_agent(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto agent = nested(*body, "agent");
  auto email = string_field(agent, "email");
  auto role = string_field(agent, "role").value_or("agent");
  auto availability = availability_of(string_field(agent, "availability").value_or("online"));
  std::string problem;
  bool auto_offline = bool_field(agent, "auto_offline", problem).value_or(true);
  if (answered_problem(problem, respond))
    return;
  if (!email || email->find('@') == std::string::npos)
    return respond(http_response::error(422, "Email is invalid"));
  if (role != "agent" && role != "administrator")
    return respond(http_response::error(422, "'" + role + "' is not a valid role"));
  if (!availability)
    return respond(http_response::error(422, "availability must be online, busy or offline"));
  agents::new_agent made;
  made.name = string_field(agent, "name");
  made.email = *email;
  made.administrator = role == "administrator";
  made.availability = *availability;
  made.auto_offline = auto_offline;
  with_admin(ctx, req, respond, [ctx, respond, made](caller who) mutable {
    // The user is found by email or created (Chatwoot's AgentBuilder); a user already in
    // the account is a conflict.
    made.account_id = who.account_id;
    made.inviter_id = who.user_id;
    write(
      ctx, write_command{{agents::create(made)}},
      [ctx, respond, who](write_result& res) {
        auto user = agents::read_created(res.results.at(0));
        if (!user)
          return not_found();
        show_agent(ctx, who.account_id, *user, respond);
        return deferred();
      },
      pass_on(respond));
  });
}

/// PATCH /agents/:id attributes; availability and auto_offline go through the operator.
struct agent_change {
  std::optional<std::string> name;
  std::optional<bool> administrator;
  std::optional<uint8_t> availability;
  std::optional<bool> auto_offline;
};

/// The change the body asks for, or nothing when it answered 422.
std::optional<agent_change> agent_change_of(const json& body, const responder& respond) {
  auto agent = nested(body, "agent");
  agent_change change;
  change.name = string_field(agent, "name");
  auto role = string_field(agent, "role");
  auto availability_text = string_field(agent, "availability");
  if (auto it = agent.find("auto_offline"); it != agent.end() && it->is_boolean())
    change.auto_offline = it->get<bool>();
  if (role && *role != "agent" && *role != "administrator") {
    respond(http_response::error(422, "'" + *role + "' is not a valid role"));
    return std::nullopt;
  }
  if (role)
    change.administrator = *role == "administrator";
  if (availability_text && !(change.availability = availability_of(*availability_text))) {
    respond(http_response::error(422, "'" + *availability_text + "' is not a valid availability"));
    return std::nullopt;
  }
  return change;
}

void update_agent(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto change = agent_change_of(*body, respond);
  if (!change)
    return;
  with_admin_id(ctx, req, respond, "id", [ctx, respond, change](caller who, int64_t user) {
    auto account = who.account_id;
    write(
      ctx,
      write_command{{agents::rename(account, user, change->name),
                     agents::set_role(account, user, change->administrator)}},
      [ctx, respond, change, account, user](write_result& res) {
        auto membership = agents::read_membership(res.results.at(1));
        if (!membership)
          return not_found();
        auto show = [ctx, respond, account, user] { show_agent(ctx, account, user, respond); };
        if (!change->availability && !change->auto_offline) {
          show();
          return deferred();
        }
        auto current = static_cast<uint8_t>(membership->availability);
        set_availability(ctx, user, account, change->availability.value_or(current),
                         change->auto_offline.value_or(membership->auto_offline), show, respond);
        return deferred();
      },
      pass_on(respond));
  });
}

void delete_agent(const context& ctx, http_request& req, responder respond) {
  with_admin_id(ctx, req, respond, "id", [ctx, respond](caller who, int64_t user) {
    auto account = who.account_id;
    // The membership goes with the agent's inbox and team memberships in this account;
    // the user itself stays (it may belong to other accounts).
    write(
      ctx,
      write_command{{agents::remove_inbox_memberships(account, user),
                     agents::remove_team_memberships(account, user),
                     agents::remove_membership(account, user)}},
      [ctx, account, user](write_result& res) {
        if (res.results.at(2).rows.empty())
          return not_found();
        for (const auto& inbox : agents::read_removed_inboxes(res.results.at(0)))
          notify_members(ctx, account, inbox.inbox_id, {{user, inbox.user_name}}, false);
        return ok_empty();
      },
      respond);
  });
}

void set_profile_availability(const context& ctx, http_request& req, responder respond) {
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
    ctx, agents::token_membership(sha256_hex(token), *account),
    [=](result_set& rs) {
      auto membership = agents::read_membership(rs);
      if (!membership)
        return http_response::error(401, "You are not authorized to access this account");
      set_availability(
        ctx, membership->user_id, *account, *availability, membership->auto_offline,
        [ctx, token, respond] { respond_profile(ctx, token, respond); }, respond);
      return deferred();
    },
    pass_on(respond));
}

} // namespace

void add_agent_routes(router& routes, const context& ctx) {
  const std::string base = account_base;
  routes.add("GET", base + "/agents", bind_context(ctx, list_agents));
  routes.add("POST", base + "/agents", bind_context(ctx, create_agent));
  routes.add("PATCH", base + "/agents/:id", bind_context(ctx, update_agent));
  routes.add("DELETE", base + "/agents/:id", bind_context(ctx, delete_agent));
  routes.add("POST", "/api/v1/profile/availability", bind_context(ctx, set_profile_availability));
}

} // namespace messenger::net::api
