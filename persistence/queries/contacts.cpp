#include "persistence/queries/contacts.hpp"

#include "persistence/queries/conversations.hpp"

namespace messenger::persistence::queries::contacts {

namespace {

/// Contacts the list shows: Chatwoot's "resolved" contacts (an email, a phone number or an
/// identifier).
#define RESOLVED_CONTACT                                                                           \
  "(coalesce(c.email, '') <> '' OR coalesce(c.phone_number, '') <> '' OR "                         \
  "coalesce(c.identifier, '') <> '')"

/// Inboxes the user ($2 administrator, $3 user id) may see, of an inbox aliased `i`.
constexpr const char* visible_inbox_sql
  = "($2 OR EXISTS (SELECT 1 FROM inbox_members m WHERE m.inbox_id = i.id AND m.user_id = $3))";

/// The contact's labels as a JSON array ($1 contact id).
constexpr const char* labels_sql
  = "SELECT coalesce(json_agg(t.name ORDER BY t.name), '[]')::text AS j FROM taggings g JOIN "
    "tags t ON t.id = g.tag_id WHERE g.taggable_type = 'Contact' AND g.taggable_id = $1 AND "
    "g.context = 'labels'";

std::string order_by(const sort_order& order) {
  std::string column;
  switch (order.key) {
    case sort_key::recent:
      return "c.last_activity_at DESC NULLS LAST, c.id DESC";
    case sort_key::email:
      column = "c.email";
      break;
    case sort_key::name:
      column = "c.name";
      break;
    case sort_key::phone_number:
      column = "c.phone_number";
      break;
    case sort_key::last_activity_at:
      column = "c.last_activity_at";
      break;
    case sort_key::created_at:
      column = "c.created_at";
      break;
    case sort_key::company_name:
      column = "c.additional_attributes->>'company_name'";
      break;
    case sort_key::city:
      column = "c.additional_attributes->>'city'";
      break;
    case sort_key::country:
      column = "c.additional_attributes->>'country'";
      break;
  }
  return column + (order.descending ? " DESC NULLS LAST" : " ASC NULLS FIRST") + ", c.id";
}

int64_t offset_of(const page_request& req) {
  return (req.page - 1) * per_page;
}

} // namespace

std::optional<sort_order> sort_order_of(std::string_view sort) {
  sort_order order;
  order.descending = !sort.empty() && sort[0] == '-';
  auto key = order.descending ? sort.substr(1) : sort;
  static constexpr std::pair<std::string_view, sort_key> keys[]
    = {{"", sort_key::recent},
       {"email", sort_key::email},
       {"name", sort_key::name},
       {"phone_number", sort_key::phone_number},
       {"last_activity_at", sort_key::last_activity_at},
       {"created_at", sort_key::created_at},
       {"company_name", sort_key::company_name},
       {"city", sort_key::city},
       {"country", sort_key::country}};
  for (const auto& [name, value] : keys)
    if (key == name) {
      order.key = value;
      return order;
    }
  return std::nullopt;
}

statement list(const page_request& req) {
  std::string sql = "SELECT messenger_contact_json(c, $2)::text AS contact, count(*) OVER () "
                    "AS total FROM contacts c WHERE c.account_id = $1 AND " RESOLVED_CONTACT
                    " AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM taggings tg JOIN tags "
                    "t ON t.id = tg.tag_id WHERE tg.taggable_type = 'Contact' AND "
                    "tg.taggable_id = c.id AND t.name = ANY ($3::text[]))) ORDER BY "
                    + order_by(req.order) + " LIMIT 15 OFFSET $4";
  auto labels = req.labels.empty() ? std::nullopt : std::optional{req.labels};
  return statement_of(std::move(sql), req.account_id, req.with_inboxes, labels, offset_of(req));
}

page_rows read_list(const result_set& rs) {
  page_rows page;
  page.contacts = json_docs(rs, "contact");
  page.total = first_row(rs, [](const row_view& r) { return r.int64("total"); }).value_or(0);
  return page;
}

statement search(const page_request& req, const std::string& q) {
  std::string sql
    = "SELECT messenger_contact_json(c, $2)::text AS contact FROM contacts c WHERE "
      "c.account_id = $1 AND (c.name ILIKE '%' || $3 || '%' OR c.email ILIKE '%' || $3 || "
      "'%' OR c.phone_number ILIKE '%' || $3 || '%' OR c.identifier LIKE '%' || $3 || '%') "
      "ORDER BY "
      + order_by(req.order) + " LIMIT 16 OFFSET $4";
  return statement_of(std::move(sql), req.account_id, req.with_inboxes, q, offset_of(req));
}

std::vector<json_doc> read_search(const result_set& rs) {
  return json_docs(rs, "contact");
}

statement show(int64_t account_id, int64_t contact_id, bool with_inboxes) {
  return statement_of("SELECT messenger_contact_json(c, $3)::text AS contact FROM contacts c "
                      "WHERE c.account_id = $1 AND c.id = $2",
                      account_id, contact_id, with_inboxes);
}

std::optional<json_doc> read_contact(const result_set& rs) {
  return json_doc_of(rs, "contact");
}

statement create(int64_t account_id, const fields& f, int64_t inbox_id,
                 const std::optional<std::string>& source_id) {
  return statement_of(
    "WITH c AS (INSERT INTO contacts (name, email, phone_number, identifier, account_id, "
    "additional_attributes, custom_attributes, blocked, created_at, updated_at) VALUES "
    "(coalesce($1, ''), lower($2), $3, $4, $5, coalesce($8::jsonb, '{}'), "
    "coalesce($9::jsonb, '{}'), coalesce($10::boolean, false), now() AT TIME ZONE 'utc', "
    "now() AT TIME ZONE 'utc') RETURNING *), ci AS (INSERT INTO contact_inboxes "
    "(contact_id, inbox_id, source_id, pubsub_token, created_at, updated_at) SELECT c.id, "
    "$6, coalesce($7, gen_random_uuid()::text), encode(gen_random_bytes(18), 'base64'), "
    "now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM c WHERE $6::bigint <> 0 AND "
    "EXISTS (SELECT 1 FROM inboxes WHERE id = $6 AND account_id = $5) RETURNING *) SELECT "
    "messenger_contact_json(c, false)::text AS contact, ci.source_id, ci.pubsub_token, "
    "(SELECT messenger_inbox_brief(i) FROM inboxes i WHERE i.id = ci.inbox_id)::text AS "
    "inbox FROM c LEFT JOIN ci ON true",
    f.name, f.email, f.phone, f.identifier, account_id, inbox_id, source_id, f.additional, f.custom,
    f.blocked);
}

std::optional<created_row> read_created(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    created_row row;
    row.contact = json_doc{r.text("contact")};
    row.source_id = r.opt_text("source_id");
    row.pubsub_token = r.text("pubsub_token");
    row.inbox = json_doc{r.text("inbox")};
    return row;
  });
}

