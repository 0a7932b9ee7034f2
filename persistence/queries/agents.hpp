#pragma once

#include "persistence/queries/row.hpp"

/// An account's agents (account_users joined with users), rendered by messenger_agent_json.
namespace messenger::persistence::queries::agents {

/// Every agent of the account (json_docs), by name.
statement list(int64_t account_id);
/// One agent of the account (json_doc_of).
statement show(int64_t account_id, int64_t user_id);

/// POST: the user found by email or created (Chatwoot's AgentBuilder), then made a member.
struct new_agent {
  int64_t account_id = 0;
  std::optional<std::string> name;
  std::string email;
  bool administrator = false;
  int64_t availability = 0;
  bool auto_offline = true;
  int64_t inviter_id = 0;
};
statement create(const new_agent& agent);
/// The member's user id; nullopt when nothing was inserted.
std::optional<int64_t> read_created(const result_set& rs);

/// PATCH, two statements in one command: the user's name (only when a member), then the
/// membership's role, which returns the membership (read_membership).
statement rename(int64_t account_id, int64_t user_id, const std::optional<std::string>& name);
statement set_role(int64_t account_id, int64_t user_id, std::optional<bool> administrator);

/// An agent's presence settings in one account.
struct membership_row {
  int64_t user_id = 0; ///< of token_membership only
  int64_t availability = 0;
  bool auto_offline = false;
};
/// nullopt when the user is not a member.
std::optional<membership_row> read_membership(const result_set& rs);

/// DELETE, three statements in one command: the agent's inbox memberships in the account
/// (returning the inboxes, read_removed_inboxes), its team memberships, then the account
/// membership (returning its id; no row: not a member). The user itself stays.
statement remove_inbox_memberships(int64_t account_id, int64_t user_id);
statement remove_team_memberships(int64_t account_id, int64_t user_id);
statement remove_membership(int64_t account_id, int64_t user_id);

struct removed_inbox {
  int64_t inbox_id = 0;
  std::string user_name;
};
std::vector<removed_inbox> read_removed_inboxes(const result_set& rs);

/// The membership of the user holding an access token (by digest) in one account
/// (read_membership, with user_id).
statement token_membership(const std::string& token_digest, int64_t account_id);

} // namespace messenger::persistence::queries::agents
