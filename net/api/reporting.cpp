#include "persistence/queries/reporting.hpp"

#include "domain/types.hpp"
#include "net/api/account.hpp"
#include "net/api/auth.hpp"

#include <nlohmann/json.hpp>

namespace messenger::net::api {

namespace {

namespace reporting = persistence::queries::reporting;
using json = nlohmann::json;
using persistence::result_set;

/// A query parameter of up to 12 digits: nothing when absent, `problem` set when it is
/// something else.
std::optional<int64_t> number_param(const http_request& req, const char* key, bool& problem) {
  auto v = query_param(req, key);
  if (!v)
    return std::nullopt;
  auto number = v->size() <= 12 ? domain::parse_id(*v) : std::nullopt;
  if (!number)
    problem = true;
  return number;
}

/// One page of events with Chatwoot's meta (count, current_page, total_pages).
http_response events_page(int64_t count, int64_t page, result_set& rs) {
  auto meta = json{{"count", count},
                   {"current_page", page},
                   {"total_pages", (count + reporting::page_size - 1) / reporting::page_size}};
  return http_response::json(200, "{\"meta\":" + meta.dump() + ",\"payload\":"
                                    + json_array_text(persistence::queries::json_docs(rs)) + "}");
}

void list_reporting_events(const context& ctx, http_request& req, responder respond) {
  std::string problem;
  auto page = page_param(req, problem);
  if (!page)
    return respond(http_response::error(422, problem));
  bool invalid = false;
  reporting::event_filter filter;
  filter.since = number_param(req, "since", invalid);
  filter.until = number_param(req, "until", invalid);
  filter.inbox_id = number_param(req, "inbox_id", invalid);
  filter.user_id = number_param(req, "user_id", invalid);
  if (invalid)
    return respond(http_response::error(422, "since, until, inbox_id and user_id must be "
                                             "numbers"));
  filter.name = query_param(req, "name");
  auto number = *page;
  with_admin(ctx, req, respond, [ctx, respond, filter, number](caller who) mutable {
    filter.account_id = who.account_id;
    query(
      ctx, reporting::count(filter),
      [ctx, respond, filter, number](result_set& counted) {
        auto count = reporting::read_count(counted);
        query(
          ctx, reporting::page(filter, number),
          [count, number](result_set& rs) { return events_page(count, number, rs); }, respond);
        return deferred();
      },
      pass_on(respond));
  });
}

void conversation_reporting_events(const context& ctx, http_request& req, responder respond) {
  with_account_user_id(ctx, req, respond, "display_id", [ctx, respond](caller who, int64_t id) {
    query(
      ctx, reporting::conversation_events(who.account_id, id, who.administrator, who.user_id),
      [](result_set& rs) {
        auto row = reporting::read_conversation_events(rs);
        if (!row)
          return not_found();
        if (!row->allowed)
          return not_admin();
        return http_response::json(200, row->events.json);
      },
      respond);
  });
}

} // namespace

void add_reporting_routes(router& routes, const context& ctx) {
  const std::string base = account_base;
  routes.add("GET", base + "/reporting_events", bind_context(ctx, list_reporting_events));
  routes.add("GET", base + "/conversations/:display_id/reporting_events",
             bind_context(ctx, conversation_reporting_events));
}

} // namespace messenger::net::api
