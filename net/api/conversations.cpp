#include "net/api/conversations.hpp"

#include "actors/errors.hpp"
#include "actors/event_data.hpp"
#include "domain/message_validation.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/render.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::make_statement;
using persistence::result_set;
constexpr auto timeout = std::chrono::seconds{30};

/// A conversation addressed by the path: its database id and inbox, after the policy check.
struct target {
  caller who;
  int64_t conversation_id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  int64_t display_id = 0;
};

http_response json_ok(const json& j) {
  return http_response::json(200, j.dump());
}

/// Authenticates, resolves `:conversation_id` (a display id) and applies the conversation
/// policy: administrators see every conversation of the account, agents those of inboxes
/// they are members of (or of a team they belong to); others get 401.
void with_conversation(const context& ctx, const http_request& req, const responder& respond,
                       std::function<void(target)> next) {
  auto display = id_param(req, "conversation_id");
  with_account_user(ctx, req, respond, [ctx, display, respond, next](caller who) {
    if (!display)
      return respond(http_response::error(404, "Resource could not be found"));
    auto proceed = [who, next, display](const conversation_access& a) {
      if (!a.allowed)
        return http_response::error(401, "You are not authorized to do this action");
      next(target{who, a.conversation_id, a.inbox_id, a.contact_id, *display});
      return deferred();
    };
    auto key = std::to_string(who.user_id) + "/" + std::to_string(who.account_id) + "/"
               + std::to_string(*display);
    if (ctx.caches)
      if (auto hit = ctx.caches->access.get(key)) {
        auto answer = proceed(*hit);
        if (answer.status != 0)
          respond(std::move(answer));
        return;
      }
    auto stmt = make_statement(
      "SELECT c.id, c.display_id, c.inbox_id, coalesce(c.contact_id, 0) AS contact_id, "
      "($3 OR EXISTS (SELECT 1 FROM inbox_members m WHERE m.inbox_id = c.inbox_id AND m.user_id "
      "= $4) OR EXISTS (SELECT 1 FROM team_members t WHERE t.team_id = c.team_id AND t.user_id = "
      "$4)) AS allowed FROM conversations c WHERE c.account_id = $1 AND c.display_id = $2",
      {std::to_string(who.account_id), std::to_string(*display),
       who.administrator ? "true" : "false", std::to_string(who.user_id)});
    query(
      ctx, std::move(stmt),
      [ctx, key, proceed](result_set& rs) -> http_response {
        if (rs.rows.empty())
          return http_response::error(404, "Resource could not be found");
        conversation_access a{
          std::stoll(rs.field(0, "id").text), std::stoll(rs.field(0, "inbox_id").text),
          std::stoll(rs.field(0, "contact_id").text), rs.field(0, "allowed").text == "t"};
        if (ctx.caches && a.allowed) // grants count at once, revocations within the TTL
          ctx.caches->access.put(key, a);
        return proceed(a);
      },
      pass_on(respond));
  });
}

/// Resolves the conversation actor through the registry, then asks it.
template <class OnReply, class... Ts>
void ask_conversation(const context& ctx, int64_t conversation_id, const responder& respond,
                      OnReply on_reply, Ts... xs) {
  auto sys = ctx.sys;
  ask(
    *sys, ctx.registry, timeout,
    [sys, respond, on_reply, xs...](actors::conversation_actor& conv) {
      ask(
        *sys, conv, timeout, on_reply, [respond](caf::error& err) { respond(error_response(err)); },
        xs...);
    },
    [respond](caf::error& err) { respond(error_response(err)); }, actors::conversation_atom_v,
    conversation_id);
}

actors::performer performer_of(const caller& who) {
  return {"User", who.user_id, who.name, who.administrator};
}

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

std::string path_of(const char* tail) {
  std::string path{"/api/v1/accounts/:account_id/conversations/:conversation_id"};
  path += tail; // (append, not operator+: g++ 12 -O3 reports a false -Wrestrict)
  return path;
}

