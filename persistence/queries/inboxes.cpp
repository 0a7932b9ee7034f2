#include "persistence/queries/inboxes.hpp"

namespace messenger::persistence::queries::inboxes {

namespace {

/// The inbox columns (inbox `i`, API channel `ch`) read by `inbox_of`.
#define INBOX_COLUMNS                                                                              \
  "i.id, i.name, i.channel_id, i.channel_type, coalesce(i.enable_auto_assignment, true) AS "       \
  "enable_auto_assignment, coalesce(i.greeting_enabled, false) AS greeting_enabled, "              \
  "i.greeting_message, coalesce(i.timezone, 'UTC') AS timezone, "                                  \
  "i.lock_to_single_conversation, ch.webhook_url, ch.identifier, ch.hmac_token, ch.secret, "       \
  "coalesce(ch.hmac_mandatory, false) AS hmac_mandatory"

constexpr const char* members_sql
  = "SELECT messenger_agent_json(u, au)::text AS agent FROM inbox_members m JOIN users u ON "
    "u.id = m.user_id "
    "JOIN account_users au ON au.user_id = u.id AND au.account_id = $1 WHERE m.inbox_id = $2 "
    "ORDER BY m.id";

constexpr const char* found_sql
  = "SELECT count(*) AS found FROM inboxes WHERE id = $2 AND account_id = $1";

inbox_row inbox_of(const row_view& r) {
  inbox_row row;
  row.id = r.int64("id");
  row.name = r.text("name");
  row.channel_id = r.int64("channel_id");
  row.channel_type = r.text("channel_type");
  row.enable_auto_assignment = r.boolean("enable_auto_assignment");
  row.greeting_enabled = r.boolean("greeting_enabled");
  row.greeting_message = r.opt_text("greeting_message");
  row.timezone = r.text("timezone");
  row.lock_to_single_conversation = r.boolean("lock_to_single_conversation");
  row.webhook_url = r.opt_text("webhook_url");
  row.identifier = r.opt_text("identifier");
  row.hmac_token = r.opt_text("hmac_token");
  row.secret = r.opt_text("secret");
  row.hmac_mandatory = r.boolean("hmac_mandatory");
  return row;
}

bool found(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.int64("found"); }).value_or(0) != 0;
}

std::vector<member_change> changes_of(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return member_change{r.int64("user_id"), r.text("name")};
  });
}

} // namespace

statement list(int64_t account_id, bool administrator, int64_t user_id) {
  return statement_of("SELECT " INBOX_COLUMNS " FROM inboxes i LEFT JOIN channel_api ch ON "
                      "ch.id = i.channel_id AND i.channel_type = 'Channel::Api' WHERE "
                      "i.account_id = $1 AND ($2 OR EXISTS (SELECT 1 FROM inbox_members m "
                      "WHERE m.inbox_id = i.id AND m.user_id = $3)) ORDER BY lower(i.name)",
                      account_id, administrator, user_id);
}

std::vector<inbox_row> read_inboxes(const result_set& rs) {
  return map_rows(rs, inbox_of);
}

statement show(int64_t account_id, bool administrator, int64_t user_id, int64_t inbox_id) {
  return statement_of("SELECT " INBOX_COLUMNS ", ($2 OR EXISTS (SELECT 1 FROM inbox_members "
                      "m WHERE m.inbox_id = i.id AND m.user_id = $3)) AS allowed FROM "
                      "inboxes i LEFT JOIN channel_api ch ON ch.id = i.channel_id AND "
                      "i.channel_type = 'Channel::Api' WHERE i.account_id = $1 AND i.id = $4",
                      account_id, administrator, user_id, inbox_id);
}

std::optional<visible_inbox> read_show(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return visible_inbox{inbox_of(r), r.boolean("allowed")};
  });
}

