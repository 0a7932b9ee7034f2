#include "net/api/contacts.hpp"

#include "actors/errors.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/contacts_common.hpp"
#include "net/api/render.hpp"
#include "persistence/queries/contacts.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::result_set;
using persistence::write_result;
namespace q = persistence::queries::contacts;
using common::parsed;

bool include_inboxes(const http_request& req) {
  return query_param(req, "include_contact_inboxes").value_or("true") != "false";
}

/// The page and sort order of a list or search (`page`, `sort`, `include_contact_inboxes`),
/// or 422 (answered) and nothing.
std::optional<q::page_request> page_request_of(const http_request& req, const responder& respond) {
  std::string problem;
  auto page = page_param(req, problem);
  auto order = q::sort_order_of(query_param(req, "sort").value_or(""));
  if (!page) {
    respond(http_response::error(422, problem));
    return std::nullopt;
  }
  if (!order) {
    respond(http_response::error(422, "sort is not a valid contact attribute"));
    return std::nullopt;
  }
  q::page_request out;
  out.page = *page;
  out.order = *order;
  out.with_inboxes = include_inboxes(req);
  return out;
}

json parsed_all(const std::vector<persistence::queries::json_doc>& docs) {
  json out = json::array();
  for (const auto& doc : docs)
    out.push_back(parsed(doc));
  return out;
}

/// A contact attribute that failed validation: the full message and the attribute it names
/// (empty when the problem is not a model validation, e.g. a non-object attribute hash).
struct contact_problem {
  std::string message;
  std::string attribute;
};

/// Reads and validates the contact attributes of a body (contact_fields_of's rules).
std::optional<contact_fields> parse_contact_fields(const json& body, contact_problem& problem) {
  contact_fields f;
  f.name = string_field(body, "name");
  f.email = string_field(body, "email");
  f.phone = string_field(body, "phone_number");
  f.identifier = string_field(body, "identifier");
  if (f.email && (f.email->find('@') == std::string::npos || f.email->size() > 255)) {
    problem = {"Email Invalid email", "email"};
    return std::nullopt;
  }
  if (f.phone
      && (f.phone->size() < 3 || f.phone->size() > 16 || (*f.phone)[0] != '+'
          || f.phone->find_first_not_of("0123456789", 1) != std::string::npos)) {
    problem = {"Phone number should be in e164 format", "phone_number"};
    return std::nullopt;
  }
  if (f.name && f.name->size() > 255) {
    problem = {"Name is too long (maximum is 255 characters)", "name"};
    return std::nullopt;
  }
  for (auto [key, target] : {std::pair{"additional_attributes", &f.additional},
                             std::pair{"custom_attributes", &f.custom}}) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null())
      continue;
    if (!it->is_object()) {
      problem = {std::string{key} + " must be an object", ""};
      return std::nullopt;
    }
    *target = it->dump();
  }
  if (auto it = body.find("blocked"); it != body.end() && it->is_boolean())
    f.blocked = it->get<bool>();
  return f;
}

/// The Application API's contact attributes: as contact_fields_of, but a failed model
/// validation answers the RecordInvalid shape, as Chatwoot's `save!` does.
std::optional<contact_fields> app_contact_fields(const json& body, const responder& respond) {
  contact_problem problem;
  auto f = parse_contact_fields(body, problem);
  if (!f)
    respond(problem.attribute.empty() ? http_response::error(422, problem.message)
                                      : record_invalid(problem.message, problem.attribute));
  return f;
}

/// A contact write's failure: a unique index of contacts is Chatwoot's uniqueness validation
/// (RecordInvalid, "Email has already been taken"); anything else as error_response.
http_response contact_write_error(const caf::error& err) {
  auto info = actors::from_caf_error(err);
  if (info.code == errc::conflict)
    if (auto attribute = unique_attribute(info.constraint);
        attribute && (*attribute == "email" || *attribute == "identifier"))
      return already_taken(*attribute);
  return error_response(err);
}

/// As context.hpp's write, with contact_write_error for failures.
void write_contact(const context& ctx, persistence::write_command cmd,
                   std::function<http_response(write_result&)> ok, responder respond) {
  ask(
    *ctx.sys, ctx.writer, request_timeout, [ok, respond](write_result& res) { respond(ok(res)); },
    [respond](caf::error& err) { respond(contact_write_error(err)); }, actors::write_atom_v,
    std::move(cmd));
}

/// contact.created / contact.updated by the calling agent.
void publish_contact(const context& ctx, domain::event_kind kind, json contact, const caller& who) {
  api::publish_contact(ctx, kind, who.account_id, std::move(contact),
                       actors::performer{"User", who.user_id, who.name, who.administrator});
}

/// Runs `next` with the caller and the contact id of the path.
void with_contact(const context& ctx, const http_request& req, const responder& respond,
                  std::function<void(caller, int64_t)> next) {
  common::with_path_id(ctx, req, respond, "id", std::move(next));
}

