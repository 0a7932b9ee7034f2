#include "actors/pg_store.hpp"

#include "actors/errors.hpp"
#include "actors/row_codec.hpp"

#include <caf/all.hpp>

#include <charconv>

namespace messenger::actors {

namespace {

using persistence::make_statement;
using persistence::result_set;
using persistence::statement;
using persistence::write_command;
constexpr auto timeout = std::chrono::seconds{30};

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
       coalesce(c.cached_label_list, '') AS labels,
       coalesce((SELECT blocked FROM contacts WHERE id = c.contact_id), false) AS contact_blocked,
       coalesce((SELECT enable_auto_assignment FROM inboxes WHERE id = c.inbox_id), true)
         AS inbox_auto_assignment,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.message_type = 1
          AND m.sender_type NOT IN ('AgentBot', 'Captain::Assistant') AND NOT m.private
          AND m.additional_attributes -> 'campaign_id' IS NULL) AS human_outgoing,
       coalesce((SELECT messenger_us(max(created_at)) FROM messages m
                  WHERE m.conversation_id = c.id), 0) AS last_message_at,
       coalesce((SELECT string_agg(us::text, ',' ORDER BY us) FROM
                  (SELECT messenger_us(created_at) AS us FROM messages m
                    WHERE m.conversation_id = c.id AND m.message_type = 0
                    ORDER BY m.created_at DESC LIMIT 10) r), '') AS recent_incoming,
       coalesce((SELECT string_agg(messenger_us(created_at)::text, ',') FROM messages m
                  WHERE m.conversation_id = c.id
                    AND m.created_at >= (now() AT TIME ZONE 'utc') - interval '1 minute'), '')
         AS last_minute,
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

constexpr const char* insert_message_sql = R"sql(
INSERT INTO messages (content, account_id, inbox_id, conversation_id, message_type, created_at,
                      updated_at, private, status, source_id, content_type, content_attributes,
                      sender_type, sender_id, additional_attributes, processed_message_content,
                      echo_id)
VALUES ($1, $2, $3, $4, $5, messenger_ts($6), messenger_ts($6), $7, $8, NULLIF($9, ''), $10,
        $11::jsonb, NULLIF($12, ''), NULLIF($13::bigint, 0), $14::jsonb, $1, NULLIF($15, ''))
RETURNING id)sql";

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

constexpr const char* insert_report_sql = R"sql(
INSERT INTO reporting_events (name, value, value_in_business_hours, account_id, inbox_id, user_id,
                              conversation_id, event_start_time, event_end_time, created_at,
                              updated_at)
VALUES ($1, $2, $3, $4, $5, NULLIF($6::int, 0), $7, messenger_ts($8), messenger_ts($9),
        messenger_ts($9), messenger_ts($9)))sql";

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

constexpr const char* load_inbox_sql = R"sql(
SELECT i.id, i.account_id, coalesce(i.enable_auto_assignment, true) AS auto_assign,
       coalesce((SELECT string_agg(m.user_id::text || ':' || replace(u.name, ',', ' '), ','
                                   ORDER BY m.id)
                   FROM inbox_members m JOIN users u ON u.id = m.user_id
                  WHERE m.inbox_id = i.id), '') AS members,
       coalesce((SELECT string_agg(c.id::text, ',' ORDER BY c.created_at, c.id)
                   FROM conversations c
                  WHERE c.inbox_id = i.id AND c.status = 0 AND c.assignee_id IS NULL), '')
         AS waiting
  FROM inboxes i WHERE i.id = $1)sql";

constexpr const char* load_operator_sql = R"sql(
SELECT u.id, u.name, au.account_id, au.availability, au.auto_offline,
       coalesce((SELECT string_agg(m.inbox_id::text, ',')
                   FROM inbox_members m JOIN inboxes i ON i.id = m.inbox_id
                  WHERE m.user_id = u.id AND i.account_id = au.account_id), '') AS inboxes
  FROM users u LEFT JOIN account_users au ON au.user_id = u.id
 WHERE u.id = $1)sql";

constexpr const char* create_conversation_sql = R"sql(
INSERT INTO conversations (account_id, inbox_id, contact_id, contact_inbox_id, status, assignee_id,
                           team_id, priority, snoozed_until, custom_attributes,
                           additional_attributes, created_at, updated_at, last_activity_at,
                           waiting_since)