statement create(const create_request& req) {
  return statement_of(
    "WITH ch AS (INSERT INTO channel_api (account_id, webhook_url, identifier, hmac_token, "
    "secret, created_at, updated_at) VALUES ($1, NULLIF($2, ''), $3, $4, $5, now() AT TIME "
    "ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING *), i AS (INSERT INTO inboxes "
    "(channel_id, account_id, name, channel_type, enable_auto_assignment, "
    "lock_to_single_conversation, created_at, updated_at) SELECT ch.id, $1, $6, "
    "'Channel::Api', $7, $8, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM ch "
    "RETURNING *) SELECT " INBOX_COLUMNS " FROM i, ch",
    req.account_id, req.webhook_url, req.identifier, req.hmac_token, req.secret, req.name,
    req.enable_auto_assignment, req.lock_to_single_conversation);
}

std::optional<inbox_row> read_inbox(const result_set& rs) {
  return first_row(rs, inbox_of);
}

write_command update(const update_request& req) {
  return write_command{
    {statement_of("UPDATE channel_api ch SET webhook_url = CASE WHEN $3::text IS NULL THEN "
                  "ch.webhook_url ELSE NULLIF($3, '') END, hmac_mandatory = coalesce($4::boolean, "
                  "ch.hmac_mandatory), updated_at = now() AT TIME ZONE 'utc' FROM inboxes i WHERE "
                  "i.id = $2 AND i.account_id = $1 AND i.channel_type = 'Channel::Api' AND ch.id = "
                  "i.channel_id",
                  req.account_id, req.inbox_id, req.webhook_url, req.hmac_mandatory),
     statement_of(
       "WITH i AS (UPDATE inboxes SET name = coalesce($3, name), enable_auto_assignment = "
       "coalesce($4::boolean, enable_auto_assignment), greeting_enabled = "
       "coalesce($5::boolean, greeting_enabled), greeting_message = coalesce($6, "
       "greeting_message), lock_to_single_conversation = coalesce($7::boolean, "
       "lock_to_single_conversation), timezone = coalesce($8, timezone), updated_at = now() "
       "AT TIME ZONE 'utc' WHERE id = $2 AND account_id = $1 RETURNING *) "
       "SELECT " INBOX_COLUMNS
       " FROM i LEFT JOIN channel_api ch ON ch.id = i.channel_id AND i.channel_type = "
       "'Channel::Api'",
       req.account_id, req.inbox_id, req.name, req.enable_auto_assignment, req.greeting_enabled,
       req.greeting_message, req.lock_to_single_conversation, req.timezone)}};
}

std::optional<inbox_row> read_updated(const write_result& res) {
  return res.results.size() == 2 ? read_inbox(res.results[1]) : std::nullopt;
}

write_command destroy(int64_t account_id, int64_t inbox_id) {
  auto owned = [&](const char* sql) { return statement_of(sql, account_id, inbox_id); };
  return write_command{
    {owned("DELETE FROM messages WHERE inbox_id = (SELECT id FROM inboxes WHERE id = $2 "
           "AND account_id = $1)"),
     owned("DELETE FROM reporting_events WHERE inbox_id = (SELECT id FROM inboxes WHERE id "
           "= $2 AND account_id = $1)"),
     owned("DELETE FROM conversations WHERE inbox_id = (SELECT id FROM inboxes WHERE id = "
           "$2 AND account_id = $1)"),
     owned("DELETE FROM contact_inboxes WHERE inbox_id = (SELECT id FROM inboxes WHERE id "
           "= $2 AND account_id = $1)"),
     owned("DELETE FROM inbox_members WHERE inbox_id = (SELECT id FROM inboxes WHERE id = "
           "$2 AND account_id = $1)"),
     owned("DELETE FROM channel_api WHERE id = (SELECT channel_id FROM inboxes WHERE id = "
           "$2 AND account_id = $1 AND channel_type = 'Channel::Api')"),
     owned("DELETE FROM inboxes WHERE id = $2 AND account_id = $1 RETURNING id")}};
}

bool read_destroyed(const write_result& res) {
  return res.results.size() == 7 && !res.results[6].rows.empty();
}

