#include "persistence/queries/conversations.hpp"

#include "persistence/queries/messages.hpp"

namespace messenger::persistence::queries::conversations {

namespace {

constexpr int64_t page_size = 25;

/// The WHERE clause shared by the list and the counts ($1 account, $2 user, $3 admin, $4
/// status or NULL for all, $5 inbox or NULL, $6 labels (any of them) or NULL, $7 q or NULL,
/// $8 team, $9 conversation_type, $10 source_id, $11 updated_within).
constexpr const char* filter_sql
  = " FROM conversations c WHERE c.account_id = $1"
    " AND ($3 OR c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $2))"
    " AND ($7::text IS NOT NULL OR $4::int IS NULL OR c.status = $4)"
    " AND ($5::int IS NULL OR c.inbox_id = $5)"
    " AND ($6::text[] IS NULL OR string_to_array(c.cached_label_list, ', ') && $6::text[])"
    " AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id"
    " AND m.message_type IN (0, 1) AND m.content ILIKE $7))"
    " AND ($8::int IS NULL OR c.team_id = $8)"
    " AND ($9::text IS NULL OR ($9 = 'unattended' AND (c.first_reply_created_at IS NULL OR"
    " c.waiting_since IS NOT NULL)))"
    " AND ($10::text IS NULL OR c.contact_inbox_id IN (SELECT ci.id FROM contact_inboxes ci"
    " WHERE ci.source_id = $10))"
    " AND ($11::bigint IS NULL OR c.updated_at > (now() AT TIME ZONE 'utc') - $11 * interval"
    " '1 second')";

std::optional<std::string> type_name(conversation_type type) {
  switch (type) {
    case conversation_type::any:
      return std::nullopt;
    case conversation_type::unattended:
      return "unattended";
    case conversation_type::mention:
      return "mention";
    case conversation_type::participating:
      return "participating";
  }
  return std::nullopt;
}

/// mention / participating: nothing matches.
bool matches_nothing(conversation_type type) {
  return type == conversation_type::mention || type == conversation_type::participating;
}

statement filtered(std::string sql, const list_filter& f) {
  std::optional<std::vector<std::string>> labels;
  if (!f.labels.empty())
    labels = f.labels;
  std::optional<std::string> pattern;
  if (f.q)
    pattern = messages::like_pattern(*f.q);
  return planned_each_time(statement_of(std::move(sql), f.account_id, f.user_id, f.administrator,
                                        f.status, f.inbox_id, labels, pattern, f.team_id,
                                        type_name(f.type), f.source_id, f.updated_within));
}

const char* order_by(sort_order order) {
  switch (order) {
    case sort_order::last_activity_desc:
      return "c.last_activity_at DESC"; // index order: the page stops after 25 rows
    case sort_order::last_activity_asc:
      return "c.last_activity_at ASC, c.id ASC";
    case sort_order::created_desc:
      return "c.created_at DESC, c.id DESC";
    case sort_order::created_asc:
      return "c.created_at ASC, c.id ASC";
    case sort_order::priority_desc:
      return "c.priority DESC NULLS LAST, c.last_activity_at DESC, c.id DESC";
    case sort_order::priority_asc:
      return "c.priority ASC NULLS FIRST, c.last_activity_at DESC, c.id DESC";
    case sort_order::priority_desc_created_asc:
      return "c.priority DESC NULLS LAST, c.created_at ASC, c.id ASC";
    case sort_order::waiting_since_asc:
      return "c.waiting_since ASC NULLS LAST, c.id ASC";
    case sort_order::waiting_since_desc:
      return "c.waiting_since DESC NULLS LAST, c.id DESC";
    case sort_order::unread:
      return "(c.agent_last_seen_at IS NULL OR c.agent_last_seen_at < c.last_activity_at) "
             "DESC, c.last_activity_at DESC, c.id DESC";
  }
  return "c.last_activity_at DESC";
}

} // namespace

#define CONVERSATION_META_COLUMNS                                                                  \
  "(SELECT messenger_contact_json(ct, false) FROM contacts ct WHERE ct.id = "                      \
  "c.contact_id)::text AS sender_json, (SELECT messenger_agent_json(u, au) FROM users u JOIN "     \
  "account_users au ON au.user_id = u.id AND au.account_id = c.account_id WHERE u.id = "           \
  "c.assignee_id)::text AS assignee_json"

// unread_count (BEHAVIOUR.md §8): incoming messages after agent_last_seen_at, at most 10; at
// most 10 entries of index_messages_on_conversation_account_type_created per conversation.
#define UNREAD_COUNT_COLUMN                                                                        \
  "(SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND "            \
  "m.account_id = c.account_id AND m.message_type = 0 AND m.created_at > "                         \
  "coalesce(c.agent_last_seen_at, '-infinity') LIMIT 10) u) AS unread_count"

const char* const meta_columns = CONVERSATION_META_COLUMNS;

const char* const list_columns
  = "c.id, c.display_id, c.account_id, c.inbox_id, coalesce(c.contact_id, 0) AS contact_id, "
    "c.status, coalesce(c.priority, -1) AS priority, coalesce(c.assignee_id, 0) AS assignee_id, "
    "coalesce(c.team_id, 0) AS team_id, messenger_us(c.created_at) AS created_at, "
    "messenger_us(c.last_activity_at) AS last_activity_at, "
    "coalesce(messenger_us(c.waiting_since), 0) AS waiting_since, "
    "coalesce(messenger_us(c.first_reply_created_at), 0) AS first_reply_created_at, "
    "coalesce(messenger_us(c.snoozed_until), 0) AS snoozed_until, "
    "coalesce(messenger_us(c.agent_last_seen_at), 0) AS agent_last_seen_at, "
    "coalesce(messenger_us(c.assignee_last_seen_at), 0) AS assignee_last_seen_at, "
    "coalesce(messenger_us(c.contact_last_seen_at), 0) AS contact_last_seen_at, "
    "c.uuid::text AS uuid, coalesce(c.custom_attributes, '{}')::text AS custom_attributes, "
    "coalesce(c.additional_attributes, '{}')::text AS additional_attributes, "
    "coalesce(c.cached_label_list, '') AS labels, " UNREAD_COUNT_COLUMN
    ", " CONVERSATION_META_COLUMNS;

#undef UNREAD_COUNT_COLUMN
#undef CONVERSATION_META_COLUMNS

void read_conversation_columns(const row_view& r, domain::conversation_row& c) {
  c.id = r.int64("id");
  c.display_id = r.int64("display_id");
  c.account_id = r.int64("account_id");
  c.inbox_id = r.int64("inbox_id");
  c.contact_id = r.int64("contact_id");
  c.status = static_cast<uint8_t>(r.int64("status"));
  c.priority = static_cast<int32_t>(r.int64("priority"));
  c.assignee_id = r.int64("assignee_id");
  c.team_id = r.int64("team_id");
  c.created_at = r.int64("created_at");
  c.last_activity_at = r.int64("last_activity_at");
  c.waiting_since = r.int64("waiting_since");
  c.first_reply_created_at = r.int64("first_reply_created_at");
  c.snoozed_until = r.int64("snoozed_until");
  c.agent_last_seen_at = r.int64("agent_last_seen_at");
  c.assignee_last_seen_at = r.int64("assignee_last_seen_at");
  c.contact_last_seen_at = r.int64("contact_last_seen_at");
  c.uuid = r.text("uuid");
  c.custom_attributes = r.text("custom_attributes");
  c.additional_attributes = r.text("additional_attributes");
}

list_row read_list_row(const row_view& r) {
  list_row c;
  read_conversation_columns(r, c);
  c.labels = split_label_list(r.text("labels"));
  c.unread_count = r.int64("unread_count");
  c.sender_json = r.text("sender_json");
  c.assignee_json = r.text("assignee_json");
  return c;
}

std::vector<list_row> read_list(const result_set& rs) {
  return map_rows(rs, read_list_row);
}

statement access(const access_request& request) {
  return statement_of(
    "SELECT c.id, c.display_id, c.inbox_id, coalesce(c.contact_id, 0) AS contact_id, "
    "($3 OR EXISTS (SELECT 1 FROM inbox_members m WHERE m.inbox_id = c.inbox_id AND m.user_id "
    "= $4) OR EXISTS (SELECT 1 FROM team_members t WHERE t.team_id = c.team_id AND t.user_id = "
    "$4)) AS allowed FROM conversations c WHERE c.account_id = $1 AND c.display_id = $2",
    request.account_id, request.display_id, request.administrator, request.user_id);
}

std::optional<access_row> read_access(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return access_row{r.int64("id"), r.int64("inbox_id"), r.int64("contact_id"),
                      r.boolean("allowed")};
  });
}

