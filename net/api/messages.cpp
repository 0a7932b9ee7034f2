#include "net/api/messages.hpp"

#include "actors/errors.hpp"
#include "domain/message_validation.hpp"
#include "domain/types.hpp"
#include "net/api/conversation_access.hpp"
#include "net/api/render.hpp"
#include "persistence/queries/messages.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <memory>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::result_set;
namespace queries = persistence::queries::messages;
using shape_fn = std::function<json(json)>;

http_response json_ok(const json& j) {
  return http_response::json(200, j.dump());
}

std::string path_of(const char* tail) {
  std::string path{"/api/v1/accounts/:account_id/conversations/:conversation_id/messages"};
  path += tail; // (append, not operator+: g++ 12 -O3 reports a false -Wrestrict)
  return path;
}

/// A cursor parameter (`before`, `after`): digits only, at most 18 of them.
std::optional<int64_t> cursor_param(const http_request& req, const char* key) {
  auto it = req.query.find(key);
  if (it == req.query.end() || it->second.empty()
      || it->second.find_first_not_of("0123456789") != std::string::npos || it->second.size() > 18)
    return std::nullopt;
  return std::stoll(it->second);
}

/// The stored message with the command's source_id or echo_id: answered when there is one
/// (through `shape`), else `absent` answers.
struct stored_lookup {
  persistence::statement stmt;
  shape_fn shape;

  http_response answer(result_set& rs, const std::function<http_response()>& absent) const {
    auto found = queries::read_messages(rs);
    if (found.empty())
      return absent();
    return json_ok(shape(message_body(found.front(), found.front().display_id)));
  }
};

/// Sends the command to the conversation actor and answers the stored message. A conflict
/// (a concurrent retry won the race past the lookup: the unique index says so) answers the
/// stored message instead.
void send_message(const context& ctx, int64_t conversation_id, int64_t display_id,
                  const actors::message_command& cmd, const responder& respond,
                  std::shared_ptr<const stored_lookup> lookup) {
  auto on_error = [ctx, respond, lookup](caf::error& err) {
    if (actors::from_caf_error(err).code != errc::conflict)
      return respond(error_response(err));
    query(
      ctx, lookup->stmt,
      [lookup](result_set& rs) {
        return lookup->answer(
          rs, [] { return http_response::error(422, "Validation failed: duplicate message"); });
      },
      respond);
  };
  auto on_stored
    = [respond, display_id, shape = lookup->shape, by = cmd.by](actors::message_row& stored) {
        respond(json_ok(shape(message_body(stored, display_id, by))));
      };
  auto sys = ctx.sys;
  ask(
    *sys, ctx.registry, conversation_timeout,
    [sys, on_stored, on_error, cmd](actors::conversation_actor& conv) {
      ask(*sys, conv, conversation_timeout, on_stored, on_error, actors::message_atom_v, cmd);
    },
    [respond](caf::error& err) { respond(error_response(err)); }, actors::conversation_atom_v,
    conversation_id);
}

void list_messages(const context& ctx, http_request& req, responder respond) {
  auto before = cursor_param(req, "before");
  auto after = cursor_param(req, "after");
  with_conversation(ctx, req, respond, [ctx, respond, before, after](conversation_target t) {
    query(
      ctx, queries::page(t.conversation_id, before, after),
      [t](result_set& rs) {
        json payload = json::array();
        for (const auto& m : queries::read_messages(rs))
          payload.push_back(message_body(m, t.display_id));
        return json_ok({{"meta", {{"contact", {{"id", t.contact_id}}}}}, {"payload", payload}});
      },
      respond);
  });
}

/// Answers a deleted message as stored, with its sender, as every message answer does.
void respond_deleted(const context& ctx, int64_t message_id, int64_t display_id,
                     const responder& respond) {
  query(
    ctx, queries::by_id(message_id),
    [display_id](result_set& rs) {
      auto found = queries::read_messages(rs);
      if (found.empty())
        return not_found();
      return http_response::json(200, message_body(found.front(), display_id).dump());
    },
    respond);
}

