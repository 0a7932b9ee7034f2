#include "net/api/account.hpp"
#include "net/api/auth.hpp"
#include "persistence/queries/webhooks.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace messenger::net::api {

namespace {

namespace webhooks = persistence::queries::webhooks;
using persistence::result_set;
using persistence::write_command;
using persistence::write_result;

constexpr std::array<const char*, 12> webhook_events{"conversation_status_changed",
                                                     "conversation_updated",
                                                     "conversation_created",
                                                     "contact_created",
                                                     "contact_updated",
                                                     "message_created",
                                                     "message_updated",
                                                     "webwidget_triggered",
                                                     "inbox_created",
                                                     "inbox_updated",
                                                     "conversation_typing_on",
                                                     "conversation_typing_off"};

bool valid_url(const std::string& url) {
  return (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) && url.size() > 8
         && url.size() <= 2048 && url.find_first_of(" \t\r\n") == std::string::npos;
}

/// A non-empty array of known event names.
bool valid_subscriptions(const nlohmann::json& subscriptions) {
  bool valid = subscriptions.is_array() && !subscriptions.empty();
  if (valid)
    for (const auto& e : subscriptions)
      valid = valid && e.is_string()
              && std::find(webhook_events.begin(), webhook_events.end(), e.get<std::string>())
                   != webhook_events.end();
  return valid;
}

void list_webhooks(const context& ctx, http_request& req, responder respond) {
  with_admin(ctx, req, respond, [ctx, respond](caller who) {
    query(
      ctx, webhooks::list(who.account_id),
      [](result_set& rs) {
        return http_response::json(200, "{\"payload\":{\"webhooks\":"
                                          + json_array_text(persistence::queries::json_docs(rs))
                                          + "}}");
      },
      respond);
  });
}

/// What a POST/PATCH asks for.
struct webhook_request {
  webhooks::webhook_fields fields;
  std::optional<int64_t> inbox_id;
};

/// The webhook attributes of the body, or nothing when it answered 422.
std::optional<webhook_request> webhook_request_of(http_request& req, const responder& respond,
                                                  bool create) {
  auto body = body_of(req, respond);
  if (!body)
    return std::nullopt;
  auto hook = nested(*body, "webhook");
  webhook_request out;
  out.fields.url = string_field(hook, "url");
  out.fields.name = string_field(hook, "name");
  out.inbox_id = int_field(hook, "inbox_id");
  if (auto it = hook.find("subscriptions"); it != hook.end() && !it->is_null()) {
    if (!valid_subscriptions(*it)) {
      respond(http_response::error(422, "Subscriptions Invalid events"));
      return std::nullopt;
    }
    out.fields.subscriptions = it->dump();
  }
  const auto& url = out.fields.url;
  if ((create && !url) || (url && !valid_url(*url))) {
    respond(http_response::error(422, "Url is invalid"));
    return std::nullopt;
  }
  return out;
}

void save_webhook(const context& ctx, persistence::statement stmt, const responder& respond) {
  write(
    ctx, write_command{{std::move(stmt)}},
    [](write_result& res) {
      auto doc = persistence::queries::json_doc_of(res.results.at(0));
      if (!doc)
        return not_found();
      return http_response::json(200, "{\"payload\":{\"webhook\":" + doc->json + "}}");
    },
    respond);
}

void create_webhook(const context& ctx, http_request& req, responder respond) {
  auto hook = webhook_request_of(req, respond, true);
  if (!hook)
    return;
  with_admin(ctx, req, respond, [ctx, respond, hook](caller who) mutable {
    hook->fields.account_id = who.account_id;
    save_webhook(ctx, webhooks::create(hook->fields, hook->inbox_id, secure_token()), respond);
  });
}

void update_webhook(const context& ctx, http_request& req, responder respond) {
  auto hook = webhook_request_of(req, respond, false);
  if (!hook)
    return;
  with_admin_id(ctx, req, respond, "webhook_id",
                [ctx, respond, hook](caller who, int64_t id) mutable {
                  hook->fields.account_id = who.account_id;
                  save_webhook(ctx, webhooks::update(hook->fields, id), respond);
                });
}

void delete_webhook(const context& ctx, http_request& req, responder respond) {
  with_admin_id(ctx, req, respond, "webhook_id", [ctx, respond](caller who, int64_t id) {
    write(
      ctx, write_command{{webhooks::remove(who.account_id, id)}},
      [](write_result& res) { return ok_empty_or_not_found(res.results.at(0)); }, respond);
  });
}

} // namespace

void add_account_webhook_routes(router& routes, const context& ctx) {
  const std::string base = account_base;
  routes.add("GET", base + "/webhooks", bind_context(ctx, list_webhooks));
  routes.add("POST", base + "/webhooks", bind_context(ctx, create_webhook));
  routes.add("PATCH", base + "/webhooks/:webhook_id", bind_context(ctx, update_webhook));
  routes.add("DELETE", base + "/webhooks/:webhook_id", bind_context(ctx, delete_webhook));
}

} // namespace messenger::net::api
