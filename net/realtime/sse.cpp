#include "domain/types.hpp"
#include "net/api/auth.hpp"
#include "net/realtime.hpp"
#include "persistence/queries/realtime.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace messenger::net {

namespace {

namespace rt = domain::realtime;
namespace queries = persistence::queries::realtime;

/// The account from the path; the token from the header or ?api_access_token=.
void normalize(http_request& req) {
  static const std::string prefix = "/api/v1/accounts/";
  req.params["account_id"] = req.path.substr(prefix.size(), req.path.rfind('/') - prefix.size());
  if (req.header("api_access_token").empty())
    if (auto it = req.query.find("api_access_token"); it != req.query.end())
      req.headers["api_access_token"] = it->second;
}

/// `Last-Event-ID` (header, or ?last_event_id=).
std::optional<uint64_t> last_event_id(const http_request& req) {
  auto last = req.header("last-event-id");
  if (last.empty())
    if (auto it = req.query.find("last_event_id"); it != req.query.end())
      last = it->second;
  if (auto parsed = domain::parse_id(last))
    return static_cast<uint64_t>(*parsed);
  return std::nullopt;
}

/// Opens the stream for the authenticated agent, with the inboxes it is a member of.
void open_for(const api::context& ctx, const std::shared_ptr<cable_hub>& hub,
              std::weak_ptr<sse_connection> weak, std::optional<uint64_t> last_id,
              const api::caller& who, const responder& respond) {
  api::query(
    ctx, queries::agent_inboxes(who.user_id, who.account_id),
    [hub, weak, last_id, who](persistence::result_set& rs) {
      auto conn = weak.lock();
      if (!conn)
        return api::deferred();
      rt::subscriber sub;
      sub.account_id = who.account_id;
      sub.user_id = who.user_id;
      sub.administrator = who.administrator;
      sub.inboxes = queries::read_agent_inboxes(rs);
      hub->open_stream(conn, std::move(sub), last_id);
      return api::deferred();
    },
    respond);
}

} // namespace

std::shared_ptr<sse_handler> make_sse_handler(const api::context& ctx,
                                              std::shared_ptr<cable_hub> hub) {
  auto sse = std::make_shared<sse_handler>();
  sse->closed = [hub](const sse_connection* c) { hub->close_stream(c); };
  sse->opened = [ctx, hub](const std::shared_ptr<sse_connection>& c, http_request req) {
    normalize(req);
    auto last_id = last_event_id(req);
    std::weak_ptr<sse_connection> weak = c;
    responder respond = [weak](http_response res) {
      if (auto conn = weak.lock(); conn && res.status != 0)
        conn->reject(std::move(res));
    };
    api::with_account_user(ctx, req, respond, [ctx, hub, weak, last_id, respond](api::caller who) {
      open_for(ctx, hub, weak, last_id, who, respond);
    });
  };
  return sse;
}

} // namespace messenger::net