/// Soft delete (Chatwoot's MessagesController#destroy) by the conversation actor, the one
/// writer of its messages; it publishes message.updated.
void delete_message(const context& ctx, http_request& req, responder respond) {
  auto message = id_param(req, "message_id");
  with_conversation(ctx, req, respond, [ctx, respond, message](conversation_target t) {
    if (!message)
      return respond(http_response::error(404, "Resource could not be found"));
    ask_conversation(
      ctx, t.conversation_id, respond,
      [ctx, respond, display = t.display_id](actors::message_row& deleted) {
        respond_deleted(ctx, deleted.id, display, respond);
      },
      actors::delete_atom_v, actors::delete_message_command{*message, performer_of(t.who)});
  });
}

/// The validated input of POST …/messages, or a 422 answered.
std::optional<domain::message_input> message_input_of(const json& body, const responder& respond) {
  domain::message_input in;
  auto content = message_content(body, respond);
  if (!content)
    return std::nullopt;
  in.content = *content;
  if (body.contains("message_type") && body["message_type"].is_string())
    in.message_type = body["message_type"].get<std::string>();
  if (body.contains("content_type") && body["content_type"].is_string())
    in.content_type = body["content_type"].get<std::string>();
  if (body.contains("attachments[]") || body.contains("attachments")) {
    respond(http_response::error(422, "Validation failed: attachments are not supported yet"));
    return std::nullopt;
  }
  if (body.contains("content_attributes") && !body["content_attributes"].is_null()) {
    // An object, or (multipart, Chatwoot's clients) its JSON text.
    const auto& attrs = body["content_attributes"];
    in.content_attributes = attrs.is_string() ? attrs.get<std::string>() : attrs.dump();
  }
  return in;
}

/// A member as text ("" when absent or null; other types as their JSON).
std::string text_member(const json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null())
    return std::string{};
  return body[key].is_string() ? body[key].get<std::string>() : body[key].dump();
}

/// POST …/messages's body as a message command (sender still unset), or a 422 answered.
std::optional<actors::message_command> message_command_of(const json& body,
                                                          const responder& respond) {
  auto in = message_input_of(body, respond);
  if (!in)
    return std::nullopt;
  auto valid = domain::validate_message(*in);
  if (!valid) {
    respond(invalid_message(valid.error().detail));
    return std::nullopt;
  }
  if (valid->type == domain::message_type::activity) {
    respond(http_response::error(422, "Validation failed: message_type is not allowed"));
    return std::nullopt;
  }
  actors::message_command cmd;
  cmd.message.content = valid->content;
  cmd.message.message_type = static_cast<uint8_t>(valid->type);
  cmd.message.content_type = valid->content_type;
  cmd.message.content_attributes = valid->content_attributes;
  std::string problem;
  cmd.message.is_private = bool_field(body, "private", problem).value_or(false);
  if (answered_problem(problem, respond))
    return std::nullopt;
  cmd.message.source_id = text_member(body, "source_id");
  cmd.message.echo_id = text_member(body, "echo_id");
  return cmd;
}

void post_message(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto cmd = message_command_of(*body, respond);
  if (!cmd)
    return;
  with_conversation(ctx, req, respond, [ctx, respond, cmd = *cmd](conversation_target t) mutable {
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
}

} // namespace

http_response invalid_message(const std::string& detail) {
  bool enum_value = !detail.empty() && detail.front() == '\''
                    && detail.find("' is not a valid ") != std::string::npos;
  return http_response::error(422, enum_value ? detail : "Validation failed: " + detail);
}

void create_message(const context& ctx, int64_t inbox_id, int64_t conversation_id,
                    int64_t display_id, actors::message_command cmd, responder respond,
                    shape_fn shape) {
  if (!shape)
    shape = [](json j) { return j; };
  auto lookup = std::make_shared<const stored_lookup>(stored_lookup{
    queries::by_source_or_echo(inbox_id, cmd.message.source_id, cmd.message.echo_id), shape});
  if (cmd.message.source_id.empty() && cmd.message.echo_id.empty())
    return send_message(ctx, conversation_id, display_id, cmd, respond, lookup);
  query(
    ctx, lookup->stmt,
    [ctx, conversation_id, display_id, cmd, respond, lookup](result_set& rs) {
      return lookup->answer(rs, [&] {
        send_message(ctx, conversation_id, display_id, cmd, respond, lookup);
        return deferred();
      });
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

void add_message_routes(router& routes, const context& ctx) {
  routes.add("GET", path_of(""), route_to(ctx, list_messages));
  routes.add("DELETE", path_of("/:message_id"), route_to(ctx, delete_message));
  routes.add("POST", path_of(""), route_to(ctx, post_message));
}

} // namespace messenger::net::api
