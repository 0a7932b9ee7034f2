#include "net/api/public_api.hpp"

#include "domain/message_validation.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/contacts.hpp"
#include "net/api/contacts_common.hpp"
#include "net/api/conversations.hpp"
#include "net/api/render.hpp"
#include "persistence/queries/public_api.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;
using opt_text = std::optional<std::string>;
namespace q = persistence::queries::public_api;
constexpr auto timeout = std::chrono::seconds{30};

/// An API-channel inbox addressed by `:inbox_identifier`.
using public_inbox = q::inbox_row;

/// The contact of `:contact_identifier` (a contact_inboxes.source_id) in that inbox.
struct public_contact {
  public_inbox inbox;
  int64_t contact_inbox_id = 0;
  int64_t contact_id = 0;
  std::string source_id;
  std::string pubsub_token;
  std::string name;
  bool hmac_verified = false;
};

void with_inbox(const context& ctx, const http_request& req, const responder& respond,
                std::function<void(public_inbox)> next) {
  auto it = req.params.find("inbox_identifier");
  if (it == req.params.end() || it->second.empty() || it->second.size() > 255)
    return respond(not_found());
  query(
    ctx, q::inbox(it->second),
    [next](result_set& rs) {
      auto in = q::read_inbox(rs);
      if (!in)
        return not_found();
      next(std::move(*in));
      return deferred();
    },
    pass_on(respond));
}

void with_contact(const context& ctx, const http_request& req, const responder& respond,
                  std::function<void(public_contact)> next) {
  auto source
    = req.params.count("contact_identifier") ? req.params.at("contact_identifier") : std::string{};
  with_inbox(ctx, req, respond, [ctx, respond, next, source](public_inbox in) {
    if (source.empty() || source.size() > 255)
      return respond(not_found());
    query(
      ctx, q::contact_inbox(in.id, source),
      [next, in](result_set& rs) {
        auto ci = q::read_contact_inbox(rs);
        if (!ci)
          return not_found();
        next(public_contact{in, ci->id, ci->contact_id, ci->source_id, ci->pubsub_token, ci->name,
                            ci->hmac_verified});
        return deferred();
      },
      pass_on(respond));
  });
}

/// A conversation of the contact by display id: within its contact_inbox, or within all of
/// the contact's conversations when the contact_inbox is HMAC-verified (Chatwoot's rule).
void with_conversation(const context& ctx, const http_request& req, const responder& respond,
                       std::function<void(public_contact, actors::conversation_row)> next) {
  auto it = req.params.find("conversation_id");
  std::optional<int64_t> display;
  if (it != req.params.end() && it->second.size() < 18)
    display = domain::parse_id(it->second);
  with_contact(ctx, req, respond, [ctx, respond, next, display](public_contact pc) {
    if (!display)
      return respond(not_found());
    q::conversation_request find{pc.inbox.account_id, *display, pc.contact_inbox_id,
                                 pc.hmac_verified, pc.contact_id};
    query(
      ctx, q::conversation(find),
      [next, pc](result_set& rs) {
        if (rs.rows.empty())
          return not_found();
        next(pc, conversation_from_row(rs, 0));
        return deferred();
      },
      pass_on(respond));
  });
}

actors::performer contact_performer(const public_contact& pc) {
  return {"Contact", pc.contact_id, pc.name, false};
}

/// The public message shape: {id, content, message_type, content_type, content_attributes,
/// created_at, conversation_id} (+ sender for incoming messages).
json public_message(json m) {
  json out;
  for (const char* key : {"id", "content", "message_type", "content_type", "content_attributes",
                          "created_at", "conversation_id", "echo_id", "sender"})
    if (m.contains(key))
      out[key] = m[key];
  return out;
}

/// The public conversation JSON: {id, uuid, inbox_id, contact_last_seen_at, status,
/// agent_last_seen_at, messages (public, non-activity), contact}.
json public_conversation(const actors::conversation_row& row, const result_set& rs) {
  json messages = json::array();
  for (auto i : q::message_rows(rs))
    messages.push_back(public_message(message_body(rs, i, row.display_id)));
  auto contact_doc = q::read_conversation_contact(rs);
  json contact = contact_doc ? json::parse(contact_doc->json, nullptr, false) : json(nullptr);
  return {{"id", row.display_id},
          {"uuid", row.uuid},
          {"inbox_id", row.inbox_id},
          {"contact_last_seen_at", row.contact_last_seen_at / 1000000},
          {"status",
           std::string{domain::to_string(static_cast<domain::conversation_status>(row.status))}},
          {"agent_last_seen_at", row.agent_last_seen_at / 1000000},
          {"messages", messages},
          {"contact", contact}};
}

