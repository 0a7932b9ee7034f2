#include "net/api/public_api.hpp"

#include "actors/event_data.hpp"
#include "domain/message_validation.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/contacts.hpp"
#include "net/api/conversations.hpp"
#include "net/api/render.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::make_statement;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;
using opt_text = std::optional<std::string>;
constexpr auto timeout = std::chrono::seconds{30};

/// An API-channel inbox addressed by `:inbox_identifier`.
struct public_inbox {
  int64_t id = 0;
  int64_t account_id = 0;
  std::string name;
  std::string timezone;
  std::string hmac_token;
  bool hmac_mandatory = false;
  bool greeting_enabled = false;
  bool working_hours_enabled = false;
  bool csat_survey_enabled = false;
};

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
    ctx,
    make_statement("SELECT i.id, i.account_id, i.name, coalesce(i.timezone, 'UTC') AS timezone, "
                   "coalesce(ch.hmac_token, '') AS hmac_token, coalesce(ch.hmac_mandatory, "
                   "false) AS hmac_mandatory, coalesce(i.greeting_enabled, false) AS greeting, "
                   "coalesce(i.working_hours_enabled, false) AS working_hours, "
                   "coalesce(i.csat_survey_enabled, false) AS csat FROM channel_api ch JOIN "
                   "inboxes i ON i.channel_id = ch.id AND i.channel_type = 'Channel::Api' JOIN "
                   "accounts a ON a.id = i.account_id WHERE ch.identifier = $1 AND "
                   "coalesce(a.status, 0) = 0",
                   {it->second}),
    [next](result_set& rs) {
      if (rs.rows.empty())
        return not_found();
      auto f = [&](const char* c) { return rs.field(0, c).text; };
      public_inbox in;
      in.id = std::stoll(f("id"));
      in.account_id = std::stoll(f("account_id"));
      in.name = f("name");
      in.timezone = f("timezone");
      in.hmac_token = f("hmac_token");
      in.hmac_mandatory = f("hmac_mandatory") == "t";
      in.greeting_enabled = f("greeting") == "t";
      in.working_hours_enabled = f("working_hours") == "t";
      in.csat_survey_enabled = f("csat") == "t";
      next(std::move(in));
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
      ctx,
      make_statement("SELECT ci.id, ci.contact_id, ci.source_id, coalesce(ci.pubsub_token, '') AS "
                     "pubsub_token, coalesce(ci.hmac_verified, false) AS hmac_verified, "
                     "coalesce(c.name, '') AS name FROM contact_inboxes ci JOIN contacts c ON "
                     "c.id = ci.contact_id WHERE ci.inbox_id = $1 AND ci.source_id = $2",
                     {std::to_string(in.id), source}),
      [next, in](result_set& rs) {
        if (rs.rows.empty())
          return not_found();
        public_contact pc;
        pc.inbox = in;
        pc.contact_inbox_id = std::stoll(rs.field(0, "id").text);
        pc.contact_id = std::stoll(rs.field(0, "contact_id").text);
        pc.source_id = rs.field(0, "source_id").text;
        pc.pubsub_token = rs.field(0, "pubsub_token").text;
        pc.hmac_verified = rs.field(0, "hmac_verified").text == "t";
        pc.name = rs.field(0, "name").text;
        next(std::move(pc));
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
  if (it != req.params.end() && !it->second.empty() && it->second.size() < 18
      && it->second.find_first_not_of("0123456789") == std::string::npos)
    display = std::stoll(it->second);
  with_contact(ctx, req, respond, [ctx, respond, next, display](public_contact pc) {
    if (!display)
      return respond(not_found());
    std::string sql = "SELECT ";
    sql += conversation_list_columns;
    sql += " FROM conversations c WHERE c.account_id = $1 AND c.display_id = $2 AND "
           "(c.contact_inbox_id = $3 OR ($4 AND c.contact_id = $5))";
    query(
      ctx,
      make_statement(sql, {std::to_string(pc.inbox.account_id), std::to_string(*display),
                           std::to_string(pc.contact_inbox_id), pc.hmac_verified ? "true" : "false",
                           std::to_string(pc.contact_id)}),
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

constexpr const char* public_messages_columns = MESSENGER_MESSAGE_COLUMNS;

/// Answers the public conversation JSON: {id, uuid, inbox_id, contact_last_seen_at, status,
/// agent_last_seen_at, messages (public, non-activity), contact}.
void respond_public_conversation(const context& ctx, const actors::conversation_row& row,
                                 responder respond) {
  std::string sql = "SELECT ";
  sql += public_messages_columns;
  sql += ", (SELECT to_jsonb(ct) FROM contacts ct WHERE ct.id = $2)::text AS contact FROM (SELECT "
         "1) one LEFT JOIN messages m ON m.conversation_id = $1 "
         "AND NOT m.private AND m.message_type <> 2 ORDER BY m.id";
  query(
    ctx, make_statement(sql, {std::to_string(row.id), std::to_string(row.contact_id)}),
    [row](result_set& rs) {
      json messages = json::array();
      for (size_t i = 0; i < rs.rows.size(); ++i)
        if (!rs.field(i, "id").is_null)
          messages.push_back(public_message(message_body(rs, i, row.display_id)));
      json contact = rs.rows.empty() || rs.field(0, "contact").is_null
                       ? json(nullptr)
                       : json::parse(rs.field(0, "contact").text, nullptr, false);
      json j
        = {{"id", row.display_id},
           {"uuid", row.uuid},
           {"inbox_id", row.inbox_id},
           {"contact_last_seen_at", row.contact_last_seen_at / 1000000},
           {"status",
            std::string{domain::to_string(static_cast<domain::conversation_status>(row.status))}},
           {"agent_last_seen_at", row.agent_last_seen_at / 1000000},
           {"messages", messages},
           {"contact", contact}};
      return http_response::json(200, j.dump());
    },
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

#define PUBLIC_CONTACT_SELECT                                                                      \
  "SELECT ci.source_id, ci.pubsub_token, c.id, coalesce(c.name, '') AS name, c.email, "            \
  "c.phone_number, messenger_contact_json(c, false)::text AS contact"

json public_contact_json(const result_set& rs) {
  auto opt = [&](const char* c) {
    return rs.field(0, c).is_null ? json(nullptr) : json(rs.field(0, c).text);
  };
  return {{"source_id", rs.field(0, "source_id").text},
          {"pubsub_token", rs.field(0, "pubsub_token").text},
          {"id", std::stoll(rs.field(0, "id").text)},
          {"name", rs.field(0, "name").text},
          {"email", opt("email")},
          {"phone_number", opt("phone_number")}};
}

void publish_contact(const context& ctx, const char* name, int64_t account_id,
                     const std::string& contact_text) {
  auto contact = json::parse(contact_text, nullptr, false);
  if (!contact.is_object())
    return;
  contact["type"] = "contact";
  contact["account"] = {{"id", account_id}};
  actors::domain_event ev;
  ev.name = name;
  ev.account_id = account_id;
  ev.data = contact.dump();
  ev.by = actors::performer{"Contact", contact.value("id", int64_t{0}), "", false};
  publish(ctx, std::move(ev));
}

} // namespace

void add_public_routes(router& routes, const context& ctx) {
  const std::string base = "/public/api/v1/inboxes/:inbox_identifier";
  const std::string contact = base + "/contacts/:contact_identifier";
  const std::string conversation = contact + "/conversations/:conversation_id";

  routes.add("GET", base, [ctx](http_request& req, responder respond) {
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
  });

  routes.add("POST", base + "/contacts", [ctx](http_request& req, responder respond) {
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
      bool verified = false;
      if (auto denied = check_hmac(inbox, *body, in->identifier, verified))
        return respond(*denied);
      // An existing (inbox, source_id) is returned as is; otherwise the contact is found by
      // identifier, then email, then phone number, or created; then its contact_inbox.
      auto sql
        = "WITH existing AS (SELECT ci.* FROM contact_inboxes ci WHERE ci.inbox_id = $2 AND "
          "ci.source_id = $3::text), known AS (SELECT c.id FROM contacts c WHERE c.account_id = $1 "
          "AND NOT EXISTS (SELECT 1 FROM existing) AND ((($4::text IS NOT NULL AND c.identifier "
          "= $4::text)) OR ($5::text IS NOT NULL AND lower(c.email) = lower($5::text)) OR "
          "($6::text IS NOT "
          "NULL AND c.phone_number = $6::text)) ORDER BY (c.identifier = $4::text) DESC NULLS "
          "LAST, "
          "(lower(c.email) = lower($5::text)) DESC NULLS LAST, c.id LIMIT 1), made AS (INSERT INTO "
          "contacts (name, email, phone_number, identifier, custom_attributes, account_id, "
          "created_at, updated_at) SELECT coalesce($7::text, 'visitor-' || "
          "substr(md5(random()::text), "
          "1, 8)), lower($5::text), $6::text, $4::text, coalesce($8::jsonb, '{}'), $1, now() AT "
          "TIME ZONE 'utc', "
          "now() AT TIME ZONE 'utc' WHERE NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS "
          "(SELECT 1 FROM known) RETURNING *), who AS (SELECT id FROM known UNION ALL SELECT id "
          "FROM made), ci AS (INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, "
          "pubsub_token, hmac_verified, created_at, updated_at) SELECT who.id, $2, "
          "coalesce($3::text, gen_random_uuid()::text), encode(gen_random_bytes(18), 'base64'), "
          "$9::boolean, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM who RETURNING "
          "*), pick AS (SELECT source_id, pubsub_token, contact_id FROM existing UNION ALL SELECT "
          "source_id, pubsub_token, contact_id FROM ci), people AS (SELECT c.* FROM contacts c "
          "WHERE c.id IN (SELECT contact_id FROM existing UNION ALL SELECT id FROM known) UNION "
          "ALL SELECT * FROM made) " PUBLIC_CONTACT_SELECT ", EXISTS (SELECT 1 FROM made) AS "
          "created FROM pick ci JOIN people c ON c.id = ci.contact_id";
      write(
        ctx,
        write_command{
          {make_statement(sql, {std::to_string(inbox.account_id), std::to_string(inbox.id),
                                source_id, in->identifier, in->email, in->phone, in->name,
                                in->custom, verified ? "true" : "false"})}},
        [ctx, inbox](write_result& res) {
          const auto& rs = res.results.at(0);
          if (rs.rows.empty())
            return http_response::error(422, "Contact could not be created");
          if (rs.field(0, "created").text == "t")
            publish_contact(ctx, "contact.created", inbox.account_id, rs.field(0, "contact").text);
          return http_response::json(200, public_contact_json(rs).dump());
        },
        respond);
    });
  });

  routes.add("GET", contact, [ctx](http_request& req, responder respond) {
    with_contact(ctx, req, respond, [ctx, respond](public_contact pc) {
      query(
        ctx,
        make_statement(PUBLIC_CONTACT_SELECT " FROM contact_inboxes ci JOIN contacts c ON "
                                             "c.id = ci.contact_id WHERE ci.id = $1",
                       {std::to_string(pc.contact_inbox_id)}),
        [](result_set& rs) {
          return rs.rows.empty() ? not_found()
                                 : http_response::json(200, public_contact_json(rs).dump());
        },
        respond);
    });
  });

  routes.add("PATCH", contact, [ctx](http_request& req, responder respond) {
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
      auto sql = "WITH c AS (UPDATE contacts SET name = coalesce($2, name), email = "
                 "coalesce(lower($3), email), phone_number = coalesce($4, phone_number), "
                 "custom_attributes = coalesce(custom_attributes, '{}') || coalesce($5::jsonb, "
                 "'{}'), updated_at = now() AT TIME ZONE 'utc' WHERE id = $6 RETURNING *), ci AS "
                 "(UPDATE contact_inboxes SET hmac_verified = hmac_verified OR $7 WHERE id = $1 "
                 "RETURNING *) " PUBLIC_CONTACT_SELECT " FROM ci JOIN c ON c.id = ci.contact_id";
      write(
        ctx,
        write_command{{make_statement(
          sql, {std::to_string(pc.contact_inbox_id), in->name, in->email, in->phone, in->custom,
                std::to_string(pc.contact_id), verified ? "true" : "false"})}},
        [ctx, pc](write_result& res) {
          const auto& rs = res.results.at(0);
          if (rs.rows.empty())
            return not_found();
          publish_contact(ctx, "contact.updated", pc.inbox.account_id, rs.field(0, "contact").text);
          return http_response::json(200, public_contact_json(rs).dump());
        },
        respond);
    });
  });

  routes.add("GET", contact + "/conversations", [ctx](http_request& req, responder respond) {
    with_contact(ctx, req, respond, [ctx, respond](public_contact pc) {
      // One query: the contact_inbox's conversations with their public messages.
      auto sql = "SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.display_id, 'uuid', "
                 "c.uuid, 'inbox_id', c.inbox_id, 'contact_last_seen_at', "
                 "coalesce(messenger_epoch(c.contact_last_seen_at), 0), 'status', CASE c.status "
                 "WHEN 0 THEN 'open' WHEN 1 THEN 'resolved' WHEN 2 THEN 'pending' ELSE 'snoozed' "
                 "END, 'agent_last_seen_at', coalesce(messenger_epoch(c.agent_last_seen_at), 0), "
                 "'contact', (SELECT to_jsonb(ct) FROM contacts ct WHERE ct.id = c.contact_id), "
                 "'messages', coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, "
                 "'content', m.content, 'message_type', m.message_type, 'content_type', "
                 "m.content_type, 'content_attributes', coalesce(m.content_attributes, '{}'), "
                 "'created_at', messenger_epoch(m.created_at), 'conversation_id', c.display_id) "
                 "ORDER BY m.id) FROM messages m WHERE m.conversation_id = c.id AND NOT m.private "
                 "AND m.message_type <> 2), '[]')) ORDER BY c.id), '[]')::text AS j FROM "
                 "conversations c WHERE c.contact_inbox_id = $1";
      query(
        ctx, make_statement(sql, {std::to_string(pc.contact_inbox_id)}),
        [](result_set& rs) {
          // content_type is stored as an enum number; the shape wants its name.
          auto list = json::parse(rs.field(0, "j").text);
          for (auto& conv : list)
            for (auto& m : conv["messages"])
              m["content_type"] = std::string{
                domain::content_type_name(static_cast<uint8_t>(m["content_type"].get<int>()))};
          return http_response::json(200, list.dump());
        },
        respond);
    });
  });

  routes.add("POST", contact + "/conversations", [ctx](http_request& req, responder respond) {
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
  });

  routes.add("GET", conversation, [ctx](http_request& req, responder respond) {
    with_conversation(ctx, req, respond,
                      [ctx, respond](public_contact, actors::conversation_row row) {
                        respond_public_conversation(ctx, row, respond);
                      });
  });

  /// Asks the conversation actor of `row`; `reply` answers.
  auto ask_conv
    = [ctx](const actors::conversation_row& row, const responder& respond, auto reply, auto... xs) {
        auto sys = ctx.sys;
        auto fail = [respond](caf::error& err) { respond(error_response(err)); };
        ask(
          *sys, ctx.registry, timeout,
          [=](actors::conversation_actor& conv) { ask(*sys, conv, timeout, reply, fail, xs...); },
          fail, actors::conversation_atom_v, row.id);
      };

  routes.add("POST", conversation + "/toggle_status",
             [ctx, ask_conv](http_request& req, responder respond) {
               with_conversation(
                 ctx, req, respond,
                 [ctx, respond, ask_conv](public_contact pc, actors::conversation_row row) {
                   // Contacts can only resolve (no-op when resolved already).
                   if (row.status == static_cast<uint8_t>(domain::conversation_status::resolved))
                     return respond_public_conversation(ctx, row, respond);
                   actors::status_command cmd;
                   cmd.status = static_cast<int32_t>(domain::conversation_status::resolved);
                   cmd.by = contact_performer(pc);
                   ask_conv(
                     row, respond,
                     [ctx, respond](actors::conversation_row& fresh) {
                       respond_public_conversation(ctx, fresh, respond);
                     },
                     actors::toggle_atom_v, cmd);
                 });
             });

  routes.add("POST", conversation + "/toggle_typing",
             [ctx, ask_conv](http_request& req, responder respond) {
               auto body = body_of(req, respond);
               if (!body)
                 return;
               auto status = string_field(*body, "typing_status").value_or("");
               if (status != "on" && status != "off")
                 return respond(http_response::error(422, "typing_status must be on or off"));
               with_conversation(
                 ctx, req, respond,
                 [respond, ask_conv, status](public_contact pc, actors::conversation_row row) {
                   ask_conv(
                     row, respond, [respond](bool) { respond(http_response::json(200, "")); },
                     actors::typing_atom_v, status == "on", false, contact_performer(pc));
                 });
             });

  routes.add("POST", conversation + "/update_last_seen",
             [ctx, ask_conv](http_request& req, responder respond) {
               with_conversation(ctx, req, respond,
                                 [respond, ask_conv](public_contact, actors::conversation_row row) {
                                   ask_conv(
                                     row, respond,
                                     [respond](actors::conversation_row&) {
                                       respond(http_response::json(200, ""));
                                     },
                                     actors::contact_seen_atom_v);
                                 });
             });

  routes.add("GET", conversation + "/messages", [ctx](http_request& req, responder respond) {
    std::optional<std::string> before;
    if (auto b = query_param(req, "before")) {
      if (b->size() > 18 || b->find_first_not_of("0123456789") != std::string::npos)
        return respond(http_response::error(422, "before must be a message id"));
      before = *b;
    }
    with_conversation(ctx, req, respond,
                      [ctx, respond, before](public_contact, actors::conversation_row row) {
                        std::string sql = "SELECT * FROM (SELECT ";
                        sql += public_messages_columns;
                        sql += " FROM messages m WHERE m.conversation_id = $1 AND NOT m.private "
                               "AND m.message_type <> 2 AND ($2::bigint IS NULL OR m.id < $2) "
                               "ORDER BY m.id DESC LIMIT 20) x ORDER BY id";
                        query(
                          ctx, make_statement(sql, {std::to_string(row.id), before}),
                          [row](result_set& rs) {
                            json list = json::array();
                            for (size_t i = 0; i < rs.rows.size(); ++i)
                              list.push_back(public_message(message_body(rs, i, row.display_id)));
                            return http_response::json(200, list.dump());
                          },
                          respond);
                      });
  });

  routes.add("POST", conversation + "/messages", [ctx](http_request& req, responder respond) {
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
      return respond(http_response::error(422, "Validation failed: " + valid.error().detail));
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
  });
}

} // namespace messenger::net::api
