#include "net/api/contacts.hpp"

#include "net/api/auth.hpp"
#include "net/api/render.hpp"

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::make_statement;
using persistence::result_set;
using opt_text = std::optional<std::string>;

constexpr int64_t contacts_per_page = 15;

/// Contacts the list shows: Chatwoot's "resolved" contacts (an email, a phone number or an
/// identifier).
#define RESOLVED_CONTACT                                                                           \
  "(coalesce(c.email, '') <> '' OR coalesce(c.phone_number, '') <> '' OR "                         \
  "coalesce(c.identifier, '') <> '')"

/// `sort` → ORDER BY (Chatwoot's contact sort keys; `-` prefix = descending).
std::optional<std::string> order_of(const http_request& req) {
  auto sort = query_param(req, "sort").value_or("");
  bool desc = !sort.empty() && sort[0] == '-';
  auto key = desc ? sort.substr(1) : sort;
  std::string column;
  if (key.empty())
    return std::string{"c.last_activity_at DESC NULLS LAST, c.id DESC"};
  if (key == "email" || key == "name" || key == "phone_number")
    column = "c." + key;
  else if (key == "last_activity_at" || key == "created_at")
    column = "c." + key;
  else if (key == "company_name" || key == "city" || key == "country")
    column = "c.additional_attributes->>'" + key + "'";
  else
    return std::nullopt;
  return column + (desc ? " DESC NULLS LAST" : " ASC NULLS FIRST") + ", c.id";
}

bool include_inboxes(const http_request& req) {
  return query_param(req, "include_contact_inboxes").value_or("true") != "false";
}

std::optional<std::string> flag(std::optional<bool> b) {
  if (!b)
    return std::nullopt;
  return std::string{*b ? "true" : "false"};
}

/// contact.created / contact.updated (BEHAVIOUR.md §11): the contact's push data.
void publish_contact(const context& ctx, const char* name, int64_t account_id, json contact,
                     const caller& who) {
  actors::domain_event ev;
  ev.name = name;
  ev.account_id = account_id;
  contact.erase("contact_inboxes");
  contact["type"] = "contact";
  contact["account"] = {{"id", account_id}};
  ev.data = contact.dump();
  ev.by = actors::performer{"User", who.user_id, who.name, who.administrator};
  publish(ctx, std::move(ev));
}

/// Runs `next` with the caller and the contact id of the path.
void with_contact(const context& ctx, const http_request& req, const responder& respond,
                  std::function<void(caller, int64_t)> next) {
  auto id = id_param(req, "id");
  with_account_user(ctx, req, respond, [respond, id, next](caller who) {
    if (!id)
      return respond(not_found());
    next(who, *id);
  });
}

constexpr const char* visible_inbox_sql
  = "($2 OR EXISTS (SELECT 1 FROM inbox_members m WHERE m.inbox_id = i.id AND m.user_id = $3))";

} // namespace

std::optional<contact_fields> contact_fields_of(const nlohmann::json& body,
                                                const responder& respond) {
  contact_fields f;
  f.name = string_field(body, "name");
  f.email = string_field(body, "email");
  f.phone = string_field(body, "phone_number");
  f.identifier = string_field(body, "identifier");
  if (f.email && (f.email->find('@') == std::string::npos || f.email->size() > 255)) {
    respond(http_response::error(422, "Email Invalid email"));
    return std::nullopt;
  }
  if (f.phone
      && (f.phone->size() < 3 || f.phone->size() > 16 || (*f.phone)[0] != '+'
          || f.phone->find_first_not_of("0123456789", 1) != std::string::npos)) {
    respond(http_response::error(422, "Phone number should be in e164 format"));
    return std::nullopt;
  }
  if (f.name && f.name->size() > 255) {
    respond(http_response::error(422, "Name is too long (maximum is 255 characters)"));
    return std::nullopt;
  }
  for (auto [key, target] : {std::pair{"additional_attributes", &f.additional},
                             std::pair{"custom_attributes", &f.custom}}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null())
      continue;
    if (!it->is_object()) {
      respond(http_response::error(422, std::string{key} + " must be an object"));
      return std::nullopt;
    }
    *target = it->dump();
  }
  if (auto it = body.find("blocked"); it != body.end() && it->is_boolean())
    f.blocked = it->get<bool>();
  return f;
}

