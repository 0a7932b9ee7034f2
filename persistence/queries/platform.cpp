#include "persistence/queries/platform.hpp"

namespace messenger::persistence::queries::platform {

namespace {

#define ACCOUNT_COLUMNS                                                                            \
  "id, name, coalesce(locale, 0) AS locale, domain, support_email, coalesce(status, 0) AS "        \
  "status, "                                                                                       \
  "coalesce(custom_attributes, '{}')::text AS custom_attributes, "                                 \
  "coalesce(limits, '{}')::text AS limits"

#define USER_COLUMNS                                                                               \
  "u.id, u.name, u.display_name, u.email, u.uid, u.provider, u.pubsub_token, u.type, "             \
  "coalesce(u.custom_attributes, '{}')::text AS custom_attributes, u.message_signature, "          \
  "coalesce(u.ui_settings, '{}')::text AS ui_settings, "                                           \
  "coalesce((SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'role', "               \
  "CASE au.role WHEN 1 THEN 'administrator' ELSE 'agent' END, 'status', "                          \
  "CASE a.status WHEN 1 THEN 'suspended' ELSE 'active' END, 'availability', CASE au.availability " \
  "WHEN 0 THEN 'online' WHEN 2 THEN 'busy' ELSE 'offline' END, 'availability_status', CASE "       \
  "au.availability WHEN 0 THEN 'online' WHEN 2 THEN 'busy' ELSE 'offline' END, 'auto_offline', "   \
  "au.auto_offline) ORDER BY a.id)::text "                                                         \
  "FROM account_users au JOIN accounts a ON a.id = au.account_id WHERE au.user_id = u.id), "       \
  "'[]') AS accounts"

int64_t role_of(bool administrator) {
  return administrator ? 1 : 0;
}

} // namespace

std::optional<account_row> read_account(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    account_row row;
    row.id = r.int64("id");
    row.name = r.text("name");
    row.locale = r.int64("locale");
    row.domain = r.opt_text("domain");
    row.support_email = r.opt_text("support_email");
    row.status = r.int64("status");
    row.custom_attributes_json = r.text("custom_attributes");
    row.limits_json = r.text("limits");
    return row;
  });
}

statement create_account(const account_fields& account) {
  return statement_of("INSERT INTO accounts (name, domain, support_email, custom_attributes, "
                      "limits, created_at, updated_at) VALUES ($1, $2, $3, "
                      "coalesce($4::jsonb, '{}'), coalesce($5::jsonb, '{}'), now() AT TIME "
                      "ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING " ACCOUNT_COLUMNS,
                      account.name, account.domain, account.support_email,
                      account.custom_attributes_json, account.limits_json);
}

statement show_account(int64_t account_id) {
  return statement_of("SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = $1", account_id);
}

statement update_account(int64_t account_id, const account_fields& account) {
  std::optional<int64_t> status;
  if (account.suspended)
    status = *account.suspended ? 1 : 0;
  return statement_of(
    "UPDATE accounts SET name = coalesce(NULLIF($2, ''), name), domain = "
    "coalesce($3, domain), support_email = coalesce($4, support_email), "
    "custom_attributes = coalesce($5::jsonb, custom_attributes), limits = "
    "coalesce($6::jsonb, limits), status = coalesce($7::int, status), "
    "updated_at = now() AT TIME ZONE 'utc' WHERE id = $1 RETURNING " ACCOUNT_COLUMNS,
    account_id, account.name, account.domain, account.support_email, account.custom_attributes_json,
    account.limits_json, status);
}

statement remove_account_users(int64_t account_id) {
  return statement_of("DELETE FROM account_users WHERE account_id = $1", account_id);
}

statement remove_account(int64_t account_id) {
  return statement_of("DELETE FROM accounts WHERE id = $1 RETURNING id", account_id);
}

std::optional<user_row> read_user(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    user_row row;
    row.id = r.int64("id");
    row.name = r.text("name");
    row.display_name = r.opt_text("display_name");
    row.email = r.text("email");
    row.uid = r.text("uid");
    row.provider = r.text("provider");
    row.pubsub_token = r.text("pubsub_token");
    row.type = r.opt_text("type");
    row.custom_attributes_json = r.text("custom_attributes");
    row.message_signature = r.opt_text("message_signature");
    row.ui_settings_json = r.text("ui_settings");
    row.accounts_json = r.text("accounts");
    return row;
  });
}

