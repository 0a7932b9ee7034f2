#include "persistence/queries/entity_store.hpp"

#include "persistence/queries/conversations.hpp"

namespace messenger::persistence::queries::entity_store {

namespace {

constexpr const char* load_conversation_sql = R"sql(
SELECT c.id, c.display_id, c.account_id, c.inbox_id, coalesce(c.contact_id, 0) AS contact_id,
       coalesce(c.contact_inbox_id, 0) AS contact_inbox_id, c.status,
       coalesce(c.priority, -1) AS priority, coalesce(c.assignee_id, 0) AS assignee_id,
       coalesce(c.assignee_agent_bot_id, 0) AS assignee_agent_bot_id,
       coalesce(c.team_id, 0) AS team_id, messenger_us(c.created_at) AS created_at,
       messenger_us(c.last_activity_at) AS last_activity_at,
       coalesce(messenger_us(c.waiting_since), 0) AS waiting_since,
       coalesce(messenger_us(c.first_reply_created_at), 0) AS first_reply_created_at,
       coalesce(messenger_us(c.snoozed_until), 0) AS snoozed_until,
       coalesce(messenger_us(c.agent_last_seen_at), 0) AS agent_last_seen_at,
       coalesce(messenger_us(c.assignee_last_seen_at), 0) AS assignee_last_seen_at,
       coalesce(messenger_us(c.contact_last_seen_at), 0) AS contact_last_seen_at,
       c.uuid::text AS uuid, coalesce(c.custom_attributes, '{}')::text AS custom_attributes,
       coalesce(c.additional_attributes, '{}')::text AS additional_attributes,
       string_to_array(NULLIF(c.cached_label_list, ''), ', ') AS labels,
       coalesce((SELECT blocked FROM contacts WHERE id = c.contact_id), false) AS contact_blocked,
       coalesce((SELECT enable_auto_assignment FROM inboxes WHERE id = c.inbox_id), true)
         AS inbox_auto_assignment,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.message_type = 1
          AND m.sender_type NOT IN ('AgentBot', 'Captain::Assistant') AND NOT m.private
          AND m.additional_attributes -> 'campaign_id' IS NULL) AS human_outgoing,
       coalesce((SELECT messenger_us(max(created_at)) FROM messages m
                  WHERE m.conversation_id = c.id), 0) AS last_message_at,
       (SELECT array_agg(us ORDER BY us) FROM
          (SELECT messenger_us(created_at) AS us FROM messages m
            WHERE m.conversation_id = c.id AND m.message_type = 0
            ORDER BY m.created_at DESC LIMIT 10) r) AS recent_incoming,
       (SELECT array_agg(messenger_us(created_at)) FROM messages m
         WHERE m.conversation_id = c.id
           AND m.created_at >= (now() AT TIME ZONE 'utc') - interval '1 minute') AS last_minute,
       coalesce((SELECT messenger_us(max(event_end_time)) FROM reporting_events r
                  WHERE r.conversation_id = c.id AND r.name = 'conversation_resolved'), 0)
         AS last_resolved_end,
       coalesce((SELECT messenger_us(max(event_end_time)) FROM reporting_events r
                  WHERE r.conversation_id = c.id
                    AND r.name IN ('conversation_bot_handoff', 'conversation_opened')),
                (SELECT messenger_us(max(event_end_time)) FROM reporting_events r
                  WHERE r.conversation_id = c.id AND r.name = 'conversation_bot_resolved'),
                messenger_us(c.created_at)) AS last_non_human_activity
  FROM conversations c WHERE c.id = $1)sql";

