#include "domain/types.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace messenger::domain {

namespace {

constexpr std::array<std::string_view, 4> status_names{"open", "resolved", "pending", "snoozed"};
constexpr std::array<std::string_view, 4> type_names{"incoming", "outgoing", "activity",
                                                     "template"};
constexpr std::array<std::string_view, 4> message_status_names{"sent", "delivered", "read",
                                                               "failed"};
constexpr std::array<std::string_view, 4> priority_names{"low", "medium", "high", "urgent"};
constexpr std::array<std::string_view, 3> availability_names{"online", "offline", "busy"};
constexpr std::array<std::string_view, 2> role_names{"agent", "administrator"};
constexpr std::array<std::string_view, 5> sender_names{"", "Contact", "User", "AgentBot",
                                                       "Captain::Assistant"};
constexpr std::array<std::string_view, content_type_count> content_type_names{
  "text",         "input_text", "input_textarea", "input_email",    "input_select",
  "cards",        "form",       "article",        "incoming_email", "input_csat",
  "integrations", "sticker",    "voice_call"};

template <class Enum, size_t N>
std::optional<Enum> parse_by_name(const std::array<std::string_view, N>& names,
                                  std::string_view text) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == text && !names[i].empty())
      return static_cast<Enum>(i);
  return std::nullopt;
}

template <size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, size_t index) {
  return index < N ? names[index] : std::string_view{};
}

} // namespace

std::string iso8601(int64_t micros) {
  auto secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((micros / 1000) % 1000));
  return buf;
}

int64_t to_micros(timestamp t) {
  return t.time_since_epoch().count();
}

timestamp from_micros(int64_t us) {
  return timestamp{duration{us}};
}

int64_t to_epoch_seconds(const opt_time& t) {
  if (!t)
    return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

std::string to_sql(timestamp t) {
  auto us = to_micros(t);
  auto secs = us / 1000000;
  auto frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%06lld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

std::optional<timestamp> parse_sql_timestamp(std::string_view text) {
  // "YYYY-MM-DD HH:MM:SS[.ffffff]" (PostgreSQL timestamp without time zone, UTC by convention)
  if (text.size() < 19)
    return std::nullopt;
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string head{text.substr(0, 19)};
  if (std::sscanf(head.c_str(), "%4d-%2d-%2d%*c%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                  &second)
      != 6)
    return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  auto secs = static_cast<int64_t>(timegm(&tm));
  int64_t micros = 0;
  if (text.size() > 20 && text[19] == '.') {
    int digits = 0;
    for (size_t i = 20; i < text.size() && digits < 6 && text[i] >= '0' && text[i] <= '9';
         ++i, ++digits)
      micros = micros * 10 + (text[i] - '0');
    for (; digits < 6; ++digits)
      micros *= 10;
  }
  return from_micros(secs * 1000000 + micros);
}

std::string_view to_string(conversation_status x) {
  return name_of(status_names, static_cast<size_t>(x));
}
std::string_view to_string(message_type x) {
  return name_of(type_names, static_cast<size_t>(x));
}
std::string_view to_string(message_status x) {
  return name_of(message_status_names, static_cast<size_t>(x));
}
std::string_view to_string(priority x) {
  return name_of(priority_names, static_cast<size_t>(x));
}
std::string_view to_string(availability x) {
  return name_of(availability_names, static_cast<size_t>(x));
}
std::string_view to_string(account_role x) {
  return name_of(role_names, static_cast<size_t>(x));
}
std::string_view to_string(sender_kind x) {
  return name_of(sender_names, static_cast<size_t>(x));
}

std::optional<int64_t> parse_id(std::string_view text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != text.npos)
    return std::nullopt;
  int64_t value = 0;
  for (char c : text)
    value = value * 10 + (c - '0');
  return value;
}

std::optional<conversation_status> parse_conversation_status(std::string_view text) {
  return parse_by_name<conversation_status>(status_names, text);
}
std::optional<message_type> parse_message_type(std::string_view text) {
  return parse_by_name<message_type>(type_names, text);
}
std::optional<message_status> parse_message_status(std::string_view text) {
  return parse_by_name<message_status>(message_status_names, text);
}
std::optional<priority> parse_priority(std::string_view text) {
  return parse_by_name<priority>(priority_names, text);
}
std::optional<availability> parse_availability(std::string_view text) {
  return parse_by_name<availability>(availability_names, text);
}
std::optional<sender_kind> parse_sender_kind(std::string_view text) {
  return parse_by_name<sender_kind>(sender_names, text);
}
std::optional<uint8_t> parse_content_type(std::string_view text) {
  return parse_by_name<uint8_t>(content_type_names, text);
}
std::string_view content_type_name(uint8_t value) {
  return name_of(content_type_names, value);
}

} // namespace messenger::domain
