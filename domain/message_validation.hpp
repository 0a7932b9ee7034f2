#pragma once

#include "common/expected.hpp"
#include "domain/types.hpp"

#include <optional>
#include <string>

namespace messenger::domain {

/// A message as it arrives at the domain boundary (strings as the API sent them).
struct message_input {
  std::string content;
  std::string message_type = "outgoing";
  std::string content_type = "text";
  std::optional<std::string> status;
  /// Raw JSON text of content_attributes ("" = absent). Chatwoot also accepts it as a
  /// JSON string holding the object.
  std::string content_attributes;
  size_t attachments = 0;
};

/// The validated form.
struct validated_message {
  std::string content;
  message_type type = message_type::outgoing;
  uint8_t content_type = 0;
  message_status status = message_status::sent;
  std::string content_attributes = "{}"; ///< compact JSON object
};

constexpr size_t max_content_chars = 150000;
constexpr size_t max_attachments = 15;

/// Counts Unicode code points of UTF-8 text (Ruby's String#length).
size_t utf8_length(const std::string& text);

/// Checks every rule of §4 and the enums; the first violation is returned as an
/// `invalid_argument` error with Chatwoot's wording.
expected<validated_message> validate_message(const message_input& in);

} // namespace messenger::domain