statement create_user(const new_user& user) {
  return statement_of("WITH u AS (INSERT INTO users (name, display_name, email, uid, "
                      "provider, encrypted_password, pubsub_token, custom_attributes, "
                      "confirmed_at, created_at, updated_at) VALUES ($1, $2, lower($3), "
                      "lower($3), 'email', crypt(coalesce($4, $5), gen_salt('bf', 8)), $6, "
                      "coalesce($7::jsonb, '{}'), now() AT TIME ZONE 'utc', now() AT TIME "
                      "ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING *), t AS (INSERT INTO "
                      "access_tokens (owner_type, owner_id, token_digest, created_at, "
                      "updated_at) SELECT 'User', id, $8, now() AT TIME ZONE 'utc', now() AT "
                      "TIME ZONE 'utc' FROM u) SELECT " USER_COLUMNS " FROM u",
                      user.name, user.display_name, user.email, user.password,
                      user.fallback_password, user.pubsub_token, user.custom_attributes_json,
                      user.token_digest);
}

statement show_user(int64_t user_id) {
  return statement_of("SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1", user_id);
}

statement update_user(int64_t user_id, const user_fields& user) {
  return statement_of(
    "WITH u AS (UPDATE users SET name = coalesce(NULLIF($2, ''), "
    "name), display_name = coalesce($3, display_name), email = "
    "coalesce(lower($4), email), custom_attributes = "
    "coalesce($5::jsonb, custom_attributes), updated_at = now() "
    "AT TIME ZONE 'utc' WHERE id = $1 RETURNING *) SELECT " USER_COLUMNS " FROM u",
    user_id, user.name, user.display_name, user.email, user.custom_attributes_json);
}

std::vector<statement> remove_user(int64_t user_id) {
  return {statement_of("DELETE FROM access_tokens WHERE owner_type = 'User' AND "
                       "owner_id = $1",
                       user_id),
          statement_of("DELETE FROM account_users WHERE user_id = $1", user_id),
          statement_of("DELETE FROM inbox_members WHERE user_id = $1", user_id),
          statement_of("DELETE FROM users WHERE id = $1 RETURNING id", user_id)};
}

std::vector<account_user_row> read_account_users(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return account_user_row{r.int64("account_id"), r.int64("user_id"), r.int64("role") == 1};
  });
}

statement account_users(int64_t account_id) {
  return statement_of("SELECT account_id, user_id, role FROM account_users WHERE "
                      "account_id = $1 AND EXISTS (SELECT 1 FROM accounts WHERE id "
                      "= $1) ORDER BY id",
                      account_id);
}

statement upsert_account_user(int64_t account_id, int64_t user_id, bool administrator) {
  return statement_of("INSERT INTO account_users (account_id, user_id, role, created_at, "
                      "updated_at) SELECT a.id, u.id, $3, now() AT TIME ZONE 'utc', now() AT "
                      "TIME ZONE 'utc' FROM accounts a, users u WHERE a.id = $1 AND u.id = $2 "
                      "ON CONFLICT (account_id, user_id) DO UPDATE SET role = excluded.role "
                      "RETURNING account_id, user_id, role",
                      account_id, user_id, role_of(administrator));
}

statement remove_account_user(int64_t account_id, int64_t user_id) {
  return statement_of("DELETE FROM account_users WHERE account_id = $1 AND user_id = $2 "
                      "RETURNING id",
                      account_id, user_id);
}

statement profile(const std::string& token_digest) {
  return statement_of("SELECT " USER_COLUMNS " FROM access_tokens t JOIN users u ON u.id = "
                      "t.owner_id WHERE t.owner_type = 'User' AND t.token_digest = $1",
                      token_digest);
}

statement update_profile(const std::string& token_digest, const profile_fields& profile) {
  return statement_of(
    "UPDATE users u SET name = coalesce(NULLIF($2, ''), u.name), display_name = "
    "coalesce($3, u.display_name), email = coalesce(lower($4), u.email), "
    "message_signature = coalesce($5, u.message_signature), ui_settings = "
    "coalesce(u.ui_settings, '{}') || coalesce($6::jsonb, '{}'), updated_at = now() AT "
    "TIME ZONE 'utc' FROM access_tokens t WHERE t.owner_type = 'User' AND "
    "t.token_digest = $1 AND u.id = t.owner_id RETURNING u.id",
    token_digest, profile.name, profile.display_name, profile.email, profile.message_signature,
    profile.ui_settings_json);
}

} // namespace messenger::persistence::queries::platform
