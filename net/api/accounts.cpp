#include "persistence/queries/accounts.hpp"

#include "net/api/account.hpp"
#include "net/api/auth.hpp"

namespace messenger::net::api {

namespace {

namespace accounts = persistence::queries::accounts;
using persistence::queries::json_doc_of;

void show_account(const context& ctx, http_request& req, responder respond) {
  with_account_user(ctx, req, respond, [ctx, respond](caller who) {
    query(
      ctx, accounts::show(who.account_id),
      [](persistence::result_set& rs) { return json_or_not_found(json_doc_of(rs)); }, respond);
  });
}

void update_account(const context& ctx, http_request& req, responder respond) {
  auto body = body_of(req, respond);
  if (!body)
    return;
  accounts::account_update change;
  change.name = string_field(*body, "name");
  change.domain = string_field(*body, "domain");
  change.support_email = string_field(*body, "support_email");
  change.auto_resolve_after = int_field(*body, "auto_resolve_after");
  if (change.name && change.name->size() > 255)
    return respond(http_response::error(422, "Name is too long (maximum is 255 characters)"));
  if ((change.domain && change.domain->size() > 100)
      || (change.support_email && change.support_email->size() > 100))
    return respond(http_response::error(422, "Domain is too long (maximum is 100 characters)"));
  with_admin(ctx, req, respond, [ctx, respond, change](caller who) mutable {
    change.account_id = who.account_id;
    write(
      ctx, persistence::write_command{{accounts::update(change)}},
      [](persistence::write_result& res) {
        return json_or_not_found(json_doc_of(res.results.at(0)));
      },
      respond);
  });
}

} // namespace

void add_accounts_routes(router& routes, const context& ctx) {
  routes.add("GET", account_base, bind_context(ctx, show_account));
  routes.add("PATCH", account_base, bind_context(ctx, update_account));
}

void add_account_routes(router& routes, const context& ctx) {
  add_accounts_routes(routes, ctx);
  add_agent_routes(routes, ctx);
  add_team_routes(routes, ctx);
  add_label_routes(routes, ctx);
  add_canned_response_routes(routes, ctx);
  add_account_webhook_routes(routes, ctx);
  add_reporting_routes(routes, ctx);
}

} // namespace messenger::net::api