void add_contact_routes(router& routes, const context& ctx) {
  const std::string base = "/api/v1/accounts/:account_id/contacts";

  routes.add("GET", base, [ctx](http_request& req, responder respond) {
    std::string problem;
    auto page = page_param(req, problem);
    auto order = order_of(req);
    if (!page)
      return respond(http_response::error(422, problem));
    if (!order)
      return respond(http_response::error(422, "sort is not a valid contact attribute"));
    auto with_inboxes = include_inboxes(req);
    auto labels = query_values(req, "labels[]"); // any of them (tagged_with any: true)
    with_account_user(ctx, req, respond, [=](caller who) {
      std::string sql = "SELECT messenger_contact_json(c, $2)::text AS contact, count(*) OVER () "
                        "AS total FROM contacts c WHERE c.account_id = $1 AND " RESOLVED_CONTACT
                        " AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM taggings tg JOIN tags "
                        "t ON t.id = tg.tag_id WHERE tg.taggable_type = 'Contact' AND "
                        "tg.taggable_id = c.id AND t.name = ANY ($3::text[]))) ORDER BY "
                        + *order + " LIMIT 15 OFFSET $4";
      query(
        ctx,
        make_statement(
          sql, {std::to_string(who.account_id), with_inboxes ? "true" : "false",
                labels.empty() ? std::nullopt : std::optional<std::string>{text_array(labels)},
                std::to_string((*page - 1) * contacts_per_page)}),
        [page](result_set& rs) {
          json payload = json::array();
          for (size_t i = 0; i < rs.rows.size(); ++i)
            payload.push_back(json::parse(rs.field(i, "contact").text));
          int64_t total = rs.rows.empty() ? 0 : std::stoll(rs.field(0, "total").text);
          return http_response::json(
            200, json{{"meta", {{"count", total}, {"current_page", *page}}}, {"payload", payload}}
                   .dump());
        },
        respond);
    });
  });

  routes.add("GET", base + "/search", [ctx](http_request& req, responder respond) {
    std::string problem;
    auto page = page_param(req, problem);
    auto order = order_of(req);
    auto q = query_param(req, "q");
    if (!q)
      return respond(http_response::error(422, "Specify search string with parameter q"));
    if (!page)
      return respond(http_response::error(422, problem));
    if (!order)
      return respond(http_response::error(422, "sort is not a valid contact attribute"));
    auto with_inboxes = include_inboxes(req);
    with_account_user(ctx, req, respond, [=](caller who) {
      // One row more than a page tells whether there is another page.
      std::string sql
        = "SELECT messenger_contact_json(c, $2)::text AS contact FROM contacts c WHERE "
          "c.account_id = $1 AND (c.name ILIKE '%' || $3 || '%' OR c.email ILIKE '%' || $3 || "
          "'%' OR c.phone_number ILIKE '%' || $3 || '%' OR c.identifier LIKE '%' || $3 || '%') "
          "ORDER BY "
          + *order + " LIMIT 16 OFFSET $4";
      query(
        ctx,
        make_statement(sql, {std::to_string(who.account_id), with_inboxes ? "true" : "false", q,
                             std::to_string((*page - 1) * contacts_per_page)}),
        [page](result_set& rs) {
          json payload = json::array();
          auto shown = std::min<size_t>(rs.rows.size(), contacts_per_page);
          for (size_t i = 0; i < shown; ++i)
            payload.push_back(json::parse(rs.field(i, "contact").text));
          return http_response::json(200, json{{"meta",
                                                {{"count", shown},
                                                 {"current_page", *page},
                                                 {"has_more", rs.rows.size() > shown}}},
                                               {"payload", payload}}
                                            .dump());
        },
        respond);
    });
  });

  routes.add("GET", base + "/:id", [ctx](http_request& req, responder respond) {
    auto with_inboxes = include_inboxes(req);
    with_contact(ctx, req, respond, [ctx, respond, with_inboxes](caller who, int64_t id) {
      query(
        ctx,
        make_statement(
          "SELECT messenger_contact_json(c, $3)::text AS contact FROM contacts c "
          "WHERE c.account_id = $1 AND c.id = $2",
          {std::to_string(who.account_id), std::to_string(id), with_inboxes ? "true" : "false"}),
        [](result_set& rs) {
          if (rs.rows.empty())
            return not_found();
          return http_response::json(200, "{\"payload\":" + rs.field(0, "contact").text + "}");
        },
        respond);
    });
  });

  routes.add("POST", base, [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto f = contact_fields_of(*body, respond);
    if (!f)
      return;
    auto inbox = int_field(*body, "inbox_id").value_or(0);
    auto source_id = string_field(*body, "source_id");
    with_account_user(ctx, req, respond, [=](caller who) {
      auto sql
        = "WITH c AS (INSERT INTO contacts (name, email, phone_number, identifier, account_id, "
          "additional_attributes, custom_attributes, blocked, created_at, updated_at) VALUES "
          "(coalesce($1, ''), lower($2), $3, $4, $5, coalesce($8::jsonb, '{}'), "
          "coalesce($9::jsonb, '{}'), coalesce($10::boolean, false), now() AT TIME ZONE 'utc', "
          "now() AT TIME ZONE 'utc') RETURNING *), ci AS (INSERT INTO contact_inboxes "
          "(contact_id, inbox_id, source_id, pubsub_token, created_at, updated_at) SELECT c.id, "
          "$6, coalesce($7, gen_random_uuid()::text), encode(gen_random_bytes(18), 'base64'), "
          "now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM c WHERE $6::bigint <> 0 AND "
          "EXISTS (SELECT 1 FROM inboxes WHERE id = $6 AND account_id = $5) RETURNING *) SELECT "
          "messenger_contact_json(c, false)::text AS contact, ci.source_id, ci.pubsub_token, "
          "(SELECT messenger_inbox_brief(i) FROM inboxes i WHERE i.id = ci.inbox_id)::text AS "
          "inbox FROM c LEFT JOIN ci ON true";
      persistence::write_command cmd{{make_statement(
        sql, {f->name, f->email, f->phone, f->identifier, std::to_string(who.account_id),
              std::to_string(inbox), source_id, f->additional, f->custom, flag(f->blocked)})}};
      write(
        ctx, std::move(cmd),
        [ctx, who](persistence::write_result& res) {
          const auto& rs = res.results.at(0);
          auto contact = json::parse(rs.field(0, "contact").text);
          json contact_inbox = nullptr;
          contact["contact_inboxes"] = json::array();
          if (!rs.field(0, "source_id").is_null) {
            contact_inbox = {{"source_id", rs.field(0, "source_id").text},
                             {"pubsub_token", rs.field(0, "pubsub_token").text},
                             {"inbox", json::parse(rs.field(0, "inbox").text)}};
            contact["contact_inboxes"].push_back(
              {{"source_id", contact_inbox["source_id"]}, {"inbox", contact_inbox["inbox"]}});
          }
          publish_contact(ctx, "contact.created", who.account_id, contact, who);
          return http_response::json(
            200,
            json{{"payload", {{"contact", contact}, {"contact_inbox", contact_inbox}}}}.dump());
        },
        respond);
    });
  });

  auto update = [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto f = contact_fields_of(*body, respond);
    if (!f)
      return;
    with_contact(ctx, req, respond, [ctx, respond, f](caller who, int64_t id) {
      // Attribute hashes are merged into the stored ones, as Chatwoot does.
      auto sql
        = "UPDATE contacts c SET name = coalesce($3, c.name), email = coalesce(lower($4), "
          "c.email), phone_number = coalesce($5, c.phone_number), identifier = coalesce($6, "
          "c.identifier), additional_attributes = coalesce(c.additional_attributes, '{}') || "
          "coalesce($7::jsonb, '{}'), custom_attributes = coalesce(c.custom_attributes, '{}') || "
          "coalesce($8::jsonb, '{}'), blocked = coalesce($9::boolean, c.blocked), updated_at = "
          "now() AT TIME ZONE 'utc' WHERE c.account_id = $1 AND c.id = $2 RETURNING "
          "messenger_contact_json(c, true)::text AS contact";
      write(
        ctx,
        persistence::write_command{{make_statement(
          sql, {std::to_string(who.account_id), std::to_string(id), f->name, f->email, f->phone,
                f->identifier, f->additional, f->custom, flag(f->blocked)})}},
        [ctx, who](persistence::write_result& res) {
          const auto& rs = res.results.at(0);
          if (rs.rows.empty())
            return not_found();
          auto contact = json::parse(rs.field(0, "contact").text);
          publish_contact(ctx, "contact.updated", who.account_id, contact, who);
          return http_response::json(200, json{{"payload", contact}}.dump());
        },
        respond);
    });
  };
  routes.add("PATCH", base + "/:id", update);
  routes.add("PUT", base + "/:id", update);

  routes.add("DELETE", base + "/:id", [ctx](http_request& req, responder respond) {
    with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
      if (!who.administrator)
        return respond(http_response::error(401, "You are not authorized to do this action"));
      // The contact goes with its contact inboxes, conversations and their messages (Chatwoot
      // destroys them asynchronously; here they go in the same transaction, after the
      // registry retired the contact's live conversation actors).
      auto account = std::to_string(who.account_id);
      auto contact = std::to_string(id);
      auto in_contact = "conversation_id IN (SELECT id FROM conversations WHERE account_id = $1 "
                        "AND contact_id = $2)";
      persistence::write_command cmd{
        {make_statement(std::string{"DELETE FROM messages WHERE "} + in_contact,
                        {account, contact}),
         make_statement(std::string{"DELETE FROM reporting_events WHERE "} + in_contact,
                        {account, contact}),
         make_statement("DELETE FROM conversations WHERE account_id = $1 AND contact_id = $2",
                        {account, contact}),
         make_statement("DELETE FROM contact_inboxes WHERE contact_id = (SELECT id FROM contacts "
                        "WHERE account_id = $1 AND id = $2)",
                        {account, contact}),
         make_statement("DELETE FROM contacts WHERE account_id = $1 AND id = $2 RETURNING id",
                        {account, contact})}};
      retire_and_write(
        ctx, actors::retire_scope::contact, id, std::move(cmd),
        [](persistence::write_result& res) {
          if (res.results.at(4).rows.empty())
            return not_found();
          return http_response::json(200, "");
        },
        respond);
    });
  });

  routes.add("GET", base + "/:id/conversations", [ctx](http_request& req, responder respond) {
    with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
      std::string sql = "SELECT ";
      sql += conversation_list_columns;
      sql += " FROM conversations c WHERE c.account_id = $1 AND c.contact_id = $2 AND ($3 OR "
             "c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $4)) ORDER BY "
             "c.last_activity_at DESC, c.id DESC LIMIT 20";
      query(
        ctx,
        make_statement(sql, {std::to_string(who.account_id), std::to_string(id),
                             who.administrator ? "true" : "false", std::to_string(who.user_id)}),
        [](result_set& rs) {
          json payload = json::array();
          for (size_t i = 0; i < rs.rows.size(); ++i)
            payload.push_back(conversation_body(rs, i));
          return http_response::json(200, json{{"payload", payload}}.dump());
        },
        respond);
    });
  });

  routes.add("GET", base + "/:id/contactable_inboxes", [ctx](http_request& req, responder respond) {
    with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
      std::string sql = "SELECT messenger_inbox_brief(i)::text AS inbox, (SELECT ci.source_id "
                        "FROM contact_inboxes ci WHERE ci.inbox_id = i.id AND ci.contact_id = "
                        "$4 ORDER BY ci.id LIMIT 1) AS source_id FROM inboxes i WHERE "
                        "i.account_id = $1 AND EXISTS (SELECT 1 FROM contacts WHERE id = $4 AND "
                        "account_id = $1) AND ";
      sql += visible_inbox_sql;
      sql += " ORDER BY i.id";
      query(
        ctx,
        make_statement(sql, {std::to_string(who.account_id), who.administrator ? "true" : "false",
                             std::to_string(who.user_id), std::to_string(id)}),
        [](result_set& rs) {
          json payload = json::array();
          for (size_t i = 0; i < rs.rows.size(); ++i)
            payload.push_back({{"inbox", json::parse(rs.field(i, "inbox").text)},
                               {"source_id", rs.field(i, "source_id").is_null
                                               ? json(nullptr)
                                               : json(rs.field(i, "source_id").text)}});
          return http_response::json(200, json{{"payload", payload}}.dump());
        },
        respond);
    });
  });

  // Contact labels (acts-as-taggable-on, context 'labels'): POST replaces the set.
  constexpr const char* labels_sql
    = "SELECT coalesce(json_agg(t.name ORDER BY t.name), '[]')::text AS j FROM taggings g JOIN "
      "tags t ON t.id = g.tag_id WHERE g.taggable_type = 'Contact' AND g.taggable_id = $1 AND "
      "g.context = 'labels'";
  routes.add("GET", base + "/:id/labels", [ctx](http_request& req, responder respond) {
    with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
      query(
        ctx,
        make_statement(std::string{"SELECT EXISTS (SELECT 1 FROM contacts WHERE account_id = $2 "
                                   "AND id = $1) AS found, ("}
                         + labels_sql + ") AS j",
                       {std::to_string(id), std::to_string(who.account_id)}),
        [](result_set& rs) {
          if (rs.field(0, "found").text != "t")
            return not_found();
          return http_response::json(200, "{\"payload\":" + rs.field(0, "j").text + "}");
        },
        respond);
    });
  });

  routes.add("POST", base + "/:id/labels", [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    std::string joined;
    if (auto it = body->find("labels"); it != body->end() && it->is_array())
      for (const auto& v : *it) {
        if (!v.is_string() || v.get<std::string>().empty())
          continue;
        auto text = v.get<std::string>();
        if (text.size() > 255 || text.find(',') != std::string::npos)
          return respond(http_response::error(422, "Labels are invalid"));
        for (auto& c : text)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!joined.empty())
          joined += ", ";
        joined += text;
      }
    with_contact(ctx, req, respond, [ctx, respond, joined](caller who, int64_t id) {
      auto contact = std::to_string(id);
      auto account = std::to_string(who.account_id);
      persistence::write_command cmd{
        {make_statement("SELECT count(*) AS found FROM contacts WHERE account_id = $2 AND id = $1",
                        {contact, account}),
         make_statement("INSERT INTO tags (name) SELECT unnest(string_to_array(NULLIF($1, ''), ', "
                        "')) ON CONFLICT (name) DO NOTHING",
                        {joined}),
         make_statement("DELETE FROM taggings WHERE taggable_type = 'Contact' AND taggable_id = "
                        "(SELECT id FROM contacts WHERE account_id = $3 AND id = $1) AND context = "
                        "'labels' AND NOT (tag_id = ANY (SELECT id FROM tags WHERE name = ANY "
                        "(string_to_array(NULLIF($2, ''), ', '))))",
                        {contact, joined, account}),
         make_statement("INSERT INTO taggings (tag_id, taggable_type, taggable_id, context, "
                        "created_at) SELECT t.id, 'Contact', c.id, 'labels', now() AT TIME ZONE "
                        "'utc' FROM tags t, contacts c WHERE c.account_id = $3 AND c.id = $1 AND "
                        "t.name = ANY (string_to_array(NULLIF($2, ''), ', ')) AND NOT EXISTS "
                        "(SELECT 1 FROM taggings g WHERE g.tag_id = t.id AND g.taggable_id = c.id "
                        "AND g.taggable_type = 'Contact' AND g.context = 'labels')",
                        {contact, joined, account}),
         make_statement(labels_sql, {contact})}};
      write(
        ctx, std::move(cmd),
        [](persistence::write_result& res) {
          if (res.results.at(0).field(0, "found").text == "0")
            return not_found();
          return http_response::json(200,
                                     "{\"payload\":" + res.results.at(4).field(0, "j").text + "}");
        },
        respond);
    });
  });

  routes.add("POST", base + "/:id/contact_inboxes", [ctx](http_request& req, responder respond) {
    auto body = body_of(req, respond);
    if (!body)
      return;
    auto inbox = int_field(*body, "inbox_id");
    auto source_id = string_field(*body, "source_id");
    bool hmac_verified = body->value("hmac_verified", false);
    if (!inbox)
      return respond(http_response::error(422, "inbox_id is required"));
    with_contact(ctx, req, respond, [=](caller who, int64_t id) {
      // Find or create (BEHAVIOUR.md §14): an existing (inbox, source_id) of this contact is
      // returned; one of another contact is a conflict (unique index).
      std::string sql
        = "WITH i AS (SELECT i.* FROM inboxes i WHERE i.account_id = $1 AND i.id = $5 AND ";
      sql += visible_inbox_sql;
      sql += "), c AS (SELECT id FROM contacts WHERE account_id = $1 AND id = $4), found AS "
             "(SELECT ci.* FROM contact_inboxes ci, i, c WHERE ci.inbox_id = i.id AND "
             "ci.contact_id = c.id AND ci.source_id = coalesce($6, ci.source_id) ORDER BY ci.id "
             "LIMIT 1), made AS (INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, "
             "pubsub_token, hmac_verified, created_at, updated_at) SELECT c.id, i.id, "
             "coalesce($6, gen_random_uuid()::text), encode(gen_random_bytes(18), 'base64'), $7, "
             "now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM i, c WHERE NOT EXISTS "
             "(SELECT 1 FROM found) RETURNING *), ci AS (SELECT * FROM found UNION ALL SELECT * "
             "FROM made) SELECT ci.source_id, messenger_inbox_brief(i)::text AS inbox, (SELECT "
             "count(*) FROM i) AS inbox_found, (SELECT count(*) FROM c) AS contact_found FROM ci "
             "JOIN i ON i.id = ci.inbox_id";
      write(
        ctx,
        persistence::write_command{{make_statement(
          sql, {std::to_string(who.account_id), who.administrator ? "true" : "false",
                std::to_string(who.user_id), std::to_string(id), std::to_string(*inbox), source_id,
                hmac_verified ? "true" : "false"})}},
        [](persistence::write_result& res) {
          const auto& rs = res.results.at(0);
          if (rs.rows.empty())
            return not_found();
          return http_response::json(200, json{{"source_id", rs.field(0, "source_id").text},
                                               {"inbox", json::parse(rs.field(0, "inbox").text)}}
                                            .dump());
        },
        respond);
    });
  });
}

} // namespace messenger::net::api