VALUES ($1, $2, NULLIF($3::bigint, 0), NULLIF($4::bigint, 0), $5, NULLIF($6::int, 0),
        NULLIF($7::bigint, 0), NULLIF($8::int, -1), messenger_ts($9), $10::jsonb, $11::jsonb,
        messenger_ts($12), messenger_ts($12), messenger_ts($12), messenger_ts($12))
RETURNING id, display_id, uuid::text AS uuid)sql";

// Chatwoot's message soft delete; the conversation's times are not touched.
constexpr const char* delete_message_sql
  = "UPDATE messages m SET content = 'This message was deleted', content_attributes = "
    "coalesce(m.content_attributes, '{}') || '{\"deleted\": true}', updated_at = now() AT TIME "
    "ZONE 'utc' WHERE m.conversation_id = $1 AND m.id = $2 RETURNING " MESSENGER_MESSAGE_COLUMNS;

constexpr const char* save_availability_sql = R"sql(
UPDATE account_users SET availability = $3, auto_offline = $4,
                         updated_at = now() AT TIME ZONE 'utc'
 WHERE user_id = $1 AND account_id = $2)sql";

constexpr const char* snoozed_sql = R"sql(
SELECT id FROM conversations WHERE status = 3 AND snoozed_until IS NOT NULL ORDER BY snoozed_until)sql";

int64_t to_int(const persistence::sql_value& v) {
  int64_t out = 0;
  if (!v.is_null)
    std::from_chars(v.text.data(), v.text.data() + v.text.size(), out);
  return out;
}

std::vector<std::string> split(const std::string& text, const std::string& sep) {
  std::vector<std::string> out;
  if (text.empty())
    return out;
  size_t start = 0;
  for (;;) {
    auto pos = text.find(sep, start);
    out.push_back(text.substr(start, pos - start));
    if (pos == std::string::npos)
      break;
    start = pos + sep.size();
  }
  return out;
}

std::vector<int64_t> int_list(const persistence::sql_value& v) {
  std::vector<int64_t> out;
  for (const auto& part : split(v.text, ",")) {
    int64_t x = 0;
    std::from_chars(part.data(), part.data() + part.size(), x);
    out.push_back(x);
  }
  return out;
}

std::string join_labels(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& label : labels) {
    if (!out.empty())
      out += ", ";
    out += label;
  }
  return out;
}

std::string str(int64_t x) {
  return std::to_string(x);
}

conversation_row conversation_from(const result_set& rs) {
  conversation_row r;
  auto f = [&](const char* name) { return rs.field(0, name); };
  r.id = to_int(f("id"));
  r.display_id = to_int(f("display_id"));
  r.account_id = to_int(f("account_id"));
  r.inbox_id = to_int(f("inbox_id"));
  r.contact_id = to_int(f("contact_id"));
  r.contact_inbox_id = to_int(f("contact_inbox_id"));
  r.status = static_cast<uint8_t>(to_int(f("status")));
  r.priority = static_cast<int32_t>(to_int(f("priority")));
  r.assignee_id = to_int(f("assignee_id"));
  r.assignee_agent_bot_id = to_int(f("assignee_agent_bot_id"));
  r.team_id = to_int(f("team_id"));
  r.created_at = to_int(f("created_at"));
  r.last_activity_at = to_int(f("last_activity_at"));
  r.waiting_since = to_int(f("waiting_since"));
  r.first_reply_created_at = to_int(f("first_reply_created_at"));
  r.snoozed_until = to_int(f("snoozed_until"));
  r.agent_last_seen_at = to_int(f("agent_last_seen_at"));
  r.assignee_last_seen_at = to_int(f("assignee_last_seen_at"));
  r.contact_last_seen_at = to_int(f("contact_last_seen_at"));
  r.uuid = f("uuid").text;
  r.custom_attributes = f("custom_attributes").text;
  r.additional_attributes = f("additional_attributes").text;
  r.labels = split(f("labels").text, ", ");
  r.contact_blocked = f("contact_blocked").text == "t";
  r.inbox_auto_assignment = f("inbox_auto_assignment").text == "t";
  r.human_outgoing_public_count = to_int(f("human_outgoing"));
  r.last_message_at = to_int(f("last_message_at"));
  r.recent_incoming = int_list(f("recent_incoming"));
  r.last_minute = int_list(f("last_minute"));
  r.last_resolved_end = to_int(f("last_resolved_end"));
  r.last_non_human_activity = to_int(f("last_non_human_activity"));
  return r;
}

