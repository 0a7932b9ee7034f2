#include "net/api/conversations.hpp"

#include "domain/types.hpp"
#include "net/api/conversation_access.hpp"
#include "net/api/render.hpp"
#include "persistence/queries/conversations.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <cctype>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::result_set;
namespace queries = persistence::queries::conversations;

http_response json_ok(const json& j) {
  return http_response::json(200, j.dump());
}

std::string path_of(const char* tail) {
  std::string path{"/api/v1/accounts/:account_id/conversations/:conversation_id"};
  path += tail; // (append, not operator+: g++ 12 -O3 reports a false -Wrestrict)
  return path;
}

/// Answers the conversation JSON of the row the actor answered.
auto conversation_reply(const context& ctx, const responder& respond) {
  return [ctx, respond](actors::conversation_row& row) { respond_conversation(ctx, row, respond); };
}

/// Answers {"payload": labels} from the row the actor answered.
auto labels_reply(const responder& respond) {
  return [respond](actors::conversation_row& row) { respond(json_ok({{"payload", row.labels}})); };
}

/// `priority`: -1 for none (absent, null or ""), else its number; nullopt when invalid.
std::optional<int32_t> priority_of(const json& body, bool& valid) {
  valid = true;
  if (!body.contains("priority") || body["priority"].is_null())
    return -1;
  if (!body["priority"].is_string()) {
    valid = false;
    return std::nullopt;
  }
  auto text = body["priority"].get<std::string>();
  if (text.empty())
    return -1;
  auto p = domain::parse_priority(text);
  if (!p) {
    valid = false;
    return std::nullopt;
  }
  return static_cast<int32_t>(*p);
}

/// toggle_status's body as a status_command, or a 422 answered.
std::optional<actors::status_command> status_command_of(const json& body,
                                                        const responder& respond) {
  actors::status_command cmd;
  if (body.contains("status") && !body["status"].is_null()) {
    auto status = body["status"].is_string()
                    ? domain::parse_conversation_status(body["status"].get<std::string>())
                    : std::nullopt;
    if (!status) {
      respond(http_response::error(422, "'" + body["status"].dump() + "' is not a valid status"));
      return std::nullopt;
    }
    cmd.status = static_cast<int32_t>(*status);
  }
  if (body.contains("snoozed_until") && !body["snoozed_until"].is_null()) {
    const auto& v = body["snoozed_until"];
    int64_t secs = 0;
    if (v.is_number_integer())
      secs = v.get<int64_t>();
    else if (auto digits
             = v.is_string() ? domain::parse_id(v.get_ref<const std::string&>()) : std::nullopt)
      secs = *digits;
    else {
      respond(http_response::error(422, "snoozed_until must be unix seconds"));
      return std::nullopt;
    }
    cmd.snoozed_until = secs * 1000000;
  }
  return cmd;
}

/// The `labels` of a body, lower-cased, or a 422 answered.
std::optional<std::vector<std::string>> labels_of(const json& body, const responder& respond) {
  std::vector<std::string> labels;
  if (!body.contains("labels"))
    return labels;
  if (!body["labels"].is_array()) {
    respond(http_response::error(422, "labels must be an array"));
    return std::nullopt;
  }
  for (const auto& l : body["labels"]) {
    if (!l.is_string() || l.get<std::string>().empty()) {
      respond(http_response::error(422, "labels must be non-empty strings"));
      return std::nullopt;
    }
    auto text = l.get<std::string>();
    for (auto& c : text)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    labels.push_back(text);
  }
  return labels;
}

void show_conversation(const context& ctx, http_request& req, responder respond) {
  with_conversation(ctx, req, respond, [ctx, respond](conversation_target t) {
    ask_conversation(ctx, t.conversation_id, respond, conversation_reply(ctx, respond),
                     actors::get_atom_v);
  });
}