/// Messages list (API.md §2.3): cursor pagination by id, ascending.
persistence::statement messages_query(int64_t conversation_id, const http_request& req) {
  auto param = [&](const char* key) -> std::optional<int64_t> {
    auto it = req.query.find(key);
    if (it == req.query.end() || it->second.empty()
        || it->second.find_first_not_of("0123456789") != std::string::npos
        || it->second.size() > 18)
      return std::nullopt;
    return std::stoll(it->second);
  };
  auto before = param("before");
  auto after = param("after");
  std::string limit = before && after ? "1000" : after ? "100" : "20";
  std::string order = after && !before ? "ASC" : "DESC";
  auto sql = "SELECT * FROM (SELECT " MESSENGER_MESSAGE_COLUMNS " "
             "FROM messages m WHERE conversation_id = $1 AND ($2::bigint IS NULL OR id < $2) AND "
             "($3::bigint IS NULL OR id > $3) ORDER BY id "
             + order + " LIMIT " + limit + ") m ORDER BY id ASC";
  auto opt = [](const std::optional<int64_t>& v) {
    return v ? std::optional<std::string>{std::to_string(*v)} : std::nullopt;
  };
  return make_statement(sql, {std::to_string(conversation_id), opt(before), opt(after)});
}

} // namespace

/// Creates a message through the conversation actor. A source_id or echo_id the inbox
/// already holds returns the stored message (200) and creates nothing.
void create_message(const context& ctx, int64_t inbox_id, int64_t conversation_id,
                    int64_t display_id, actors::message_command cmd, responder respond,
                    std::function<nlohmann::json(nlohmann::json)> shape) {
  if (!shape)
    shape = [](nlohmann::json j) { return j; };
  auto key_sql = make_statement(
    "SELECT " MESSENGER_MESSAGE_COLUMNS ", "
    "(SELECT display_id FROM conversations c WHERE c.id = m.conversation_id) AS display_id "
    "FROM messages m WHERE inbox_id = $1 AND ((NULLIF($2, '') IS NOT NULL AND source_id = $2) "
    "OR (NULLIF($3, '') IS NOT NULL AND echo_id = $3)) ORDER BY id LIMIT 1",
    {std::to_string(inbox_id), cmd.message.source_id, cmd.message.echo_id});
  auto existing = [shape](result_set& rs) {
    return json_ok(shape(message_body(rs, 0, std::stoll(rs.field(0, "display_id").text))));
  };
  auto send = [ctx, conversation_id, cmd, display_id, respond, key_sql, existing, shape]() {
    auto sys = ctx.sys;
    // A concurrent retry may win the race past the check above: the unique index then
    // says `conflict`, and the stored message is the answer.
    auto on_error = [ctx, respond, key_sql, existing](caf::error& err) {
      if (actors::from_caf_error(err).code != errc::conflict)
        return respond(error_response(err));
      query(
        ctx, key_sql,
        [existing](result_set& rs) {
          return rs.rows.empty() ? http_response::error(422, "Validation failed: duplicate message")
                                 : existing(rs);
        },
        respond);
    };
    ask(
      *sys, ctx.registry, timeout,
      [sys, respond, display_id, on_error, cmd, shape](actors::conversation_actor& conv) {
        ask(
          *sys, conv, timeout,
          [respond, display_id, shape, by = cmd.by](actors::message_row& stored) {
            respond(json_ok(shape(message_body(stored, display_id, by))));
          },
          on_error, actors::message_atom_v, cmd);
      },
      [respond](caf::error& err) { respond(error_response(err)); }, actors::conversation_atom_v,
      conversation_id);
  };
  if (cmd.message.source_id.empty() && cmd.message.echo_id.empty())
    return send();
  query(
    ctx, key_sql,
    [send, existing](result_set& rs) -> http_response {
      if (!rs.rows.empty())
        return existing(rs);
      send();
      return deferred();
    },
    pass_on(respond));
}

std::optional<std::string> message_content(const json& body, const responder& respond) {
  auto c = body.find("content");
  if (c == body.end() || c->is_null())
    return std::string{};
  // Rails coerces scalars to the text column; objects and arrays are not content.
  if (c->is_object() || c->is_array()) {
    respond(http_response::error(422, "Validation failed: content must be text"));
    return std::nullopt;
  }
  return c->is_string() ? c->get<std::string>() : c->dump();
}

