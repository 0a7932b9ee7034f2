#pragma once

#include "domain/records.hpp"
#include "persistence/queries/message_rows.hpp"
#include "persistence/queries/row.hpp"

/// What the entity actors load and write through the store (actors/pg_store.cpp): the
/// conversation with what its rules need to know about its messages, its writes (message,
/// row, labels, reporting events), the inbox with its members and waiting queue, an agent's
/// accounts. Nullable ids and times read as 0 (times in microseconds), a missing priority
/// as -1; the write statements map them back to NULL.
namespace messenger::persistence::queries::entity_store {

// -- conversation -----------------------------------------------------------------------

/// A conversations row as its actor loads it, plus the derived facts: the conversation
/// actor's own record (domain/records.hpp).
using domain::conversation_row;

statement load_conversation(int64_t id);
/// nullopt when there is no such conversation.
std::optional<conversation_row> read_conversation(const result_set& rs);

/// The columns a conversation actor writes with each commit (status, priority, assignee,
/// team, the times, labels, custom attributes) from its row.
statement update_conversation(const conversation_row& c);

/// The taggings of conversation `id` made to match `labels` (acts-as-taggable-on's tags +
/// taggings, context 'labels'): three statements, in order.
std::vector<statement> sync_label_taggings(int64_t id, const std::vector<std::string>& labels);

/// Inserts a conversation (POST conversations through the inbox actor): its account, inbox,
/// contact, contact inbox, status, assignee, team, priority, snooze, attributes and
/// created_at from `c`.
statement create_conversation(const conversation_row& c);

/// What the database assigned to an inserted conversation.
struct created_conversation {
  int64_t id = 0;
  int64_t display_id = 0;
  std::string uuid;
};

std::optional<created_conversation> read_created_conversation(const result_set& rs);

/// Ids of the snoozed conversations with a snoozed_until, soonest first.
statement snoozed_conversations();
std::vector<int64_t> read_ids(const result_set& rs);

// -- messages and reporting events of a conversation ------------------------------------

/// Inserts `m` (its id, sender_json ignored); returns the new `id`.
statement insert_message(const domain::message_row& m);
/// The new message's id.
int64_t read_inserted_id(const result_set& rs);

/// Chatwoot's soft delete of message `message_id` of the conversation, returning the
/// message columns (no row when the conversation has no such message).
statement soft_delete_message(int64_t conversation_id, int64_t message_id);

/// One reporting_events row (the conversation actor's record).
using report = domain::reporting_row;

statement insert_report(const report& r);

// -- inbox ------------------------------------------------------------------------------

struct inbox_member {
  int64_t user_id = 0;
  std::string name;
};

struct inbox_state {
  int64_t id = 0;
  int64_t account_id = 0;
  bool enable_auto_assignment = true;
  std::vector<inbox_member> members; ///< in the order they were added
  std::vector<int64_t> waiting;      ///< open, unassigned conversations, oldest first
  std::vector<int64_t> ring;         ///< the saved round-robin ring, head first (empty: never)
  std::vector<int64_t> rate_users;   ///< the saved rate window: rate_users[i] assigned at
  std::vector<int64_t> rate_times;   ///< rate_times[i] (microseconds)
};

statement load_inbox(int64_t id);
std::optional<inbox_state> read_inbox(const result_set& rs);

/// Saves the inbox actor's ring and rate window (inbox_assignment_states, one row per inbox).
statement save_inbox_assignment(int64_t inbox_id, const std::vector<int64_t>& ring,
                                const std::vector<int64_t>& rate_users,
                                const std::vector<int64_t>& rate_times);

// -- operator (agent) -------------------------------------------------------------------

struct operator_account {
  int64_t account_id = 0;
  uint8_t availability = 0;
  bool auto_offline = true;
  std::vector<int64_t> inboxes;
};

struct operator_state {
  int64_t user_id = 0;
  std::string name;
  std::vector<operator_account> accounts;
};

statement load_operator(int64_t user_id);
std::optional<operator_state> read_operator(const result_set& rs);

statement save_availability(int64_t user_id, const operator_account& account);

} // namespace messenger::persistence::queries::entity_store
