#include "persistence/queries/reporting.hpp"

namespace messenger::persistence::queries::reporting {

namespace {

#define REPORTING_JSON                                                                             \
  "jsonb_build_object('id', e.id, 'name', e.name, 'value', e.value, 'value_in_business_hours', "   \
  "e.value_in_business_hours, 'event_start_time', messenger_iso(e.event_start_time), "             \
  "'event_end_time', messenger_iso(e.event_end_time), 'account_id', e.account_id, "                \
  "'conversation_id', e.conversation_id, 'inbox_id', e.inbox_id, 'user_id', e.user_id, "           \
  "'created_at', messenger_iso(e.created_at), 'updated_at', messenger_iso(e.updated_at))::text "   \
  "AS j"

#define EVENT_FILTER                                                                               \
  " FROM reporting_events e WHERE e.account_id = $1 AND ($2::bigint IS NULL OR "                   \
  "e.created_at >= to_timestamp($2::bigint) AT TIME ZONE 'utc') AND ($3::bigint "                  \
  "IS NULL OR e.created_at <= to_timestamp($3::bigint) AT TIME ZONE 'utc') AND "                   \
  "($4::int IS NULL OR e.inbox_id = $4) AND ($5::int IS NULL OR e.user_id = "                      \
  "$5) AND ($6::text IS NULL OR e.name = $6)"

} // namespace

statement count(const event_filter& filter) {
  return statement_of("SELECT count(*) AS n" EVENT_FILTER, filter.account_id, filter.since,
                      filter.until, filter.inbox_id, filter.user_id, filter.name);
}

int64_t read_count(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.int64("n"); }).value_or(0);
}

statement page(const event_filter& filter, int64_t page_number) {
  return statement_of("SELECT " REPORTING_JSON EVENT_FILTER
                      " ORDER BY e.created_at DESC, e.id DESC LIMIT 25 OFFSET $7",
                      filter.account_id, filter.since, filter.until, filter.inbox_id,
                      filter.user_id, filter.name, (page_number - 1) * page_size);
}

statement conversation_events(int64_t account_id, int64_t display_id, bool administrator,
                              int64_t user_id) {
  return statement_of(
    "SELECT c.id AS conversation, ($3 OR c.inbox_id IN (SELECT inbox_id FROM "
    "inbox_members WHERE user_id = $4)) AS allowed, coalesce((SELECT "
    "json_agg(x.j::json ORDER BY x.created_at, x.id) FROM (SELECT e.created_at, e.id, "
    "" REPORTING_JSON " FROM reporting_events e WHERE e.conversation_id = c.id) x), "
    "'[]')::text AS j FROM conversations c WHERE c.account_id = $1 AND c.display_id "
    "= $2",
    account_id, display_id, administrator, user_id);
}

std::optional<conversation_events_row> read_conversation_events(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return conversation_events_row{r.boolean("allowed"), json_doc{r.text("j")}};
  });
}

} // namespace messenger::persistence::queries::reporting
