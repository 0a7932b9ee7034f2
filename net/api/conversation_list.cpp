#include "net/api/conversation_list.hpp"

#include "actors/errors.hpp"
#include "actors/event_data.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/render.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::make_statement;
using persistence::result_set;
constexpr auto timeout = std::chrono::seconds{30};
constexpr int page_size = 25;

/// The WHERE clause shared by the list and the counts ($1 account, $2 user, $3 admin, $4
/// status or NULL for all, $5 inbox or NULL, $6 labels (any of them) or NULL, $7 q or NULL).
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

/// '%text%' with %, _ and \ matching themselves (the LIKE pattern of a literal text).
std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

struct list_params {
  std::optional<std::string> status; // nullopt = all
  std::string assignee_type = "all";
  std::optional<std::string> inbox_id;
  std::vector<std::string> labels; ///< any of them; empty = no label filter
  std::optional<std::string> q;
  std::optional<std::string> team_id;
  std::optional<std::string> conversation_type;
  std::optional<std::string> source_id;
  std::optional<std::string> updated_within;     ///< seconds; no pagination then
  std::string order = "c.last_activity_at DESC"; // index order: the page stops after 25 rows
  int64_t page = 1;
};

/// Chatwoot's sort_by values (and their legacy names) → ORDER BY.
std::optional<std::string> order_of(const std::string& sort) {
  static const std::map<std::string, std::string> orders{
    {"last_activity_at_desc", "c.last_activity_at DESC"},
    {"latest", "c.last_activity_at DESC"},
    {"last_activity_at_asc", "c.last_activity_at ASC, c.id ASC"},
    {"created_at_desc", "c.created_at DESC, c.id DESC"},
    {"created_at_asc", "c.created_at ASC, c.id ASC"},
    {"sort_on_created_at", "c.created_at ASC, c.id ASC"},
    {"priority_desc", "c.priority DESC NULLS LAST, c.last_activity_at DESC, c.id DESC"},
    {"sort_on_priority", "c.priority DESC NULLS LAST, c.last_activity_at DESC, c.id DESC"},
    {"priority_asc", "c.priority ASC NULLS FIRST, c.last_activity_at DESC, c.id DESC"},
    {"priority_desc_created_at_asc", "c.priority DESC NULLS LAST, c.created_at ASC, c.id ASC"},
    {"waiting_since_asc", "c.waiting_since ASC NULLS LAST, c.id ASC"},
    {"sort_on_waiting_since", "c.waiting_since ASC NULLS LAST, c.id ASC"},
    {"waiting_since_desc", "c.waiting_since DESC NULLS LAST, c.id DESC"},
    {"unread", "(c.agent_last_seen_at IS NULL OR c.agent_last_seen_at < c.last_activity_at) "
               "DESC, c.last_activity_at DESC, c.id DESC"}};
  auto it = orders.find(sort);
  if (it == orders.end())
    return std::nullopt;
  return it->second;
}

std::optional<list_params> parse_params(const http_request& req, std::string& problem) {
  list_params p;
  auto get = [&](const char* key) -> std::optional<std::string> {
    auto it = req.query.find(key);
    return it == req.query.end() || it->second.empty() ? std::nullopt
                                                       : std::optional<std::string>{it->second};
  };
  auto status = get("status").value_or("open");
  if (status != "all") {
    auto parsed = domain::parse_conversation_status(status);
    if (!parsed) {
      problem = "'" + status + "' is not a valid status";
      return std::nullopt;
    }
    p.status = std::to_string(static_cast<int>(*parsed));
  }
  p.assignee_type = get("assignee_type").value_or("all");
  if (p.assignee_type != "me" && p.assignee_type != "unassigned" && p.assignee_type != "assigned"
      && p.assignee_type != "all") {
    problem = "'" + p.assignee_type + "' is not a valid assignee_type";
    return std::nullopt;
  }
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  p.inbox_id = get("inbox_id");
  if (p.inbox_id && !digits(*p.inbox_id)) {
    problem = "inbox_id must be a number";
    return std::nullopt;
  }
  p.labels = query_values(req, "labels[]");
  if (p.labels.empty())
    p.labels = query_values(req, "labels");
  p.q = get("q");
  p.team_id = get("team_id");
  if (p.team_id && !digits(*p.team_id)) {
    problem = "team_id must be a number";
    return std::nullopt;
  }
  p.conversation_type = get("conversation_type");
  if (p.conversation_type && *p.conversation_type != "unattended"
      && *p.conversation_type != "mention" && *p.conversation_type != "participating") {
    problem = "'" + *p.conversation_type + "' is not a valid conversation_type";
    return std::nullopt;
  }
  p.source_id = get("source_id");
  p.updated_within = get("updated_within");
  if (p.updated_within && !digits(*p.updated_within)) {
    problem = "updated_within must be a number of seconds";
    return std::nullopt;
  }
  if (auto sort = get("sort_by")) {
    auto order = order_of(*sort);
    if (!order) {
      problem = "'" + *sort + "' is not a valid sort_by";
      return std::nullopt;
    }
    p.order = *order;
  }
  auto page = page_param(req, problem);
  if (!page)
    return std::nullopt;
  p.page = *page;
  return p;
}