/// PATCH (answers the conversation) and toggle_priority (answers an empty 200).
void set_priority(const context& ctx, http_request& req, responder respond, bool patch) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  bool valid = true;
  auto prio = priority_of(*body, valid);
  if (!valid) {
    // Appended step by step: GCC 12's -Wrestrict misfires on "'" + std::string at -O3.
    std::string problem = "'";
    problem += (*body)["priority"].dump();
    problem += "' is not a valid priority";
    return respond(http_response::error(422, problem));
  }
  with_conversation(ctx, req, respond, [ctx, respond, prio, patch](conversation_target t) {
    ask_conversation(
      ctx, t.conversation_id, respond,
      [ctx, respond, patch](actors::conversation_row& row) {
        if (patch)
          return respond_conversation(ctx, row, respond);
        respond(http_response::json(200, ""));
      },
      actors::priority_atom_v, actors::priority_command{*prio, performer_of(t.who)});
  });
}

void update_conversation(const context& ctx, http_request& req, responder respond) {
  set_priority(ctx, req, std::move(respond), true);
}

void toggle_priority(const context& ctx, http_request& req, responder respond) {
  set_priority(ctx, req, std::move(respond), false);
}

json toggle_status_payload(const actors::conversation_row& row) {
  json payload
    = {{"success", true},
       {"conversation_id", row.display_id},
       {"current_status",
        std::string{domain::to_string(static_cast<domain::conversation_status>(row.status))}},
       {"snoozed_until",
        row.snoozed_until == 0 ? json(nullptr) : json(domain::iso8601(row.snoozed_until))}};
  return {{"meta", json::object()}, {"payload", payload}};
}

void toggle_status(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto cmd = status_command_of(*body, respond);
  if (!cmd)
    return;
  with_conversation(ctx, req, respond, [ctx, respond, cmd = *cmd](conversation_target t) mutable {
    cmd.by = performer_of(t.who);
    ask_conversation(
      ctx, t.conversation_id, respond,
      [respond](actors::conversation_row& row) { respond(json_ok(toggle_status_payload(row))); },
      actors::toggle_atom_v, cmd);
  });
}

void toggle_typing_status(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  std::string problem;
  auto status = text_field(*body, "typing_status", problem).value_or("");
  bool is_private = bool_field(*body, "is_private", problem).value_or(false);
  if (answered_problem(problem, respond))
    return;
  if (status != "on" && status != "off" && status != "recording")
    return respond(http_response::error(422, "typing_status must be on or off"));
  with_conversation(ctx, req, respond, [ctx, respond, status, is_private](conversation_target t) {
    ask_conversation(
      ctx, t.conversation_id, respond, [respond](bool) { respond(http_response::json(200, "")); },
      actors::typing_atom_v,
      actors::typing_command{status != "off", is_private, performer_of(t.who)});
  });
}

void update_last_seen(const context& ctx, http_request& req, responder respond) {
  with_conversation(ctx, req, respond, [ctx, respond](conversation_target t) {
    ask_conversation(ctx, t.conversation_id, respond, conversation_reply(ctx, respond),
                     actors::seen_atom_v, t.who.user_id);
  });
}

void mark_unread(const context& ctx, http_request& req, responder respond) {
  with_conversation(ctx, req, respond, [ctx, respond](conversation_target t) {
    ask_conversation(ctx, t.conversation_id, respond, conversation_reply(ctx, respond),
                     actors::unread_atom_v);
  });
}

void update_custom_attributes(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  if (!body->contains("custom_attributes") || !(*body)["custom_attributes"].is_object())
    return respond(http_response::error(422, "custom_attributes must be a JSON object"));
  auto attrs = (*body)["custom_attributes"].dump();
  with_conversation(ctx, req, respond, [ctx, respond, attrs](conversation_target t) {
    ask_conversation(
      ctx, t.conversation_id, respond,
      [respond](actors::conversation_row& row) {
        respond(json_ok({{"custom_attributes", json::parse(row.custom_attributes)}}));
      },
      actors::attributes_atom_v, actors::attributes_command{attrs, performer_of(t.who)});
  });
}

