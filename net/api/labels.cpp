#include "persistence/queries/labels.hpp"

#include "actors/errors.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/account.hpp"
#include "net/api/auth.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace messenger::net::api {

namespace {

namespace labels = persistence::queries::labels;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;
using persistence::queries::json_doc_of;
using persistence::queries::json_docs;

void list_labels(const context& ctx, http_request& req, responder respond) {
  with_account_user(ctx, req, respond, [ctx, respond](caller who) {
    query(
      ctx, labels::list(who.account_id),
      [](result_set& rs) {
        return http_response::json(200, "{\"payload\":" + json_array_text(json_docs(rs)) + "}");
      },
      respond);
  });
}

void show_label(const context& ctx, http_request& req, responder respond) {
  with_account_user_id(ctx, req, respond, "id", [ctx, respond](caller who, int64_t id) {
    query(
      ctx, labels::show(who.account_id, id),
      [](result_set& rs) { return json_or_not_found(json_doc_of(rs)); }, respond);
  });
}

/// Chatwoot: letters, digits, '-' and '_' only (unicode letters allowed), lower-cased.
bool valid_title(const std::string& title) {
  return title.size() <= 255 && std::none_of(title.begin(), title.end(), [](char c) {
           auto u = static_cast<unsigned char>(c);
           return u < 0x80 && !std::isalnum(u) && c != '-' && c != '_';
         });
}

/// The label attributes of the body, or nothing when it answered 422 (Label's validations,
/// the RecordInvalid shape of `labels.create!`).
std::optional<labels::label_fields> label_fields_of(http_request& req, const responder& respond,
                                                    bool create) {
  auto body = body_of(req, respond);
  if (!body)
    return std::nullopt;
  auto label = nested(*body, "label");
  labels::label_fields fields;
  fields.title = string_field(label, "title");
  fields.description = string_field(label, "description");
  fields.color = string_field(label, "color");
  if (auto it = label.find("show_on_sidebar"); it != label.end() && it->is_boolean())
    fields.show_on_sidebar = it->get<bool>();
  const char* problem = nullptr;
  const char* attribute = "title";
  if (create && !fields.title)
    problem = "Title must not be blank, Title is invalid"; // presence and format
  else if (fields.title && !valid_title(*fields.title))
    problem = "Title is invalid";
  else if (fields.color && (fields.color->size() != 7 || (*fields.color)[0] != '#'))
    problem = "Color is invalid", attribute = "color";
  if (problem) {
    respond(record_invalid(problem, attribute));
    return std::nullopt;
  }
  return fields;
}

/// Writes a label: the title's unique index is Label's uniqueness validation (RecordInvalid,
/// "Title has already been taken"); other failures as error_response.
void save_label(const context& ctx, persistence::statement stmt, const responder& respond) {
  ask(
    *ctx.sys, ctx.writer, request_timeout,
    [respond](write_result& res) { respond(json_or_not_found(json_doc_of(res.results.at(0)))); },
    [respond](caf::error& err) {
      auto info = actors::from_caf_error(err);
      if (info.code == errc::conflict && unique_attribute(info.constraint) == "title")
        return respond(already_taken("title"));
      respond(error_response(err));
    },
    actors::write_atom_v, write_command{{std::move(stmt)}});
}

void create_label(const context& ctx, http_request& req, responder respond) {
  auto fields = label_fields_of(req, respond, true);
  if (!fields)
    return;
  with_admin(ctx, req, respond, [ctx, respond, fields](caller who) mutable {
    fields->account_id = who.account_id;
    save_label(ctx, labels::create(*fields), respond);
  });
}

void update_label(const context& ctx, http_request& req, responder respond) {
  auto fields = label_fields_of(req, respond, false);
  if (!fields)
    return;
  with_admin_id(ctx, req, respond, "id", [ctx, respond, fields](caller who, int64_t id) mutable {
    fields->account_id = who.account_id;
    save_label(ctx, labels::update(*fields, id), respond);
  });
}

void delete_label(const context& ctx, http_request& req, responder respond) {
  with_admin_id(ctx, req, respond, "id", [ctx, respond](caller who, int64_t id) {
    write(
      ctx, write_command{{labels::remove(who.account_id, id)}},
      [](write_result& res) { return ok_empty_or_not_found(res.results.at(0)); }, respond);
  });
}

} // namespace

void add_label_routes(router& routes, const context& ctx) {
  const std::string base = account_base;
  routes.add("GET", base + "/labels", bind_context(ctx, list_labels));
  routes.add("GET", base + "/labels/:id", bind_context(ctx, show_label));
  routes.add("POST", base + "/labels", bind_context(ctx, create_label));
  routes.add("PATCH", base + "/labels/:id", bind_context(ctx, update_label));
  routes.add("DELETE", base + "/labels/:id", bind_context(ctx, delete_label));
}

} // namespace messenger::net::api