statement meta(int64_t contact_id, int64_t assignee_id, int64_t account_id) {
  std::string sql = "SELECT ";
  sql += meta_columns;
  sql += " FROM (SELECT $1::int AS contact_id, $2::int AS assignee_id, $3::int AS account_id) c";
  return statement_of(std::move(sql), contact_id, assignee_id, account_id);
}

std::optional<meta_row> read_meta(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return meta_row{r.text("sender_json"), r.text("assignee_json")};
  });
}

std::optional<sort_order> sort_order_of(const std::string& sort_by) {
  static const std::vector<std::pair<std::string, sort_order>> orders{
    {"last_activity_at_desc", sort_order::last_activity_desc},
    {"latest", sort_order::last_activity_desc},
    {"last_activity_at_asc", sort_order::last_activity_asc},
    {"created_at_desc", sort_order::created_desc},
    {"created_at_asc", sort_order::created_asc},
    {"sort_on_created_at", sort_order::created_asc},
    {"priority_desc", sort_order::priority_desc},
    {"sort_on_priority", sort_order::priority_desc},
    {"priority_asc", sort_order::priority_asc},
    {"priority_desc_created_at_asc", sort_order::priority_desc_created_asc},
    {"waiting_since_asc", sort_order::waiting_since_asc},
    {"sort_on_waiting_since", sort_order::waiting_since_asc},
    {"waiting_since_desc", sort_order::waiting_since_desc},
    {"unread", sort_order::unread}};
  for (const auto& [name, order] : orders)
    if (name == sort_by)
      return order;
  return std::nullopt;
}