void list_labels(const context& ctx, http_request& req, responder respond) {
  with_conversation(ctx, req, respond, [ctx, respond](conversation_target t) {
    ask_conversation(ctx, t.conversation_id, respond, labels_reply(respond), actors::get_atom_v);
  });
}

void set_labels(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto labels = labels_of(*body, respond);
  if (!labels)
    return;
  with_conversation(ctx, req, respond, [ctx, respond, labels = *labels](conversation_target t) {
    ask_conversation(ctx, t.conversation_id, respond, labels_reply(respond), actors::labels_atom_v,
                     actors::labels_command{labels, performer_of(t.who)});
  });
}

/// Team assignment: answers the team's raw row, or null (an unknown id removes the team).
void assign_team(const context& ctx, const conversation_target& t, int64_t team,
                 const responder& respond) {
  query(
    ctx, queries::assignable_team(t.who.account_id, team),
    [ctx, respond, t](result_set& rs) -> http_response {
      auto row = queries::read_team(rs).value_or(queries::team_row{0, {}, {"null"}});
      ask_conversation(
        ctx, t.conversation_id, respond,
        [respond, reply = row.json.json](actors::conversation_row&) {
          respond(http_response::json(200, reply));
        },
        actors::team_atom_v, actors::team_command{row.id, row.name, performer_of(t.who)});
      return deferred();
    },
    pass_on(respond));
}

/// Agent assignment: the assignee must be a user of the account; an unknown id unassigns
/// (API.md). Answers the agent, or null.
void assign_agent(const context& ctx, const conversation_target& t, int64_t assignee,
                  const responder& respond) {
  query(
    ctx, queries::assignable_agent(t.who.account_id, assignee),
    [ctx, respond, t](result_set& rs) -> http_response {
      auto row = queries::read_agent(rs);
      auto id = row ? row->id : 0;
      auto name = row ? row->name : std::string{};
      json agent
        = row ? json{{"id", id}, {"name", name}, {"available_name", name}, {"email", row->email}}
              : json(nullptr);
      ask_conversation(
        ctx, t.conversation_id, respond,
        [respond, agent](actors::conversation_row&) { respond(json_ok(agent)); },
        actors::assign_atom_v, actors::assign_command{id, name, performer_of(t.who)});
      return deferred();
    },
    pass_on(respond));
}

void assign(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  if (!body->contains("assignee_id") && body->contains("team_id")) {
    auto team = int_field(*body, "team_id").value_or(0);
    return with_conversation(ctx, req, respond, [ctx, respond, team](conversation_target t) {
      assign_team(ctx, t, team, respond);
    });
  }
  int64_t assignee = 0;
  if (body->contains("assignee_id") && (*body)["assignee_id"].is_number_integer())
    assignee = (*body)["assignee_id"].get<int64_t>();
  with_conversation(ctx, req, respond, [ctx, respond, assignee](conversation_target t) {
    assign_agent(ctx, t, assignee, respond);
  });
}

} // namespace

void add_conversation_routes(router& routes, const context& ctx) {
  auto route = [ctx](context_handler fn) { return route_to(ctx, fn); };
  routes.add("GET", path_of(""), route(show_conversation));
  routes.add("PATCH", path_of(""), route(update_conversation));
  routes.add("POST", path_of("/toggle_priority"), route(toggle_priority));
  routes.add("POST", path_of("/toggle_status"), route(toggle_status));
  routes.add("POST", path_of("/toggle_typing_status"), route(toggle_typing_status));
  routes.add("POST", path_of("/update_last_seen"), route(update_last_seen));
  routes.add("POST", path_of("/unread"), route(mark_unread));
  routes.add("POST", path_of("/custom_attributes"), route(update_custom_attributes));
  routes.add("GET", path_of("/labels"), route(list_labels));
  routes.add("POST", path_of("/labels"), route(set_labels));
  routes.add("POST", path_of("/assignments"), route(assign));
}

} // namespace messenger::net::api