void list_contacts(const context& ctx, http_request& req, responder respond) {
  auto page = page_request_of(req, respond);
  if (!page)
    return;
  page->labels = query_values(req, "labels[]"); // any of them (tagged_with any: true)
  with_account_user(ctx, req, respond, [ctx, respond, request = *page](caller who) mutable {
    request.account_id = who.account_id;
    query(
      ctx, q::list(request),
      [number = request.page](result_set& rs) {
        auto rows = q::read_list(rs);
        return http_response::json(200,
                                   json{{"meta", {{"count", rows.total}, {"current_page", number}}},
                                        {"payload", parsed_all(rows.contacts)}}
                                     .dump());
      },
      respond);
  });
}

void search_contacts(const context& ctx, http_request& req, responder respond) {
  auto text = query_param(req, "q");
  if (!text)
    return respond(http_response::error(422, "Specify search string with parameter q"));
  auto page = page_request_of(req, respond);
  if (!page)
    return;
  with_account_user(ctx, req, respond, [ctx, respond, request = *page, text](caller who) mutable {
    request.account_id = who.account_id;
    query(
      ctx, q::search(request, *text),
      [number = request.page](result_set& rs) {
        // One row more than a page tells whether there is another page.
        auto found = q::read_search(rs);
        auto shown = std::min<size_t>(found.size(), q::per_page);
        json payload = json::array();
        for (size_t i = 0; i < shown; ++i)
          payload.push_back(parsed(found[i]));
        return http_response::json(
          200,
          json{{"meta",
                {{"count", shown}, {"current_page", number}, {"has_more", found.size() > shown}}},
               {"payload", payload}}
            .dump());
      },
      respond);
  });
}

void show_contact(const context& ctx, http_request& req, responder respond) {
  auto with_inboxes = include_inboxes(req);
  with_contact(ctx, req, respond, [ctx, respond, with_inboxes](caller who, int64_t id) {
    query(
      ctx, q::show(who.account_id, id, with_inboxes),
      [](result_set& rs) {
        auto contact = q::read_contact(rs);
        if (!contact)
          return not_found();
        return http_response::json(200, "{\"payload\":" + contact->json + "}");
      },
      respond);
  });
}

/// The answer of a create: the contact with the contact inbox made with it, if any.
http_response created_contact(const context& ctx, const caller& who, const result_set& rs) {
  auto row = q::read_created(rs);
  if (!row)
    return http_response::error(500, "contact was not created");
  auto contact = parsed(row->contact);
  json contact_inbox = nullptr;
  contact["contact_inboxes"] = json::array();
  if (row->source_id) {
    contact_inbox = {{"source_id", *row->source_id},
                     {"pubsub_token", row->pubsub_token},
                     {"inbox", parsed(row->inbox)}};
    contact["contact_inboxes"].push_back(
      {{"source_id", contact_inbox["source_id"]}, {"inbox", contact_inbox["inbox"]}});
  }
  publish_contact(ctx, domain::event_kind::contact_created, contact, who);
  return http_response::json(
    200, json{{"payload", {{"contact", contact}, {"contact_inbox", contact_inbox}}}}.dump());
}

void create_contact(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto f = app_contact_fields(*body, respond);
  if (!f)
    return;
  auto inbox = int_field(*body, "inbox_id").value_or(0);
  auto source_id = string_field(*body, "source_id");
  with_account_user(ctx, req, respond, [=](caller who) {
    write_contact(
      ctx, persistence::write_command{{q::create(who.account_id, *f, inbox, source_id)}},
      [ctx, who](write_result& res) { return created_contact(ctx, who, res.results.at(0)); },
      respond);
  });
}

void update_contact(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto f = app_contact_fields(*body, respond);
  if (!f)
    return;
  with_contact(ctx, req, respond, [ctx, respond, f](caller who, int64_t id) {
    // Attribute hashes are merged into the stored ones, as Chatwoot does.
    write_contact(
      ctx, persistence::write_command{{q::update(who.account_id, id, *f)}},
      [ctx, who](write_result& res) {
        auto updated = q::read_contact(res.results.at(0));
        if (!updated)
          return not_found();
        auto contact = parsed(*updated);
        publish_contact(ctx, domain::event_kind::contact_updated, contact, who);
        return http_response::json(200, json{{"payload", contact}}.dump());
      },
      respond);
  });
}

void delete_contact(const context& ctx, http_request& req, responder respond) {
  with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
    if (!who.administrator)
      return respond(not_admin());
    // The contact goes with its contact inboxes, conversations and their messages (Chatwoot
    // destroys them asynchronously; here they go in the same transaction, after the
    // registry retired the contact's live conversation actors).
    retire_and_write(
      ctx, actors::retire_scope::contact, id, q::destroy(who.account_id, id),
      [](write_result& res) {
        return q::read_destroyed(res) ? http_response::json(200, "") : not_found();
      },
      respond);
  });
}