/// Answers the public conversation JSON of `row`.
void respond_public_conversation(const context& ctx, const actors::conversation_row& row,
                                 responder respond) {
  query(
    ctx, q::conversation_messages(row.id, row.contact_id),
    [row](result_set& rs) { return http_response::json(200, public_conversation(row, rs).dump()); },
    std::move(respond));
}

/// Identity validation: runs when `identifier_hash` is sent or the inbox requires it.
/// Chatwoot raises (500) on a mismatch; here it is a 401 with its message.
std::optional<http_response> check_hmac(const public_inbox& in, const json& body,
                                        const opt_text& identifier, bool& verified) {
  auto hash = string_field(body, "identifier_hash");
  verified = false;
  if (!hash && !in.hmac_mandatory)
    return std::nullopt;
  if (!hash || !identifier || in.hmac_token.empty()
      || !secure_equals(hmac_sha256_hex(in.hmac_token, *identifier), *hash))
    return http_response::error(401, "HMAC failed: Invalid Identifier Hash Provided");
  verified = true;
  return std::nullopt;
}

json public_contact_json(const q::public_contact_row& row) {
  auto opt = [](const opt_text& v) { return v ? json(*v) : json(nullptr); };
  return {{"source_id", row.source_id},
          {"pubsub_token", row.pubsub_token},
          {"id", row.id},
          {"name", row.name},
          {"email", opt(row.email)},
          {"phone_number", opt(row.phone_number)}};
}

/// contact.created / contact.updated by the contact itself.
void publish_contact(const context& ctx, domain::event_kind kind, int64_t account_id,
                     const std::string& contact_text) {
  auto contact = json::parse(contact_text, nullptr, false); // the row persistence rendered
  if (!contact.is_object())
    return;
  auto id = contact.value("id", int64_t{0});
  api::publish_contact(ctx, kind, account_id, std::move(contact),
                       actors::performer{"Contact", id, "", false});
}

/// Asks the conversation actor of `row`; `reply` answers.
template <class Reply, class... Ts>
void ask_conversation(const context& ctx, const actors::conversation_row& row,
                      const responder& respond, Reply reply, Ts... xs) {
  auto sys = ctx.sys;
  auto fail = [respond](caf::error& err) { respond(error_response(err)); };
  ask(
    *sys, ctx.registry, timeout,
    [=](actors::conversation_actor& conv) { ask(*sys, conv, timeout, reply, fail, xs...); }, fail,
    actors::conversation_atom_v, row.id);
}

void show_public_inbox(const context& ctx, http_request& req, responder respond) {
  auto identifier = req.params["inbox_identifier"];
  with_inbox(ctx, req, respond, [respond, identifier](public_inbox in) {
    respond(http_response::json(200, json{{"identifier", identifier},
                                          {"identity_validation_enabled", in.hmac_mandatory},
                                          {"name", in.name},
                                          {"timezone", in.timezone},
                                          {"working_hours", json::array()},
                                          {"working_hours_enabled", in.working_hours_enabled},
                                          {"csat_survey_enabled", in.csat_survey_enabled},
                                          {"greeting_enabled", in.greeting_enabled}}
                                       .dump()));
  });
}

void create_public_contact(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto in = contact_fields_of(*body, respond);
  if (!in)
    return;
  auto source_id = string_field(*body, "source_id");
  if (source_id && source_id->size() > 255)
    return respond(http_response::error(422, "Source is too long"));
  with_inbox(ctx, req, respond, [ctx, respond, in, source_id, body](public_inbox inbox) {
    q::create_contact_request create{inbox.account_id, inbox.id, source_id, *in, false};
    if (auto denied = check_hmac(inbox, *body, in->identifier, create.hmac_verified))
      return respond(*denied);
    // An existing (inbox, source_id) is returned as is; otherwise the contact is found by
    // identifier, then email, then phone number, or created; then its contact_inbox.
    write(
      ctx, write_command{{q::create_contact(create)}},
      [ctx, inbox](write_result& res) {
        auto row = q::read_public_contact(res.results.at(0));
        if (!row)
          return http_response::error(422, "Contact could not be created");
        if (row->created)
          publish_contact(ctx, domain::event_kind::contact_created, inbox.account_id,
                          row->contact.json);
        return http_response::json(200, public_contact_json(*row).dump());
      },
      respond);
  });
}