statement update(int64_t account_id, int64_t contact_id, const fields& f) {
  return statement_of(
    "UPDATE contacts c SET name = coalesce($3, c.name), email = coalesce(lower($4), "
    "c.email), phone_number = coalesce($5, c.phone_number), identifier = coalesce($6, "
    "c.identifier), additional_attributes = coalesce(c.additional_attributes, '{}') || "
    "coalesce($7::jsonb, '{}'), custom_attributes = coalesce(c.custom_attributes, '{}') || "
    "coalesce($8::jsonb, '{}'), blocked = coalesce($9::boolean, c.blocked), updated_at = "
    "now() AT TIME ZONE 'utc' WHERE c.account_id = $1 AND c.id = $2 RETURNING "
    "messenger_contact_json(c, true)::text AS contact",
    account_id, contact_id, f.name, f.email, f.phone, f.identifier, f.additional, f.custom,
    f.blocked);
}

write_command destroy(int64_t account_id, int64_t contact_id) {
  std::string in_contact = "conversation_id IN (SELECT id FROM conversations WHERE account_id = "
                           "$1 AND contact_id = $2)";
  return write_command{
    {statement_of("DELETE FROM messages WHERE " + in_contact, account_id, contact_id),
     statement_of("DELETE FROM reporting_events WHERE " + in_contact, account_id, contact_id),
     statement_of("DELETE FROM conversations WHERE account_id = $1 AND contact_id = $2", account_id,
                  contact_id),
     statement_of("DELETE FROM contact_inboxes WHERE contact_id = (SELECT id FROM contacts "
                  "WHERE account_id = $1 AND id = $2)",
                  account_id, contact_id),
     statement_of("DELETE FROM contacts WHERE account_id = $1 AND id = $2 RETURNING id", account_id,
                  contact_id)}};
}

bool read_destroyed(const write_result& res) {
  return res.results.size() == 5 && !res.results[4].rows.empty();
}

statement conversations(int64_t account_id, int64_t contact_id, bool administrator,
                        int64_t user_id) {
  std::string sql = "SELECT ";
  sql += conversations::list_columns;
  sql += " FROM conversations c WHERE c.account_id = $1 AND c.contact_id = $2 AND ($3 OR "
         "c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $4)) ORDER BY "
         "c.last_activity_at DESC, c.id DESC LIMIT 20";
  return statement_of(std::move(sql), account_id, contact_id, administrator, user_id);
}

statement contactable_inboxes(int64_t account_id, int64_t contact_id, bool administrator,
                              int64_t user_id) {
  std::string sql = "SELECT messenger_inbox_brief(i)::text AS inbox, (SELECT ci.source_id "
                    "FROM contact_inboxes ci WHERE ci.inbox_id = i.id AND ci.contact_id = "
                    "$4 ORDER BY ci.id LIMIT 1) AS source_id FROM inboxes i WHERE "
                    "i.account_id = $1 AND EXISTS (SELECT 1 FROM contacts WHERE id = $4 AND "
                    "account_id = $1) AND ";
  sql += visible_inbox_sql;
  sql += " ORDER BY i.id";
  return statement_of(std::move(sql), account_id, administrator, user_id, contact_id);
}