void contact_conversations(const context& ctx, http_request& req, responder respond) {
  with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
    query(
      ctx, q::conversations(who.account_id, id, who.administrator, who.user_id),
      [](result_set& rs) {
        json payload = json::array();
        for (size_t i = 0; i < rs.rows.size(); ++i)
          payload.push_back(conversation_body(rs, i));
        return http_response::json(200, json{{"payload", payload}}.dump());
      },
      respond);
  });
}

void contactable_inboxes(const context& ctx, http_request& req, responder respond) {
  with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
    query(
      ctx, q::contactable_inboxes(who.account_id, id, who.administrator, who.user_id),
      [](result_set& rs) {
        json payload = json::array();
        for (const auto& row : q::read_contactable_inboxes(rs))
          payload.push_back({{"inbox", parsed(row.inbox)},
                             {"source_id", row.source_id ? json(*row.source_id) : json(nullptr)}});
        return http_response::json(200, json{{"payload", payload}}.dump());
      },
      respond);
  });
}

// Contact labels (acts-as-taggable-on, context 'labels'): POST replaces the set.
void contact_labels(const context& ctx, http_request& req, responder respond) {
  with_contact(ctx, req, respond, [ctx, respond](caller who, int64_t id) {
    query(
      ctx, q::labels(who.account_id, id),
      [](result_set& rs) {
        auto labels = q::read_labels(rs);
        if (!labels)
          return not_found();
        return http_response::json(200, "{\"payload\":" + labels->json + "}");
      },
      respond);
  });
}

/// The `labels` of a body, lower-cased, or 422 (answered) and nothing.
std::optional<std::vector<std::string>> labels_of(const json& body, const responder& respond) {
  std::vector<std::string> labels;
  if (auto it = body.find("labels"); it != body.end() && it->is_array())
    for (const auto& v : *it) {
      if (!v.is_string() || v.get<std::string>().empty())
        continue;
      auto text = v.get<std::string>();
      if (text.size() > 255 || text.find(',') != std::string::npos) {
        respond(http_response::error(422, "Labels are invalid"));
        return std::nullopt;
      }
      for (auto& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      labels.push_back(std::move(text));
    }
  return labels;
}

void set_contact_labels(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  auto labels = labels_of(*body, respond);
  if (!labels)
    return;
  with_contact(ctx, req, respond, [ctx, respond, labels](caller who, int64_t id) {
    write(
      ctx, q::set_labels(who.account_id, id, *labels),
      [](write_result& res) {
        auto after = q::read_set_labels(res);
        if (!after)
          return not_found();
        return http_response::json(200, "{\"payload\":" + after->json + "}");
      },
      respond);
  });
}

void create_contact_inbox(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  q::contact_inbox_request in;
  auto inbox = int_field(*body, "inbox_id");
  in.source_id = string_field(*body, "source_id");
  std::string problem;
  in.hmac_verified = bool_field(*body, "hmac_verified", problem).value_or(false);
  if (answered_problem(problem, respond))
    return;
  if (!inbox)
    return respond(http_response::error(422, "inbox_id is required"));
  in.inbox_id = *inbox;
  with_contact(ctx, req, respond, [ctx, respond, in](caller who, int64_t id) mutable {
    // Find or create (BEHAVIOUR.md §14).
    in.account_id = who.account_id;
    in.administrator = who.administrator;
    in.user_id = who.user_id;
    in.contact_id = id;
    write(
      ctx, persistence::write_command{{q::find_or_create_contact_inbox(in)}},
      [](write_result& res) {
        auto row = q::read_contact_inbox(res.results.at(0));
        if (!row)
          return not_found();
        return http_response::json(
          200, json{{"source_id", row->source_id}, {"inbox", parsed(row->inbox)}}.dump());
      },
      respond);
  });
}

} // namespace

std::optional<contact_fields> contact_fields_of(const nlohmann::json& body,
                                                const responder& respond) {
  contact_problem problem;
  auto f = parse_contact_fields(body, problem);
  if (!f)
    respond(http_response::error(422, problem.message));
  return f;
}

void add_contact_routes(router& routes, const context& ctx) {
  const std::string base = "/api/v1/accounts/:account_id/contacts";
  auto bind = [&ctx](common::context_handler fn) { return common::bind(ctx, fn); };
  routes.add("GET", base, bind(list_contacts));
  routes.add("GET", base + "/search", bind(search_contacts));
  routes.add("GET", base + "/:id", bind(show_contact));
  routes.add("POST", base, bind(create_contact));
  routes.add("PATCH", base + "/:id", bind(update_contact));
  routes.add("PUT", base + "/:id", bind(update_contact));
  routes.add("DELETE", base + "/:id", bind(delete_contact));
  routes.add("GET", base + "/:id/conversations", bind(contact_conversations));
  routes.add("GET", base + "/:id/contactable_inboxes", bind(contactable_inboxes));
  routes.add("GET", base + "/:id/labels", bind(contact_labels));
  routes.add("POST", base + "/:id/labels", bind(set_contact_labels));
  routes.add("POST", base + "/:id/contact_inboxes", bind(create_contact_inbox));
}

} // namespace messenger::net::api