void add_conversation_routes(router& routes, const context& ctx) {
  auto row_reply = [ctx](responder respond) {
    return
      [ctx, respond](actors::conversation_row& row) { respond_conversation(ctx, row, respond); };
  };

  routes.add("GET", path_of(""), [ctx, row_reply](http_request& req, responder respond) {
    with_conversation(ctx, req, respond, [ctx, respond, row_reply](target t) {
      ask_conversation(ctx, t.conversation_id, respond, row_reply(respond), actors::get_atom_v);
    });
  });

  auto priority_handler = [ctx](bool patch) {
    return [ctx, patch](http_request& req, responder respond) {
      auto body = body_of(req, respond);
      if (!body)
        return;
      bool valid = true;
      auto prio = priority_of(*body, valid);
      if (!valid)
        return respond(http_response::error(422, "'" + (*body)["priority"].dump()
                                                   + "' is not a valid priority"));
      with_conversation(ctx, req, respond, [ctx, respond, prio, patch](target t) {
        ask_conversation(
          ctx, t.conversation_id, respond,
          [ctx, respond, patch](actors::conversation_row& row) {
            if (patch)
              return respond_conversation(ctx, row, respond);
            respond(http_response::json(200, ""));
          },
          actors::priority_atom_v, *prio, performer_of(t.who));
      });
    };
  };
  routes.add("PATCH", path_of(""), priority_handler(true));
  routes.add("POST", path_of("/toggle_priority"), priority_handler(false));

  routes.add("POST", path_of("/toggle_status"), [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    actors::status_command cmd;
    if (body->contains("status") && !(*body)["status"].is_null()) {
      auto status = (*body)["status"].is_string()
                      ? domain::parse_conversation_status((*body)["status"].get<std::string>())
                      : std::nullopt;
      if (!status)
        return respond(
          http_response::error(422, "'" + (*body)["status"].dump() + "' is not a valid status"));
      cmd.status = static_cast<int32_t>(*status);
    }
    if (body->contains("snoozed_until") && !(*body)["snoozed_until"].is_null()) {
      const auto& v = (*body)["snoozed_until"];
      int64_t secs = 0;
      if (v.is_number_integer())
        secs = v.get<int64_t>();
      else if (v.is_string() && !v.get<std::string>().empty()
               && v.get<std::string>().find_first_not_of("0123456789") == std::string::npos)
        secs = std::stoll(v.get<std::string>());
      else
        return respond(http_response::error(422, "snoozed_until must be unix seconds"));
      cmd.snoozed_until = secs * 1000000;
    }
    with_conversation(ctx, req, respond, [ctx, respond, cmd](target t) mutable {
      cmd.by = performer_of(t.who);
      ask_conversation(
        ctx, t.conversation_id, respond,
        [respond](actors::conversation_row& row) {
          json payload = {
            {"success", true},
            {"conversation_id", row.display_id},
            {"current_status",
             std::string{domain::to_string(static_cast<domain::conversation_status>(row.status))}},
            {"snoozed_until",
             row.snoozed_until == 0 ? json(nullptr) : json(domain::iso8601(row.snoozed_until))}};
          respond(json_ok({{"meta", json::object()}, {"payload", payload}}));
        },
        actors::toggle_atom_v, cmd);
    });
  });

  routes.add("POST", path_of("/toggle_typing_status"), [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto status = body->value("typing_status", std::string{});
    if (status != "on" && status != "off" && status != "recording")
      return respond(http_response::error(422, "typing_status must be on or off"));
    bool is_private = body->value("is_private", false);
    with_conversation(ctx, req, respond, [ctx, respond, status, is_private](target t) {
      ask_conversation(
        ctx, t.conversation_id, respond, [respond](bool) { respond(http_response::json(200, "")); },
        actors::typing_atom_v, status != "off", is_private, performer_of(t.who));
    });
  });

  routes.add("POST", path_of("/update_last_seen"),
             [ctx, row_reply](http_request& req, responder respond) {
               with_conversation(ctx, req, respond, [ctx, respond, row_reply](target t) {
                 ask_conversation(ctx, t.conversation_id, respond, row_reply(respond),
                                  actors::seen_atom_v, t.who.user_id);
               });
             });

  routes.add("POST", path_of("/unread"), [ctx, row_reply](http_request& req, responder respond) {
    with_conversation(ctx, req, respond, [ctx, respond, row_reply](target t) {
      ask_conversation(ctx, t.conversation_id, respond, row_reply(respond), actors::unread_atom_v);
    });
  });

  routes.add("POST", path_of("/custom_attributes"), [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    if (!body->contains("custom_attributes") || !(*body)["custom_attributes"].is_object())
      return respond(http_response::error(422, "custom_attributes must be a JSON object"));
    auto attrs = (*body)["custom_attributes"].dump();
    with_conversation(ctx, req, respond, [ctx, respond, attrs](target t) {
      ask_conversation(
        ctx, t.conversation_id, respond,
        [respond](actors::conversation_row& row) {
          respond(json_ok({{"custom_attributes", json::parse(row.custom_attributes)}}));
        },
        actors::attributes_atom_v, attrs, performer_of(t.who));
    });
  });

  routes.add("GET", path_of("/labels"), [ctx](http_request& req, responder respond) {
    with_conversation(ctx, req, respond, [ctx, respond](target t) {
      ask_conversation(
        ctx, t.conversation_id, respond,
        [respond](actors::conversation_row& row) {
          respond(json_ok({{"payload", row.labels}}));
        },
        actors::get_atom_v);
    });
  });

  routes.add("POST", path_of("/labels"), [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    std::vector<std::string> labels;
    if (body->contains("labels")) {
      if (!(*body)["labels"].is_array())
        return respond(http_response::error(422, "labels must be an array"));
      for (const auto& l : (*body)["labels"]) {
        if (!l.is_string() || l.get<std::string>().empty())
          return respond(http_response::error(422, "labels must be non-empty strings"));
        auto text = l.get<std::string>();
        for (auto& c : text)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        labels.push_back(text);
      }
    }
    with_conversation(ctx, req, respond, [ctx, respond, labels](target t) {
      ask_conversation(
        ctx, t.conversation_id, respond,
        [respond](actors::conversation_row& row) {
          respond(json_ok({{"payload", row.labels}}));
        },
        actors::labels_atom_v, labels, performer_of(t.who));
    });
  });

  routes.add("POST", path_of("/assignments"), [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    int64_t assignee = 0;
    if (body->contains("assignee_id") && (*body)["assignee_id"].is_number_integer())
      assignee = (*body)["assignee_id"].get<int64_t>();
    if (!body->contains("assignee_id") && body->contains("team_id")) {
      // Team assignment: the team's raw row, or null (an unknown id removes the team).
      auto team = int_field(*body, "team_id").value_or(0);
      return with_conversation(ctx, req, respond, [ctx, respond, team](target t) {
        query(
          ctx,
          make_statement("SELECT t.id, t.name, jsonb_build_object('id', t.id, 'name', t.name, "
                         "'description', t.description, 'allow_auto_assign', "
                         "t.allow_auto_assign, 'account_id', t.account_id, 'created_at', "
                         "t.created_at, 'updated_at', t.updated_at, 'icon', t.icon, "
                         "'icon_color', t.icon_color)::text AS j FROM teams t WHERE "
                         "t.account_id = $1 AND t.id = $2",
                         {std::to_string(t.who.account_id), std::to_string(team)}),
          [ctx, respond, t](result_set& rs) -> http_response {
            int64_t id = rs.rows.empty() ? 0 : std::stoll(rs.field(0, "id").text);
            auto name = rs.rows.empty() ? std::string{} : rs.field(0, "name").text;
            auto reply = rs.rows.empty() ? std::string{"null"} : rs.field(0, "j").text;
            ask_conversation(
              ctx, t.conversation_id, respond,
              [respond, reply](actors::conversation_row&) {
                respond(http_response::json(200, reply));
              },
              actors::team_atom_v, id, name, performer_of(t.who));
            return deferred();
          },
          pass_on(respond));
      });
    }
    with_conversation(ctx, req, respond, [ctx, respond, assignee](target t) {
      // The assignee must be a user of the account; an unknown id unassigns (API.md).
      query(
        ctx,
        make_statement("SELECT u.id, u.name, u.email FROM users u JOIN account_users au ON "
                       "au.user_id = u.id WHERE au.account_id = $1 AND u.id = $2",
                       {std::to_string(t.who.account_id), std::to_string(assignee)}),
        [ctx, respond, t](result_set& rs) -> http_response {
          int64_t id = rs.rows.empty() ? 0 : std::stoll(rs.field(0, "id").text);
          std::string name = rs.rows.empty() ? std::string{} : rs.field(0, "name").text;
          json agent = rs.rows.empty() ? json(nullptr)
                                       : json{{"id", id},
                                              {"name", name},
                                              {"available_name", name},
                                              {"email", rs.field(0, "email").text}};
          ask_conversation(
            ctx, t.conversation_id, respond,
            [respond, agent](actors::conversation_row&) { respond(json_ok(agent)); },
            actors::assign_atom_v, id, name, performer_of(t.who));
          return deferred();
        },
        pass_on(respond));
    });
  });

  routes.add("GET", path_of("/messages"), [ctx](http_request& req, responder respond) {
    with_conversation(ctx, req, respond, [ctx, respond, req](target t) {
      query(
        ctx, messages_query(t.conversation_id, req),
        [ctx, t](result_set& rs) {
          json payload = json::array();
          for (size_t i = 0; i < rs.rows.size(); ++i)
            payload.push_back(message_body(rs, i, t.display_id));
          return json_ok({{"meta", {{"contact", {{"id", t.contact_id}}}}}, {"payload", payload}});
        },
        respond);
    });
  });

  routes.add(
    "DELETE", path_of("/messages/:message_id"), [ctx](http_request& req, responder respond) {
      auto message = id_param(req, "message_id");
      with_conversation(ctx, req, respond, [ctx, respond, message](target t) {
        if (!message)
          return respond(http_response::error(404, "Resource could not be found"));
        // Soft delete (Chatwoot's MessagesController#destroy): the content is replaced and
        // content_attributes.deleted set; the conversation's timestamps are not touched, so
        // the conversation actor is not involved. Published as message.updated (to the
        // conversation's contact too, hence its contact inbox).
        auto sql
          = "UPDATE messages m SET content = 'This message was deleted', content_attributes "
            "= coalesce(m.content_attributes, '{}') || '{\"deleted\": true}', updated_at = "
            "now() AT TIME ZONE 'utc' WHERE m.conversation_id = $1 AND m.id = $2 "
            "RETURNING " MESSENGER_MESSAGE_COLUMNS ", coalesce((SELECT c.contact_inbox_id FROM "
            "conversations c WHERE c.id = m.conversation_id), 0) AS contact_inbox_id";
        write(
          ctx,
          persistence::write_command{
            {make_statement(sql, {std::to_string(t.conversation_id), std::to_string(*message)})}},
          [ctx, t](persistence::write_result& res) {
            const auto& rs = res.results.at(0);
            if (rs.rows.empty())
              return http_response::error(404, "Resource could not be found");
            auto msg = message_from_row(rs, 0);
            auto data = message_body(rs, 0, t.display_id).dump();
            actors::domain_event ev;
            ev.name = "message.updated";
            ev.account_id = msg.account_id;
            ev.inbox_id = msg.inbox_id;
            ev.conversation_id = t.conversation_id;
            ev.display_id = t.display_id;
            ev.message_id = msg.id;
            ev.at = msg.created_at;
            ev.data = data;
            ev.by = performer_of(t.who);
            ev.contact_id = t.contact_id;
            ev.contact_inbox_id = std::stoll(rs.field(0, "contact_inbox_id").text);
            publish(ctx, std::move(ev));
            return http_response::json(200, std::move(data));
          },
          respond);
      });
    });

  routes.add("POST", path_of("/messages"), [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    domain::message_input in;
    auto content = message_content(*body, respond);
    if (!content)
      return;
    in.content = *content;
    if (body->contains("message_type") && (*body)["message_type"].is_string())
      in.message_type = (*body)["message_type"].get<std::string>();
    if (body->contains("content_type") && (*body)["content_type"].is_string())
      in.content_type = (*body)["content_type"].get<std::string>();
    if (body->contains("attachments[]") || body->contains("attachments"))
      return respond(
        http_response::error(422, "Validation failed: attachments are not supported yet"));
    if (body->contains("content_attributes") && !(*body)["content_attributes"].is_null()) {
      // An object, or (multipart, Chatwoot's clients) its JSON text.
      const auto& attrs = (*body)["content_attributes"];
      in.content_attributes = attrs.is_string() ? attrs.get<std::string>() : attrs.dump();
    }
    auto valid = domain::validate_message(in);
    if (!valid)
      return respond(http_response::error(422, "Validation failed: " + valid.error().detail));
    if (valid->type == domain::message_type::activity)
      return respond(http_response::error(422, "Validation failed: message_type is not allowed"));
    actors::message_command cmd;
    cmd.message.content = valid->content;
    cmd.message.message_type = static_cast<uint8_t>(valid->type);
    cmd.message.content_type = valid->content_type;
    cmd.message.content_attributes = valid->content_attributes;
    cmd.message.is_private = bool_field(*body, "private").value_or(false);
    auto string_field = [&](const char* key) {
      if (!body->contains(key) || (*body)[key].is_null())
        return std::string{};
      return (*body)[key].is_string() ? (*body)[key].get<std::string>() : (*body)[key].dump();
    };
    cmd.message.source_id = string_field("source_id");
    cmd.message.echo_id = string_field("echo_id");
    with_conversation(ctx, req, respond, [ctx, respond, cmd](target t) mutable {
      if (cmd.message.message_type == static_cast<uint8_t>(domain::message_type::incoming)) {
        cmd.message.sender_type = "Contact"; // API inboxes: the conversation's contact
        cmd.message.sender_id = t.contact_id;
      } else {
        cmd.message.sender_type = "User";
        cmd.message.sender_id = t.who.user_id;
      }
      cmd.by = performer_of(t.who);
      create_message(ctx, t.inbox_id, t.conversation_id, t.display_id, cmd, respond);
    });
  });
}

} // namespace messenger::net::api
