#pragma once

#include "persistence/queries/row.hpp"

/// The Platform API's accounts, users and account users, and the profile of the user
/// holding an access token.
namespace messenger::persistence::queries::platform {

struct account_row {
  int64_t id = 0;
  std::string name;
  int64_t locale = 0;
  std::optional<std::string> domain;
  std::optional<std::string> support_email;
  int64_t status = 0; ///< 0 active, 1 suspended
  std::string custom_attributes_json;
  std::string limits_json;
};
/// nullopt when there is no such account.
std::optional<account_row> read_account(const result_set& rs);

/// POST and PATCH attributes (JSON objects as their text); a PATCH changes only the given
/// ones (and an empty name none).
struct account_fields {
  std::string name;
  std::optional<std::string> domain;
  std::optional<std::string> support_email;
  std::optional<std::string> custom_attributes_json;
  std::optional<std::string> limits_json;
  std::optional<bool> suspended; ///< PATCH only
};
statement create_account(const account_fields& account);
statement show_account(int64_t account_id);
statement update_account(int64_t account_id, const account_fields& account);
/// Two statements in one command: the memberships, then the account (returning its id; no
/// row: no such account).
statement remove_account_users(int64_t account_id);
statement remove_account(int64_t account_id);

struct user_row {
  int64_t id = 0;
  std::string name;
  std::optional<std::string> display_name;
  std::string email;
  std::string uid;
  std::string provider;
  std::string pubsub_token;
  std::optional<std::string> type;
  std::string custom_attributes_json;
  std::optional<std::string> message_signature;
  std::string ui_settings_json;
  /// A JSON array of the user's accounts (id, name, role, status, availability, ...).
  std::string accounts_json;
};
/// nullopt when there is no such user.
std::optional<user_row> read_user(const result_set& rs);

struct new_user {
  std::string name;
  std::optional<std::string> display_name;
  std::string email;
  std::optional<std::string> password;
  std::string fallback_password; ///< when no password is given
  std::string pubsub_token;
  std::optional<std::string> custom_attributes_json;
  std::string token_digest; ///< of the user's access token
};
statement create_user(const new_user& user);
statement show_user(int64_t user_id);
/// A PATCH: only the given attributes change (an empty name none).
struct user_fields {
  std::string name;
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<std::string> custom_attributes_json;
};
statement update_user(int64_t user_id, const user_fields& user);
/// Four statements in one command: tokens, account and inbox memberships, then the user
/// (returning its id; no row: no such user).
std::vector<statement> remove_user(int64_t user_id);

struct account_user_row {
  int64_t account_id = 0;
  int64_t user_id = 0;
  bool administrator = false;
};
std::vector<account_user_row> read_account_users(const result_set& rs);
/// The account's users (none when there is no such account).
statement account_users(int64_t account_id);
/// Adds the user to the account or changes its role; no row when either does not exist.
statement upsert_account_user(int64_t account_id, int64_t user_id, bool administrator);
/// Returns the id; no row when the user is not a member.
statement remove_account_user(int64_t account_id, int64_t user_id);

/// The user holding an access token (by digest) (read_user).
statement profile(const std::string& token_digest);
/// PUT /api/v1/profile: only the given attributes change (an empty name none); ui_settings
/// are merged. Returns the user's id; no row when no user holds the token.
struct profile_fields {
  std::string name;
  std::optional<std::string> display_name;
  std::optional<std::string> email;
  std::optional<std::string> message_signature;
  std::optional<std::string> ui_settings_json;
};
statement update_profile(const std::string& token_digest, const profile_fields& profile);

} // namespace messenger::persistence::queries::platform
