#include "persistence/queries/public_api.hpp"

#include "persistence/queries/conversations.hpp"
#include "persistence/queries/message_rows.hpp"

namespace messenger::persistence::queries::public_api {

namespace {

/// The public contact columns read by read_public_contact (contact inbox `ci`, contact `c`).
#define PUBLIC_CONTACT_SELECT                                                                      \
  "SELECT ci.source_id, ci.pubsub_token, c.id, coalesce(c.name, '') AS name, c.email, "            \
  "c.phone_number, messenger_contact_json(c, false)::text AS contact"

} // namespace

statement inbox(const std::string& identifier) {
  return statement_of("SELECT i.id, i.account_id, i.name, coalesce(i.timezone, 'UTC') AS timezone, "
                      "coalesce(ch.hmac_token, '') AS hmac_token, coalesce(ch.hmac_mandatory, "
                      "false) AS hmac_mandatory, coalesce(i.greeting_enabled, false) AS greeting, "
                      "coalesce(i.working_hours_enabled, false) AS working_hours, "
                      "coalesce(i.csat_survey_enabled, false) AS csat FROM channel_api ch JOIN "
                      "inboxes i ON i.channel_id = ch.id AND i.channel_type = 'Channel::Api' JOIN "
                      "accounts a ON a.id = i.account_id WHERE ch.identifier = $1 AND "
                      "coalesce(a.status, 0) = 0",
                      identifier);
}

std::optional<inbox_row> read_inbox(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    inbox_row in;
    in.id = r.int64("id");
    in.account_id = r.int64("account_id");
    in.name = r.text("name");
    in.timezone = r.text("timezone");
    in.hmac_token = r.text("hmac_token");
    in.hmac_mandatory = r.boolean("hmac_mandatory");
    in.greeting_enabled = r.boolean("greeting");
    in.working_hours_enabled = r.boolean("working_hours");
    in.csat_survey_enabled = r.boolean("csat");
    return in;
  });
}

statement contact_inbox(int64_t inbox_id, const std::string& source_id) {
  return statement_of("SELECT ci.id, ci.contact_id, ci.source_id, coalesce(ci.pubsub_token, '') AS "
                      "pubsub_token, coalesce(ci.hmac_verified, false) AS hmac_verified, "
                      "coalesce(c.name, '') AS name FROM contact_inboxes ci JOIN contacts c ON "
                      "c.id = ci.contact_id WHERE ci.inbox_id = $1 AND ci.source_id = $2",
                      inbox_id, source_id);
}

std::optional<contact_inbox_row> read_contact_inbox(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    contact_inbox_row ci;
    ci.id = r.int64("id");
    ci.contact_id = r.int64("contact_id");
    ci.source_id = r.text("source_id");
    ci.pubsub_token = r.text("pubsub_token");
    ci.hmac_verified = r.boolean("hmac_verified");
    ci.name = r.text("name");
    return ci;
  });
}

statement conversation(const conversation_request& req) {
  std::string sql = "SELECT ";
  sql += conversations::list_columns;
  sql += " FROM conversations c WHERE c.account_id = $1 AND c.display_id = $2 AND "
         "(c.contact_inbox_id = $3 OR ($4 AND c.contact_id = $5))";
  return statement_of(std::move(sql), req.account_id, req.display_id, req.contact_inbox_id,
                      req.hmac_verified, req.contact_id);
}

statement conversation_messages(int64_t conversation_id, int64_t contact_id) {
  std::string sql = "SELECT ";
  sql += queries::message_rows::columns;
  sql += ", (SELECT messenger_contact_record_json(ct) FROM contacts ct WHERE ct.id = $2)::text AS "
         "contact FROM (SELECT 1) one LEFT JOIN messages m ON m.conversation_id = $1 "
         "AND NOT m.private AND m.message_type <> 2 ORDER BY m.id";
  return statement_of(std::move(sql), conversation_id, contact_id);
}

std::vector<size_t> message_rows(const result_set& rs) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < rs.rows.size(); ++i)
    if (!row_view{rs, i}.is_null("id"))
      rows.push_back(i);
  return rows;
}

std::optional<json_doc> read_conversation_contact(const result_set& rs) {
  auto contact = first_row(rs, [](const row_view& r) { return r.opt_text("contact"); });
  if (!contact || !*contact)
    return std::nullopt;
  return json_doc{**contact};
}

statement messages(int64_t conversation_id, std::optional<int64_t> before) {
  std::string sql = "SELECT * FROM (SELECT ";
  sql += queries::message_rows::columns;
  sql += " FROM messages m WHERE m.conversation_id = $1 AND NOT m.private "
         "AND m.message_type <> 2 AND ($2::bigint IS NULL OR m.id < $2) "
         "ORDER BY m.id DESC LIMIT 20) x ORDER BY id";
  return statement_of(std::move(sql), conversation_id, before);
}

std::optional<public_contact_row> read_public_contact(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    public_contact_row c;
    c.source_id = r.text("source_id");
    c.pubsub_token = r.text("pubsub_token");
    c.id = r.int64("id");
    c.name = r.text("name");
    c.email = r.opt_text("email");
    c.phone_number = r.opt_text("phone_number");
    c.contact = json_doc{r.text("contact")};
    c.created = r.boolean("created");
    return c;
  });
}

