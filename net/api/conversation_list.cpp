#include "net/api/conversation_list.hpp"

#include "actors/errors.hpp"
#include "domain/types.hpp"
#include "net/actor_bridge.hpp"
#include "net/api/auth.hpp"
#include "net/api/render.hpp"
#include "persistence/queries/conversations.hpp"
#include "persistence/queries/messages.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <mutex>
#include <optional>

namespace messenger::net::api {

namespace {

using json = nlohmann::json;
using persistence::result_set;
namespace queries = persistence::queries::conversations;
namespace message_queries = persistence::queries::messages;
constexpr auto timeout = std::chrono::seconds{30};

/// A non-empty query parameter.
std::optional<std::string> get(const http_request& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() || it->second.empty() ? std::nullopt
                                                     : std::optional<std::string>{it->second};
}

/// A numeric query parameter (fewer than 10 digits); `problem` set when it is not one.
std::optional<int64_t> number_param(const http_request& req, const char* key,
                                    std::string& problem) {
  auto text = get(req, key);
  if (!text)
    return std::nullopt;
  if (text->size() >= 10 || text->find_first_not_of("0123456789") != std::string::npos) {
    problem = std::string{key} + " must be a number";
    return std::nullopt;
  }
  return std::stoll(*text);
}

/// status (default open; "all" = no filter) and assignee_type.
bool parse_status(const http_request& req, queries::list_filter& f, std::string& problem) {
  auto status = get(req, "status").value_or("open");
  if (status != "all") {
    auto parsed = domain::parse_conversation_status(status);
    if (!parsed) {
      problem = "'" + status + "' is not a valid status";
      return false;
    }
    f.status = static_cast<int64_t>(*parsed);
  }
  auto assignee = get(req, "assignee_type").value_or("all");
  if (assignee == "me")
    f.assignee = queries::assignee_filter::me;
  else if (assignee == "unassigned")
    f.assignee = queries::assignee_filter::unassigned;
  else if (assignee == "assigned")
    f.assignee = queries::assignee_filter::assigned;
  else if (assignee != "all") {
    problem = "'" + assignee + "' is not a valid assignee_type";
    return false;
  }
  return true;
}

/// conversation_type.
bool parse_type(const http_request& req, queries::list_filter& f, std::string& problem) {
  auto type = get(req, "conversation_type");
  if (!type)
    return true;
  if (*type == "unattended")
    f.type = queries::conversation_type::unattended;
  else if (*type == "mention")
    f.type = queries::conversation_type::mention;
  else if (*type == "participating")
    f.type = queries::conversation_type::participating;
  else {
    problem = "'" + *type + "' is not a valid conversation_type";
    return false;
  }
  return true;
}

/// sort_by (Chatwoot's values and their legacy names).
bool parse_order(const http_request& req, queries::list_filter& f, std::string& problem) {
  auto sort = get(req, "sort_by");
  if (!sort)
    return true;
  auto order = queries::sort_order_of(*sort);
  if (!order) {
    problem = "'" + *sort + "' is not a valid sort_by";
    return false;
  }
  f.order = *order;
  return true;
}

/// The list's filters (the caller is filled in later), or nothing with `problem` set.
std::optional<queries::list_filter> parse_filter(const http_request& req, std::string& problem) {
  queries::list_filter f;
  if (!parse_status(req, f, problem))
    return std::nullopt;
  f.inbox_id = number_param(req, "inbox_id", problem);
  if (!problem.empty())
    return std::nullopt;
  f.labels = query_values(req, "labels[]");
  if (f.labels.empty())
    f.labels = query_values(req, "labels");
  f.q = get(req, "q");
  f.team_id = number_param(req, "team_id", problem);
  if (!problem.empty() || !parse_type(req, f, problem))
    return std::nullopt;
  f.source_id = get(req, "source_id");
  f.updated_within = number_param(req, "updated_within", problem);
  if (!problem.empty()) {
    problem = "updated_within must be a number of seconds";
    return std::nullopt;
  }
  if (!parse_order(req, f, problem))
    return std::nullopt;
  auto page = page_param(req, problem);
  if (!page)
    return std::nullopt;
  f.page = *page;
  return f;
}

queries::list_filter for_caller(queries::list_filter f, const caller& who) {
  f.account_id = who.account_id;
  f.user_id = who.user_id;
  f.administrator = who.administrator;
  return f;
}

json meta_of(const result_set& rs) {
  auto n = queries::read_counts(rs);
  return {{"mine_count", n.mine},
          {"assigned_count", n.total - n.unassigned},
          {"unassigned_count", n.unassigned},
          {"all_count", n.total}};
}

void conversations_meta(const context& ctx, http_request& req, responder respond) {
  std::string problem;
  auto filter = parse_filter(req, problem);
  if (!filter)
    return respond(http_response::error(422, problem));
  with_account_user(ctx, req, respond, [ctx, respond, f = *filter](caller who) {
    query(
      ctx, queries::counts(for_caller(f, who)),
      [](result_set& rs) {
        return http_response::json(200, json{{"meta", meta_of(rs)}}.dump());
      },
      respond);
  });
}

/// The counts and the page of the list, read at the same time (two readers): whichever
/// comes second answers; the first error answers alone.
class list_answer {
public:
  explicit list_answer(responder respond) : respond_(std::move(respond)) {}

