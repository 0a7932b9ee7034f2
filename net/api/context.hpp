#pragma once

#include "actors/entity_context.hpp"
#include "actors/interfaces.hpp"
#include "net/api/params.hpp"
#include "net/api/secrets.hpp"
#include "net/http_types.hpp"
#include "persistence/queries/row.hpp"

#include <caf/fwd.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// What every API handler uses: the context of actors behind the edge, the requests to them,
/// the common preamble steps and answers. The request readers (params.hpp) and secrets
/// (secrets.hpp) come with it.
namespace messenger::net::api {

struct edge_caches;
struct caller; // net/api/auth.hpp

/// How long the edge waits for an actor's answer (reader, writer, registry, entities).
constexpr auto request_timeout = std::chrono::seconds{30};

/// Short-lived caches of authentication and policy answers (see auth.hpp); `ttl` 0 = off.
std::shared_ptr<edge_caches> make_edge_caches(std::chrono::milliseconds ttl);

/// What the API handlers reach: the actor system and the actors behind the edge.
struct context {
  caf::actor_system* sys = nullptr;
  actors::reader_actor reader;
  actors::writer_actor writer;
  actors::registry_actor registry;
  std::string platform_token;
  actors::dispatcher_actor dispatcher;
  std::shared_ptr<edge_caches> caches;
};

/// errc / caf::error -> HTTP status + Chatwoot's {"error": ...} body.
http_response error_response(const caf::error& err);

/// Chatwoot's answer to ActiveRecord::RecordInvalid (request_exception_handler.rb
/// render_record_invalid): 422 `{"message": "<full messages>", "attributes": [names]}`.
http_response record_invalid(const std::string& message, const std::string& attribute);

/// record_invalid for a uniqueness validation: "Email has already been taken", ["email"].
http_response already_taken(std::string_view attribute);

/// The attribute a unique index validates (Rails' "Email has already been taken"), by the
/// index's name (error_info::constraint); nothing for other constraints.
std::optional<std::string_view> unique_attribute(std::string_view constraint);

/// 404 {"error":"Resource could not be found"} (unknown and foreign ids alike).
http_response not_found();

/// 401 {"error":"You are not authorized to do this action"} (Pundit's denial).
http_response not_admin();

/// The answer of an `ok` callback that handed the request on (it responds later itself):
/// status 0, which `pass_on` filters out.
http_response deferred();

/// A responder that forwards everything but `deferred()` answers.
responder pass_on(responder respond);

/// A route handler written as a named function of the context (`void list_teams(const
/// context&, http_request&, responder)`).
using context_handler = void (*)(const context&, http_request&, responder);

/// `fn` with `ctx` bound, for router::add.
handler bind_context(const context& ctx, context_handler fn);

/// Runs a read query; `ok` builds the response from its rows, errors become responses.
void query(const context& ctx, persistence::statement stmt,
           std::function<http_response(persistence::result_set&)> ok, responder respond);

/// Commits a write command; `ok` builds the response from the committed result.
void write(const context& ctx, persistence::write_command cmd,
           std::function<http_response(persistence::write_result&)> ok, responder respond);

/// A delete through the owners: the registry retires the live entities in `scope` (they
/// finish their writes in flight, then stop) and activates none in it until the delete is
/// over; then `cmd` commits and `ok` answers. Nothing an entity wrote can land after the
/// delete.
void retire_and_write(const context& ctx, actors::retire_scope scope, int64_t id,
                      persistence::write_command cmd,
                      std::function<http_response(persistence::write_result&)> ok,
                      responder respond);

/// with_account_user (auth.hpp), then administrators only: 401 "You are not authorized to
/// do this action" to agents (Pundit's denial).
void with_admin(const context& ctx, const http_request& req, const responder& respond,
                std::function<void(caller)> next);

/// with_account_user, then the `param` id of the path: 404 when it is not an id.
void with_account_user_id(const context& ctx, const http_request& req, const responder& respond,
                          const char* param, std::function<void(caller, int64_t)> next);

/// with_admin, then the `param` id of the path: 404 when it is not an id.
void with_admin_id(const context& ctx, const http_request& req, const responder& respond,
                   const char* param, std::function<void(caller, int64_t)> next);

/// 200 with an empty body (Chatwoot's `head :ok`).
http_response ok_empty();

/// 200 with an empty body when the statement returned a row (a delete's RETURNING id), 404
/// otherwise.
http_response ok_empty_or_not_found(const persistence::result_set& rs);

/// The documents as a JSON array's text.
std::string json_array_text(const std::vector<persistence::queries::json_doc>& docs);

/// 200 with the documents as a JSON array.
http_response json_list(const std::vector<persistence::queries::json_doc>& docs);

/// 200 with the document, 404 when there is none.
http_response json_or_not_found(const std::optional<persistence::queries::json_doc>& doc);

/// Hands an event (of something already committed) to the dispatcher.
void publish(const context& ctx, actors::domain_event ev);

/// contact.created / contact.updated (BEHAVIOUR.md §11) with the contact's JSON as its
/// document (render::contact_document).
void publish_contact(const context& ctx, domain::event_kind kind, int64_t account_id,
                     nlohmann::json contact, actors::performer by);

} // namespace messenger::net::api