std::vector<std::optional<std::string>> filter_args(const caller& who, const list_params& p) {
  return {std::to_string(who.account_id),
          std::to_string(who.user_id),
          who.administrator ? "true" : "false",
          p.status,
          p.inbox_id,
          p.labels.empty() ? std::nullopt : std::optional<std::string>{text_array(p.labels)},
          p.q ? std::optional<std::string>{like_pattern(*p.q)} : std::nullopt,
          p.team_id,
          p.conversation_type,
          p.source_id,
          p.updated_within};
}

persistence::statement counts_query(const caller& who, const list_params& p) {
  std::string sql = "SELECT count(*) FILTER (WHERE c.assignee_id = $2) AS mine, "
                    "count(*) FILTER (WHERE c.assignee_id IS NULL) AS unassigned, "
                    "count(*) AS total";
  sql += filter_sql;
  if (p.conversation_type && *p.conversation_type != "unattended")
    sql += " AND false";
  return persistence::planned_each_time(make_statement(std::move(sql), filter_args(who, p)));
}

json meta_of(const result_set& rs) {
  auto n = [&](const char* c) { return std::stoll(rs.field(0, c).text); };
  return {{"mine_count", n("mine")},
          {"assigned_count", n("total") - n("unassigned")},
          {"unassigned_count", n("unassigned")},
          {"all_count", n("total")}};
}

persistence::statement page_query(const caller& who, const list_params& p) {
  std::string sql = "SELECT ";
  sql += conversation_list_columns;
  sql += filter_sql;
  if (p.assignee_type == "me")
    sql += " AND c.assignee_id = $2";
  else if (p.assignee_type == "unassigned")
    sql += " AND c.assignee_id IS NULL";
  else if (p.assignee_type == "assigned")
    sql += " AND c.assignee_id IS NOT NULL";
  // mention / participating: messenger has no mentions or participants yet (nothing matches).
  if (p.conversation_type && *p.conversation_type != "unattended")
    sql += " AND false";
  sql += " ORDER BY " + p.order;
  if (p.updated_within)
    return persistence::planned_each_time(make_statement(std::move(sql), filter_args(who, p)));
  sql += " LIMIT ";
  sql += std::to_string(page_size);
  sql += " OFFSET ";
  sql += std::to_string((p.page - 1) * page_size);
  return persistence::planned_each_time(make_statement(std::move(sql), filter_args(who, p)));
}

} // namespace

