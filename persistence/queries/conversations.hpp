#pragma once

#include "domain/records.hpp"
#include "persistence/queries/row.hpp"

/// The conversation reads of the HTTP edge: the policy check of one conversation, the
/// filtered list with its counts, the rendered sender/assignee of a conversation, the
/// contact inbox a new conversation opens in, and the team or agent an assignment names.
namespace messenger::persistence::queries::conversations {

/// `sender_json`, `assignee_json` of a conversation aliased `c`.
extern const char* const meta_columns;

/// The conversation columns the list queries select (what `read_list_row` reads), with
/// `unread_count` (BEHAVIOUR.md §8) and the `meta_columns`.
extern const char* const list_columns;

/// A conversation as `list_columns` select it: the conversation's record (domain/records.hpp;
/// times in microseconds, 0 for null; the derived facts only actors load stay empty) with
/// its unread count and the rendered contact and assignee.
struct list_row : domain::conversation_row {
  int64_t unread_count = 0;
  std::string sender_json;   ///< "" = no contact
  std::string assignee_json; ///< "" = no assignee
};

/// Reads the columns every conversation query selects into `c`: ids, status, priority,
/// assignee, team, the times, uuid and the attributes (not labels, which queries select in
/// different forms, nor the contact inbox or what only the actor's load selects).
void read_conversation_columns(const row_view& r, domain::conversation_row& c);

list_row read_list_row(const row_view& r);
std::vector<list_row> read_list(const result_set& rs);

/// A conversation addressed by display id, with whether the caller may see it:
/// administrators every conversation of the account, agents those of their inboxes or teams.
struct access_request {
  int64_t account_id = 0;
  int64_t display_id = 0;
  bool administrator = false;
  int64_t user_id = 0;
};
statement access(const access_request& request);

struct access_row {
  int64_t id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  bool allowed = false;
};
std::optional<access_row> read_access(const result_set& rs);

/// The rendered contact and agent of a conversation (its `meta_columns`).
statement meta(int64_t contact_id, int64_t assignee_id, int64_t account_id);

struct meta_row {
  std::string sender_json;   ///< "" = none
  std::string assignee_json; ///< "" = none
};
std::optional<meta_row> read_meta(const result_set& rs);

/// Chatwoot's sort_by values (and their legacy names).
enum class sort_order {
  last_activity_desc,
  last_activity_asc,
  created_desc,
  created_asc,
  priority_desc,
  priority_asc,
  priority_desc_created_asc,
  waiting_since_asc,
  waiting_since_desc,
  unread,
};

/// The order a sort_by value names, or nullopt for an unknown one.
std::optional<sort_order> sort_order_of(const std::string& sort_by);

enum class assignee_filter { all, me, unassigned, assigned };

/// conversation_type: mention and participating match nothing (messenger has no mentions or
/// participants yet).
enum class conversation_type { any, unattended, mention, participating };

/// The filters of GET …/conversations and …/conversations/meta.
struct list_filter {
  int64_t account_id = 0;
  int64_t user_id = 0;
  bool administrator = false;
  std::optional<int64_t> status; ///< nullopt = all
  assignee_filter assignee = assignee_filter::all;
  std::optional<int64_t> inbox_id;
  std::vector<std::string> labels; ///< any of them; empty = no label filter
  std::optional<std::string> q;    ///< text the messages contain
  std::optional<int64_t> team_id;
  conversation_type type = conversation_type::any;
  std::optional<std::string> source_id;
  std::optional<int64_t> updated_within; ///< seconds; no pagination then
  sort_order order = sort_order::last_activity_desc;
  int64_t page = 1; ///< 25 per page
};

/// The counts of the filtered conversations (mine, unassigned, all).
statement counts(const list_filter& filter);

struct counts_row {
  int64_t mine = 0;
  int64_t unassigned = 0;
  int64_t total = 0;
};
counts_row read_counts(const result_set& rs);

/// One page of the filtered conversations (`list_columns`; read with `read_list`).
statement page(const list_filter& filter);

/// The contact inbox a new conversation opens in: found by (inbox, contact) or by source_id
/// ("" = by inbox and contact), created when missing (a write), with whether the caller may
/// use its inbox. No row: the inbox or the contact is not the account's.
struct contact_inbox_request {
  int64_t account_id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  std::string source_id;
  bool administrator = false;
  int64_t user_id = 0;
};
statement find_or_create_contact_inbox(const contact_inbox_request& request);

struct contact_inbox_row {
  int64_t id = 0;
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  bool allowed = false;
};
std::optional<contact_inbox_row> read_contact_inbox(const result_set& rs);

/// The team of the account a team assignment names, with its raw row as JSON.
statement assignable_team(int64_t account_id, int64_t team_id);

struct team_row {
  int64_t id = 0;
  std::string name;
  json_doc json;
};
std::optional<team_row> read_team(const result_set& rs);

/// The user of the account an assignment names.
statement assignable_agent(int64_t account_id, int64_t user_id);

struct agent_row {
  int64_t id = 0;
  std::string name;
  std::string email;
};
std::optional<agent_row> read_agent(const result_set& rs);

} // namespace messenger::persistence::queries::conversations
