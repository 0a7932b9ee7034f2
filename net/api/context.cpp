#include "net/api/context.hpp"

#include "actors/errors.hpp"
#include "common/log.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/render/events.hpp"

#include <caf/all.hpp>

#include <cctype>

namespace messenger::net::api {

namespace {

/// Rails' full message of a uniqueness validation: "Email has already been taken".
std::string taken_message(std::string_view attribute) {
  std::string out{attribute};
  if (!out.empty())
    out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  out += " has already been taken";
  return out;
}

} // namespace

http_response record_invalid(const std::string& message, const std::string& attribute) {
  return http_response::json(
    422, nlohmann::json{{"message", message}, {"attributes", nlohmann::json::array({attribute})}}
           .dump());
}

http_response already_taken(std::string_view attribute) {
  return record_invalid(taken_message(attribute), std::string{attribute});
}

std::optional<std::string_view> unique_attribute(std::string_view constraint) {
  // The unique indexes behind Chatwoot's uniqueness validations (DATA_MODEL.md), by name.
  static constexpr std::pair<std::string_view, std::string_view> indexes[] = {
    {"uniq_email_per_account_contact", "email"},
    {"uniq_identifier_per_account_contact", "identifier"},
    {"index_contact_inboxes_on_inbox_id_and_source_id", "source_id"},
    {"index_webhooks_on_account_id_and_url", "url"},
    {"index_labels_on_title_and_account_id", "title"},
    {"index_teams_on_name_and_account_id", "name"},
  };
  for (const auto& [index, attribute] : indexes)
    if (index == constraint)
      return attribute;
  return std::nullopt;
}

http_response error_response(const caf::error& err) {
  auto info = actors::from_caf_error(err);
  switch (info.code) {
    case errc::not_found:
      return http_response::error(404, "Resource could not be found");
    case errc::unauthorized:
      return http_response::error(401, info.detail.empty() ? "Invalid Access Token" : info.detail);
    case errc::invalid_argument:
      return http_response::error(422, info.detail);
    case errc::conflict: {
      // A unique index said no: name the attribute the way Rails validations do rather than
      // echoing PostgreSQL's message.
      if (auto attribute = unique_attribute(info.constraint))
        return http_response::error(422, taken_message(*attribute));
      return http_response::error(422, "Validation failed: already exists");
    }
    case errc::rate_limited:
      return http_response::error(422, "Validation failed: " + info.detail);
    case errc::timeout:
      return http_response::error(504, "The request timed out");
    case errc::database_unavailable:
    case errc::commit_unknown:
    case errc::overloaded:
    case errc::shutting_down:
    case errc::fenced:
    case errc::owner_unreachable:
      return http_response::error(503, "Service unavailable, try again");
    case errc::database_error:
      log::warn("api_database_error", log::fields{}("detail", info.detail));
      break;
  }
  return http_response::error(500, "Internal server error");
}

http_response not_found() {
  return http_response::error(404, "Resource could not be found");
}

http_response not_admin() {
  return http_response::error(401, "You are not authorized to do this action");
}

http_response deferred() {
  http_response res;
  res.status = 0;
  return res;
}

responder pass_on(responder respond) {
  return [respond = std::move(respond)](http_response res) {
    if (res.status != 0)
      respond(std::move(res));
  };
}

handler bind_context(const context& ctx, context_handler fn) {
  return [ctx, fn](http_request& req, responder respond) { fn(ctx, req, std::move(respond)); };
}

void query(const context& ctx, persistence::statement stmt,
           std::function<http_response(persistence::result_set&)> ok, responder respond) {
  ask(
    *ctx.sys, ctx.reader, request_timeout,
    [ok, respond](persistence::result_set& rs) { respond(ok(rs)); },
    [respond](caf::error& err) { respond(error_response(err)); }, actors::query_atom_v,
    std::move(stmt));
}

void write(const context& ctx, persistence::write_command cmd,
           std::function<http_response(persistence::write_result&)> ok, responder respond) {
  ask(
    *ctx.sys, ctx.writer, request_timeout,
    [ok, respond](persistence::write_result& res) { respond(ok(res)); },
    [respond](caf::error& err) { respond(error_response(err)); }, actors::write_atom_v,
    std::move(cmd));
}

void retire_and_write(const context& ctx, actors::retire_scope scope, int64_t id,
                      persistence::write_command cmd,
                      std::function<http_response(persistence::write_result&)> ok,
                      responder respond) {
  auto code = static_cast<uint8_t>(scope);
  auto registry = ctx.registry;
  // Whatever the delete's outcome, the scope is released before the answer goes out.
  responder release_then_respond = [registry, code, id, respond](http_response res) {
    caf::anon_send(registry, actors::release_atom_v, code, id);
    respond(std::move(res));
  };
  ask(
    *ctx.sys, ctx.registry, request_timeout,
    [ctx, cmd, ok, release_then_respond](uint64_t) mutable {
      write(ctx, std::move(cmd), ok, release_then_respond);
    },
    [release_then_respond](caf::error& err) { release_then_respond(error_response(err)); },
    actors::retire_atom_v, code, id);
}

void with_admin(const context& ctx, const http_request& req, const responder& respond,
                std::function<void(caller)> next) {
  with_account_user(ctx, req, respond, [respond, next](caller who) {
    if (!who.administrator)
      return respond(not_admin());
    next(std::move(who));
  });
}

void with_account_user_id(const context& ctx, const http_request& req, const responder& respond,
                          const char* param, std::function<void(caller, int64_t)> next) {
  auto id = id_param(req, param);
  with_account_user(ctx, req, respond, [respond, id, next](caller who) {
    if (!id)
      return respond(not_found());
    next(std::move(who), *id);
  });
}

void with_admin_id(const context& ctx, const http_request& req, const responder& respond,
                   const char* param, std::function<void(caller, int64_t)> next) {
  auto id = id_param(req, param);
  with_admin(ctx, req, respond, [respond, id, next](caller who) {
    if (!id)
      return respond(not_found());
    next(std::move(who), *id);
  });
}

http_response ok_empty() {
  return http_response::json(200, "");
}

http_response ok_empty_or_not_found(const persistence::result_set& rs) {
  return rs.rows.empty() ? not_found() : ok_empty();
}

std::string json_array_text(const std::vector<persistence::queries::json_doc>& docs) {
  std::string out = "[";
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0)
      out += ',';
    out += docs[i].json;
  }
  out += ']';
  return out;
}

http_response json_list(const std::vector<persistence::queries::json_doc>& docs) {
  return http_response::json(200, json_array_text(docs));
}

http_response json_or_not_found(const std::optional<persistence::queries::json_doc>& doc) {
  return doc ? http_response::json(200, doc->json) : not_found();
}

void publish(const context& ctx, actors::domain_event ev) {
  caf::anon_send(ctx.dispatcher, actors::publish_atom_v, std::move(ev));
}

void publish_contact(const context& ctx, domain::event_kind kind, int64_t account_id,
                     nlohmann::json contact, actors::performer by) {
  actors::domain_event ev;
  ev.kind = kind;
  ev.account_id = account_id;
  ev.contact_id = contact.is_object() ? contact.value("id", int64_t{0}) : 0;
  ev.contact = render::contact_document(std::move(contact), account_id);
  ev.by = std::move(by);
  publish(ctx, std::move(ev));
}

} // namespace messenger::net::api
