#pragma once

#include "actors/records.hpp"
#include "domain/conversation.hpp"
#include "domain/message_rules.hpp"
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

/// The message columns of a messages row aliased `m` (what `message_from_row` and
/// `message_body` read), with the sender's push data as `sender_json`.
#define MESSENGER_MESSAGE_COLUMNS                                                                  \
  "m.id, m.content, m.account_id, m.inbox_id, m.message_type, m.content_type, "                    \
  "coalesce(m.content_attributes, '{}')::text AS content_attributes, "                             \
  "coalesce(m.additional_attributes, '{}')::text AS additional_attributes, m.private, "            \
  "coalesce(m.status, 0) AS status, coalesce(m.source_id, '') AS source_id, "                      \
  "coalesce(m.echo_id, '') AS echo_id, coalesce(m.sender_type, '') AS sender_type, "               \
  "coalesce(m.sender_id, 0) AS sender_id, messenger_us(m.created_at) AS created_at, "              \
  "messenger_sender_json(m.sender_type, m.sender_id)::text AS sender_json"

/// A message_row from row `i` of a query selecting the message columns (id, content,
/// account_id, inbox_id, message_type, content_type, content_attributes,
/// additional_attributes, private, status, source_id, echo_id, sender_type, sender_id,
/// created_at in microseconds; text columns coalesced to '').
message_row message_from_row(const persistence::result_set& rs, size_t i);

} // namespace messenger::actors
