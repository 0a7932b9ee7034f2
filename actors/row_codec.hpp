#pragma once

#include "actors/records.hpp"
#include "domain/conversation.hpp"
#include "domain/message_rules.hpp"
#include "persistence/queries/message_rows.hpp"
#include "persistence/sql.hpp"

namespace messenger::actors {

domain::opt_time to_opt_time(int64_t micros);
int64_t from_opt_time(const domain::opt_time& t);

/// conversation_row <-> the domain record the conversation actor works on.
domain::conversation to_domain(const conversation_row& row);
/// Writes the domain record's fields into `row` (derived fields included).
void from_domain(const domain::conversation& conv, conversation_row& row);

/// unread_count (BEHAVIOUR.md §8) of a row the conversation actor answered (from its
/// recent_incoming and agent_last_seen_at; 0 for rows read without recent_incoming).
int unread_count(const conversation_row& row);

/// The facts the message rules need, from a message row.
domain::message_facts facts_of(const message_row& msg, bool preserve_waiting_since);

/// A message_row from a messages row read by persistence/queries/message_rows.
message_row to_message_row(const persistence::queries::message_rows::message_record& m);

/// A message_row from row `i` of a query selecting MESSENGER_MESSAGE_COLUMNS
/// (persistence/queries/message_rows.hpp).
message_row message_from_row(const persistence::result_set& rs, size_t i);

} // namespace messenger::actors
