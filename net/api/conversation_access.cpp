#include "net/api/conversation_access.hpp"

#include "persistence/queries/conversations.hpp"

#include <string>

namespace messenger::net::api {

namespace {

namespace queries = persistence::queries::conversations;

/// The policy's answer for one conversation: 401 when denied, else `next` runs (deferred).
http_response proceed(const conversation_access& a, const caller& who, int64_t display,
                      const std::function<void(conversation_target)>& next) {
  if (!a.allowed)
    return http_response::error(401, "You are not authorized to do this action");
  next(conversation_target{who, a.conversation_id, a.inbox_id, a.contact_id, display});
  return deferred();
}

/// Reads the access from PostgreSQL (and caches a grant).
void read_access(const context& ctx, const caller& who, int64_t display, const std::string& key,
                 const responder& respond, std::function<void(conversation_target)> next) {
  query(
    ctx, queries::access({who.account_id, display, who.administrator, who.user_id}),
    [ctx, key, who, display, next](persistence::result_set& rs) -> http_response {
      auto row = queries::read_access(rs);
      if (!row)
        return http_response::error(404, "Resource could not be found");
      conversation_access a{row->id, row->inbox_id, row->contact_id, row->allowed};
      if (ctx.caches && a.allowed) // grants count at once, revocations within the TTL
        ctx.caches->access.put(key, a);
      return proceed(a, who, display, next);
    },
    pass_on(respond));
}

} // namespace

void with_conversation(const context& ctx, const http_request& req, const responder& respond,
                       std::function<void(conversation_target)> next) {
  auto display = id_param(req, "conversation_id");
  with_account_user(ctx, req, respond, [ctx, display, respond, next](caller who) {
    if (!display)
      return respond(http_response::error(404, "Resource could not be found"));
    auto key = std::to_string(who.user_id) + "/" + std::to_string(who.account_id) + "/"
               + std::to_string(*display);
    if (ctx.caches)
      if (auto hit = ctx.caches->access.get(key)) {
        auto answer = proceed(*hit, who, *display, next);
        if (answer.status != 0)
          respond(std::move(answer));
        return;
      }
    read_access(ctx, who, *display, key, respond, next);
  });
}

actors::performer performer_of(const caller& who) {
  return {"User", who.user_id, who.name, who.administrator};
}

} // namespace messenger::net::api
