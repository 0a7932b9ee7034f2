#pragma once

#include "persistence/queries/row.hpp"

/// Inboxes of the Application API (API channels) and their members.
namespace messenger::persistence::queries::inboxes {

/// An inbox with its API channel.
struct inbox_row {
  int64_t id = 0;
  std::string name;
  int64_t channel_id = 0;
  std::string channel_type;
  bool enable_auto_assignment = true;
  bool greeting_enabled = false;
  std::optional<std::string> greeting_message;
  std::string timezone;
  bool lock_to_single_conversation = false;
  std::optional<std::string> webhook_url;
  std::optional<std::string> identifier; ///< the channel's inbox_identifier
  std::optional<std::string> hmac_token;
  std::optional<std::string> secret;
  bool hmac_mandatory = false;
};

/// The inboxes of the account the user may see (all for an administrator), by name.
statement list(int64_t account_id, bool administrator, int64_t user_id);
std::vector<inbox_row> read_inboxes(const result_set& rs);

/// One inbox of the account, and whether the user may see it.
statement show(int64_t account_id, bool administrator, int64_t user_id, int64_t inbox_id);

struct visible_inbox {
  inbox_row inbox;
  bool allowed = false;
};
/// nullopt when the inbox is not in the account.
std::optional<visible_inbox> read_show(const result_set& rs);

/// A new API-channel inbox with its channel (identifier, HMAC token and secret given).
struct create_request {
  int64_t account_id = 0;
  std::optional<std::string> webhook_url; ///< "" or nullopt: none
  std::string identifier, hmac_token, secret;
  std::string name;
  bool enable_auto_assignment = true;
  bool lock_to_single_conversation = false;
};
statement create(const create_request& req);
/// The created inbox (read_inbox), nullopt when nothing came back.
std::optional<inbox_row> read_inbox(const result_set& rs);

/// Changes to an inbox and its API channel; nullopt leaves a value as it is.
struct update_request {
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  std::optional<std::string> name, greeting_message, timezone;
  std::optional<bool> enable_auto_assignment, greeting_enabled, lock_to_single_conversation;
  std::optional<std::string> webhook_url; ///< "" clears it
  std::optional<bool> hmac_mandatory;
};
write_command update(const update_request& req);
/// The updated inbox, nullopt when it is not in the account.
std::optional<inbox_row> read_updated(const write_result& res);

/// Deletes the inbox with its channel, members, contact inboxes, conversations, their
/// messages and reporting events, in one command.
write_command destroy(int64_t account_id, int64_t inbox_id);
/// Whether the inbox existed (and is gone).
bool read_destroyed(const write_result& res);

/// The inbox's members as agent JSON (messenger_agent_json), in the order they were added.
statement members(int64_t account_id, int64_t inbox_id);
std::vector<json_doc> read_members(const result_set& rs);

/// A user whose membership changed.
struct member_change {
  int64_t user_id = 0;
  std::string name;
};

/// Adds (`add`) or removes the users (only members of the account are added); then reads
/// the members.
write_command change_members(int64_t account_id, int64_t inbox_id,
                             const std::vector<int64_t>& user_ids, bool add);

/// Makes the users the inbox's members: removes the others, adds the missing ones; then reads
/// the members.
write_command replace_members(int64_t account_id, int64_t inbox_id,
                              const std::vector<int64_t>& user_ids);

/// What change_members or replace_members did; nullopt when the inbox is not in the account.
struct members_changed {
  std::vector<member_change> added;
  std::vector<member_change> removed;
  std::vector<json_doc> members; ///< after the change
};
std::optional<members_changed> read_changed_members(const write_result& res, bool add);
std::optional<members_changed> read_replaced_members(const write_result& res);

} // namespace messenger::persistence::queries::inboxes