constexpr const char* update_conversation_sql = R"sql(
UPDATE conversations
   SET status = $2, priority = NULLIF($3::int, -1), assignee_id = NULLIF($4::int, 0),
       assignee_agent_bot_id = NULLIF($5::bigint, 0), team_id = NULLIF($6::bigint, 0),
       last_activity_at = messenger_ts($7), waiting_since = messenger_ts($8),
       first_reply_created_at = messenger_ts($9), snoozed_until = messenger_ts($10),
       agent_last_seen_at = messenger_ts($11), assignee_last_seen_at = messenger_ts($12),
       contact_last_seen_at = messenger_ts($13), cached_label_list = NULLIF($14, ''),
       custom_attributes = $15::jsonb,
       updated_at = now() AT TIME ZONE 'utc'
 WHERE id = $1)sql";

// Labels as acts-as-taggable-on keeps them: global tags + taggings (context 'labels').
constexpr const char* delete_taggings_sql = R"sql(
DELETE FROM taggings WHERE taggable_type = 'Conversation' AND taggable_id = $1
   AND context = 'labels' AND NOT (tag_id = ANY (
     SELECT id FROM tags WHERE name = ANY (string_to_array(NULLIF($2, ''), ', ')))))sql";
constexpr const char* insert_tags_sql = R"sql(
INSERT INTO tags (name) SELECT unnest(string_to_array(NULLIF($1, ''), ', '))
ON CONFLICT (name) DO NOTHING)sql";
constexpr const char* insert_taggings_sql = R"sql(
INSERT INTO taggings (tag_id, taggable_type, taggable_id, context, created_at)
SELECT t.id, 'Conversation', $1, 'labels', now() AT TIME ZONE 'utc' FROM tags t
 WHERE t.name = ANY (string_to_array(NULLIF($2, ''), ', '))
   AND NOT EXISTS (SELECT 1 FROM taggings g WHERE g.tag_id = t.id AND g.taggable_id = $1
                     AND g.taggable_type = 'Conversation' AND g.context = 'labels'))sql";

constexpr const char* create_conversation_sql = R"sql(
INSERT INTO conversations (account_id, inbox_id, contact_id, contact_inbox_id, status, assignee_id,
                           team_id, priority, snoozed_until, custom_attributes,
                           additional_attributes, created_at, updated_at, last_activity_at,
                           waiting_since)
VALUES ($1, $2, NULLIF($3::bigint, 0), NULLIF($4::bigint, 0), $5, NULLIF($6::int, 0),
        NULLIF($7::bigint, 0), NULLIF($8::int, -1), messenger_ts($9), $10::jsonb, $11::jsonb,
        messenger_ts($12), messenger_ts($12), messenger_ts($12), messenger_ts($12))
RETURNING id, display_id, uuid::text AS uuid)sql";

constexpr const char* snoozed_sql = R"sql(
SELECT id FROM conversations WHERE status = 3 AND snoozed_until IS NOT NULL ORDER BY snoozed_until)sql";

constexpr const char* insert_message_sql = R"sql(
INSERT INTO messages (content, account_id, inbox_id, conversation_id, message_type, created_at,
                      updated_at, private, status, source_id, content_type, content_attributes,
                      sender_type, sender_id, additional_attributes, processed_message_content,
                      echo_id)
VALUES ($1, $2, $3, $4, $5, messenger_ts($6), messenger_ts($6), $7, $8, NULLIF($9, ''), $10,
        $11::jsonb, NULLIF($12, ''), NULLIF($13::bigint, 0), $14::jsonb, $1, NULLIF($15, ''))
RETURNING id)sql";

// Chatwoot's message soft delete; the conversation's times are not touched.
constexpr const char* delete_message_sql
  = "UPDATE messages m SET content = 'This message was deleted', content_attributes = "
    "coalesce(m.content_attributes, '{}') || '{\"deleted\": true}', updated_at = now() AT TIME "
    "ZONE 'utc' WHERE m.conversation_id = $1 AND m.id = $2 RETURNING " MESSENGER_MESSAGE_COLUMNS;

constexpr const char* insert_report_sql = R"sql(
INSERT INTO reporting_events (name, value, value_in_business_hours, account_id, inbox_id, user_id,
                              conversation_id, event_start_time, event_end_time, created_at,
                              updated_at)
