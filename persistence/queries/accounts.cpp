#include "persistence/queries/accounts.hpp"

namespace messenger::persistence::queries::accounts {

namespace {

#define ACCOUNT_JSON                                                                               \
  "jsonb_build_object('id', a.id, 'name', a.name, 'locale', 'en', 'domain', a.domain, "            \
  "'support_email', a.support_email, 'status', CASE a.status WHEN 1 THEN 'suspended' ELSE "        \
  "'active' END, 'created_at', messenger_iso(a.created_at), 'custom_attributes', "                 \
  "coalesce(a.custom_attributes, '{}'), 'settings', coalesce(a.settings, '{}') || "                \
  "jsonb_build_object('auto_resolve_after', a.auto_resolve_duration), 'features', "                \
  "'{}'::jsonb, 'cache_keys', '{}'::jsonb)::text AS j"

} // namespace

statement show(int64_t account_id) {
  return statement_of("SELECT " ACCOUNT_JSON " FROM accounts a WHERE a.id = $1", account_id);
}

statement update(const account_update& change) {
  return statement_of(
    "WITH a AS (UPDATE accounts SET name = coalesce($2, name), domain = coalesce($3, "
    "domain), support_email = coalesce($4, support_email), auto_resolve_duration = "
    "coalesce($5::int, auto_resolve_duration), updated_at = now() AT TIME ZONE 'utc' "
    "WHERE id = $1 RETURNING *) SELECT " ACCOUNT_JSON " FROM a",
    change.account_id, change.name, change.domain, change.support_email, change.auto_resolve_after);
}

} // namespace messenger::persistence::queries::accounts