void show_public_contact(const context& ctx, http_request& req, responder respond) {
  with_contact(ctx, req, respond, [ctx, respond](public_contact pc) {
    query(
      ctx, q::contact(pc.contact_inbox_id),
      [](result_set& rs) {
        auto row = q::read_public_contact(rs);
        return row ? http_response::json(200, public_contact_json(*row).dump()) : not_found();
      },
      respond);
  });
}

void update_public_contact(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto in = contact_fields_of(*body, respond);
  if (!in)
    return;
  with_contact(ctx, req, respond, [ctx, respond, in, body](public_contact pc) {
    // `identifier` itself is not updated here (Chatwoot); it only feeds the HMAC check.
    bool verified = false;
    if (auto denied = check_hmac(pc.inbox, *body, in->identifier, verified))
      return respond(*denied);
    write(
      ctx, write_command{{q::update_contact(pc.contact_inbox_id, pc.contact_id, *in, verified)}},
      [ctx, pc](write_result& res) {
        auto row = q::read_public_contact(res.results.at(0));
        if (!row)
          return not_found();
        publish_contact(ctx, domain::event_kind::contact_updated, pc.inbox.account_id,
                        row->contact.json);
        return http_response::json(200, public_contact_json(*row).dump());
      },
      respond);
  });
}

void list_public_conversations(const context& ctx, http_request& req, responder respond) {
  with_contact(ctx, req, respond, [ctx, respond](public_contact pc) {
    // One query: the contact_inbox's conversations with their public messages.
    query(
      ctx, q::conversations(pc.contact_inbox_id),
      [](result_set& rs) {
        // content_type is stored as an enum number; the shape wants its name.
        auto list = json::parse(q::read_conversations(rs).json);
        for (auto& conv : list)
          for (auto& m : conv["messages"])
            m["content_type"] = std::string{
              domain::content_type_name(static_cast<uint8_t>(m["content_type"].get<int>()))};
        return http_response::json(200, list.dump());
      },
      respond);
  });
}

void create_public_conversation(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  actors::conversation_row templ;
  if (auto it = body->find("custom_attributes"); it != body->end() && !it->is_null()) {
    if (!it->is_object())
      return respond(http_response::error(422, "custom_attributes must be an object"));
    templ.custom_attributes = it->dump();
  }
  with_contact(ctx, req, respond, [ctx, respond, templ](public_contact pc) mutable {
    templ.contact_inbox_id = pc.contact_inbox_id;
    templ.contact_id = pc.contact_id;
    auto sys = ctx.sys;
    auto fail = [respond](caf::error& err) { respond(error_response(err)); };
    ask(
      *sys, ctx.registry, timeout,
      [=](actors::inbox_actor& inbox) {
        ask(
          *sys, inbox, timeout,
          [ctx, respond](actors::conversation_row& created) {
            respond_public_conversation(ctx, created, respond);
          },
          fail, actors::create_atom_v, templ);
      },
      fail, actors::inbox_atom_v, pc.inbox.id);
  });
}

void show_public_conversation(const context& ctx, http_request& req, responder respond) {
  with_conversation(ctx, req, respond,
                    [ctx, respond](public_contact, actors::conversation_row row) {
                      respond_public_conversation(ctx, row, respond);
                    });
}