std::vector<contactable_inbox_row> read_contactable_inboxes(const result_set& rs) {
  return map_rows(rs, [](const row_view& r) {
    return contactable_inbox_row{json_doc{r.text("inbox")}, r.opt_text("source_id")};
  });
}

statement labels(int64_t account_id, int64_t contact_id) {
  return statement_of(std::string{"SELECT EXISTS (SELECT 1 FROM contacts WHERE account_id = $2 "
                                  "AND id = $1) AS found, ("}
                        + labels_sql + ") AS j",
                      contact_id, account_id);
}

std::optional<json_doc> read_labels(const result_set& rs) {
  auto row = first_row(rs, [](const row_view& r) {
    return r.boolean("found") ? std::optional{json_doc{r.text("j")}} : std::nullopt;
  });
  return row ? *row : std::nullopt;
}

write_command set_labels(int64_t account_id, int64_t contact_id,
                         const std::vector<std::string>& labels) {
  auto names = label_list(labels);
  return write_command{
    {statement_of("SELECT count(*) AS found FROM contacts WHERE account_id = $2 AND id = $1",
                  contact_id, account_id),
     statement_of("INSERT INTO tags (name) SELECT unnest(string_to_array(NULLIF($1, ''), ', "
                  "')) ON CONFLICT (name) DO NOTHING",
                  names),
     statement_of("DELETE FROM taggings WHERE taggable_type = 'Contact' AND taggable_id = "
                  "(SELECT id FROM contacts WHERE account_id = $3 AND id = $1) AND context = "
                  "'labels' AND NOT (tag_id = ANY (SELECT id FROM tags WHERE name = ANY "
                  "(string_to_array(NULLIF($2, ''), ', '))))",
                  contact_id, names, account_id),
     statement_of("INSERT INTO taggings (tag_id, taggable_type, taggable_id, context, "
                  "created_at) SELECT t.id, 'Contact', c.id, 'labels', now() AT TIME ZONE "
                  "'utc' FROM tags t, contacts c WHERE c.account_id = $3 AND c.id = $1 AND "
                  "t.name = ANY (string_to_array(NULLIF($2, ''), ', ')) AND NOT EXISTS "
                  "(SELECT 1 FROM taggings g WHERE g.tag_id = t.id AND g.taggable_id = c.id "
                  "AND g.taggable_type = 'Contact' AND g.context = 'labels')",
                  contact_id, names, account_id),
     statement_of(labels_sql, contact_id)}};
}

std::optional<json_doc> read_set_labels(const write_result& res) {
  if (res.results.size() != 5)
    return std::nullopt;
  auto found = first_row(res.results[0], [](const row_view& r) { return r.int64("found"); });
  if (found.value_or(0) == 0)
    return std::nullopt;
  return json_doc_of(res.results[4], "j");
}

statement find_or_create_contact_inbox(const contact_inbox_request& req) {
  // An existing (inbox, source_id) of this contact is returned; one of another contact is a
  // conflict (unique index).
  std::string sql
    = "WITH i AS (SELECT i.* FROM inboxes i WHERE i.account_id = $1 AND i.id = $5 AND ";
  sql += visible_inbox_sql;
  sql += "), c AS (SELECT id FROM contacts WHERE account_id = $1 AND id = $4), found AS "
         "(SELECT ci.* FROM contact_inboxes ci, i, c WHERE ci.inbox_id = i.id AND "
         "ci.contact_id = c.id AND ci.source_id = coalesce($6, ci.source_id) ORDER BY ci.id "
         "LIMIT 1), made AS (INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, "
         "pubsub_token, hmac_verified, created_at, updated_at) SELECT c.id, i.id, "
         "coalesce($6, gen_random_uuid()::text), encode(gen_random_bytes(18), 'base64'), $7, "
         "now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc' FROM i, c WHERE NOT EXISTS "
         "(SELECT 1 FROM found) RETURNING *), ci AS (SELECT * FROM found UNION ALL SELECT * "
         "FROM made) SELECT ci.source_id, messenger_inbox_brief(i)::text AS inbox, (SELECT "
         "count(*) FROM i) AS inbox_found, (SELECT count(*) FROM c) AS contact_found FROM ci "
         "JOIN i ON i.id = ci.inbox_id";
  return statement_of(std::move(sql), req.account_id, req.administrator, req.user_id,
                      req.contact_id, req.inbox_id, req.source_id, req.hmac_verified);
}

std::optional<contact_inbox_row> read_contact_inbox(const result_set& rs) {
  return first_row(rs, [](const row_view& r) {
    return contact_inbox_row{r.text("source_id"), json_doc{r.text("inbox")}};
  });
}

} // namespace messenger::persistence::queries::contacts