write_command command_of(const conversation_write& w) {
  write_command cmd;
  const auto& c = w.conversation;
  if (w.has_message) {
    const auto& m = w.message;
    cmd.statements.push_back(make_statement(
      insert_message_sql, {m.content, str(m.account_id), str(m.inbox_id), str(m.conversation_id),
                           str(m.message_type), str(m.created_at), m.is_private ? "true" : "false",
                           str(m.status), m.source_id, str(m.content_type), m.content_attributes,
                           m.sender_type, str(m.sender_id), m.additional_attributes, m.echo_id}));
  }
  if (w.delete_message_id != 0)
    cmd.statements.push_back(
      make_statement(delete_message_sql, {str(c.id), str(w.delete_message_id)}));
  cmd.statements.push_back(make_statement(
    update_conversation_sql,
    {str(c.id), str(c.status), str(c.priority), str(c.assignee_id), str(c.assignee_agent_bot_id),
     str(c.team_id), str(c.last_activity_at), str(c.waiting_since), str(c.first_reply_created_at),
     str(c.snoozed_until), str(c.agent_last_seen_at), str(c.assignee_last_seen_at),
     str(c.contact_last_seen_at), join_labels(c.labels), c.custom_attributes}));
  if (w.labels_changed) {
    auto labels = join_labels(c.labels);
    cmd.statements.push_back(make_statement(delete_taggings_sql, {str(c.id), labels}));
    cmd.statements.push_back(make_statement(insert_tags_sql, {labels}));
    cmd.statements.push_back(make_statement(insert_taggings_sql, {str(c.id), labels}));
  }
  for (const auto& r : w.reports) {
    char value[64];
    char business[64];
    std::snprintf(value, sizeof(value), "%.6f", r.value);
    std::snprintf(business, sizeof(business), "%.6f", r.value_in_business_hours);
    cmd.statements.push_back(
      make_statement(insert_report_sql,
                     {r.name, value, business, str(r.account_id), str(r.inbox_id), str(r.user_id),
                      str(r.conversation_id), str(r.event_start_time), str(r.event_end_time)}));
  }
  return cmd;
}

struct store_state {
  store_state() = default; // not an aggregate: CAF must not build it from self
  writer_actor writer;
  reader_actor reader;
  static inline const char* name = "pg_store";
};

using pointer = store_actor::stateful_pointer<store_state>;

/// Runs a read query and maps the result, or fails with not_found when it has no row.
template <class T, class Map>
caf::result<T> read_one(pointer self, statement stmt, Map map) {
  auto promise = self->make_response_promise<T>();
  self->request(self->state.reader, timeout, query_atom_v, std::move(stmt))
    .then(
      [=](result_set& rs) mutable {
        if (rs.rows.empty())
          promise.deliver(to_caf_error({errc::not_found, "Resource could not be found"}));
        else
          promise.deliver(map(rs));
      },
      [=](caf::error& err) mutable { promise.deliver(err); });
  return promise;
}

