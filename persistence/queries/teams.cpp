#include "persistence/queries/teams.hpp"

namespace messenger::persistence::queries::teams {

namespace {

#define TEAM_JSON                                                                                  \
  "jsonb_build_object('id', t.id, 'name', t.name, 'description', t.description, "                  \
  "'allow_auto_assign', coalesce(t.allow_auto_assign, true), 'account_id', t.account_id, "         \
  "'is_member', EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = t.id AND tm.user_id = "   \
  "$2))::text AS j"

} // namespace

statement list(int64_t account_id, int64_t user_id) {
  return statement_of("SELECT " TEAM_JSON " FROM teams t WHERE t.account_id = $1 ORDER BY "
                      "t.name",
                      account_id, user_id);
}

statement show(int64_t account_id, int64_t user_id, int64_t team_id) {
  return statement_of("SELECT " TEAM_JSON " FROM teams t WHERE t.account_id = $1 AND t.id "
                      "= $3",
                      account_id, user_id, team_id);
}

statement create(const team_fields& team) {
  return statement_of("WITH t AS (INSERT INTO teams (name, description, allow_auto_assign, "
                      "account_id, created_at, updated_at) VALUES (lower($3), $4, "
                      "coalesce($5::boolean, true), $1, now() AT TIME ZONE 'utc', now() AT "
                      "TIME ZONE 'utc') RETURNING *) SELECT " TEAM_JSON " FROM t",
                      team.account_id, team.user_id, team.name, team.description,
                      team.allow_auto_assign);
}

statement update(const team_fields& team, int64_t team_id) {
  return statement_of("WITH t AS (UPDATE teams SET name = coalesce(lower($3), name), "
                      "description = coalesce($4, description), allow_auto_assign = "
                      "coalesce($5::boolean, allow_auto_assign), updated_at = now() AT "
                      "TIME ZONE 'utc' WHERE account_id = $1 AND id = $6 RETURNING *) "
                      "SELECT " TEAM_JSON " FROM t",
                      team.account_id, team.user_id, team.name, team.description,
                      team.allow_auto_assign, team_id);
}

statement remove_members_of(int64_t account_id, int64_t team_id) {
  return statement_of("DELETE FROM team_members WHERE team_id = (SELECT id FROM teams "
                      "WHERE account_id = $1 AND id = $2)",
                      account_id, team_id);
}

statement remove(int64_t account_id, int64_t team_id) {
  return statement_of("DELETE FROM teams WHERE account_id = $1 AND id = $2 RETURNING id",
                      account_id, team_id);
}

statement conversations_of(int64_t account_id, int64_t team_id) {
  return statement_of("SELECT id FROM conversations WHERE account_id = $1 AND team_id = $2",
                      account_id, team_id);
}

std::vector<int64_t> read_ids(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) { return r.int64("id"); });
}

statement members(int64_t account_id, int64_t team_id) {
  return statement_of(
    "SELECT messenger_agent_json(u, au)::text AS j FROM team_members tm JOIN users u ON u.id = "
    "tm.user_id JOIN account_users au ON au.user_id = u.id AND au.account_id = $1 WHERE "
    "tm.team_id = $2 ORDER BY tm.id",
    account_id, team_id);
}

statement exists(int64_t account_id, int64_t team_id) {
  return statement_of("SELECT count(*) AS found FROM teams WHERE account_id = $1 AND id = $2",
                      account_id, team_id);
}

bool read_found(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.int64("found") != 0; }).value_or(false);
}

statement keep_members(int64_t account_id, int64_t team_id, const std::vector<int64_t>& user_ids) {
  return statement_of(
    "DELETE FROM team_members WHERE team_id = (SELECT id FROM teams WHERE account_id = $1 "
    "AND id = $2) AND NOT (user_id = ANY ($3::bigint[]))",
    account_id, team_id, user_ids);
}

statement remove_members(int64_t account_id, int64_t team_id,
                         const std::vector<int64_t>& user_ids) {
  return statement_of(
    "DELETE FROM team_members WHERE team_id = (SELECT id FROM teams WHERE account_id = $1 "
    "AND id = $2) AND user_id = ANY ($3::bigint[])",
    account_id, team_id, user_ids);
}

statement add_members(int64_t account_id, int64_t team_id, const std::vector<int64_t>& user_ids) {
  return statement_of(
    "WITH ins AS (INSERT INTO team_members (team_id, user_id, created_at, updated_at) "
    "SELECT t.id, u, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM teams t, "
    "unnest($3::bigint[]) u WHERE t.account_id = $1 AND t.id = $2 AND EXISTS (SELECT 1 "
    "FROM account_users au WHERE au.account_id = $1 AND au.user_id = u) ON CONFLICT "
    "(team_id, user_id) DO NOTHING RETURNING user_id) SELECT messenger_agent_json(u, "
    "au)::text AS j FROM ins JOIN users u ON u.id = ins.user_id JOIN account_users au ON "
    "au.user_id = u.id AND au.account_id = $1",
    account_id, team_id, user_ids);
}

} // namespace messenger::persistence::queries::teams
