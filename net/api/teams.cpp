#include "persistence/queries/teams.hpp"

#include "actors/errors.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/account.hpp"
#include "net/api/auth.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <memory>

namespace messenger::net::api {

namespace {

namespace teams = persistence::queries::teams;
using json = nlohmann::json;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;
using persistence::queries::json_doc_of;
using persistence::queries::json_docs;

/// Each conversation drops its (deleted) team through its actor; answers 200 once all did,
/// 503 when one could not (the team is gone either way; a retry finds what is left).
void drop_team(const context& ctx, std::vector<int64_t> conversations, const responder& respond) {
  if (conversations.empty())
    return respond(ok_empty());
  auto left = std::make_shared<std::atomic<size_t>>(conversations.size());
  auto failed = std::make_shared<std::atomic<bool>>(false);
  auto done = [left, failed, respond](bool ok) {
    if (!ok)
      *failed = true;
    if (--*left == 0)
      respond(*failed ? http_response::error(503, "Service unavailable, try again") : ok_empty());
  };
  auto sys = ctx.sys;
  for (auto id : conversations)
    ask(
      *sys, ctx.registry, request_timeout,
      [sys, done](actors::conversation_actor& conv) {
        ask(
          *sys, conv, request_timeout, [done](actors::conversation_row&) { done(true); },
          [done](caf::error&) { done(false); }, actors::team_atom_v, actors::team_command{});
      },
      // A conversation deleted meanwhile has no team to drop.
      [done](caf::error& err) { done(actors::from_caf_error(err).code == errc::not_found); },
      actors::conversation_atom_v, id);
}

http_response team_or_not_found(result_set& rs) {
  return json_or_not_found(json_doc_of(rs));
}

void list_teams(const context& ctx, http_request& req, responder respond) {
  with_account_user(ctx, req, respond, [ctx, respond](caller who) {
    query(
      ctx, teams::list(who.account_id, who.user_id),
      [](result_set& rs) { return json_list(json_docs(rs)); }, respond);
  });
}

void show_team(const context& ctx, http_request& req, responder respond) {
  with_account_user_id(ctx, req, respond, "team_id", [ctx, respond](caller who, int64_t id) {
    query(ctx, teams::show(who.account_id, who.user_id, id), team_or_not_found, respond);
  });
}

/// The team attributes of the body, or nothing when it answered 422.
std::optional<teams::team_fields> team_fields_of(http_request& req, const responder& respond,
                                                 bool create) {
  auto body = body_of(req, respond);
  if (!body)
    return std::nullopt;
  auto team = nested(*body, "team");
  teams::team_fields fields;
  fields.name = string_field(team, "name");
  fields.description = string_field(team, "description");
  if (auto it = team.find("allow_auto_assign"); it != team.end() && it->is_boolean())
    fields.allow_auto_assign = it->get<bool>();
  if (create && !fields.name) {
    respond(http_response::error(422, "Name can't be blank"));
    return std::nullopt;
  }
  if (fields.name && fields.name->size() > 255) {
    respond(http_response::error(422, "Name is too long (maximum is 255 characters)"));
    return std::nullopt;
  }
  return fields;
}

void save_team(const context& ctx, persistence::statement stmt, const responder& respond) {
  write(
    ctx, write_command{{std::move(stmt)}},
    [](write_result& res) { return team_or_not_found(res.results.at(0)); }, respond);
}

void create_team(const context& ctx, http_request& req, responder respond) {
  auto fields = team_fields_of(req, respond, true);
  if (!fields)
    return;
  with_admin(ctx, req, respond, [ctx, respond, fields](caller who) mutable {
    fields->account_id = who.account_id;
    fields->user_id = who.user_id;
    save_team(ctx, teams::create(*fields), respond);
  });
}

void update_team(const context& ctx, http_request& req, responder respond) {
  auto fields = team_fields_of(req, respond, false);
  if (!fields)
    return;
  with_admin_id(ctx, req, respond, "team_id",
                [ctx, respond, fields](caller who, int64_t id) mutable {
                  fields->account_id = who.account_id;
                  fields->user_id = who.user_id;
                  save_team(ctx, teams::update(*fields, id), respond);
                });
}

void delete_team(const context& ctx, http_request& req, responder respond) {
  with_admin_id(ctx, req, respond, "team_id", [ctx, respond](caller who, int64_t team) {
    auto account = who.account_id;
    // The team goes first, then each of its conversations drops it through its own actor
    // (the one writer of its row; Chatwoot nullifies team_id).
    write(
      ctx, write_command{{teams::remove_members_of(account, team), teams::remove(account, team)}},
      [ctx, respond, account, team](write_result& res) {
        if (res.results.at(1).rows.empty())
          return not_found();
        query(
          ctx, teams::conversations_of(account, team),
          [ctx, respond](result_set& rs) {
            drop_team(ctx, teams::read_ids(rs), respond);
            return deferred();
          },
          pass_on(respond));
        return deferred();
      },
      pass_on(respond));
  });
}

void list_team_members(const context& ctx, http_request& req, responder respond) {
  with_account_user_id(ctx, req, respond, "team_id", [ctx, respond](caller who, int64_t id) {
    query(
      ctx, teams::members(who.account_id, id),
      [](result_set& rs) { return json_list(json_docs(rs)); }, respond);
  });
}

/// add (POST: the added members), replace (PATCH: all members), remove (DELETE: empty).
enum class change { add, replace, remove };

std::vector<int64_t> ids_of(const json& body, const char* key) {
  std::vector<int64_t> ids;
  if (auto it = body.find(key); it != body.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_number_integer())
        ids.push_back(v.get<int64_t>());
  return ids;
}

write_command members_change(int64_t account, int64_t team, const std::vector<int64_t>& ids,
                             change how) {
  write_command cmd;
  cmd.statements.push_back(teams::exists(account, team));
  if (how == change::replace)
    cmd.statements.push_back(teams::keep_members(account, team, ids));
  if (how == change::remove)
    cmd.statements.push_back(teams::remove_members(account, team, ids));
  else
    cmd.statements.push_back(teams::add_members(account, team, ids));
  cmd.statements.push_back(teams::members(account, team));
  return cmd;
}

void change_members(const context& ctx, http_request& req, responder respond, change how) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto ids = ids_of(*body, "user_ids");
  with_admin_id(ctx, req, respond, "team_id", [ctx, respond, ids, how](caller who, int64_t team) {
    write(
      ctx, members_change(who.account_id, team, ids, how),
      [how](write_result& res) {
        if (!teams::read_found(res.results.at(0)))
          return not_found();
        if (how == change::remove)
          return ok_empty();
        return json_list(json_docs(how == change::add ? res.results.at(1) : res.results.back()));
      },
      respond);
  });
}

void add_team_members(const context& ctx, http_request& req, responder respond) {
  change_members(ctx, req, std::move(respond), change::add);
}

void replace_team_members(const context& ctx, http_request& req, responder respond) {
  change_members(ctx, req, std::move(respond), change::replace);
}

void remove_team_members(const context& ctx, http_request& req, responder respond) {
  change_members(ctx, req, std::move(respond), change::remove);
}

} // namespace

void add_team_routes(router& routes, const context& ctx) {
  const std::string base = account_base;
  routes.add("GET", base + "/teams", bind_context(ctx, list_teams));
  routes.add("GET", base + "/teams/:team_id", bind_context(ctx, show_team));
  routes.add("POST", base + "/teams", bind_context(ctx, create_team));
  routes.add("PATCH", base + "/teams/:team_id", bind_context(ctx, update_team));
  routes.add("DELETE", base + "/teams/:team_id", bind_context(ctx, delete_team));
  const auto members = base + "/teams/:team_id/team_members";
  routes.add("GET", members, bind_context(ctx, list_team_members));
  routes.add("POST", members, bind_context(ctx, add_team_members));
  routes.add("PATCH", members, bind_context(ctx, replace_team_members));
  routes.add("DELETE", members, bind_context(ctx, remove_team_members));
}

} // namespace messenger::net::api
