#pragma once

#include "actors/records.hpp"
#include "net/api/context.hpp"
#include "net/router.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace messenger::net::api {

/// Application API on a conversation's messages: list (before/after), create, delete. Every
/// write goes through the conversation actor and is answered after its commit.
void add_message_routes(router& routes, const context& ctx);

/// The 422 of a message that failed domain::validate_message: Chatwoot's enum assignment
/// errors ("'x' is not a valid message_type", an ArgumentError rescued as is) bare, model
/// validations prefixed "Validation failed: ".
http_response invalid_message(const std::string& detail);

/// A message body's `content` as text ("" when absent; numbers as Rails coerces them);
/// objects and arrays are answered with 422 and give nothing.
std::optional<std::string> message_content(const nlohmann::json& body, const responder& respond);

/// Creates a message through the conversation actor and answers it (message JSON passed
/// through `shape` when given). A source_id or echo_id the inbox already holds answers the
/// stored message (200) and creates nothing, also when a concurrent retry wins the race.
void create_message(const context& ctx, int64_t inbox_id, int64_t conversation_id,
                    int64_t display_id, actors::message_command cmd, responder respond,
                    std::function<nlohmann::json(nlohmann::json)> shape = {});

} // namespace messenger::net::api
