#include "persistence/queries/labels.hpp"

namespace messenger::persistence::queries::labels {

namespace {

#define LABEL_JSON                                                                                 \
  "jsonb_build_object('id', l.id, 'title', l.title, 'description', l.description, 'color', "       \
  "l.color, 'show_on_sidebar', l.show_on_sidebar)::text AS j"

} // namespace

statement list(int64_t account_id) {
  return statement_of("SELECT " LABEL_JSON " FROM labels l WHERE l.account_id = $1 ORDER BY "
                      "l.title",
                      account_id);
}

statement show(int64_t account_id, int64_t label_id) {
  return statement_of("SELECT " LABEL_JSON " FROM labels l WHERE l.account_id = $1 AND l.id "
                      "= $2",
                      account_id, label_id);
}

statement create(const label_fields& label) {
  return statement_of(
    "WITH l AS (INSERT INTO labels (title, description, color, "
    "show_on_sidebar, account_id, created_at, updated_at) VALUES "
    "(lower($2), $3, coalesce($4, '#1f93ff'), $5::boolean, $1, now() AT "
    "TIME ZONE 'utc', now() AT TIME ZONE 'utc') RETURNING *) SELECT " LABEL_JSON " FROM l",
    label.account_id, label.title, label.description, label.color, label.show_on_sidebar);
}

statement update(const label_fields& label, int64_t label_id) {
  return statement_of("WITH l AS (UPDATE labels SET title = coalesce(lower($2), title), "
                      "description = coalesce($3, description), color = coalesce($4, "
                      "color), show_on_sidebar = coalesce($5::boolean, show_on_sidebar), "
                      "updated_at = now() AT TIME ZONE 'utc' WHERE account_id = $1 AND id = "
                      "$6 RETURNING *) SELECT " LABEL_JSON " FROM l",
                      label.account_id, label.title, label.description, label.color,
                      label.show_on_sidebar, label_id);
}

statement remove(int64_t account_id, int64_t label_id) {
  return statement_of("DELETE FROM labels WHERE account_id = $1 AND id = $2 RETURNING id",
                      account_id, label_id);
}

} // namespace messenger::persistence::queries::labels