store_actor::behavior_type pg_store(pointer self, writer_actor writer, reader_actor reader) {
  self->state.writer = std::move(writer);
  self->state.reader = std::move(reader);
  return {
    [=](load_atom, conversation_atom, int64_t id) -> caf::result<conversation_row> {
      return read_one<conversation_row>(self, make_statement(load_conversation_sql, {str(id)}),
                                        conversation_from);
    },
    [=](load_atom, inbox_atom, int64_t id) -> caf::result<inbox_row> {
      return read_one<inbox_row>(
        self, make_statement(load_inbox_sql, {str(id)}), [](const result_set& rs) {
          inbox_row row;
          row.id = to_int(rs.field(0, "id"));
          row.account_id = to_int(rs.field(0, "account_id"));
          row.enable_auto_assignment = rs.field(0, "auto_assign").text == "t";
          for (const auto& m : split(rs.field(0, "members").text, ",")) {
            auto colon = m.find(':');
            inbox_member member;
            std::from_chars(m.data(), m.data() + colon, member.user_id);
            member.name = m.substr(colon + 1);
            row.members.push_back(member);
          }
          row.waiting = int_list(rs.field(0, "waiting"));
          return row;
        });
    },
    [=](load_atom, operator_atom, int64_t id) -> caf::result<operator_row> {
      return read_one<operator_row>(
        self, make_statement(load_operator_sql, {str(id)}), [](const result_set& rs) {
          operator_row row;
          row.user_id = to_int(rs.field(0, "id"));
          row.name = rs.field(0, "name").text;
          for (size_t i = 0; i < rs.rows.size(); ++i) {
            if (rs.field(i, "account_id").is_null)
              continue;
            operator_account acc;
            acc.account_id = to_int(rs.field(i, "account_id"));
            acc.availability = static_cast<uint8_t>(to_int(rs.field(i, "availability")));
            acc.auto_offline = rs.field(i, "auto_offline").text == "t";
            acc.inboxes = int_list(rs.field(i, "inboxes"));
            row.accounts.push_back(acc);
          }
          return row;
        });
    },
    [=](save_atom, conversation_write& w) -> caf::result<message_row> {
      auto promise = self->make_response_promise<message_row>();
      bool has_message = w.has_message;
      bool deletes = w.delete_message_id != 0;
      auto message = w.message;
      self->request(self->state.writer, timeout, write_atom_v, command_of(w))
        .then(
          [=](persistence::write_result& res) mutable {
            auto stored = message;
            if (has_message)
              stored.id = to_int(res.results.at(0).field(0, "id"));
            if (deletes) {
              const auto& rs = res.results.at(has_message ? 1 : 0);
              if (rs.rows.empty()) {
                promise.deliver(to_caf_error({errc::not_found, "Resource could not be found"}));
                return;
              }
              stored = message_from_row(rs, 0);
            }
            promise.deliver(stored);
          },
          [=](caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
    [=](report_atom, reporting_row& r) -> caf::result<bool> {
      conversation_write w;
      auto cmd = command_of(w);
      cmd.statements.clear();
      w.reports.push_back(r);
      auto reports = command_of(w);
      cmd.statements.push_back(reports.statements.back());
      auto promise = self->make_response_promise<bool>();
      self->request(self->state.writer, timeout, write_atom_v, std::move(cmd))
        .then([=](persistence::write_result&) mutable { promise.deliver(true); },
              [=](caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
    [=](create_atom, conversation_row& c) -> caf::result<conversation_row> {
      auto promise = self->make_response_promise<conversation_row>();
      auto cmd = write_command{{make_statement(
        create_conversation_sql,
        {str(c.account_id), str(c.inbox_id), str(c.contact_id), str(c.contact_inbox_id),
         str(c.status), str(c.assignee_id), str(c.team_id), str(c.priority), str(c.snoozed_until),
         c.custom_attributes, c.additional_attributes, str(c.created_at)})}};
      self->request(self->state.writer, timeout, write_atom_v, std::move(cmd))
        .then(
          [=](persistence::write_result& res) mutable {
            auto row = c;
            const auto& rs = res.results.at(0);
            row.id = to_int(rs.field(0, "id"));
            row.display_id = to_int(rs.field(0, "display_id"));
            row.uuid = rs.field(0, "uuid").text;
            row.last_activity_at = row.created_at;
            row.waiting_since = row.created_at;
            row.last_non_human_activity = row.created_at;
            promise.deliver(row);
          },
          [=](caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
    [=](save_atom, int64_t user_id, operator_account& acc) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      auto cmd = write_command{{make_statement(
        save_availability_sql, {str(user_id), str(acc.account_id), str(acc.availability),
                                acc.auto_offline ? "true" : "false"})}};
      self->request(self->state.writer, timeout, write_atom_v, std::move(cmd))
        .then([=](persistence::write_result&) mutable { promise.deliver(true); },
              [=](caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
    [=](snoozed_atom) -> caf::result<std::vector<int64_t>> {
      auto promise = self->make_response_promise<std::vector<int64_t>>();
      self->request(self->state.reader, timeout, query_atom_v, make_statement(snoozed_sql))
        .then(
          [=](result_set& rs) mutable {
            std::vector<int64_t> ids;
            for (size_t i = 0; i < rs.rows.size(); ++i)
              ids.push_back(to_int(rs.field(i, "id")));
            promise.deliver(ids);
          },
          [=](caf::error& err) mutable { promise.deliver(err); });
      return promise;
    },
  };
}

} // namespace

store_actor spawn_pg_store(caf::actor_system& sys, writer_actor writer, reader_actor reader) {
  return sys.spawn(pg_store, std::move(writer), std::move(reader));
}

} // namespace messenger::actors