void add_conversation_list_routes(router& routes, const context& ctx) {
  const std::string base = "/api/v1/accounts/:account_id/conversations";

  routes.add("GET", base + "/meta", [ctx](http_request& req, responder respond) {
    std::string problem;
    auto params = parse_params(req, problem);
    if (!params)
      return respond(http_response::error(422, problem));
    with_account_user(ctx, req, respond, [ctx, respond, p = *params](caller who) {
      query(
        ctx, counts_query(who, p),
        [](result_set& rs) {
          return http_response::json(200, json{{"meta", meta_of(rs)}}.dump());
        },
        respond);
    });
  });

  routes.add("GET", base, [ctx](http_request& req, responder respond) {
    std::string problem;
    auto params = parse_params(req, problem);
    if (!params)
      return respond(http_response::error(422, problem));
    with_account_user(ctx, req, respond, [ctx, respond, p = *params](caller who) {
      // The counts and the page are read at the same time (two readers); whichever comes
      // second answers.
      struct join {
        std::mutex mutex;
        std::optional<json> meta;
        std::optional<json> payload;
        bool failed = false;
      };
      auto state = std::make_shared<join>();
      auto finish = [state, respond](std::optional<json> meta, std::optional<json> payload,
                                     std::optional<http_response> error) {
        std::lock_guard<std::mutex> guard{state->mutex};
        if (state->failed)
          return;
        if (error) {
          state->failed = true;
          return respond(std::move(*error));
        }
        if (meta)
          state->meta = std::move(meta);
        if (payload)
          state->payload = std::move(payload);
        if (state->meta && state->payload)
          respond(http_response::json(
            200, json{{"data", {{"meta", *state->meta}, {"payload", *state->payload}}}}.dump()));
      };
      auto on_error = [finish](http_response res) {
        if (res.status != 0)
          finish(std::nullopt, std::nullopt, std::move(res));
      };
      query(
        ctx, counts_query(who, p),
        [finish](result_set& counts) {
          finish(meta_of(counts), std::nullopt, std::nullopt);
          return deferred();
        },
        on_error);
      query(
        ctx, page_query(who, p),
        [ctx, finish, on_error](result_set& rs) {
          std::vector<json> page;
          std::vector<int64_t> ids;
          for (size_t i = 0; i < rs.rows.size(); ++i) {
            page.push_back(conversation_body(rs, i));
            ids.push_back(std::stoll(rs.field(i, "id").text));
          }
          query(
            ctx, last_messages_query(ids),
            [finish, page, ids](result_set& last) mutable {
              set_last_messages(page, ids, last);
              finish(std::nullopt, json(std::move(page)), std::nullopt);
              return deferred();
            },
            on_error);
          return deferred();
        },
        on_error);
    });
  });

  // Global message search (SearchService, SQL path): newest first, 15 per page, the last
  // three months, the caller's inboxes only. The trigram index serves the ILIKE.
  routes.add(
    "GET", "/api/v1/accounts/:account_id/search/messages",
    [ctx](http_request& req, responder respond) {
      std::string problem;
      auto page = page_param(req, problem);
      auto q = query_param(req, "q");
      if (!page)
        return respond(http_response::error(422, problem));
      if (!q)
        return respond(http_response::error(422, "Specify search string with parameter q"));
      with_account_user(ctx, req, respond, [ctx, respond, page, q](caller who) {
        query(
          ctx,
          persistence::planned_each_time(make_statement(
            "SELECT " MESSENGER_MESSAGE_COLUMNS ", "
            "c.display_id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE "
            "m.account_id = $1 AND m.content ILIKE $2 AND "
            "m.created_at >= (now() AT TIME ZONE 'utc') - interval '3 months' AND ($3 OR "
            "m.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $4)) ORDER BY "
            "m.created_at DESC LIMIT 15 OFFSET $5",
            {std::to_string(who.account_id), like_pattern(*q), who.administrator ? "true" : "false",
             std::to_string(who.user_id), std::to_string((*page - 1) * 15)})),
          [](result_set& rs) {
            json messages = json::array();
            for (size_t i = 0; i < rs.rows.size(); ++i)
              messages.push_back(message_body(rs, i, std::stoll(rs.field(i, "display_id").text)));
            return http_response::json(200, json{{"payload", {{"messages", messages}}}}.dump());
          },
          respond);
      });
    });

  routes.add("POST", base, [ctx](http_request& req, responder respond) {
    auto body = json::parse(req.body.empty() ? std::string{"{}"} : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return respond(http_response::error(422, "the request body must be a JSON object"));
    auto number = [&](const char* key) -> int64_t {
      if (!body.contains(key))
        return 0;
      if (body[key].is_number_integer())
        return body[key].get<int64_t>();
      if (body[key].is_string() && !body[key].get<std::string>().empty()
          && body[key].get<std::string>().find_first_not_of("0123456789") == std::string::npos)
        return std::stoll(body[key].get<std::string>());
      return -1;
    };
    auto inbox_id = number("inbox_id");
    auto contact_id = number("contact_id");
    auto source_id = body.value("source_id", std::string{});
    if (inbox_id < 0 || contact_id < 0)
      return respond(http_response::error(422, "inbox_id and contact_id must be numbers"));
    if ((inbox_id == 0 || contact_id == 0) && source_id.empty())
      return respond(http_response::error(404, "Resource could not be found"));
    actors::conversation_row templ;
    if (body.contains("status") && body["status"].is_string()) {
      auto status = domain::parse_conversation_status(body["status"].get<std::string>());
      if (!status)
        return respond(http_response::error(422, "'" + body["status"].get<std::string>()
                                                   + "' is not a valid status"));
      templ.status = static_cast<uint8_t>(*status);
    }
    if (body.contains("snoozed_until") && body["snoozed_until"].is_number_integer())
      templ.snoozed_until = body["snoozed_until"].get<int64_t>() * 1000000;
    templ.assignee_id = std::max<int64_t>(0, number("assignee_id"));
    templ.team_id = std::max<int64_t>(0, number("team_id"));
    if (body.contains("custom_attributes") && body["custom_attributes"].is_object())
      templ.custom_attributes = body["custom_attributes"].dump();
    if (body.contains("additional_attributes") && body["additional_attributes"].is_object())
      templ.additional_attributes = body["additional_attributes"].dump();
    std::optional<std::string> first_message;
    if (body.contains("message") && body["message"].is_object()
        && body["message"].contains("content") && body["message"]["content"].is_string())
      first_message = body["message"]["content"].get<std::string>();
    with_account_user(ctx, req, respond, [=](caller who) mutable {
      // The contact_inbox: found by (inbox, contact) or by source_id, created when missing.
      auto stmt = make_statement(
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
        {std::to_string(who.account_id), std::to_string(inbox_id), std::to_string(contact_id),
         source_id, who.administrator ? "true" : "false", std::to_string(who.user_id)});
      write(
        ctx, persistence::write_command{{stmt}},
        [=](persistence::write_result& res) mutable -> http_response {
          const auto& rs = res.results.at(0);
          if (rs.rows.empty())
            return http_response::error(404, "Resource could not be found");
          if (rs.field(0, "allowed").text != "t")
            return http_response::error(401, "You are not authorized to do this action");
          templ.contact_inbox_id = std::stoll(rs.field(0, "id").text);
          templ.contact_id = std::stoll(rs.field(0, "contact_id").text);
          auto inbox = std::stoll(rs.field(0, "inbox_id").text);
          auto sys = ctx.sys;
          auto fail = [respond](caf::error& err) { respond(error_response(err)); };
          ask(
            *sys, ctx.registry, timeout,
            [=](actors::inbox_actor& in) {
              ask(
                *sys, in, timeout,
                [=](actors::conversation_row& created) {
                  if (!first_message)
                    return respond_conversation(ctx, created, respond);
                  actors::message_command cmd;
                  cmd.message.content = *first_message;
                  cmd.message.message_type = 1;
                  cmd.message.sender_type = "User";
                  cmd.message.sender_id = who.user_id;
                  cmd.by = {"User", who.user_id, who.name, who.administrator};
                  ask(
                    *sys, ctx.registry, timeout,
                    [=](actors::conversation_actor& conv) {
                      ask(
                        *sys, conv, timeout,
                        [=](actors::message_row&) {
                          ask(
                            *sys, conv, timeout,
                            [ctx, respond](actors::conversation_row& row) {
                              respond_conversation(ctx, row, respond);
                            },
                            fail, actors::get_atom_v);
                        },
                        fail, actors::message_atom_v, cmd);
                    },
                    fail, actors::conversation_atom_v, created.id);
                },
                fail, actors::create_atom_v, templ);
            },
            fail, actors::inbox_atom_v, inbox);
          return deferred();
        },
        pass_on(respond));
    });
  });
}

} // namespace messenger::net::api