void toggle_public_status(const context& ctx, http_request& req, responder respond) {
  with_conversation(ctx, req, respond,
                    [ctx, respond](public_contact pc, actors::conversation_row row) {
                      // Contacts can only resolve (no-op when resolved already).
                      if (row.status == static_cast<uint8_t>(domain::conversation_status::resolved))
                        return respond_public_conversation(ctx, row, respond);
                      actors::status_command cmd;
                      cmd.status = static_cast<int32_t>(domain::conversation_status::resolved);
                      cmd.by = contact_performer(pc);
                      ask_conversation(
                        ctx, row, respond,
                        [ctx, respond](actors::conversation_row& fresh) {
                          respond_public_conversation(ctx, fresh, respond);
                        },
                        actors::toggle_atom_v, cmd);
                    });
}

void toggle_public_typing(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto status = string_field(*body, "typing_status").value_or("");
  if (status != "on" && status != "off")
    return respond(http_response::error(422, "typing_status must be on or off"));
  with_conversation(
    ctx, req, respond, [ctx, respond, status](public_contact pc, actors::conversation_row row) {
      ask_conversation(
        ctx, row, respond, [respond](bool) { respond(http_response::json(200, "")); },
        actors::typing_atom_v,
        actors::typing_command{status == "on", false, contact_performer(pc)});
    });
}

void update_public_last_seen(const context& ctx, http_request& req, responder respond) {
  with_conversation(
    ctx, req, respond, [ctx, respond](public_contact, actors::conversation_row row) {
      ask_conversation(
        ctx, row, respond,
        [respond](actors::conversation_row&) { respond(http_response::json(200, "")); },
        actors::contact_seen_atom_v);
    });
}

void list_public_messages(const context& ctx, http_request& req, responder respond) {
  std::optional<int64_t> before;
  if (auto b = query_param(req, "before")) {
    before = domain::parse_id(*b);
    if (!before)
      return respond(http_response::error(422, "before must be a message id"));
  }
  with_conversation(ctx, req, respond,
                    [ctx, respond, before](public_contact, actors::conversation_row row) {
                      query(
                        ctx, q::messages(row.id, before),
                        [row](result_set& rs) {
                          json list = json::array();
                          for (size_t i = 0; i < rs.rows.size(); ++i)
                            list.push_back(public_message(message_body(rs, i, row.display_id)));
                          return http_response::json(200, list.dump());
                        },
                        respond);
                    });
}

void create_public_message(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto text = message_content(*body, respond);
  if (!text)
    return;
  domain::message_input in;
  in.content = *text;
  in.message_type = "incoming";
  auto valid = domain::validate_message(in);
  if (!valid)
    return respond(invalid_message(valid.error().detail));
  auto content = valid->content;
  auto echo_id = string_field(*body, "echo_id").value_or("");
  with_conversation(
    ctx, req, respond,
    [ctx, respond, content, echo_id](public_contact pc, actors::conversation_row row) {
      actors::message_command cmd;
      cmd.message.content = content;
      cmd.message.message_type = 0; // incoming
      cmd.message.sender_type = "Contact";
      cmd.message.sender_id = pc.contact_id;
      cmd.message.echo_id = echo_id;
      cmd.by = contact_performer(pc);
      create_message(ctx, row.inbox_id, row.id, row.display_id, cmd, respond, public_message);
    });
}

} // namespace

void add_public_routes(router& routes, const context& ctx) {
  const std::string base = "/public/api/v1/inboxes/:inbox_identifier";
  const std::string contact = base + "/contacts/:contact_identifier";
  const std::string conversation = contact + "/conversations/:conversation_id";
  auto bind = [&ctx](common::context_handler fn) { return common::bind(ctx, fn); };
  routes.add("GET", base, bind(show_public_inbox));
  routes.add("POST", base + "/contacts", bind(create_public_contact));
  routes.add("GET", contact, bind(show_public_contact));
  routes.add("PATCH", contact, bind(update_public_contact));
  routes.add("GET", contact + "/conversations", bind(list_public_conversations));
  routes.add("POST", contact + "/conversations", bind(create_public_conversation));
  routes.add("GET", conversation, bind(show_public_conversation));
  routes.add("POST", conversation + "/toggle_status", bind(toggle_public_status));
  routes.add("POST", conversation + "/toggle_typing", bind(toggle_public_typing));
  routes.add("POST", conversation + "/update_last_seen", bind(update_public_last_seen));
  routes.add("GET", conversation + "/messages", bind(list_public_messages));
  routes.add("POST", conversation + "/messages", bind(create_public_message));
}

} // namespace messenger::net::api
