#include "persistence/queries/canned_responses.hpp"

#include "net/api/account.hpp"
#include "net/api/auth.hpp"

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

namespace canned = persistence::queries::canned_responses;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;

void list_canned_responses(const context& ctx, http_request& req, responder respond) {
  auto search = query_param(req, "search");
  with_account_user(ctx, req, respond, [ctx, respond, search](caller who) {
    // Chatwoot: short codes starting with the search first, then content matches.
    query(
      ctx, canned::list(who.account_id, search),
      [](result_set& rs) { return json_list(persistence::queries::json_docs(rs)); }, respond);
  });
}

/// The short code and content of the body (both required to create), or nothing when it
/// answered 422.
std::optional<std::pair<std::optional<std::string>, std::optional<std::string>>>
canned_fields_of(http_request& req, const responder& respond, bool create) {
  auto body = body_of(req, respond);
  if (!body)
    return std::nullopt;
  auto canned = nested(*body, "canned_response");
  auto short_code = string_field(canned, "short_code");
  auto content = string_field(canned, "content");
  const char* problem = nullptr;
  if (create && !short_code)
    problem = "Short code can't be blank";
  else if (create && !content)
    problem = "Content can't be blank";
  else if (content && content->size() > 150000)
    problem = "Content is too long";
  if (problem) {
    respond(http_response::error(422, problem));
    return std::nullopt;
  }
  return std::pair{short_code, content};
}

void save_canned(const context& ctx, persistence::statement stmt, const responder& respond) {
  write(
    ctx, write_command{{std::move(stmt)}},
    [](write_result& res) {
      auto saved = canned::read_saved(res.results.at(0));
      if (saved.short_code_taken)
        return http_response::error(422, "Short code has already been taken");
      return json_or_not_found(saved.doc);
    },
    respond);
}

void create_canned_response(const context& ctx, http_request& req, responder respond) {
  auto fields = canned_fields_of(req, respond, true);
  if (!fields)
    return;
  with_account_user(ctx, req, respond, [ctx, respond, fields](caller who) {
    // Short codes are unique per account (Chatwoot validates it; no index backs it).
    save_canned(ctx, canned::create(who.account_id, *fields->first, *fields->second), respond);
  });
}

void update_canned_response(const context& ctx, http_request& req, responder respond) {
  auto fields = canned_fields_of(req, respond, false);
  if (!fields)
    return;
  with_admin_id(ctx, req, respond, "id", [ctx, respond, fields](caller who, int64_t id) {
    save_canned(ctx, canned::update(who.account_id, id, fields->first, fields->second), respond);
  });
}

void delete_canned_response(const context& ctx, http_request& req, responder respond) {
  with_admin_id(ctx, req, respond, "id", [ctx, respond](caller who, int64_t id) {
    write(
      ctx, write_command{{canned::remove(who.account_id, id)}},
      [](write_result& res) { return ok_empty_or_not_found(res.results.at(0)); }, respond);
  });
}

} // namespace

void add_canned_response_routes(router& routes, const context& ctx) {
  const std::string base = account_base;
  routes.add("GET", base + "/canned_responses", bind_context(ctx, list_canned_responses));
  routes.add("POST", base + "/canned_responses", bind_context(ctx, create_canned_response));
  routes.add("PATCH", base + "/canned_responses/:id", bind_context(ctx, update_canned_response));
  routes.add("DELETE", base + "/canned_responses/:id", bind_context(ctx, delete_canned_response));
}

} // namespace messenger::net::api
