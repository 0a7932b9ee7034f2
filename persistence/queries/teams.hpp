#pragma once

#include "persistence/queries/row.hpp"

/// An account's teams and their members. Teams are rendered as Chatwoot's team JSON with
/// `is_member` for the calling user; members by messenger_agent_json.
namespace messenger::persistence::queries::teams {

/// Every team of the account (json_docs), by name.
statement list(int64_t account_id, int64_t user_id);
/// One team (json_doc_of).
statement show(int64_t account_id, int64_t user_id, int64_t team_id);

/// POST/PATCH attributes; a PATCH changes only the given ones.
struct team_fields {
  int64_t account_id = 0;
  int64_t user_id = 0; ///< the caller, for is_member
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> allow_auto_assign;
};
/// The created team (json_doc_of).
statement create(const team_fields& team);
/// The updated team (json_doc_of); no row when the account has no such team.
statement update(const team_fields& team, int64_t team_id);

/// DELETE, two statements in one command: the members, then the team (returning its id;
/// no row: no such team).
statement remove_members_of(int64_t account_id, int64_t team_id);
statement remove(int64_t account_id, int64_t team_id);

/// The ids of the account's conversations assigned to the team (read_ids).
statement conversations_of(int64_t account_id, int64_t team_id);
std::vector<int64_t> read_ids(const result_set& rs);

/// The team's members (json_docs), in the order they were added.
statement members(int64_t account_id, int64_t team_id);
/// Whether the account has the team: one row with a count (read_found).
statement exists(int64_t account_id, int64_t team_id);
bool read_found(const result_set& rs);
/// Removes the members not among `user_ids`.
statement keep_members(int64_t account_id, int64_t team_id, const std::vector<int64_t>& user_ids);
/// Removes the members among `user_ids`.
statement remove_members(int64_t account_id, int64_t team_id, const std::vector<int64_t>& user_ids);
/// Adds the account's users among `user_ids` (others are ignored); the added ones
/// (json_docs).
statement add_members(int64_t account_id, int64_t team_id, const std::vector<int64_t>& user_ids);

} // namespace messenger::persistence::queries::teams