statement counts(const list_filter& filter) {
  std::string sql = "SELECT count(*) FILTER (WHERE c.assignee_id = $2) AS mine, "
                    "count(*) FILTER (WHERE c.assignee_id IS NULL) AS unassigned, "
                    "count(*) AS total";
  sql += filter_sql;
  if (matches_nothing(filter.type))
    sql += " AND false";
  return filtered(std::move(sql), filter);
}

counts_row read_counts(const result_set& rs) {
  return first_row(rs,
                   [](const row_view& r) {
                     return counts_row{r.int64("mine"), r.int64("unassigned"), r.int64("total")};
                   })
    .value_or(counts_row{});
}

statement page(const list_filter& filter) {
  std::string sql = "SELECT ";
  sql += list_columns;
  sql += filter_sql;
  if (filter.assignee == assignee_filter::me)
    sql += " AND c.assignee_id = $2";
  else if (filter.assignee == assignee_filter::unassigned)
    sql += " AND c.assignee_id IS NULL";
  else if (filter.assignee == assignee_filter::assigned)
    sql += " AND c.assignee_id IS NOT NULL";
  if (matches_nothing(filter.type))
    sql += " AND false";
  sql += " ORDER BY ";
  sql += order_by(filter.order);
  if (!filter.updated_within) {
    sql += " LIMIT ";
    sql += std::to_string(page_size);
    sql += " OFFSET ";
    sql += std::to_string((filter.page - 1) * page_size);
  }
  return filtered(std::move(sql), filter);
}

statement find_or_create_contact_inbox(const contact_inbox_request& request) {
  return statement_of(
    "WITH found AS (SELECT ci.id, ci.inbox_id, ci.contact_id FROM contact_inboxes ci JOIN "
    "inboxes i ON i.id = ci.inbox_id WHERE i.account_id = $1 AND ((NULLIF($4, '') IS NOT "
    "NULL AND ci.source_id = $4) OR (NULLIF($4, '') IS NULL AND ci.inbox_id = $2 AND "
    "ci.contact_id = $3)) ORDER BY ci.id LIMIT 1), made AS (INSERT INTO contact_inboxes "
    "(contact_id, inbox_id, source_id, pubsub_token, created_at, updated_at) SELECT $3, $2, "
    "coalesce(NULLIF($4, ''), gen_random_uuid()::text), encode(gen_random_bytes(18), "
    "'base64'), now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' WHERE NOT EXISTS "
    "(SELECT 1 FROM found) AND EXISTS (SELECT 1 FROM inboxes WHERE id = $2 AND account_id = "
    "$1) AND EXISTS (SELECT 1 FROM contacts WHERE id = $3 AND account_id = $1) RETURNING "
    "id, inbox_id, contact_id) SELECT x.id, x.inbox_id, x.contact_id, ($5 OR EXISTS (SELECT "
    "1 FROM inbox_members m WHERE m.inbox_id = x.inbox_id AND m.user_id = $6)) AS allowed "
    "FROM (SELECT * FROM found UNION ALL SELECT * FROM made) x",
    request.account_id, request.inbox_id, request.contact_id, request.source_id,
    request.administrator, request.user_id);
}

std::optional<contact_inbox_row> read_contact_inbox(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return contact_inbox_row{r.int64("id"), r.int64("inbox_id"), r.int64("contact_id"),
                             r.boolean("allowed")};
  });
}

statement assignable_team(int64_t account_id, int64_t team_id) {
  return statement_of("SELECT t.id, t.name, jsonb_build_object('id', t.id, 'name', t.name, "
                      "'description', t.description, 'allow_auto_assign', "
                      "t.allow_auto_assign, 'account_id', t.account_id, 'created_at', "
                      "messenger_iso(t.created_at), 'updated_at', messenger_iso(t.updated_at), "
                      "'icon', t.icon, "
                      "'icon_color', t.icon_color)::text AS j FROM teams t WHERE "
                      "t.account_id = $1 AND t.id = $2",
                      account_id, team_id);
}

std::optional<team_row> read_team(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return team_row{r.int64("id"), r.text("name"), json_doc{r.text("j")}};
  });
}

statement assignable_agent(int64_t account_id, int64_t user_id) {
  return statement_of("SELECT u.id, u.name, u.email FROM users u JOIN account_users au ON "
                      "au.user_id = u.id WHERE au.account_id = $1 AND u.id = $2",
                      account_id, user_id);
}

std::optional<agent_row> read_agent(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return agent_row{r.int64("id"), r.text("name"), r.text("email")};
  });
}

} // namespace messenger::persistence::queries::conversations
