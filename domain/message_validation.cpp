#include "domain/message_validation.hpp"

#include <nlohmann/json.hpp>

namespace messenger::domain {

size_t utf8_length(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80)
      ++count;
  return count;
}

expected<validated_message> validate_message(const message_input& in) {
  validated_message out;
  if (utf8_length(in.content) > max_content_chars)
    return make_unexpected(errc::invalid_argument,
                           "Content is too long (maximum is 150000 characters)");
  out.content = in.content;
  auto type = parse_message_type(in.message_type);
  if (!type)
    return make_unexpected(errc::invalid_argument,
                           "'" + in.message_type + "' is not a valid message_type");
  out.type = *type;
  auto ctype = parse_content_type(in.content_type);
  if (!ctype)
    return make_unexpected(errc::invalid_argument,
                           "'" + in.content_type + "' is not a valid content_type");
  out.content_type = *ctype;
  if (in.status) {
    auto st = parse_message_status(*in.status);
    if (!st)
      return make_unexpected(errc::invalid_argument, "'" + *in.status + "' is not a valid status");
    out.status = *st;
  }
  if (in.attachments > max_attachments)
    return make_unexpected(errc::invalid_argument, "Attachments exceeded maximum allowed");
  if (!in.content_attributes.empty()) {
    auto doc = nlohmann::json::parse(in.content_attributes, nullptr, false);
    if (!doc.is_discarded() && doc.is_string())
      doc = nlohmann::json::parse(doc.get<std::string>(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return make_unexpected(errc::invalid_argument, "content_attributes must be a JSON object");
    out.content_attributes = doc.dump();
  }
  return out;
}

} // namespace messenger::domain