statement members(int64_t account_id, int64_t inbox_id) {
  return statement_of(members_sql, account_id, inbox_id);
}

std::vector<json_doc> read_members(const result_set& rs) {
  return json_docs(rs, "agent");
}

write_command change_members(int64_t account_id, int64_t inbox_id,
                             const std::vector<int64_t>& user_ids, bool add) {
  auto sql = add ? "WITH ok AS (SELECT id FROM inboxes WHERE id = $2 AND account_id = $1), "
                   "ins AS (INSERT INTO inbox_members (user_id, inbox_id, created_at, "
                   "updated_at) SELECT u, $2, now() AT TIME ZONE 'utc', now() AT TIME ZONE "
                   "'utc' FROM unnest($3::bigint[]) u, ok WHERE EXISTS (SELECT 1 FROM "
                   "account_users au WHERE au.user_id = u AND au.account_id = $1) ON "
                   "CONFLICT (inbox_id, user_id) DO NOTHING RETURNING user_id) SELECT "
                   "i.user_id, u.name, (SELECT count(*) FROM ok) AS inbox_found FROM ins i "
                   "JOIN users u ON u.id = i.user_id"
                 : "WITH ok AS (SELECT id FROM inboxes WHERE id = $2 AND account_id = $1), "
                   "del AS (DELETE FROM inbox_members WHERE inbox_id IN (SELECT id FROM ok) "
                   "AND user_id = ANY ($3::bigint[]) RETURNING user_id) SELECT d.user_id, "
                   "u.name, (SELECT count(*) FROM ok) AS inbox_found FROM del d JOIN users "
                   "u ON u.id = d.user_id";
  return write_command{{statement_of(sql, account_id, inbox_id, user_ids),
                        statement_of(found_sql, account_id, inbox_id),
                        statement_of(members_sql, account_id, inbox_id)}};
}

std::optional<members_changed> read_changed_members(const write_result& res, bool add) {
  if (res.results.size() != 3 || !found(res.results[1]))
    return std::nullopt;
  members_changed out;
  (add ? out.added : out.removed) = changes_of(res.results[0]);
  out.members = read_members(res.results[2]);
  return out;
}

write_command replace_members(int64_t account_id, int64_t inbox_id,
                              const std::vector<int64_t>& user_ids) {
  return write_command{
    {statement_of(found_sql, account_id, inbox_id),
     statement_of("WITH del AS (DELETE FROM inbox_members WHERE inbox_id = (SELECT id "
                  "FROM inboxes WHERE id = $2 AND account_id = $1) AND NOT (user_id = ANY "
                  "($3::bigint[])) RETURNING user_id) SELECT d.user_id, u.name FROM del d "
                  "JOIN users u ON u.id = d.user_id",
                  account_id, inbox_id, user_ids),
     statement_of("WITH ins AS (INSERT INTO inbox_members (user_id, inbox_id, "
                  "created_at, updated_at) SELECT u, i.id, now() AT TIME ZONE 'utc', now() "
                  "AT TIME ZONE 'utc' FROM unnest($3::bigint[]) u, inboxes i WHERE i.id = "
                  "$2 AND i.account_id = $1 AND EXISTS (SELECT 1 FROM account_users au "
                  "WHERE au.user_id = u AND au.account_id = $1) ON CONFLICT (inbox_id, "
                  "user_id) DO NOTHING RETURNING user_id) SELECT i.user_id, u.name FROM "
                  "ins i JOIN users u ON u.id = i.user_id",
                  account_id, inbox_id, user_ids),
     statement_of(members_sql, account_id, inbox_id)}};
}

std::optional<members_changed> read_replaced_members(const write_result& res) {
  if (res.results.size() != 4 || !found(res.results[0]))
    return std::nullopt;
  members_changed out;
  out.removed = changes_of(res.results[1]);
  out.added = changes_of(res.results[2]);
  out.members = read_members(res.results[3]);
  return out;
}

} // namespace messenger::persistence::queries::inboxes