statement create_contact(const create_contact_request& req) {
  const auto& f = req.fields;
  return statement_of(
    "WITH existing AS (SELECT ci.* FROM contact_inboxes ci WHERE ci.inbox_id = $2 AND "
    "ci.source_id = $3::text), known AS (SELECT c.id FROM contacts c WHERE c.account_id = $1 "
    "AND NOT EXISTS (SELECT 1 FROM existing) AND ((($4::text IS NOT NULL AND c.identifier "
    "= $4::text)) OR ($5::text IS NOT NULL AND lower(c.email) = lower($5::text)) OR "
    "($6::text IS NOT "
    "NULL AND c.phone_number = $6::text)) ORDER BY (c.identifier = $4::text) DESC NULLS "
    "LAST, "
    "(lower(c.email) = lower($5::text)) DESC NULLS LAST, c.id LIMIT 1), made AS (INSERT INTO "
    "contacts (name, email, phone_number, identifier, custom_attributes, account_id, "
    "created_at, updated_at) SELECT coalesce($7::text, 'visitor-' || "
    "substr(md5(random()::text), "
    "1, 8)), lower($5::text), $6::text, $4::text, coalesce($8::jsonb, '{}'), $1, now() AT "
    "TIME ZONE 'utc', "
    "now() AT TIME ZONE 'utc' WHERE NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS "
    "(SELECT 1 FROM known) RETURNING *), who AS (SELECT id FROM known UNION ALL SELECT id "
    "FROM made), ci AS (INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, "
    "pubsub_token, hmac_verified, created_at, updated_at) SELECT who.id, $2, "
    "coalesce($3::text, gen_random_uuid()::text), encode(gen_random_bytes(18), 'base64'), "
    "$9::boolean, now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM who RETURNING "
    "*), pick AS (SELECT source_id, pubsub_token, contact_id FROM existing UNION ALL SELECT "
    "source_id, pubsub_token, contact_id FROM ci), people AS (SELECT c.* FROM contacts c "
    "WHERE c.id IN (SELECT contact_id FROM existing UNION ALL SELECT id FROM known) UNION "
    "ALL SELECT * FROM made) " PUBLIC_CONTACT_SELECT ", EXISTS (SELECT 1 FROM made) AS "
    "created FROM pick ci JOIN people c ON c.id = ci.contact_id",
    req.account_id, req.inbox_id, req.source_id, f.identifier, f.email, f.phone, f.name, f.custom,
    req.hmac_verified);
}

statement contact(int64_t contact_inbox_id) {
  return statement_of(PUBLIC_CONTACT_SELECT " FROM contact_inboxes ci JOIN contacts c ON "
                                            "c.id = ci.contact_id WHERE ci.id = $1",
                      contact_inbox_id);
}

statement update_contact(int64_t contact_inbox_id, int64_t contact_id,
                         const contacts::fields& fields, bool hmac_verified) {
  return statement_of(
    "WITH c AS (UPDATE contacts SET name = coalesce($2, name), email = "
    "coalesce(lower($3), email), phone_number = coalesce($4, phone_number), "
    "custom_attributes = coalesce(custom_attributes, '{}') || coalesce($5::jsonb, "
    "'{}'), updated_at = now() AT TIME ZONE 'utc' WHERE id = $6 RETURNING *), ci AS "
    "(UPDATE contact_inboxes SET hmac_verified = hmac_verified OR $7 WHERE id = $1 "
    "RETURNING *) " PUBLIC_CONTACT_SELECT " FROM ci JOIN c ON c.id = ci.contact_id",
    contact_inbox_id, fields.name, fields.email, fields.phone, fields.custom, contact_id,
    hmac_verified);
}

statement conversations(int64_t contact_inbox_id) {
  return statement_of(
    "SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.display_id, 'uuid', "
    "c.uuid, 'inbox_id', c.inbox_id, 'contact_last_seen_at', "
    "coalesce(messenger_epoch(c.contact_last_seen_at), 0), 'status', CASE c.status "
    "WHEN 0 THEN 'open' WHEN 1 THEN 'resolved' WHEN 2 THEN 'pending' ELSE 'snoozed' "
    "END, 'agent_last_seen_at', coalesce(messenger_epoch(c.agent_last_seen_at), 0), "
    "'contact', (SELECT messenger_contact_record_json(ct) FROM contacts ct WHERE ct.id = "
    "c.contact_id), 'messages', coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.id, "
    "'content', m.content, 'message_type', m.message_type, 'content_type', "
    "m.content_type, 'content_attributes', coalesce(m.content_attributes, '{}'), "
    "'created_at', messenger_epoch(m.created_at), 'conversation_id', c.display_id) "
    "ORDER BY m.id) FROM messages m WHERE m.conversation_id = c.id AND NOT m.private "
    "AND m.message_type <> 2), '[]')) ORDER BY c.id), '[]')::text AS j FROM "
    "conversations c WHERE c.contact_inbox_id = $1",
    contact_inbox_id);
}

json_doc read_conversations(const result_set& rs) {
  return json_doc_of(rs, "j").value_or(json_doc{"[]"});
}

} // namespace messenger::persistence::queries::public_api