  void meta(json meta) { finish(std::move(meta), std::nullopt, std::nullopt); }
  void payload(json payload) { finish(std::nullopt, std::move(payload), std::nullopt); }
  void fail(http_response res) {
    if (res.status != 0)
      finish(std::nullopt, std::nullopt, std::move(res));
  }

private:
  void finish(std::optional<json> meta, std::optional<json> payload,
              std::optional<http_response> error) {
    std::lock_guard<std::mutex> guard{mutex_};
    if (failed_)
      return;
    if (error) {
      failed_ = true;
      return respond_(std::move(*error));
    }
    if (meta)
      meta_ = std::move(meta);
    if (payload)
      payload_ = std::move(payload);
    if (meta_ && payload_)
      respond_(http_response::json(
        200, json{{"data", {{"meta", *meta_}, {"payload", *payload_}}}}.dump()));
  }

  responder respond_;
  std::mutex mutex_;
  std::optional<json> meta_;
  std::optional<json> payload_;
  bool failed_ = false;
};

/// The page's conversations, completed with their last messages.
void read_page(const context& ctx, const queries::list_filter& f,
               const std::shared_ptr<list_answer>& answer) {
  auto on_error = [answer](http_response res) { answer->fail(std::move(res)); };
  query(
    ctx, queries::page(f),
    [ctx, answer, on_error](result_set& rs) {
      std::vector<json> page;
      std::vector<int64_t> ids;
      for (const auto& row : queries::read_list(rs)) {
        page.push_back(conversation_body(row));
        ids.push_back(row.id);
      }
      query(
        ctx, message_queries::last_of(ids),
        [answer, page, ids](result_set& last) mutable {
          set_last_messages(page, ids, message_queries::read_last(last));
          answer->payload(json(std::move(page)));
          return deferred();
        },
        on_error);
      return deferred();
    },
    on_error);
}

void list_conversations(const context& ctx, http_request& req, responder respond) {
  std::string problem;
  auto filter = parse_filter(req, problem);
  if (!filter)
    return respond(http_response::error(422, problem));
  with_account_user(ctx, req, respond, [ctx, respond, f = *filter](caller who) {
    auto answer = std::make_shared<list_answer>(respond);
    auto mine = for_caller(f, who);
    query(
      ctx, queries::counts(mine),
      [answer](result_set& counts) {
        answer->meta(meta_of(counts));
        return deferred();
      },
      [answer](http_response res) { answer->fail(std::move(res)); });
    read_page(ctx, mine, answer);
  });
}

/// Global message search (SearchService, SQL path): newest first, 15 per page, the last
/// three months, the caller's inboxes only. The trigram index serves the ILIKE.
void search_messages(const context& ctx, http_request& req, responder respond) {
  std::string problem;
  auto page = page_param(req, problem);
  auto q = query_param(req, "q");
  if (!page)
    return respond(http_response::error(422, problem));
  if (!q)
    return respond(http_response::error(422, "Specify search string with parameter q"));
  with_account_user(ctx, req, respond, [ctx, respond, page, q](caller who) {
    query(
      ctx, message_queries::search({who.account_id, *q, who.administrator, who.user_id, *page}),
      [](result_set& rs) {
        json messages = json::array();
        for (const auto& m : message_queries::read_messages(rs))
          messages.push_back(message_body(m, m.display_id));
        return http_response::json(200, json{{"payload", {{"messages", messages}}}}.dump());
      },
      respond);
  });
}

/// POST …/conversations, as parsed: where the conversation opens, its first state and its
/// optional first message.
struct create_request {
  int64_t inbox_id = 0;
  int64_t contact_id = 0;
  std::string source_id;
  actors::conversation_row templ;
  std::optional<std::string> first_message;
};

/// A member as an id: 0 when absent, -1 when neither a number nor a string of digits.
int64_t number_member(const json& body, const char* key) {
  if (!body.contains(key))
    return 0;
  if (body[key].is_number_integer())
    return body[key].get<int64_t>();
  if (body[key].is_string())
    return domain::parse_id(body[key].get_ref<const std::string&>()).value_or(-1);
  return -1;
}

/// The new conversation's state from the body (status, snooze, assignee, team, attributes),
/// or a 422 answered.
std::optional<actors::conversation_row> template_of(const json& body, const responder& respond) {
  actors::conversation_row templ;
  if (body.contains("status") && body["status"].is_string()) {
    auto status = domain::parse_conversation_status(body["status"].get<std::string>());
    if (!status) {
      respond(http_response::error(422, "'" + body["status"].get<std::string>()
                                          + "' is not a valid status"));
      return std::nullopt;
    }
    templ.status = static_cast<uint8_t>(*status);
  }
  if (body.contains("snoozed_until") && body["snoozed_until"].is_number_integer())
    templ.snoozed_until = body["snoozed_until"].get<int64_t>() * 1000000;
  templ.assignee_id = std::max<int64_t>(0, number_member(body, "assignee_id"));
  templ.team_id = std::max<int64_t>(0, number_member(body, "team_id"));
  if (body.contains("custom_attributes") && body["custom_attributes"].is_object())
    templ.custom_attributes = body["custom_attributes"].dump();
  if (body.contains("additional_attributes") && body["additional_attributes"].is_object())
    templ.additional_attributes = body["additional_attributes"].dump();
  return templ;
}

/// The request body as a create_request, or the error answered.
std::optional<create_request> create_request_of(const http_request& req, const responder& respond) {
  auto body = json::parse(req.body.empty() ? std::string{"{}"} : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    respond(http_response::error(422, "the request body must be a JSON object"));
    return std::nullopt;
  }
  create_request r;
  r.inbox_id = number_member(body, "inbox_id");
  r.contact_id = number_member(body, "contact_id");
  std::string problem;
  r.source_id = text_field(body, "source_id", problem).value_or("");
  if (answered_problem(problem, respond))
    return std::nullopt;
  if (r.inbox_id < 0 || r.contact_id < 0) {
    respond(http_response::error(422, "inbox_id and contact_id must be numbers"));
    return std::nullopt;
  }
  if ((r.inbox_id == 0 || r.contact_id == 0) && r.source_id.empty()) {
    respond(http_response::error(404, "Resource could not be found"));
    return std::nullopt;
  }
  auto templ = template_of(body, respond);
  if (!templ)
    return std::nullopt;
  r.templ = std::move(*templ);
  if (body.contains("message") && body["message"].is_object() && body["message"].contains("content")
      && body["message"]["content"].is_string())
    r.first_message = body["message"]["content"].get<std::string>();
  return r;
}

/// Step 3 (optional): the first message, through the conversation actor, then the
/// conversation as it is after it.
void post_first_message(const context& ctx, const caller& who, const std::string& content,
                        int64_t conversation_id, const responder& respond) {
  actors::message_command cmd;
  cmd.message.content = content;
  cmd.message.message_type = 1;
  cmd.message.sender_type = "User";
  cmd.message.sender_id = who.user_id;
  cmd.by = {"User", who.user_id, who.name, who.administrator};
  auto sys = ctx.sys;
  auto fail = [respond](caf::error& err) { respond(error_response(err)); };
  auto answer_conversation
    = [ctx, respond](actors::conversation_row& row) { respond_conversation(ctx, row, respond); };
  ask(
    *sys, ctx.registry, timeout,
    [sys, cmd, fail, answer_conversation](actors::conversation_actor& conv) {
      ask(
        *sys, conv, timeout,
        [sys, conv, fail, answer_conversation](actors::message_row&) {
          ask(*sys, conv, timeout, answer_conversation, fail, actors::get_atom_v);
        },
        fail, actors::message_atom_v, cmd);
    },
    fail, actors::conversation_atom_v, conversation_id);
}

/// Step 2: the conversation, created by its inbox's actor.
void open_conversation(const context& ctx, const caller& who, const create_request& r,
                       int64_t inbox_id, const responder& respond) {
  auto sys = ctx.sys;
  auto fail = [respond](caf::error& err) { respond(error_response(err)); };
  auto created = [ctx, who, first = r.first_message, respond](actors::conversation_row& conv) {
    if (!first)
      return respond_conversation(ctx, conv, respond);
    post_first_message(ctx, who, *first, conv.id, respond);
  };
  ask(
    *sys, ctx.registry, timeout,
    [sys, templ = r.templ, created, fail](actors::inbox_actor& in) {
      ask(*sys, in, timeout, created, fail, actors::create_atom_v, templ);
    },
    fail, actors::inbox_atom_v, inbox_id);
}

/// Step 1: the contact inbox, found by (inbox, contact) or by source_id, created when
/// missing; 404 when the inbox or contact is not the account's, 401 when the caller may not
/// use the inbox.
void create_conversation(const context& ctx, http_request& req, responder respond) {
  auto request = create_request_of(req, respond);
  if (!request)
    return;
  with_account_user(ctx, req, respond, [ctx, respond, r = *request](caller who) {
    auto stmt = queries::find_or_create_contact_inbox(
      {who.account_id, r.inbox_id, r.contact_id, r.source_id, who.administrator, who.user_id});
    write(
      ctx, persistence::write_command{{stmt}},
      [ctx, respond, r, who](persistence::write_result& res) mutable -> http_response {
        auto ci = queries::read_contact_inbox(res.results.at(0));
        if (!ci)
          return http_response::error(404, "Resource could not be found");
        if (!ci->allowed)
          return http_response::error(401, "You are not authorized to do this action");
        r.templ.contact_inbox_id = ci->id;
        r.templ.contact_id = ci->contact_id;
        open_conversation(ctx, who, r, ci->inbox_id, respond);
        return deferred();
      },
      pass_on(respond));
  });
}

} // namespace

void add_conversation_list_routes(router& routes, const context& ctx) {
  const std::string base = "/api/v1/accounts/:account_id/conversations";
  auto route = [ctx](void (*fn)(const context&, http_request&, responder)) -> handler {
    return [ctx, fn](http_request& req, responder respond) { fn(ctx, req, std::move(respond)); };
  };
  routes.add("GET", base + "/meta", route(conversations_meta));
  routes.add("GET", base, route(list_conversations));
  routes.add("GET", "/api/v1/accounts/:account_id/search/messages", route(search_messages));
  routes.add("POST", base, route(create_conversation));
}

} // namespace messenger::net::api
