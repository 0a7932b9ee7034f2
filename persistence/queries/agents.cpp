#include "persistence/queries/agents.hpp"

namespace messenger::persistence::queries::agents {

statement list(int64_t account_id) {
  return statement_of("SELECT messenger_agent_json(u, au)::text AS j FROM account_users au "
                      "JOIN users u ON u.id = au.user_id WHERE au.account_id = $1 ORDER BY "
                      "u.name, u.id",
                      account_id);
}

statement show(int64_t account_id, int64_t user_id) {
  return statement_of(
    "SELECT messenger_agent_json(u, au)::text AS j FROM account_users au JOIN users u ON u.id "
    "= au.user_id WHERE au.account_id = $1 AND au.user_id = $2",
    account_id, user_id);
}

statement create(const new_agent& agent) {
  return statement_of(
    "WITH found AS (SELECT id FROM users WHERE lower(email) = lower($2)), made AS (INSERT "
    "INTO users (name, email, uid, provider, pubsub_token, confirmed_at, created_at, "
    "updated_at) SELECT coalesce($1, split_part($2, '@', 1)), lower($2), lower($2), "
    "'email', gen_random_uuid()::text, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc', "
    "now() AT TIME ZONE 'utc' WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id), "
    "uid AS (SELECT id FROM found UNION ALL SELECT id FROM made) INSERT INTO account_users "
    "(account_id, user_id, role, availability, auto_offline, inviter_id, created_at, "
    "updated_at) SELECT $3, uid.id, $4, $5, $6, $7, now() AT TIME ZONE 'utc', now() AT "
    "TIME ZONE 'utc' FROM uid RETURNING user_id",
    agent.name, agent.email, agent.account_id, int64_t{agent.administrator ? 1 : 0},
    agent.availability, agent.auto_offline, agent.inviter_id);
}

std::optional<int64_t> read_created(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.int64("user_id"); });
}

statement rename(int64_t account_id, int64_t user_id, const std::optional<std::string>& name) {
  return statement_of("UPDATE users SET name = coalesce($3, name), updated_at = now() AT TIME "
                      "ZONE 'utc' WHERE id = $2 AND EXISTS (SELECT 1 FROM account_users WHERE "
                      "account_id = $1 AND user_id = $2)",
                      account_id, user_id, name);
}

statement set_role(int64_t account_id, int64_t user_id, std::optional<bool> administrator) {
  std::optional<int64_t> role;
  if (administrator)
    role = *administrator ? 1 : 0;
  return statement_of("UPDATE account_users SET role = coalesce($3::int, role), updated_at = "
                      "now() AT TIME ZONE 'utc' WHERE account_id = $1 AND user_id = $2 "
                      "RETURNING availability, auto_offline",
                      account_id, user_id, role);
}

std::optional<membership_row> read_membership(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return membership_row{r.int64("user_id"), r.int64("availability"), r.boolean("auto_offline")};
  });
}

statement remove_inbox_memberships(int64_t account_id, int64_t user_id) {
  return statement_of("DELETE FROM inbox_members WHERE user_id = $2 AND inbox_id IN (SELECT "
                      "id FROM inboxes WHERE account_id = $1) AND EXISTS (SELECT 1 FROM "
                      "account_users WHERE account_id = $1 AND user_id = $2) RETURNING "
                      "inbox_id, (SELECT name FROM users WHERE id = $2) AS name",
                      account_id, user_id);
}

statement remove_team_memberships(int64_t account_id, int64_t user_id) {
  return statement_of("DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id "
                      "FROM teams WHERE account_id = $1)",
                      account_id, user_id);
}

statement remove_membership(int64_t account_id, int64_t user_id) {
  return statement_of("DELETE FROM account_users WHERE account_id = $1 AND user_id = $2 "
                      "RETURNING id",
                      account_id, user_id);
}

std::vector<removed_inbox> read_removed_inboxes(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return removed_inbox{r.int64("inbox_id"), r.text("name")};
  });
}

statement token_membership(const std::string& token_digest, int64_t account_id) {
  return statement_of("SELECT au.user_id, au.auto_offline FROM access_tokens t JOIN account_users "
                      "au ON au.user_id = t.owner_id AND au.account_id = $2 WHERE t.owner_type = "
                      "'User' AND t.token_digest = $1",
                      token_digest, account_id);
}

} // namespace messenger::persistence::queries::agents