VALUES ($1, $2, $3, $4, $5, NULLIF($6::int, 0), $7, messenger_ts($8), messenger_ts($9),
        messenger_ts($9), messenger_ts($9)))sql";

constexpr const char* load_inbox_sql = R"sql(
SELECT i.id, i.account_id, coalesce(i.enable_auto_assignment, true) AS auto_assign,
       (SELECT array_agg(m.user_id ORDER BY m.id)
          FROM inbox_members m JOIN users u ON u.id = m.user_id
         WHERE m.inbox_id = i.id) AS member_ids,
       (SELECT array_agg(u.name ORDER BY m.id)
          FROM inbox_members m JOIN users u ON u.id = m.user_id
         WHERE m.inbox_id = i.id) AS member_names,
       (SELECT array_agg(c.id ORDER BY c.created_at, c.id)
          FROM conversations c
         WHERE c.inbox_id = i.id AND c.status = 0 AND c.assignee_id IS NULL) AS waiting,
       s.ring, s.rate_users, s.rate_times
  FROM inboxes i LEFT JOIN inbox_assignment_states s ON s.inbox_id = i.id
 WHERE i.id = $1)sql";

constexpr const char* save_inbox_assignment_sql = R"sql(
INSERT INTO inbox_assignment_states (inbox_id, ring, rate_users, rate_times)
VALUES ($1, $2::bigint[], $3::bigint[], $4::bigint[])
ON CONFLICT (inbox_id) DO UPDATE
   SET ring = excluded.ring, rate_users = excluded.rate_users, rate_times = excluded.rate_times,
       updated_at = now() AT TIME ZONE 'utc')sql";

constexpr const char* load_operator_sql = R"sql(
SELECT u.id, u.name, au.account_id, au.availability, au.auto_offline,
       (SELECT array_agg(m.inbox_id)
          FROM inbox_members m JOIN inboxes i ON i.id = m.inbox_id
         WHERE m.user_id = u.id AND i.account_id = au.account_id) AS inboxes
  FROM users u LEFT JOIN account_users au ON au.user_id = u.id
 WHERE u.id = $1)sql";

constexpr const char* save_availability_sql = R"sql(
UPDATE account_users SET availability = $3, auto_offline = $4,
                         updated_at = now() AT TIME ZONE 'utc'
 WHERE user_id = $1 AND account_id = $2)sql";

conversation_row conversation_of(const row_view& r) {
  conversation_row c;
  conversations::read_conversation_columns(r, c);
  c.contact_inbox_id = r.int64("contact_inbox_id");
  c.assignee_agent_bot_id = r.int64("assignee_agent_bot_id");
  c.labels = r.text_list("labels");
  c.contact_blocked = r.boolean("contact_blocked");
  c.inbox_auto_assignment = r.boolean("inbox_auto_assignment");
  c.human_outgoing_public_count = r.int64("human_outgoing");
  c.last_message_at = r.int64("last_message_at");
  c.recent_incoming = r.int64_list("recent_incoming");
  c.last_minute = r.int64_list("last_minute");
  c.last_resolved_end = r.int64("last_resolved_end");
  c.last_non_human_activity = r.int64("last_non_human_activity");
  return c;
}

} // namespace

statement load_conversation(int64_t id) {
  return statement_of(load_conversation_sql, id);
}

std::optional<conversation_row> read_conversation(const result_set& rs) {
  return first_row(rs, conversation_of);
}

statement update_conversation(const conversation_row& c) {
  return statement_of(update_conversation_sql, c.id, c.status, c.priority, c.assignee_id,
                      c.assignee_agent_bot_id, c.team_id, c.last_activity_at, c.waiting_since,
                      c.first_reply_created_at, c.snoozed_until, c.agent_last_seen_at,
                      c.assignee_last_seen_at, c.contact_last_seen_at, label_list(c.labels),
                      c.custom_attributes);
}

