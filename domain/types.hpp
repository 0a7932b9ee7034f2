#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace messenger::domain {

/// Wall-clock time with microsecond resolution (PostgreSQL timestamp(6)). Domain code
/// never reads a clock: `now` is always an argument.
using timestamp = std::chrono::sys_time<std::chrono::microseconds>;
using duration = std::chrono::microseconds;
using opt_time = std::optional<timestamp>;

/// Microseconds since the epoch, the form timestamps take on the wire and in SQL params.
int64_t to_micros(timestamp t);
timestamp from_micros(int64_t us);
/// Epoch seconds (Chatwoot's JSON), 0 for none.
int64_t to_epoch_seconds(const opt_time& t);
/// "2026-11-24 19:00:05.123456" (UTC, PostgreSQL's text form of timestamp(6)).
std::string to_sql(timestamp t);
/// Rails' JSON for a time (microseconds since the epoch): "2026-11-25T02:03:04.567Z".
std::string iso8601(int64_t micros);
std::optional<timestamp> parse_sql_timestamp(std::string_view text);

// Enum values are Chatwoot's integer encodings (DATA_MODEL.md).

enum class conversation_status : uint8_t { open = 0, resolved = 1, pending = 2, snoozed = 3 };
enum class message_type : uint8_t { incoming = 0, outgoing = 1, activity = 2, template_ = 3 };
enum class message_status : uint8_t { sent = 0, delivered = 1, read = 2, failed = 3 };
enum class priority : uint8_t { low = 0, medium = 1, high = 2, urgent = 3 };
enum class availability : uint8_t { online = 0, offline = 1, busy = 2 };
enum class account_role : uint8_t { agent = 0, administrator = 1 };
/// messages.sender_type: a polymorphic class name, or none.
enum class sender_kind : uint8_t { none, contact, user, agent_bot, captain_assistant };

std::string_view to_string(conversation_status x);
std::string_view to_string(message_type x);
std::string_view to_string(message_status x);
std::string_view to_string(priority x);
std::string_view to_string(availability x);
std::string_view to_string(account_role x);
/// "Contact", "User", "AgentBot", "Captain::Assistant" ("" for none).
std::string_view to_string(sender_kind x);

/// A record id written as digits (at most 18, so it fits int64), else nothing.
std::optional<int64_t> parse_id(std::string_view text);

std::optional<conversation_status> parse_conversation_status(std::string_view text);
std::optional<message_type> parse_message_type(std::string_view text);
std::optional<message_status> parse_message_status(std::string_view text);
std::optional<priority> parse_priority(std::string_view text);
std::optional<availability> parse_availability(std::string_view text);
std::optional<sender_kind> parse_sender_kind(std::string_view text);

/// Chatwoot's content_type names: text, input_text, ..., voice_call (0..12).
std::optional<uint8_t> parse_content_type(std::string_view text);
std::string_view content_type_name(uint8_t value);
constexpr uint8_t content_type_count = 13;

} // namespace messenger::domain