std::vector<statement> sync_label_taggings(int64_t id, const std::vector<std::string>& labels) {
  auto list = label_list(labels);
  return {statement_of(delete_taggings_sql, id, list), statement_of(insert_tags_sql, list),
          statement_of(insert_taggings_sql, id, list)};
}

statement create_conversation(const conversation_row& c) {
  return statement_of(create_conversation_sql, c.account_id, c.inbox_id, c.contact_id,
                      c.contact_inbox_id, c.status, c.assignee_id, c.team_id, c.priority,
                      c.snoozed_until, c.custom_attributes, c.additional_attributes, c.created_at);
}

std::optional<created_conversation> read_created_conversation(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return created_conversation{r.int64("id"), r.int64("display_id"), r.text("uuid")};
  });
}

statement snoozed_conversations() {
  return statement_of(snoozed_sql);
}

std::vector<int64_t> read_ids(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) { return r.int64("id"); });
}

statement insert_message(const domain::message_row& m) {
  return statement_of(insert_message_sql, m.content, m.account_id, m.inbox_id, m.conversation_id,
                      m.message_type, m.created_at, m.is_private, m.status, m.source_id,
                      m.content_type, m.content_attributes, m.sender_type, m.sender_id,
                      m.additional_attributes, m.echo_id);
}

int64_t read_inserted_id(const result_set& rs) {
  return first_row(rs, [](const row_view& r) { return r.int64("id"); }).value_or(0);
}

statement soft_delete_message(int64_t conversation_id, int64_t message_id) {
  return statement_of(delete_message_sql, conversation_id, message_id);
}

statement insert_report(const report& r) {
  return statement_of(insert_report_sql, r.name, r.value, r.value_in_business_hours, r.account_id,
                      r.inbox_id, r.user_id, r.conversation_id, r.event_start_time,
                      r.event_end_time);
}

statement load_inbox(int64_t id) {
  return statement_of(load_inbox_sql, id);
}

std::optional<inbox_state> read_inbox(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    inbox_state inbox;
    inbox.id = r.int64("id");
    inbox.account_id = r.int64("account_id");
    inbox.enable_auto_assignment = r.boolean("auto_assign");
    auto ids = r.int64_list("member_ids");
    auto names = r.text_list("member_names");
    for (size_t i = 0; i < ids.size() && i < names.size(); ++i)
      inbox.members.push_back({ids[i], names[i]});
    inbox.waiting = r.int64_list("waiting");
    inbox.ring = r.int64_list("ring");
    inbox.rate_users = r.int64_list("rate_users");
    inbox.rate_times = r.int64_list("rate_times");
    return inbox;
  });
}

statement save_inbox_assignment(int64_t inbox_id, const std::vector<int64_t>& ring,
                                const std::vector<int64_t>& rate_users,
                                const std::vector<int64_t>& rate_times) {
  return statement_of(save_inbox_assignment_sql, inbox_id, ring, rate_users, rate_times);
}

statement load_operator(int64_t user_id) {
  return statement_of(load_operator_sql, user_id);
}

std::optional<operator_state> read_operator(const result_set& rs) {
  auto op = first_row(rs, [](const row_view& r) {
    return operator_state{r.int64("id"), r.text("name"), {}};
  });
  if (!op)
    return op;
  // One row per account membership (a single row with a null account_id when none).
  for (size_t i = 0; i < rs.rows.size(); ++i) {
    row_view r{rs, i};
    if (r.is_null("account_id"))
      continue;
    op->accounts.push_back({r.int64("account_id"), static_cast<uint8_t>(r.int64("availability")),
                            r.boolean("auto_offline"), r.int64_list("inboxes")});
  }
  return op;
}

statement save_availability(int64_t user_id, const operator_account& account) {
  return statement_of(save_availability_sql, user_id, account.account_id, account.availability,
                      account.auto_offline);
}

} // namespace messenger::persistence::queries::entity_store
